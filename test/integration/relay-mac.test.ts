// The UDP relay's MAC (docs/udp.md): the shim's C HMAC-SHA256 (native-shims/core/relay-mac.c) accepts
// exactly the tags the agent writes (src/wire/udp-datagram.ts, Node's crypto), for payloads of
// every size around SHA-256's block boundaries and up to a full datagram, cut anywhere across the
// program's buffers; and refuses a tag with one bit changed, or one made with another key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TAG_LEN, UDP_HEADER_LEN, replyTag, serializeUdpReply } from '../../src/wire';
import { REPO } from '../helpers/sockswrap';
import { skipUnless } from '../helpers/peer-gate';

/** A deterministic byte stream (xorshift), so a failure is reproducible. */
function bytes(seed: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

test('the C check accepts the agent\'s tags and nothing else', { skip: skipUnless(['gcc']) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sw-relay-mac-'));
  try {
    const harness = join(dir, 'relay-mac-check');
    const cc = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-I', join(REPO, 'native-shims'), '-o', harness,
      join(REPO, 'test', 'fixtures', 'relay-mac-check.c'), join(REPO, 'native-shims', 'core', 'relay-mac.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const sizes = [0, 1, 8, 36, 37, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 1472, 65480];
    const lines: string[] = [];
    const expected: string[] = [];
    sizes.forEach((size, i) => {
      const key = bytes(1000 + i, 16);
      const payload = bytes(2000 + i, size);
      const reply = serializeUdpReply(key, Buffer.from([4, 198, 19, 1, 1, 0x1b, 0x5f]), payload);
      const head = reply.subarray(TAG_LEN, UDP_HEADER_LEN);
      const tag = reply.subarray(0, TAG_LEN);
      assert.deepEqual(tag, replyTag(key, head, payload));
      const p = size ? payload.toString('hex') : '-';
      for (const split of [0, Math.floor(size / 3), size]) {
        lines.push(`${key.toString('hex')} ${head.toString('hex')} ${p} ${tag.toString('hex')} ${split}`);
        expected.push('1');
      }
      const flipped = Buffer.from(tag);
      flipped[i % 8]! ^= 1 << (i % 8);
      lines.push(`${key.toString('hex')} ${head.toString('hex')} ${p} ${flipped.toString('hex')} 0`);
      expected.push('0');
      lines.push(`${bytes(3000 + i, 16).toString('hex')} ${head.toString('hex')} ${p} ${tag.toString('hex')} 0`);
      expected.push('0');
    });
    const run = spawnSync(harness, { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 24 });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
