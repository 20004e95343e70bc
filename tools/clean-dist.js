#!/usr/bin/env node
// dist/ holds only what tsc writes from src/ and test/. Emptied before each build, so a renamed or
// deleted source leaves no stale compiled file behind (test/run.js runs every *.test.js it finds).
'use strict';
const { rmSync } = require('node:fs');
const { join } = require('node:path');

rmSync(join(__dirname, '..', 'dist'), { recursive: true, force: true });
