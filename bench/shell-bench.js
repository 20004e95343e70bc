#!/usr/bin/env node
'use strict';
// Shell mode against proxychains4, side by side in one run (issue 15; docs/shell-mode.md,
// "Figures"). Run as root after `npm run build`:  node bench/shell-bench.js [--runs N]
// Its own two-namespace lab (test/helpers/net-lab): danted and the targets in the proxy
// namespace, every client in the client namespace. Timings are taken inside one bash loop per
// sample (date +%s%N around K runs), samples alternate between the two tools, medians printed.
//   1. a wrapped `true`           shell mode (LD_PRELOAD set by `on`) vs `proxychains4 true`, and plain `true`
//   2. a wrapped curl of /hello   by name (remote DNS), per run
//   3. 200 wrapped curls in a loop, whole loop
//   4. agent memory (VmRSS) after 1,000 programs x 10 connections (bench-client seq 10), twice
//   5. `sockswrap -- true` against `node -e 0`, and a cold Agent.start: what reusing an agent could save
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const REPO = join(__dirname, '..');
const H = join(REPO, 'dist', 'test', 'helpers');
if (!existsSync(join(H, 'net-lab.js'))) {
  console.error('run `npm run build` first (dist/test/helpers missing)');
  process.exit(1);
}
if (process.getuid?.() !== 0) {
  console.error('bench/shell-bench.js: run as root (it builds network namespaces)');
  process.exit(1);
}
const { createLab, cleanEnv } = require(join(H, 'net-lab.js'));
const { startDanted, startTargets, which, ECHO_PORT } = require(join(H, 'peers.js'));
const SOCKSWRAP = join(REPO, 'bin', 'sockswrap.js');
const HTTP_PORT = 8080;

const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 5;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const log = (...a) => console.error('[shell-bench]', ...a);

async function main() {
  for (const p of ['danted', 'proxychains4', 'curl', 'gcc', 'bash']) {
    if (!which(p)) throw new Error(`${p} missing (Debian: dante-server, proxychains4, curl, build-essential, bash)`);
  }
  const lab = createLab();
  const runtime = join(lab.dir, 'runtime');
  let env;
  try {
    const [danted] = await Promise.all([startDanted(lab, 1080), startTargets(lab)]);
    mkdirSync(runtime, { mode: 0o700 });
    env = cleanEnv({ XDG_RUNTIME_DIR: runtime });
    const client = join(lab.dir, 'bench-client');
    const cc = spawnSync('gcc', ['-O2', '-o', client, join(__dirname, 'bench-client.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(cc.stderr);
    const conf = join(lab.dir, 'proxychains.conf');
    writeFileSync(conf, `strict_chain\nproxy_dns\nquiet_mode\n[ProxyList]\nsocks5 ${danted.host} ${danted.port}\n`);
    const X = `socks5h://${danted.host}:${danted.port}`;

    // The shell code of `on`, as a shell would eval it (POSIX).
    const on = spawnSync('ip', ['netns', 'exec', lab.client, process.execPath, SOCKSWRAP, 'on', '-q', '--shell', 'sh', '-x', X], { env, encoding: 'utf8' });
    if (on.status !== 0) throw new Error(`on: ${on.stderr}`);
    writeFileSync(join(lab.dir, 'on.sh'), on.stdout);
    const agentDir = readdirSync(join(runtime, 'sockswrap')).find((n) => /^agent-[0-9a-f]{16}$/.test(n));
    const record = JSON.parse(readFileSync(join(runtime, 'sockswrap', agentDir, 'agent.json'), 'utf8'));

    /** Mean ns per run of CMD over K runs, inside one bash; `shell` evals `on` first. */
    const loop = (cmd, k, shell) => {
      const script = `${shell ? `. ${join(lab.dir, 'on.sh')}\n` : ''}s=$(date +%s%N); i=0; while [ $i -lt ${k} ]; do ${cmd} >/dev/null 2>&1 || echo FAIL; i=$((i+1)); done; e=$(date +%s%N); echo $(( (e-s) / ${k} ))`;
      const r = spawnSync('ip', ['netns', 'exec', lab.client, 'bash', '-c', script], { env, encoding: 'utf8', timeout: 600_000 });
      if (r.status !== 0 || r.stdout.includes('FAIL')) throw new Error(`${cmd}: ${r.stdout} ${r.stderr}`);
      return Number(r.stdout.trim()) / 1e6;
    };
    const pc = `proxychains4 -q -f ${conf}`;
    const cases = [];
    const side = (name, k, shellCmd, pcCmd, plainCmd) => {
      const a = [], b = [], c = [];
      loop(shellCmd, 3, true);
      loop(pcCmd, 3, false);
      for (let i = 0; i < RUNS; i++) {
        a.push(loop(shellCmd, k, true));
        b.push(loop(pcCmd, k, false));
        if (plainCmd) c.push(loop(plainCmd, k, false));
      }
      const row = { name, k, shell: median(a), pc: median(b), plain: plainCmd ? median(c) : undefined };
      cases.push(row);
      log(name, JSON.stringify(row));
    };
    const url = `http://target.test:${HTTP_PORT}/hello`;
    side('wrapped true (ms per run)', 200, '/bin/true', `${pc} /bin/true`, '/bin/true');
    side('wrapped curl /hello by name (ms per run)', 50, `curl -sS -m 10 ${url}`, `${pc} curl -sS -m 10 ${url}`);
    // Case 3: the loop's total.
    const loopA = [], loopB = [];
    for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
      loopA.push(loop(`curl -sS -m 10 ${url}`, 200, true) * 200);
      loopB.push(loop(`${pc} curl -sS -m 10 ${url}`, 200, false) * 200);
    }
    const loop200 = { shell: median(loopA), pc: median(loopB) };
    log('200 curls', JSON.stringify(loop200));

    // Case 4: memory. VmRSS of the agent before, after 1,000 programs x 10 connections, after 2,000.
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${record.pid}/status`, 'utf8'))[1]) / 1024;
    const target = `${lab.targetIp4} ${ECHO_PORT}`;
    const mem = [{ conns: 0, rss: rss() }];
    for (let round = 1; round <= 2; round++) {
      loop(`${client} seq 10 ${target}`, 1000, true);
      mem.push({ conns: round * 10_000, rss: rss() });
    }
    const counts = JSON.parse(spawnSync('ip', ['netns', 'exec', lab.client, process.execPath, SOCKSWRAP, 'status', '--json'], { env, encoding: 'utf8' }).stdout).agents[0].counts;
    log('memory', JSON.stringify(mem), JSON.stringify(counts));

    // Case 5: what `sockswrap -- prog` could save by reusing a running agent.
    const wrapped = [], node0 = [], agentStart = [];
    const cold = `const t=process.hrtime.bigint();const {Agent}=require(${JSON.stringify(join(REPO, 'dist/src/agent/agent.js'))});const {configFromOptions}=require(${JSON.stringify(join(REPO, 'dist/src/cli/config-options.js'))});Agent.start(configFromOptions({proxy:[${JSON.stringify(X)}]}),{error(){},info(){}}).then(a=>{const d=Number(process.hrtime.bigint()-t)/1e6;a.close();console.log(d.toFixed(2));});`;
    for (let i = 0; i < RUNS; i++) {
      wrapped.push(loop(`node ${SOCKSWRAP} -q -x ${X} -- /bin/true`, 10, false));
      node0.push(loop('node -e 0', 10, false));
      agentStart.push(Number(spawnSync('ip', ['netns', 'exec', lab.client, process.execPath, '-e', cold], { env, encoding: 'utf8' }).stdout.trim()));
    }
    const reuse = { wrappedTrue: median(wrapped), nodeE0: median(node0), coldAgentStart: median(agentStart) };
    log('reuse', JSON.stringify(reuse));

    const f = (x) => (x === undefined ? '–' : x.toFixed(2));
    const out = [];
    out.push(`| case | shell mode | proxychains4 | plain | shell − pc | shell / pc |`);
    out.push(`|---|---|---|---|---|---|`);
    for (const c of cases) out.push(`| ${c.name}, ${c.k} runs × ${RUNS} | ${f(c.shell)} | ${f(c.pc)} | ${f(c.plain)} | ${f(c.shell - c.pc)} ms | ${(c.shell / c.pc).toFixed(2)}× |`);
    out.push(`| 200 curls in a loop (ms, whole loop) | ${f(loop200.shell)} | ${f(loop200.pc)} | – | ${f(loop200.shell - loop200.pc)} ms | ${(loop200.shell / loop200.pc).toFixed(2)}× |`);
    out.push('');
    out.push(`agent VmRSS: ${mem.map((m) => `${m.conns} connections ${m.rss.toFixed(1)} MiB`).join(', ')}; counts ${JSON.stringify(counts)}`);
    out.push(`sockswrap -- /bin/true ${f(reuse.wrappedTrue)} ms, node -e 0 ${f(reuse.nodeE0)} ms, a cold Agent.start (modules + listeners) ${f(reuse.coldAgentStart)} ms`);
    console.log(out.join('\n'));
  } finally {
    if (env) spawnSync('ip', ['netns', 'exec', lab.client, process.execPath, SOCKSWRAP, 'agent', 'stop', '--all', '-q'], { env });
    lab.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
