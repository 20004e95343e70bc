#!/usr/bin/env node
'use strict';
// `sockswrap serve` holding N concurrent connections (issue 21: 1,000). After `npm run build`:
//   node bench/serve-bench.js [--connections N]
// On loopback only: a TCP echo server in this process, `sockswrap serve -q` as a child on a
// kernel-chosen port, then N SOCKS5 clients (bytes written out by hand, RFC 1928) that each
// CONNECT to the echo server, all opened at once. Every one must be established and echo a line
// while all N are open together; only then is the figure taken: the time from the first connect
// to the last echo, and the server's resident memory with all N held (VmRSS from /proc).
// Prints one line, and exits 1 if any connection failed or was not held.
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const net = require('node:net');
const { join } = require('node:path');

const N = Number(process.argv[process.argv.indexOf('--connections') + 1]) || 1000;
const SOCKSWRAP = join(__dirname, '..', 'bin', 'sockswrap.js');

function echoServer() {
  const server = net.createServer((s) => {
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  return new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => resolve(server)));
}

function startServe() {
  const child = spawn(process.execPath, [SOCKSWRAP, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (b) => {
      text += b;
      const m = /listening on 127\.0\.0\.1:(\d+):/.exec(text);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`sockswrap serve exited (${code}): ${text}`)));
  });
}

/** One SOCKS5 CONNECT through the server; resolves with the socket once a line echoed back. */
function client(proxyPort, targetPort, i) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: proxyPort });
    const line = Buffer.from(`connection ${i}\n`);
    const request = Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, targetPort >> 8, targetPort & 0xff]);
    let buf = Buffer.alloc(0);
    let stage = 'method';
    s.on('error', reject);
    s.on('connect', () => s.write(Buffer.concat([Buffer.from([5, 1, 0]), request])));
    s.on('data', (b) => {
      buf = Buffer.concat([buf, b]);
      if (stage === 'method' && buf.length >= 2) {
        if (buf[1] !== 0) return reject(new Error(`method ${buf[1]}`));
        buf = buf.subarray(2);
        stage = 'reply';
      }
      if (stage === 'reply' && buf.length >= 10) {
        if (buf[1] !== 0) return reject(new Error(`reply ${buf[1]}`));
        buf = buf.subarray(10);
        stage = 'echo';
        s.write(line);
      }
      if (stage === 'echo' && buf.length >= line.length) {
        if (!buf.subarray(0, line.length).equals(line)) return reject(new Error('echo differs'));
        stage = 'held';
        resolve(s);
      }
    });
    s.on('close', () => {
      if (stage !== 'held') reject(new Error(`closed at ${stage}`));
    });
  });
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main() {
  const echo = await echoServer();
  const serve = await startServe();
  const idleRss = rssMiB(serve.child.pid);
  const started = process.hrtime.bigint();
  const results = await Promise.allSettled(Array.from({ length: N }, (_, i) => client(serve.port, echo.address().port, i)));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const held = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  // Still open, all of them, at the moment of measuring: nothing closed while the others came up.
  const open = held.filter((s) => !s.destroyed && s.readyState === 'open').length;
  const rss = rssMiB(serve.child.pid);
  const failed = results.filter((r) => r.status === 'rejected');
  for (const s of held) s.destroy();
  serve.child.kill('SIGTERM');
  await new Promise((r) => serve.child.once('exit', r));
  echo.close();
  const ok = open === N && failed.length === 0;
  console.log(
    `serve: ${open}/${N} concurrent SOCKS5 CONNECTs held through sockswrap serve; all established and echoed in ${ms.toFixed(0)} ms; ` +
      `server RSS ${idleRss.toFixed(0)} MiB idle, ${rss.toFixed(0)} MiB with all held` +
      (failed.length ? `; ${failed.length} failed, first: ${failed[0].reason.message}` : ''),
  );
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
