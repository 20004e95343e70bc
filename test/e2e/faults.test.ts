// Faults (issue 6), in the netns lab with a sink default route, the leak counter 0 after each:
//   - the agent killed mid-run: a program in its own session lives on; every connect and lookup
//     fails with an errno, nothing goes direct;
//   - the proxy dies mid-stream: EOF or an error, never a hang;
//   - a stalled proxy: tcp_read_time_out / tcp_connect_time_out fire;
//   - outsiders on the relay and the control socket: nothing back, no upstream connection, and a
//     thousand of them do not stop the session.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { startMicrosocks, waitForLog, reEscape, ECHO_PORT, type Danted } from '../helpers/peers';
import { sockswrap, spawnSockswrap, lineReader, describe as show } from '../helpers/sockswrap';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'microsocks', 'python3'], { root: true });

describe('e2e faults', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;

  standardLab({ sinkRoute: true, danted: 1080 }, (s) => ({ lab, danted } = { lab: s.lab, danted: s.danted! }));

  test('agent killed mid-run: the surviving program gets errors for connects and lookups, nothing direct', async () => {
    const go = join(lab.dir, 'go-agent-dead');
    const prog = `
import json, os, socket, sys, time
s = socket.create_connection(("target.test", ${ECHO_PORT}), 10)
s.sendall(b"x"); assert s.recv(1) == b"x"
# Blocking connects, twice to one destination: the second runs the shim's standing plan.
for _ in range(2):
    b = socket.socket(); b.connect(("198.19.${lab.n}.1", ${ECHO_PORT})); b.sendall(b"b"); assert b.recv(1) == b"b"; b.close()
print("ready", flush=True)
while not os.path.exists(${JSON.stringify(go)}): time.sleep(0.02)
out = {}
b = socket.socket()
try:
    b.connect(("198.19.${lab.n}.1", ${ECHO_PORT})); out["standing"] = "connected"
except OSError as e:
    out["standing"] = "errno %s" % e.errno
s.settimeout(10)
try:
    s.sendall(b"y"); r = s.recv(10); out["old"] = "echo" if r == b"y" else "eof" if r == b"" else "data"
except OSError as e:
    out["old"] = "errno %s" % e.errno
for i, (host, port) in enumerate([("198.19.${lab.n}.1", ${ECHO_PORT}), ("240.0.0.1", ${ECHO_PORT}), ("2001:db8:ff:${lab.n}::1", ${ECHO_PORT})]):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    c = socket.socket(fam, socket.SOCK_STREAM); c.settimeout(10)
    try:
        c.connect((host, port)); out[host] = "connected"
    except OSError as e:
        out[host] = "errno %s" % e.errno
try:
    socket.getaddrinfo("other.test", 80); out["dns"] = "resolved"
except OSError as e:
    out["dns"] = "error"
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    u.sendto(b"q", ("198.18.${lab.n}.53", 53)); out["udp"] = "sent"
except OSError as e:
    out["udp"] = "errno %s" % e.errno
print(json.dumps(out), flush=True)
`;
    const child = spawnSockswrap(lab, ['-x', `socks5h://${danted.host}:${danted.port}`, '--', 'setsid', bin('python3'), '-c', prog]);
    const next = lineReader(child);
    await next((l) => l === 'ready');
    child.kill('SIGKILL'); // the launcher's node process, agent and all; python is in its own session
    await new Promise((r) => child.once('exit', r));
    writeFileSync(go, '');
    const result = JSON.parse(await next((l) => l.startsWith('{'))) as Record<string, string>;
    // create_connection with a timeout connects non-blocking, through a whole script: dialled, so the
    // connection is the kernel's to danted and outlives the agent (docs/async-connect.md).
    assert.equal(result.old, 'echo', JSON.stringify(result));
    for (const host of [`198.19.${lab.n}.1`, '240.0.0.1', `2001:db8:ff:${lab.n}::1`]) assert.match(result[host], /^errno \d+$/, JSON.stringify(result));
    assert.match(result.standing, /^errno \d+$/, `a kept plan does not outlive the agent: ${JSON.stringify(result)}`);
    assert.equal(result.dns, 'error', JSON.stringify(result));
    assert.match(result.udp, /^errno \d+$/, JSON.stringify(result));
  });

  test('the proxy dies mid-stream: the program sees EOF or an error within seconds, not a hang', async () => {
    const micro = await startMicrosocks(lab, { port: 1090 });
    const go = join(lab.dir, 'go-proxy-dead');
    const prog = `
import os, socket, time
s = socket.create_connection(("target.test", ${ECHO_PORT}), 10)
s.sendall(b"x"); assert s.recv(1) == b"x"
print("ready", flush=True)
while not os.path.exists(${JSON.stringify(go)}): time.sleep(0.02)
s.settimeout(20); t = time.time()
try:
    s.sendall(b"y"); r = s.recv(10); print("eof" if r == b"" else "data %r" % r, round(time.time() - t, 1), flush=True)
    if r: print("eof" if s.recv(10) == b"" else "more", flush=True)
except socket.timeout:
    print("HANG", flush=True)
except OSError as e:
    print("errno", e.errno, flush=True)
`;
    const child = spawnSockswrap(lab, ['-x', `socks5h://${micro.host}:${micro.port}`, '--', bin('python3'), '-c', prog]);
    const next = lineReader(child);
    await next((l) => l === 'ready');
    micro.child.kill('SIGKILL');
    writeFileSync(go, '');
    const line = await next((l) => /^(eof|errno|HANG|data)/.test(l), 30_000);
    assert.doesNotMatch(line, /HANG/);
    if (line.startsWith('data')) assert.equal(await next((l) => /^(eof|more)$/.test(l), 30_000), 'eof');
    await new Promise((r) => child.once('exit', r));
  });

  test('a stalled proxy: tcp_read_time_out fires (ETIMEDOUT), and tcp_connect_time_out for a black hole', async () => {
    // Accepts and never answers.
    const stall = lab.spawn(lab.proxy, [process.execPath, '-e', `require('net').createServer(() => {}).listen(1095, ${JSON.stringify(lab.proxyIp4)}, () => console.log('up'))`]);
    const listening = lineReader(stall)((l) => l === 'up');
    const nft = spawnSync('ip', ['netns', 'exec', lab.proxy, 'nft', '-f', '-'], {
      input: 'table inet swstall {\n chain stall {\n type filter hook input priority 0; policy accept;\n tcp dport 1096 drop\n }\n}\n',
      encoding: 'utf8',
    });
    assert.equal(nft.status, 0, nft.stderr);
    await listening;
    // Each timer's own log line is the proof of which one fired (no clock is read here).
    const cause = { read: 'no complete reply from the proxy within 1500 ms', connect: 'no TCP connection to the proxy within 1500 ms' };
    for (const [port, what] of [[1095, 'read'], [1096, 'connect']] as const) {
      const conf = join(lab.dir, `stall-${port}.conf`);
      writeFileSync(conf, `strict_chain\nproxy_dns\ntcp_read_time_out 1500\ntcp_connect_time_out 1500\n[ProxyList]\nsocks5 ${lab.proxyIp4} ${port}\n`);
      const r = await sockswrap(lab, ['-f', conf, '--', bin('python3'), '-c', `
import socket
c = socket.socket()  # blocking: connect() waits for the verdict
try:
    c.connect(("target.test", ${ECHO_PORT})); print("connected")
except OSError as e:
    print("errno", e.errno)`], { timeoutMs: 30_000 });
      assert.equal(r.stdout.toString(), 'errno 110\n', `${what}: ${show(r)}`);
      assert.match(r.stderr, new RegExp(`via socks5 ${reEscape(lab.proxyIp4)}:${port}: ${cause[what]}`), `${what}: ${show(r)}`);
    }
  });

  test('outsiders on the relay and the control socket: nothing back, no upstream connection, the session still served', async () => {
    const go = join(lab.dir, 'go-outsiders');
    const prog = `
import json, os, socket, time
print(json.dumps({k: os.environ.get(k) for k in ("SOCKSWRAP_SOCK", "SOCKSWRAP_RELAY_PORT4", "SOCKSWRAP_RELAY_PORT6")}), flush=True)
ok = 0
deadline = time.time() + 60
while not os.path.exists(${JSON.stringify(go)}) or ok < 20:
    s = socket.create_connection(("target.test", ${ECHO_PORT}), 20)
    s.sendall(b"session\\n")
    ok += s.recv(100) == b"session\\n"
    s.close()
    if time.time() > deadline: break
print("served", ok, flush=True)
`;
    const logBefore = danted.log().length;
    const child = spawnSockswrap(lab, ['-x', `socks5h://${danted.host}:${danted.port}`, '--', bin('python3'), '-c', prog]);
    const next = lineReader(child);
    const env = JSON.parse(await next((l) => l.startsWith('{'))) as Record<string, string>;
    assert.ok(existsSync(env.SOCKSWRAP_SOCK));
    const outsider = `
const net = require('net');
const targets = [];
for (let i = 0; i < 1000; i++) {
  const kind = i % 4;
  if (kind === 0) targets.push({ path: ${JSON.stringify(env.SOCKSWRAP_SOCK)}, data: Buffer.from([0, 21, 1, ...require('crypto').randomBytes(20)]) });
  else if (kind === 1) targets.push({ path: ${JSON.stringify(env.SOCKSWRAP_SOCK)}, data: require('crypto').randomBytes(40) });
  else if (kind === 2) targets.push({ host: '127.0.0.1', port: ${Number(env.SOCKSWRAP_RELAY_PORT4)}, data: require('crypto').randomBytes(16) });
  else targets.push({ host: '127.0.0.1', port: ${Number(env.SOCKSWRAP_RELAY_PORT4)}, data: require('crypto').randomBytes(200) });
}
let got = 0, done = 0, next = 0;
function one() {
  if (next >= targets.length) return;
  const t = targets[next++];
  const s = net.connect(t.path ? { path: t.path } : { host: t.host, port: t.port });
  s.on('connect', () => s.write(t.data));
  s.on('data', (b) => { got += b.length; });
  s.on('error', () => {});
  s.setTimeout(8000, () => s.destroy());
  s.on('close', () => { done++; if (done === targets.length) { console.log(JSON.stringify({ got, done })); } else one(); });
}
for (let i = 0; i < 64; i++) one();
`;
    const flood = await lab.run(lab.client, [process.execPath, '-e', outsider], { timeoutMs: 60_000 });
    assert.equal(flood.status, 0, flood.stderr);
    assert.deepEqual(JSON.parse(flood.stdout.toString()), { got: 0, done: 1000 });
    writeFileSync(go, '');
    assert.match(await next((l) => l.startsWith('served'), 60_000), /^served (\d+)$/);
    const served = Number((await next((l) => l.startsWith('served'))).split(' ')[1]);
    assert.ok(served >= 20, `served ${served}`);
    await new Promise((r) => child.once('exit', r));
    // danted saw only the session's connections: every one it logged went to the echo port
    // (besides the session's pipelining probe, a CONNECT to 0.0.0.0 port 0 danted refuses: docs/chains.md).
    const log = await waitForLog(() => danted.log().slice(logBefore), /./, 500);
    const connects = log.split('\n').filter((l) => /connect/i.test(l) && !/disconnect/i.test(l) && !/\(0\.0\.0\.0\.0\)/.test(l));
    assert.ok(connects.length >= served, `danted logged ${connects.length} connects for ${served} session connections`);
    assert.ok(connects.every((l) => l.includes(`.${ECHO_PORT}`) || l.includes(`:${ECHO_PORT}`) || l.includes('target.test')), connects.filter((l) => !l.includes(String(ECHO_PORT))).slice(0, 3).join('\n'));
  });
});
