#!/usr/bin/env node
'use strict';
// sockswrap's normal start (bin/sockswrap, the package's command, runs this file when it cannot
// start from the V8 start-up snapshot; docs/packaging.md, "Start-up snapshot").
const { join } = require('node:path');
const root = join(__dirname, '..');
// Blocking stdout/stderr first: the wrapped program shares them (src/cli/blocking-stdio.ts).
require('../dist/src/cli/blocking-stdio.js').installBlockingStdio();

// Our modules' resolutions and V8 code cache, from the run before (src/cli/module-cache.ts).
const mainFile = join(root, 'dist', 'src', 'cli', 'main.js');
try {
  require('../dist/src/cli/module-cache.js').useModuleCache(root, mainFile);
} catch {
  // without it, Node loads every module itself
}
// After the run, and once per install: may bin/sockswrap start this node from the snapshot?
process.once('exit', () => {
  try {
    require('../dist/src/cli/snapshot-vouch.js').vouchForSnapshot(root, () => require('../dist/src/cli/version-text.js').versionText());
  } catch {
    // the normal start stays
  }
});
require(mainFile).main(process.argv.slice(2));
