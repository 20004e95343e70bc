#!/usr/bin/env node
'use strict';
// The seccomp supervisor against the LD_PRELOAD shim (issue 14). Run as root after `npm run build`:
//   npm run bench:seccomp     (or: node bench/seccomp-bench.js [--runs N] [--connects N] [--mib N])
// One source, test/fixtures/bench-echo.c, built twice by test/helpers/fixture-builds: static
// (sockswrap carries it with the seccomp supervisor) and dynamic (the shim, LD_PRELOAD). Both run
// through sockswrap, in the lab of test/helpers/net-lab (client ns reaches only the proxy ns),
// through the same danted to the same echo target, alternating static/dynamic, RUNS each:
//   connects: N sequential connect + 1-byte echo + close (connect/s, and µs inside connect());
//   bulk:     one connection, MIB MiB echoed back (Mbit/s of the echo, both directions carried).
// Prints a Markdown table with the medians, the ratios (static / dynamic) and the goals of the
// issue (connect/s ≥ 0.8×, throughput ≥ 0.95×), and the connect latency overhead in µs.
// Exits 1 if a run fails (a refused static program included: the supervisor is not there).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const os = require('node:os');

const REPO = join(__dirname, '..');
const H = join(REPO, 'dist', 'test', 'helpers');
if (!existsSync(join(H, 'fixture-builds.js'))) {
  console.error('run `npm run build` first (dist/test/helpers missing)');
  process.exit(1);
}
const { createLab } = require(join(H, 'net-lab.js'));
const { startDanted, startTargets, which, ECHO_PORT } = require(join(H, 'peers.js'));
const { cProgram, elfLinking } = require(join(H, 'fixture-builds.js'));
const SOCKSWRAP = join(REPO, 'bin', 'sockswrap.js');

const arg = (name, dflt) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : dflt;
};
const RUNS = arg('--runs', 5);
const CONNECTS = arg('--connects', 1000);
const MIB = arg('--mib', 256);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 1) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
const log = (...a) => console.error('[bench:seccomp]', ...a);

async function main() {
  if (process.getuid && process.getuid() !== 0) throw new Error('bench needs root (ip netns)');
  for (const b of ['ip', 'danted', 'gcc']) if (!which(b)) throw new Error(`${b} missing`);
  const builds = { static: cProgram('bench-echo', 'static'), dynamic: cProgram('bench-echo', 'dynamic') };
  for (const [k, p] of Object.entries(builds)) if (elfLinking(p) !== k) throw new Error(`${p} is not ${k}`);
  const started = Date.now();
  const lab = createLab();
  try {
    await startTargets(lab);
    const danted = await startDanted(lab, 1080);
    const wrap = [process.execPath, SOCKSWRAP, '-q', '-x', `socks5h://${danted.host}:${danted.port}`, '--'];
    const run = async (kind, args) => {
      const r = await lab.run(lab.client, [...wrap, builds[kind], ...args], { timeoutMs: 300_000 });
      if (r.status !== 0) throw new Error(`${kind} bench-echo ${args.join(' ')} → ${r.status}: ${r.stderr.slice(0, 800)}`);
      return JSON.parse(r.stdout.toString().trim().split('\n').pop());
    };
    const got = { static: [], dynamic: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const kind of i % 2 ? ['dynamic', 'static'] : ['static', 'dynamic']) {
        const c = await run(kind, ['connects', String(CONNECTS), lab.targetIp4, String(ECHO_PORT)]);
        const b = await run(kind, ['bulk', String(MIB), lab.targetIp4, String(ECHO_PORT)]);
        if (!b.intact) throw new Error(`${kind}: the echoed bytes differ`);
        got[kind].push({ cps: c.connects_per_s, us: c.connect_us_median, p90: c.connect_us_p90, mbit: b.mbit_s });
        log(`run ${i + 1} ${kind}: ${fmt(c.connects_per_s)} connect/s, ${fmt(c.connect_us_median)} µs in connect, ${fmt(b.mbit_s)} Mbit/s`);
      }
    }
    const m = (kind, k) => median(got[kind].map((r) => r[k]));
    const rows = [
      ['sequential connect + 1-byte echo (connect/s)', m('static', 'cps'), m('dynamic', 'cps'), 0.8],
      [`bulk echo, ${MIB} MiB each way on one connection (Mbit/s)`, m('static', 'mbit'), m('dynamic', 'mbit'), 0.95],
      ['time inside connect(), median (µs)', m('static', 'us'), m('dynamic', 'us')],
      ['time inside connect(), 90th percentile (µs)', m('static', 'p90'), m('dynamic', 'p90')],
    ];
    const cpu = os.cpus()[0]?.model ?? 'unknown';
    const lines = [
      `Written by \`npm run bench:seccomp\` (bench/seccomp-bench.js) on ${new Date().toISOString().slice(0, 10)}, in ${Math.round((Date.now() - started) / 1000)} s; medians of ${RUNS} alternating runs per build.`,
      `Machine: ${os.cpus().length} × ${cpu}, Linux ${os.release()}, node ${process.version}.`,
      '',
      '| case | static (supervised) | dynamic (LD_PRELOAD) | ratio | goal | |',
      '|---|---:|---:|---:|---|---|',
      ...rows.map(([name, s, d, goal]) => {
        const ratio = s / d;
        const verdict = goal === undefined ? '–' : ratio >= goal ? 'met' : 'NOT met';
        return `| ${name} | ${fmt(s)} | ${fmt(d)} | ${fmt(ratio, 3)} | ${goal === undefined ? '–' : `≥ ${goal}×`} | ${verdict} |`;
      }),
      '',
      `Connect latency overhead of the supervisor over the shim: ${fmt(m('static', 'us') - m('dynamic', 'us'))} µs (median), ${fmt(m('static', 'p90') - m('dynamic', 'p90'))} µs (90th percentile).`,
    ];
    console.log(lines.join('\n'));
  } finally {
    lab.destroy();
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
