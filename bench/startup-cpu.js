#!/usr/bin/env node
'use strict';
// Start-up of `sockswrap -q -x socks5://127.0.0.1:1080 -- true` against `node -e 0`, alternating, outside
// any namespace: median wall time and mean CPU (user + sys of the child, from /proc/self/stat's
// cutime + cstime, 10 ms ticks summed over the runs). argv: N [ENV=value@]path ... where a path
// ending in .js is run by this node (bin/sockswrap.js: the normal start) and any other is run as a
// command (bin/sockswrap: the package's command, from the start-up snapshot when it may).
// e.g. node bench/startup-cpu.js 30 bin/sockswrap.js bin/sockswrap SOCKSWRAP_SNAPSHOT=0@bin/sockswrap
// Alternating: node -e 0, sockswrap builds; CPU (user+sys of the child tree, from /proc/self/stat cutime+cstime) and wall.
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const N = Number(process.argv[2] || 20);
const bins = process.argv.slice(3);
const cmds = [[process.execPath, ['-e', '0'], {}], ...bins.map((b) => { const [env, path] = b.includes('@') ? b.split('@') : ['', b]; const args = ['-q', '-x', 'socks5://127.0.0.1:1080', '--', 'true']; return [path.endsWith('.js') ? process.execPath : require('node:path').resolve(path), path.endsWith('.js') ? [path, ...args] : args, env ? { [env.split('=')[0]]: env.split('=')[1] } : {}]; })];
const ticks = () => { const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' '); return (Number(f[13]) + Number(f[14])) * 10; };
const t = (c) => { const c0 = ticks(); const s = process.hrtime.bigint(); const r = spawnSync(c[0], c[1], { stdio: 'ignore', env: { ...process.env, ...c[2] } }); if (r.status !== 0) throw new Error('status ' + r.status); return [Number(process.hrtime.bigint() - s) / 1e6, ticks() - c0]; };
const wall = cmds.map(() => []), cpu = cmds.map(() => 0);
for (let i = 0; i < N; i++) { const order = cmds.map((_, k) => k); if (i % 2) order.reverse(); for (const k of order) { const [w, c] = t(cmds[k]); wall[k].push(w); cpu[k] += c; } }
const med = (x) => { const s = [...x].sort((p, q) => p - q); return s[s.length >> 1]; };
const names = ['node -e 0', ...bins];
console.log(names.map((n, k) => `${n}: wall ${med(wall[k]).toFixed(1)} ms, cpu ${(cpu[k] / N).toFixed(1)} ms` + (k ? ` (+${(med(wall[k]) - med(wall[0])).toFixed(1)} wall, +${((cpu[k] - cpu[0]) / N).toFixed(1)} cpu)` : '')).join('\n') + `\nload ${require('os').loadavg()[0].toFixed(2)}, N=${N}`);
