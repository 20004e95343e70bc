// Programs LD_PRELOAD cannot reach (issue 6): the launcher's TypeScript check
// (src/cli/program-check.ts) and the shim's C check (native-shims/exec-guard.c, built as
// sockswrap-exec-check) agree on fixtures compiled here with gcc.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProgram, execCheckPath } from '../../src/cli/program-check';
import { shimPath } from '../../src/cli/launcher';
import { skipUnless } from '../helpers/peer-gate';

const root = process.getuid?.() === 0;

describe('program check: TypeScript and the shim agree', () => {
  let dir: string;
  const expected = new Map<string, string>();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sw-progcheck-'));
    chmodSync(dir, 0o755);
    const c = join(dir, 'hello.c');
    writeFileSync(c, '#include <stdio.h>\nint main(void){puts("hi");return 0;}\n');
    const go = join(dir, 'go.c');
    writeFileSync(go, '__attribute__((section(".go.buildinfo"), used)) static const char b[16] = "\\xff Go buildinf:";\nint main(void){return 0;}\n');
    const note = join(dir, 'note.s');
    writeFileSync(note, '.section .note.go.buildid,"a",@note\n.balign 4\n.long 4\n.long 8\n.long 4\n.asciz "Go"\n.balign 4\n.ascii "abcdefgh"\n.text\n.globl main\nmain:\nxor %eax,%eax\nret\n.section .note.GNU-stack,"",@progbits\n');
    const cc = (args: string[]) => {
      const r = spawnSync('gcc', args, { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    cc(['-o', join(dir, 'dynamic'), c]);
    cc(['-static', '-o', join(dir, 'static'), c]);
    cc(['-static-pie', '-o', join(dir, 'static-pie'), c]);
    cc(['-o', join(dir, 'go-section'), go]);
    if (process.arch === 'x64') cc(['-o', join(dir, 'go-note'), note]);
    const elf = readFileSync(join(dir, 'dynamic'));
    elf.writeUInt16LE(0xb7, 18); // e_machine: another architecture
    writeFileSync(join(dir, 'foreign'), elf);
    chmodSync(join(dir, 'foreign'), 0o755);
    copyFileSync(join(dir, 'dynamic'), join(dir, 'setuid'));
    if (root) chownSync(join(dir, 'setuid'), 65534, 65534);
    chmodSync(join(dir, 'setuid'), 0o4755);
    writeFileSync(join(dir, 'script-static'), `#!${join(dir, 'static')}\n`);
    writeFileSync(join(dir, 'script-env'), '#!/usr/bin/env -S static\n');
    writeFileSync(join(dir, 'script-sh'), '#!/bin/sh\necho hi\n');
    for (const s of ['script-static', 'script-env', 'script-sh']) chmodSync(join(dir, s), 0o755);
    expected.set('dynamic', 'hookable');
    expected.set('static', 'static');
    expected.set('static-pie', 'static');
    expected.set('go-section', 'go');
    if (process.arch === 'x64') expected.set('go-note', 'go');
    expected.set('foreign', 'foreign');
    expected.set('setuid', root ? 'setuid' : 'hookable');
    expected.set('script-static', 'static');
    expected.set('script-sh', 'hookable');
    expected.set('/bin/sh', 'hookable');
    expected.set('/lib64/ld-linux-x86-64.so.2', 'hookable');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('each fixture gets the expected verdict from both checks', () => {
    for (const [name, kind] of expected) {
      const file = name.startsWith('/') ? name : join(dir, name);
      const ts = checkProgram(file).unhooked?.kind ?? 'hookable';
      assert.equal(ts, kind, `TypeScript verdict for ${name}`);
      if (name.startsWith('/lib64') && process.arch !== 'x64') continue;
      const c = spawnSync(execCheckPath(shimPath()), [file], { encoding: 'utf8' });
      assert.equal(c.stdout.split('\t')[0], kind, `C verdict for ${name}: ${c.stdout}${c.stderr}`);
    }
  });

  test('#!/usr/bin/env NAME is followed through PATH', () => {
    const r = checkProgram(join(dir, 'script-env'), { path: `${dir}:/usr/bin:/bin` });
    assert.equal(r.unhooked?.kind, 'static');
    assert.equal(r.unhooked?.file, join(dir, 'static'));
  });

  test('bare names are resolved through PATH; a missing program is not judged', () => {
    assert.equal(checkProgram('static', { path: dir }).resolved, join(dir, 'static'));
    assert.equal(checkProgram('no-such-program-here', { path: dir }).resolved, undefined);
    assert.equal(checkProgram('sh').unhooked, undefined);
  });

  test('file capabilities are refused for a non-root caller (via the C checker)', { skip: !root ? 'needs root' : skipUnless(['setcap']) }, () => {
    const capped = join(dir, 'capped');
    copyFileSync(join(dir, 'dynamic'), capped);
    chmodSync(capped, 0o755);
    assert.equal(spawnSync('setcap', ['cap_net_raw+ep', capped]).status, 0);
    const asNobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', execCheckPath(shimPath()), capped], { encoding: 'utf8' });
    assert.match(asNobody.stdout, /^caps\t/);
    const asRoot = spawnSync(execCheckPath(shimPath()), [capped], { encoding: 'utf8' });
    assert.match(asRoot.stdout, /^hookable\t/, 'for root, capabilities do not make the exec secure');
  });
});
