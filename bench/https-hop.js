#!/usr/bin/env node
'use strict';
// What an https hop costs against a plain http hop (issue 20, docs/upstreams.md "https"). Run as
// root after `npm run build`: node bench/https-hop.js [--runs N]
// One lab (test/helpers/net-lab): tinyproxy in the proxy namespace, reached as http:// directly
// and as https:// through a TLS terminator in front of it (test/helpers/tls-terminator.js, a test
// CA from test/helpers/test-ca.js). Both chains take the relay path (an https hop forces it; the
// http one is run with SOCKSWRAP_DIAL=0 too, and also on the dial path), so
// the difference is TLS in the agent. Cases: 8 MiB by curl (Mbit/s), 50 sequential connects
// with a small GET by python3 (ms per connection). Prints medians and ratios.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const REPO = join(__dirname, '..');
const H = join(REPO, 'dist', 'test', 'helpers');
if (!existsSync(join(H, 'net-lab.js'))) {
  console.error('run `npm run build` first (dist/test/helpers missing)');
  process.exit(1);
}
const { createLab, cleanEnv } = require(join(H, 'net-lab.js'));
const { startTargets, waitPort, HTTP_PORT } = require(join(H, 'peers.js'));
const { startTinyproxy } = require(join(H, 'upstream-peers.js'));
const { makeCa, issueServerCert } = require(join(H, 'test-ca.js'));
const SOCKSWRAP = join(REPO, 'bin', 'sockswrap.js');
const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 5;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const PY_CONNECTS = `
import socket, sys, time
n = int(sys.argv[3]); t = time.monotonic()
for i in range(n):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    s.sendall(b"GET /hello HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
    while s.recv(65536): pass
    s.close()
print((time.monotonic() - t) * 1000 / n)
`;

async function main() {
  const lab = createLab();
  try {
    await startTargets(lab);
    const where = { dir: lab.dir, spawn: (argv) => lab.spawn(lab.proxy, argv), waitPort: (h, p) => waitPort(lab, lab.proxy, h, p) };
    await startTinyproxy(where, { listen: '0.0.0.0', port: 8888, allow: ['0.0.0.0/0'], connectPorts: [HTTP_PORT] });
    const ca = makeCa(lab.dir, 'bench CA');
    const cert = issueServerCert(lab.dir, ca, 'proxy.test');
    spawnSync('sh', ['-c', `printf '%s\\tproxy.test\\n' ${lab.proxyIp4} >> /etc/netns/${lab.client}/hosts`]);
    const term = lab.spawn(lab.proxy, [process.execPath, join(H, 'tls-terminator.js'), '0.0.0.0', '8443', cert.cert, cert.key, '127.0.0.1', '8888']);
    await new Promise((resolve) => term.stdout.on('data', (b) => b.toString().includes('ready') && resolve()));
    const chains = {
      'http (dial path)': { args: ['-x', `http://${lab.proxyIp4}:8888`], env: {} },
      'http (relay path)': { args: ['-x', `http://${lab.proxyIp4}:8888`], env: { SOCKSWRAP_DIAL: '0' } },
      https: { args: ['-x', 'https://proxy.test:8443', '--proxy-cacert', ca.cert], env: {} },
    };
    const wrapped = async (chain, argv) => {
      const env = cleanEnv(chain.env);
      const r = await lab.run(lab.client, [process.execPath, SOCKSWRAP, '-q', ...chain.args, '--', ...argv], { env, timeoutMs: 120000 });
      if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
      return r.stdout.toString();
    };
    const results = {};
    for (const name of Object.keys(chains)) results[name] = { mbit: [], ms: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const [name, chain] of Object.entries(chains)) {
        const out = await wrapped(chain, ['curl', '-sS', '-o', '/dev/null', '-w', '%{speed_download}', `http://target.test:${HTTP_PORT}/big`]);
        results[name].mbit.push((Number(out) * 8) / 1e6);
        const ms = await wrapped(chain, ['python3', '-c', PY_CONNECTS, 'target.test', String(HTTP_PORT), '50']);
        results[name].ms.push(Number(ms));
      }
    }
    const base = results['http (relay path)'];
    console.log(`| chain | 8 MiB by curl (Mbit/s) | ratio | connect + GET (ms each, 50 sequential) | ratio |`);
    console.log('| --- | --- | --- | --- | --- |');
    for (const [name, r] of Object.entries(results)) {
      const mbit = median(r.mbit);
      const ms = median(r.ms);
      console.log(`| ${name} | ${mbit.toFixed(0)} | ${(mbit / median(base.mbit)).toFixed(2)}× | ${ms.toFixed(2)} | ${(ms / median(base.ms)).toFixed(2)}× |`);
    }
    console.log(`(${RUNS} runs, medians; ${require('node:os').cpus().length} CPUs, node ${process.version})`);
  } finally {
    lab.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
