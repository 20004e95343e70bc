// The program checker's remembered "hookable" verdicts (src/cli/program-verdict-cache.ts): a
// verdict comes back only while every file and PATH directory it was drawn from is as it was, and
// for the same question; anything else asks the checker again.
import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VerdictCache, hasNoNewPrivs, type VerdictQuestion } from '../../src/cli/program-verdict-cache';
import type { ProgramCheck } from '../../src/cli/program-check';

/** Files written now look settled to a cache whose clock is a minute ahead. */
const later = () => Date.now() + 60_000;
/** A process without no_new_privs, whatever the test runs under. */
const plain = () => false;

describe('program verdict cache', () => {
  let dir: string, early: string, late: string, prog: string, lib: string, file: string, q: VerdictQuestion, hookable: ProgramCheck;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sw-verdicts-'));
    early = join(dir, 'early');
    late = join(dir, 'late');
    mkdirSync(early);
    mkdirSync(late);
    prog = join(late, 'prog');
    writeFileSync(prog, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    lib = join(dir, 'libcheck.so');
    writeFileSync(lib, 'checker');
    file = join(dir, 'cache', 'program-verdicts.json');
    q = { target: 'prog', path: `${early}:${late}`, allowed: false, library: lib, cwd: dir };
    hookable = { kind: 'hookable', resolved: prog, interpreters: ['/bin/sh'] };
  });

  const stored = () => {
    new VerdictCache(file, later, plain).put(q, hookable);
    return new VerdictCache(file, later);
  };

  it('a stored verdict comes back, from the file, for the same question', () => {
    assert.deepEqual(stored().get(q), hookable);
    assert.equal(stored().get({ ...q, allowed: true }), undefined, '--allow-unhooked is another question');
    assert.equal(stored().get({ ...q, path: late }), undefined, 'another PATH');
    assert.equal(stored().get({ ...q, library: prog }), undefined, 'another checker');
    rmSync(dir, { recursive: true, force: true });
  });

  it('the program rewritten, its mode changed, or replaced: asked again', () => {
    let cache = stored();
    utimesSync(prog, new Date(2020, 1, 1), new Date(2020, 1, 1));
    assert.equal(cache.get(q), undefined, 'mtime');
    cache = stored();
    chmodSync(prog, 0o4755);
    assert.equal(cache.get(q), undefined, 'setuid bit');
    cache = stored();
    unlinkSync(prog);
    writeFileSync(prog, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    assert.equal(cache.get(q), undefined, 'a new file at the same path');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a program of that name put earlier on PATH, or the checker rebuilt: asked again', () => {
    let cache = stored();
    writeFileSync(join(early, 'prog'), 'static?', { mode: 0o755 });
    assert.equal(cache.get(q), undefined, 'PATH directory changed');
    cache = stored();
    writeFileSync(lib, 'checker, rebuilt');
    assert.equal(cache.get(q), undefined, 'checker library changed');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a symlinked program re-pointed: asked again', () => {
    const real1 = join(dir, 'real1');
    const real2 = join(dir, 'real2');
    writeFileSync(real1, 'one', { mode: 0o755 });
    writeFileSync(real2, 'two', { mode: 0o755 });
    unlinkSync(prog);
    symlinkSync(real1, prog);
    const cache = stored();
    assert.deepEqual(cache.get(q), hookable);
    unlinkSync(prog);
    symlinkSync(real2, prog);
    assert.equal(cache.get(q), undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('only hookable verdicts of settled files are kept; a bad file is a miss and is rewritten', () => {
    new VerdictCache(file, later, plain).put(q, { kind: 'static', resolved: prog, interpreters: [], reason: 'r', message: 'm' });
    assert.equal(new VerdictCache(file, later).get(q), undefined, 'static is asked every time');
    new VerdictCache(file, Date.now, plain).put(q, hookable);
    assert.equal(new VerdictCache(file, later).get(q), undefined, 'a file changed just now is not trusted yet');
    mkdirSync(join(dir, 'cache'), { recursive: true });
    writeFileSync(file, '{"format":1,"entries":[{"key":1}]');
    assert.equal(new VerdictCache(file, later).get(q), undefined);
    assert.deepEqual(stored().get(q), hookable);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a file of that name earlier on PATH that becomes executable, or a dangling link there whose target appears: asked again', () => {
    const shadow = join(early, 'prog');
    writeFileSync(shadow, 'not yet', { mode: 0o644 });
    let cache = stored();
    assert.deepEqual(cache.get(q), hookable);
    chmodSync(shadow, 0o755);
    assert.equal(cache.get(q), undefined, 'chmod +x');
    unlinkSync(shadow);
    const target = join(dir, 'appears');
    symlinkSync(target, shadow);
    cache = stored();
    assert.deepEqual(cache.get(q), hookable);
    writeFileSync(target, 'now', { mode: 0o755 });
    assert.equal(cache.get(q), undefined, 'the link\'s target appeared');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a NAME that #!/usr/bin/env searched, earlier on PATH, made executable: asked again', () => {
    const py = join(late, 'py');
    writeFileSync(py, '', { mode: 0o755 });
    const viaEnv: ProgramCheck = { kind: 'hookable', resolved: prog, interpreters: ['/usr/bin/env', py] };
    const shadow = join(early, 'py');
    writeFileSync(shadow, '', { mode: 0o644 });
    new VerdictCache(file, later, plain).put(q, viaEnv);
    const cache = new VerdictCache(file, later);
    assert.deepEqual(cache.get(q), viaEnv);
    chmodSync(shadow, 0o755);
    assert.equal(cache.get(q), undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('entries of the format before (no PATH search recorded, maybe made under no_new_privs) are not taken', () => {
    stored();
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"format":2', '"format":1'));
    assert.equal(new VerdictCache(file, later).get(q), undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('nothing is kept under no_new_privs (setuid programs look hookable there), when that is unknown, or with PATH unset', () => {
    new VerdictCache(file, later, () => true).put(q, hookable);
    assert.equal(new VerdictCache(file, later).get(q), undefined, 'no_new_privs');
    new VerdictCache(file, later, () => undefined).put(q, hookable);
    assert.equal(new VerdictCache(file, later).get(q), undefined, 'unknown');
    new VerdictCache(file, later, plain).put({ ...q, path: undefined }, hookable);
    assert.equal(new VerdictCache(file, later).get({ ...q, path: undefined }), undefined, 'PATH unset');
    // The reader itself: a process started with the flag says so.
    const r = spawnSync('setpriv', ['--no-new-privs', process.execPath, '-e', `console.log(require(${JSON.stringify(require.resolve('../../src/cli/program-verdict-cache'))}).hasNoNewPrivs())`], { encoding: 'utf8' });
    assert.equal(r.stdout, 'true\n', r.stderr);
    assert.equal(typeof hasNoNewPrivs(), 'boolean');
    rmSync(dir, { recursive: true, force: true });
  });
});
