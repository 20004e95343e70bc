#!/usr/bin/env node
// Builds dist/snapshot/sockswrap.blob, the V8 start-up snapshot bin/sockswrap starts node with
// (docs/packaging.md, "Start-up snapshot"; docs/benchmarks.md, "Case 1, start-up"): the launcher
// bundled into one script (tools/bundle.js), its modules run up to main(), the heap saved. At run
// time node deserialises that heap instead of compiling and running ~130 modules.
//
// Beside the blob: node.json (the Node it was built by: version, arch, V8's cache tag; a start from
// a blob of another Node is refused by node itself, exit 14, so bin/sockswrap must not try one) and
// node-path (that Node's binary, which bin/sockswrap compares with the node it would run).
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdirSync, realpathSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const v8 = require('node:v8');
const { collect, render } = require('./bundle');

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'dist', 'snapshot');
const MAIN = 'dist/src/cli/main.js';
const STDIO = 'dist/src/cli/blocking-stdio.js';
const MODULE_CACHE = 'dist/src/cli/module-cache.js';
const LOCATOR = 'dist/src/cli/shim-locator.js';
/**
 * Modules that run while the snapshot is built and name their own path: the path would be the
 * build's. shim-locator's PACKAGE_ROOT is set again at run time; commander uses its own only for
 * executable subcommands, which sockswrap has none of. Any other is refused (the build fails).
 */
const KEEPS_BUILD_PATH = new Set([LOCATOR, 'node_modules/commander/lib/command.js']);

// Runs while the snapshot is built: the modules' top level, then the main function for later.
const TAIL = `
bundle.root = ${JSON.stringify(ROOT)};
bundle.outside = (request, from) => {
  if (!require('node:module').isBuiltin(request)) throw new Error('bundle: ' + from + ' requires ' + request + ' while the snapshot is built (it cannot be in it)');
  return require(request);
};
// Every function compiled now (--no-lazy while the modules load), so that what start-up runs needs
// no compiling after deserialisation (the normal start has the module cache's code cache for it);
// V8's flags are back to their defaults before the snapshot is taken (its flag hash is checked).
require('node:v8').setFlagsFromString('--no-lazy');
const main = load(${JSON.stringify(MAIN)});
const stdio = load(${JSON.stringify(STDIO)});
const locator = load(${JSON.stringify(LOCATOR)});
const moduleCache = load(${JSON.stringify(MODULE_CACHE)});
require('node:v8').setFlagsFromString('--lazy');
const keeps = new Set(${JSON.stringify([...KEEPS_BUILD_PATH])});
for (const key of Object.keys(loaded)) {
  if (!keeps.has(key) && /\\b__(dirname|filename)\\b/.test(bundled[key][1].toString().slice(bundled[key][1].toString().indexOf("{")))) throw new Error('bundle: ' + key + ' runs in the snapshot and names its own path: add a run-time root for it');
}
// Built-in modules Node would otherwise compile at every start, on first use (the list a start
// loads after deserialisation, process.moduleLoadList): net's listen() asks cluster whether this
// is a cluster primary (six modules), and rmSync's recursive removal of the run directory loads
// fs's rimraf (here, removing a directory made for it).
require('node:cluster');
require('node:fs').rmSync(require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'sockswrap-snapshot-')), { recursive: true, force: true });
// Option parsing once, as "sockswrap -x URL -- prog" does it (pure: no file, no socket, no timer).
{
  const p = main.buildProgram();
  p.parse(['-q', '-x', 'socks5://127.0.0.1:1080', '--', 'true'], { from: 'user' });
  load('dist/src/cli/config-options.js').configFromOptions(p.opts());
}
require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  // bin/sockswrap starts: node --snapshot-blob <root>/dist/snapshot/sockswrap.blob <root>/bin/sockswrap.js args...
  const bin = process.argv[1] ?? '';
  const tail = '/bin/sockswrap.js';
  if (!bin.endsWith(tail)) {
    require('node:fs').writeSync(2, 'sockswrap: this start-up snapshot is started by bin/sockswrap (argv[1] must be its bin/sockswrap.js)\\n');
    process.exit(1);
  }
  bundle.root = require('node:path').resolve(bin.slice(0, -tail.length));
  const outside = require('node:module').createRequire(bundle.root + '/' + ${JSON.stringify(MAIN)});
  bundle.outside = (request) => (require('node:module').isBuiltin(request) ? require(request) : outside(request));
  stdio.installBlockingStdio();
  locator.setPackageRoot(bundle.root);
  // What is required from outside the snapshot (ffi-rs) gets the module cache too.
  moduleCache.useModuleCache(bundle.root, bundle.root + '/' + ${JSON.stringify(MAIN)}, 'outside-snapshot');
  main.main(process.argv.slice(2));
});
`;

function build() {
  mkdirSync(OUT, { recursive: true });
  const modules = collect(ROOT, [MAIN, STDIO, MODULE_CACHE].map((key) => join(ROOT, key)));
  const script = join(OUT, 'sockswrap-bundle.js');
  writeFileSync(script, render(modules, TAIL));
  const blob = join(OUT, 'sockswrap.blob');
  const tmp = `${blob}.${process.pid}`;
  // No other flag: V8's flags are part of the blob's identity (a start with others exits 14).
  const r = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--build-snapshot', script], { encoding: 'utf8', cwd: OUT });
  // Node warns that dgram, child_process and cluster are "not yet fully verified" in snapshots:
  // none has any state before main() runs (no socket, no child, no worker: cluster is loaded only
  // for net's isPrimary test); test/integration/startup-snapshot.test.ts runs all three.
  const stderr = r.stderr.split('\n').filter((l) => l && !/not yet fully verified|may still work in some cases|out-of-sync after snapshot|request support for the module|nodejs\/node\/issues|--trace-warnings/.test(l));
  if (r.status !== 0 || stderr.length > 0) {
    rmSync(tmp, { force: true });
    throw new Error(`node --build-snapshot failed (status ${r.status}):\n${stderr.join('\n')}`);
  }
  renameSync(tmp, blob);
  writeFileSync(join(OUT, 'node.json'), `${JSON.stringify({ version: process.version, arch: process.arch, v8CacheTag: v8.cachedDataVersionTag() })}\n`);
  writeFileSync(join(OUT, 'node-path'), `${realpathSync(process.execPath)}\n`);
  return { modules: modules.length, blob };
}

if (require.main === module) {
  const { modules, blob } = build();
  if (process.argv.includes('--verbose')) console.log(`${blob}: ${modules} modules`);
}
module.exports = { build };
