#!/usr/bin/env node
'use strict';
// The wrapped program shares our stdout and stderr. Node's own stdio streams would switch those
// descriptors to O_NONBLOCK (for every process sharing them), and a program writing faster than
// its reader would then fail with EAGAIN. So sockswrap's process.stdout/stderr are plain
// blocking writers, installed before anything can touch the real ones.
const { Writable } = require('node:stream');
const { writeSync } = require('node:fs');

function blockingWriter(fd) {
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      let offset = 0;
      while (offset < chunk.length) {
        try {
          offset += writeSync(fd, chunk, offset);
        } catch (err) {
          if (err.code !== 'EAGAIN') break;
        }
      }
      callback();
    },
  });
  stream.fd = fd;
  stream.isTTY = false;
  return stream;
}
for (const [name, fd] of [['stdout', 1], ['stderr', 2]]) {
  const stream = blockingWriter(fd);
  Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => stream });
}

// Our modules' resolutions and V8 code cache, from the run before (src/cli/module-cache.ts).
const { join } = require('node:path');
const root = join(__dirname, '..');
const mainFile = join(root, 'dist', 'src', 'cli', 'main.js');
try {
  require('../dist/src/cli/module-cache.js').useModuleCache(root, mainFile);
} catch {
  // without it, Node loads every module itself
}
require(mainFile).main(process.argv.slice(2));
