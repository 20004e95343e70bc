// src/cli/module-cache.ts: the start-up cache of resolutions and V8 code caches. A package of two
// modules in a temp dir, run in fresh node processes: the first run writes the cache, a later one
// runs the same code from it, and a module edited since is loaded as it is now, never as cached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODULE_CACHE = join(__dirname, '..', '..', 'src', 'cli', 'module-cache.js');

test('module cache: written by the first run, used by the next, and an edited module is never run stale', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sw-modcache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'pkg');
  const cache = join(dir, 'cache');
  const main = join(root, 'main.js');
  const write = (name: string, text: string) => writeFileSync(join(root, name), text);
  require('node:fs').mkdirSync(root);
  write('main.js', "module.exports = () => require('./word').word + ' ' + require.resolve('./word').endsWith('word.js');\n");
  write('word.js', "exports.word = 'first';\n");
  const boot = `require(${JSON.stringify(MODULE_CACHE)}).useModuleCache(${JSON.stringify(root)}, ${JSON.stringify(main)}); console.log(require(${JSON.stringify(main)})());`;
  const run = () => {
    const r = spawnSync(process.execPath, ['-e', boot], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache, SOCKSWRAP_MODULE_CACHE: '' } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  assert.equal(run(), 'first true');
  const files = readdirSync(join(cache, 'sockswrap'));
  assert.equal(files.length, 1, 'one cache file');
  // Dated back, then read by a run: touched, since pruning goes by the time of last use.
  const written = join(cache, 'sockswrap', files[0]!);
  utimesSync(written, new Date(2000, 0, 1), new Date(2000, 0, 1));
  assert.equal(run(), 'first true', 'the same result from the cache');
  assert.ok(statSync(written).mtimeMs > new Date(2001, 0, 1).getTime(), 'a cache file read is marked used');
  // Same size, new content and mtime: V8's check and ours must both reject the cached code.
  write('word.js', "exports.word = 'other';\n");
  utimesSync(join(root, 'word.js'), new Date(), new Date(Date.now() + 5000));
  assert.equal(run(), 'other true');
  assert.equal(run(), 'other true');
});

test('module cache: a directory of cache files keeps the most recent few, the one just written among them, and nothing else of ours or not is touched', (t) => {
  const { KEPT_CACHE_FILES, pruneCacheFiles } = require(MODULE_CACHE) as { KEPT_CACHE_FILES: number; pruneCacheFiles(dir: string, keep: string): void };
  const dir = mkdtempSync(join(tmpdir(), 'sw-modcache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const names: string[] = [];
  for (let i = 0; i < 12; i++) {
    const name = `${i % 2 ? 'modules' : 'outside-snapshot'}-v20.0.0-${i}.bin`;
    writeFileSync(join(dir, name), 'x');
    utimesSync(join(dir, name), new Date(1_000_000 + i * 1000), new Date(1_000_000 + i * 1000));
    names.push(name);
  }
  writeFileSync(join(dir, 'program-verdicts.json'), '{}');
  mkdirSync(join(dir, 'modules-v20.0.0-dir.bin.d'));
  // The oldest is the one just written (its mtime says otherwise: it must stay all the same).
  pruneCacheFiles(dir, join(dir, names[0]!));
  const left = readdirSync(dir).sort();
  const newest = names.slice(-(KEPT_CACHE_FILES - 1));
  assert.deepEqual(left, [names[0]!, ...newest, 'modules-v20.0.0-dir.bin.d', 'program-verdicts.json'].sort());
});
