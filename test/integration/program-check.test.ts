// The launcher's question to the shim's program checker (native-shims/core/program-check.c,
// built as libsockswrap-check.so and called through ffi-rs): the structured answer, the part the
// exec hook (and issue 14's exec helper) reads too. That the launcher and the exec hook print the
// same verdict is test/e2e/program-verdict.test.ts.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLibraryPath, checkProgram, CheckerUnavailable, gateProgram, type CheckOptions } from '../../src/cli/program-check';
import { shimPath } from '../../src/cli/launcher';
import { needTool } from '../helpers/peer-gate';

describe('program checker: the answer the launcher gets', { skip: needTool('gcc', 'build-essential') }, () => {
  let dir: string;
  let opts: CheckOptions;
  const script = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    chmodSync(file, 0o755);
    return file;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sw-progcheck-'));
    const c = join(dir, 'hi.c');
    writeFileSync(c, 'int main(void){return 0;}\n');
    for (const [out, extra] of [['dynamic', []], ['static', ['-static']]] as const) {
      const r = spawnSync('gcc', [...extra, '-o', join(dir, out), c], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    opts = { library: checkLibraryPath(shimPath()), path: `${dir}:/usr/bin:/bin` };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a hookable program: its resolved path, kind, and nothing else', () => {
    assert.deepEqual(checkProgram('dynamic', opts), { resolved: join(dir, 'dynamic'), kind: 'hookable', interpreters: [] });
    assert.equal(checkProgram('sh', opts).kind, 'hookable');
  });

  test('a refused program: kind, the file it is about, the reason and the message', () => {
    const r = checkProgram(join(dir, 'static'), opts);
    assert.equal(r.kind, 'static');
    assert.equal(r.file, join(dir, 'static'));
    assert.match(r.reason!, /^is statically linked/);
    assert.equal(r.message, `refusing to run ${join(dir, 'static')}: it ${r.reason} (sockswrap --allow-unhooked runs it anyway, unproxied)`);
    assert.equal(checkProgram(join(dir, 'static'), { ...opts, allowed: true }).message,
      `warning: running ${join(dir, 'static')}: it ${r.reason} (--allow-unhooked: its traffic is NOT proxied)`);
  });

  test('relative commands are taken from cwd, bare names from PATH; a missing one is not judged', () => {
    assert.equal(checkProgram('./static', { ...opts, cwd: dir }).resolved, join(dir, 'static'));
    assert.equal(checkProgram('static', opts).kind, 'static');
    assert.deepEqual(checkProgram('no-such-program-here', opts), { kind: 'hookable', interpreters: [] });
    assert.equal(checkProgram('static', { ...opts, path: '/usr/bin:/bin' }).resolved, undefined);
    // PATH unset: glibc's default (/bin:/usr/bin), as execvp and env use.
    assert.equal(checkProgram('sh', { ...opts, path: null }).resolved, '/bin/sh');
  });

  test('`..` after a link is the kernel\'s: LINK/../tool is the tool beside the link\'s target, as exec finds it', () => {
    // other/bin is where `bin-link` points; other/tool is static. exec of bin-link/../tool runs other/tool;
    // taking `..` apart by its text would judge DIR/tool instead (missing: left to the kernel, unhooked).
    mkdirSync(join(dir, 'other', 'bin'), { recursive: true });
    copyFileSync(join(dir, 'static'), join(dir, 'other', 'tool'));
    symlinkSync(join(dir, 'other', 'bin'), join(dir, 'bin-link'));
    assert.equal(checkProgram('bin-link/../tool', { ...opts, cwd: dir, cache: null }).kind, 'static');
    assert.equal(checkProgram('./other/./tool', { ...opts, cwd: dir, cache: null }).resolved, join(dir, 'other', 'tool'));
  });

  test('the gate: a name found on PATH is spawned as the file judged (./NAME from an empty entry); a command with a slash as given', (t) => {
    script('gate-tool', '#!/bin/sh\n');
    const saved = { path: process.env.PATH, cwd: process.cwd(), cache: process.env.SOCKSWRAP_CHECK_CACHE };
    t.after(() => {
      process.env.PATH = saved.path;
      process.chdir(saved.cwd);
      if (saved.cache === undefined) delete process.env.SOCKSWRAP_CHECK_CACHE;
      else process.env.SOCKSWRAP_CHECK_CACHE = saved.cache;
    });
    process.env.SOCKSWRAP_CHECK_CACHE = '0';
    process.chdir(dir);
    process.env.PATH = ':/usr/bin:/bin';
    assert.equal(gateProgram('gate-tool', false, shimPath()).resolved, './gate-tool', 'spawn would search PATH again for a bare name');
    process.env.PATH = `${dir}:/usr/bin:/bin`;
    assert.equal(gateProgram('gate-tool', false, shimPath()).resolved, join(dir, 'gate-tool'));
    assert.equal(gateProgram('./gate-tool', false, shimPath()).resolved, undefined);
  });

  test('the interpreter chain: #!, env NAME on the PATH given, env -S with -i and PATH=', () => {
    const inner = script('inner', `#!${join(dir, 'static')}\n`);
    const outer = script('outer', `#!${inner}\n`);
    assert.deepEqual(checkProgram(outer, opts).interpreters, [inner, join(dir, 'static')]);
    assert.equal(checkProgram(outer, opts).file, join(dir, 'static'));
    const env = script('env-static', '#!/usr/bin/env static\n');
    assert.deepEqual(checkProgram(env, opts).interpreters, ['/usr/bin/env', join(dir, 'static')]);
    assert.match(checkProgram(env, opts).message!, / it is a script run by \S+\/static \(through \/usr\/bin\/env\), which is statically linked/);
    // Not on the PATH the program gets: env fails by itself; env is what is judged.
    assert.deepEqual(checkProgram(env, { ...opts, path: '/usr/bin:/bin' }), { resolved: env, kind: 'hookable', interpreters: ['/usr/bin/env'] });
    // env -S -i clears PATH (so static is not found); PATH= sets the one env searches.
    assert.equal(checkProgram(script('env-i', '#!/usr/bin/env -S -i static\n'), opts).kind, 'hookable');
    assert.equal(checkProgram(script('env-path', `#!/usr/bin/env -S -i PATH=${dir} static\n`), { ...opts, path: '/usr/bin' }).kind, 'static');
    // Without -S the rest of the line is one name, spaces and all (as the kernel passes it).
    assert.equal(checkProgram(script('env-spaced', '#!/usr/bin/env static --flag\n'), opts).kind, 'hookable');
    // Quoting is not emulated: env itself is judged (it runs hooked; its exec is judged then).
    assert.equal(checkProgram(script('env-quoted', '#!/usr/bin/env -S "static"\n'), opts).kind, 'hookable');
  });

  test('five nested #! (the kernel\'s limit) still reach the static binary at the end', () => {
    let prev = join(dir, 'static');
    for (let i = 1; i <= 5; i++) prev = script(`nest${i}`, `#!${prev}\n`);
    const r = checkProgram(prev, opts);
    assert.equal(r.kind, 'static');
    assert.equal(r.interpreters.length, 5);
  });

  test('a symlink is judged by its target; a directory or a non-ELF file is left to the kernel', () => {
    symlinkSync(join(dir, 'static'), join(dir, 'link'));
    assert.equal(checkProgram(join(dir, 'link'), opts).kind, 'static');
    assert.equal(checkProgram(dir, opts).kind, 'hookable');
    assert.equal(checkProgram(script('text', 'echo hi\n'), opts).kind, 'hookable');
  });

  test('a checker that cannot be loaded is an error the launcher refuses on, not a verdict', () => {
    assert.throws(() => checkProgram('sh', { ...opts, library: join(dir, 'no-such-library.so') }), CheckerUnavailable);
  });
});
