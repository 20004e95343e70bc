#!/usr/bin/env node
'use strict';
// Runs every compiled *.test.js under dist/test/{unit,integration,e2e}. Node 20's --test takes
// no globs, and given a folder it would also run the helpers, so the files are listed here.
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..', 'dist', 'test');
const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];

function collect(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(collect(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = suites.flatMap((s) => collect(join(root, s)));
if (files.length === 0) {
  console.error('no compiled tests found under dist/test: run `npm run build` first');
  process.exit(1);
}
// On a shared machine (several worktrees of this project), at most SUITE_SLOTS runs of e2e at
// once: two cores thrashed by more runs make every peer's start-up slower than its timeout.
// A slot is a directory (mkdir is atomic) holding its owner's pid; a dead owner's slot is taken.
const { mkdirSync, writeFileSync, readFileSync, rmSync } = require('node:fs');
const SUITE_SLOTS = Number(process.env.SOCKSWRAP_SUITE_SLOTS || 2);
function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}
function takeSlot() {
  for (let n = 0; n < SUITE_SLOTS; n++) {
    const dir = join('/tmp', `sockswrap-suite-slot-${n}`);
    try {
      mkdirSync(dir);
    } catch {
      let owner = 0;
      try { owner = Number(readFileSync(join(dir, 'pid'), 'utf8')); } catch { /* being made */ continue; }
      if (owner > 0 && alive(owner)) continue;
      rmSync(dir, { recursive: true, force: true });
      try { mkdirSync(dir); } catch { continue; }
    }
    writeFileSync(join(dir, 'pid'), String(process.pid));
    return dir;
  }
  return null;
}
let slot = null;
if (suites.includes('e2e') && SUITE_SLOTS > 0) {
  const waitBuf = new Int32Array(new SharedArrayBuffer(4));
  let told = false;
  while ((slot = takeSlot()) === null) {
    if (!told) console.error(`test/run.js: ${SUITE_SLOTS} runs of e2e already going on this machine; waiting for one to end (SOCKSWRAP_SUITE_SLOTS=N to change)`);
    told = true;
    Atomics.wait(waitBuf, 0, 0, 2000);
  }
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
if (slot) rmSync(slot, { recursive: true, force: true });
process.exit(result.status ?? 1);
