// src/cli/module-cache.ts: the start-up cache of resolutions and V8 code caches. A package of two
// modules in a temp dir, run in fresh node processes: the first run writes the cache, a later one
// runs the same code from it, and a module edited since is loaded as it is now, never as cached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
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
  assert.equal(run(), 'first true', 'the same result from the cache');
  // Same size, new content and mtime: V8's check and ours must both reject the cached code.
  write('word.js', "exports.word = 'other';\n");
  utimesSync(join(root, 'word.js'), new Date(), new Date(Date.now() + 5000));
  assert.equal(run(), 'other true');
  assert.equal(run(), 'other true');
});
