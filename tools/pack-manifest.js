#!/usr/bin/env node
'use strict';
// `npm pack` packs package.json as it is on disk after prepack. A packed sockswrap carries no
// lifecycle scripts: its build scripts need the sources and compilers it does not carry, and npm 11
// lists any script it finds (prepare included) as "install scripts not yet covered by
// allowScripts", inviting the user to allow one that would fail. So prepack ends with `strip`
// (scripts and devDependencies out, the original kept beside it) and postpack runs `restore`.
const { existsSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const manifest = join(root, 'package.json');
const kept = join(root, 'package.json.before-pack');

function restore() {
  if (existsSync(kept)) renameSync(kept, manifest);
}

const action = process.argv[2];
if (action === 'strip') {
  restore(); // a pack that died before postpack left a stripped manifest: start from the original
  const text = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  delete pkg.scripts;
  delete pkg.devDependencies;
  writeFileSync(kept, text);
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (action === 'restore') {
  restore();
} else {
  process.stderr.write('usage: pack-manifest.js strip|restore\n');
  process.exit(2);
}
