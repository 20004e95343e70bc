// The shim's C wire codec (native-shims/core/wire-codec.c) against the golden frames that src/wire
// is tested with (test/vectors/wire-frames.json): native-shims/test/wire-codec-test.c, built by
// `npm run build`, encodes every request the shim sends from a vector's fields and compares the
// bytes, decodes every response it reads and compares the fields, and fails on a vector it has no
// check for. No root, no network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/sockswrap';

test('the C codec encodes and decodes every golden frame as src/wire does', () => {
  const program = join(REPO, 'native-shims', 'build', 'wire-codec-test');
  const r = spawnSync(program, { encoding: 'utf8' });
  assert.equal(r.error, undefined, `${program} did not run (run \`npm run build\`): ${String(r.error)}`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const m = /^wire-codec: (\d+) checks over (\d+) frames, 0 failed$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  const frames = (JSON.parse(readFileSync(join(REPO, 'test', 'vectors', 'wire-frames.json'), 'utf8')) as { frames: unknown[] }).frames;
  assert.equal(Number(m[2]), frames.length, 'the C test saw another set of frames than the JSON');
  assert.ok(Number(m[1]) > frames.length * 3, `only ${m[1]} checks`);
});
