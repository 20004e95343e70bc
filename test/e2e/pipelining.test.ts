// SOCKS5 pipelining (issue 18, docs/chains.md "Pipelining"): greeting, login and request in one
// write, and every hop of a chain in one flight, for proxies the agent has seen take it; the rest
// one message per round trip. Each case runs one wrapped program in two phases: phase 1 meets the
// proxy for the first time (its pipelining is still being learned), then, once sockswrap's -v log
// says what it learned, phase 2 connects again (blocking: the dial path in the shim; non-blocking:
// the relay in the agent). The same program under SOCKSWRAP_PIPELINE=0 (never pipelined) must
// give the same bytes and the same errno for every connect: the program never sees a difference.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { startDanted, labSpawner, untilLog, ECHO_PORT, CLOSED_PORT, BANNER_PORT, type Danted, type Peer } from '../helpers/peers';
import { BANNER } from '../helpers/body';
import { startTinyproxy } from '../helpers/upstream-peers';
import { waitPort } from '../helpers/port-waiter';
import { assertNoLeaks } from '../helpers/proof';
import { sockswrapArgv } from '../helpers/sockswrap';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'microsocks', 'tinyproxy', 'python3'], { root: true });

/**
 * argv: host echo_port closed_port go_file. Phase 1: two blocking connects with an echo; prints
 * "phase1"; waits for go_file; phase 2: three blocking and one non-blocking connect with an echo
 * of bytes unique to each, then a blocking and a non-blocking connect to the closed port.
 * Prints JSON {p1, p2: [true/false per echo], closed: [errno, errno]}.
 */
const PY_TWO_PHASES = `
import hashlib, json, os, select, socket, sys, time
host, port, closed, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def echo(i, blocking=True):
    payload = hashlib.sha256(b"%d" % i).digest() * 32 + b"|%d" % i
    s = socket.socket()
    try:
        if blocking:
            s.connect((host, port))
        else:
            s.setblocking(False)
            e = s.connect_ex((host, port))
            if e not in (0, 115): return "errno %d" % e
            select.select([], [s], [], 20)
            e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if e: return "errno %d" % e
            s.setblocking(True)
        s.settimeout(20)
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            b = s.recv(65536)
            if not b: break
            got += b
        return got == payload
    except OSError as e:
        return "errno %d" % e.errno
    finally:
        s.close()
def refused(blocking):
    s = socket.socket()
    try:
        if blocking:
            s.connect((host, closed)); return 0
        s.setblocking(False)
        e = s.connect_ex((host, closed))
        if e != 115: return e
        select.select([], [s], [], 20)
        return s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    except OSError as e:
        return e.errno
    finally:
        s.close()
p1 = [echo(0), echo(1)]
print("phase1", flush=True)
while not os.path.exists(go): time.sleep(0.02)
p2 = [echo(2), echo(3), echo(4), echo(5, blocking=False)]
print(json.dumps({"p1": p1, "p2": p2, "closed": [refused(True), refused(False)]}), flush=True)
`;

interface Outcome {
  p1: unknown[];
  p2: unknown[];
  closed: number[];
  stderr: string;
}

let runs = 0;

/**
 * Runs the program through `proxyArgs`; `learned` (a -v line) is waited for between the phases
 * (none: go on at once). pipelining false: SOCKSWRAP_PIPELINE=0.
 */
async function twoPhases(lab: Lab, proxyArgs: string[], learned: RegExp | undefined, pipelining = true): Promise<Outcome> {
  const go = join(lab.dir, `go-${++runs}`);
  const argv = [...(pipelining ? [] : ['env', 'SOCKSWRAP_PIPELINE=0']), ...sockswrapArgv(['-v', ...proxyArgs, '--', bin('python3'), '-c', PY_TWO_PHASES, lab.targetIp4, String(ECHO_PORT), String(CLOSED_PORT), go])];
  const child = lab.spawn(lab.client, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: lab.dir });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await untilLog(() => out, /^phase1$/m, 30_000);
  if (learned) await untilLog(() => err, learned, 10_000);
  writeFileSync(go, '');
  const code = await exited;
  assert.equal(code, 0, `exit ${code}: ${out} ${err}`);
  const json = out.split('\n').find((l) => l.startsWith('{'));
  assert.ok(json, `no result: ${out} ${err}`);
  return { ...(JSON.parse(json) as Omit<Outcome, 'stderr'>), stderr: err };
}

/** The program saw the same with pipelining as without, and every echo came back whole. */
function sameAsUnpipelined(got: Outcome, before: Outcome): void {
  assert.deepEqual(got.p1, [true, true], got.stderr);
  assert.deepEqual(got.p2, [true, true, true, true], got.stderr);
  assert.deepEqual(got.closed, before.closed, `errnos with pipelining ${got.closed}, without ${before.closed}: ${got.stderr}`);
  assert.deepEqual(before.p2, [true, true, true, true], before.stderr);
}

const ECONNREFUSED = 111;

/** A SOCKS5 server for faults no real server gives on demand; node, in the proxy ns. */
function faultProxy(mode: 'close-after-pipelined' | 'refuse-methods'): string {
  return `
const net = require('net');
const [host, port, mode] = [process.argv[1], Number(process.argv[2]), ${JSON.stringify(mode)}];
net.createServer({ allowHalfOpen: false }, (c) => {
  c.on('error', () => {});
  let buf = Buffer.alloc(0), state = 'greeting';
  c.on('data', function onData(d) {
    buf = Buffer.concat([buf, d]);
    if (state === 'greeting') {
      if (buf.length < 2 || buf.length < 2 + buf[1]) return;
      if (mode === 'refuse-methods') { c.end(Buffer.from([5, 0xff])); state = 'done'; return; }
      const rest = buf.subarray(2 + buf[1]);
      // The pipelining probe asks for 0.0.0.0 port 0: answered, as a server that reads every
      // message would. A real request right behind the greeting: the connection is closed.
      const probe = rest.length === 10 && rest.subarray(3).equals(Buffer.from([1, 0, 0, 0, 0, 0, 0]));
      if (probe) { c.end(Buffer.from([5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0])); state = 'done'; return; }
      if (rest.length > 0) { console.log('closed a pipelined request'); c.destroy(); state = 'done'; return; }
      c.write(Buffer.from([5, 0]));
      buf = rest; state = 'request';
    }
    if (state === 'request') {
      if (buf.length < 10) return;
      if (buf[3] !== 1) { c.destroy(); return; }
      const to = { host: [...buf.subarray(4, 8)].join('.'), port: buf.readUInt16BE(8) };
      const rest = buf.subarray(10);
      state = 'connecting';
      c.pause();
      const up = net.connect(to, () => {
        c.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
        if (rest.length) up.write(rest);
        c.removeListener('data', onData);
        c.pipe(up); up.pipe(c); c.resume();
      });
      up.on('error', () => { if (state === 'connecting') c.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])); else c.destroy(); state = 'done'; });
    }
  });
}).listen(port, host, () => console.log('ready'));
`;
}

describe('e2e SOCKS5 pipelining', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let micro: Peer;
  let inner: Danted;
  let tiny: { host: string; port: number };
  const closing = { host: '', port: 1091, said: '' };
  const refusing = { host: '', port: 1092 };

  standardLab({ danted: 1080, microsocks: 1081, leaks: 'reset' }, (s) => ({ lab, danted, micro } = { lab: s.lab, danted: s.danted!, micro: s.micro! }));
  before(async () => {
    closing.host = refusing.host = lab.proxyIp4;
    // A second danted, reached through the first (a 2-hop chain), and tinyproxy behind danted.
    [inner, tiny] = await Promise.all([
      startDanted(lab, 1086),
      startTinyproxy(labSpawner(lab), { listen: lab.proxyIp4, port: 8899, allow: ['0.0.0.0/0'], connectPorts: [ECHO_PORT, CLOSED_PORT, BANNER_PORT] }),
    ]);
    for (const [p, mode] of [[closing, 'close-after-pipelined'], [refusing, 'refuse-methods']] as const) {
      const child = lab.spawn(lab.proxy, [process.execPath, '-e', faultProxy(mode), p.host, String(p.port)]);
      if (p === closing) child.stdout!.on('data', (b: Buffer) => { closing.said += b.toString(); });
      await waitPort(p.host, p.port, { ns: lab.client });
    }
  });

  test('danted: learned to take pipelined handshakes; dial path and relay give the same bytes and errnos', async () => {
    const x = ['-x', `socks5h://${danted.host}:${danted.port}`];
    const before = await twoPhases(lab, x, undefined, false);
    const got = await twoPhases(lab, x, /socks5 198\.18\.\d+\.1:1080: takes pipelined handshakes/);
    sameAsUnpipelined(got, before);
    assert.deepEqual(got.closed, [ECONNREFUSED, ECONNREFUSED], got.stderr);
    assert.doesNotMatch(got.stderr, /failed a pipelined handshake/, got.stderr);
    assertNoLeaks(lab);
  });

  test('a 2-hop danted chain: both hops learned (the second probed through the first), one flight for both', async () => {
    const x = ['-x', `socks5://${danted.host}:${danted.port}`, '-x', `socks5://${inner.innerHost}:${inner.port}`];
    const before = await twoPhases(lab, x, undefined, false);
    const got = await twoPhases(lab, x, /198\.19\.\d+\.1:1086: takes pipelined handshakes/);
    sameAsUnpipelined(got, before);
    assert.match(got.stderr, /198\.18\.\d+\.1:1080: takes pipelined handshakes/, got.stderr);
    assertNoLeaks(lab);
  });

  test('danted then tinyproxy (HTTP CONNECT): the CONNECT goes out with danted\'s flight; same bytes and errnos', async () => {
    const x = ['-x', `socks5://${danted.host}:${danted.port}`, '-x', `http://${tiny.host}:${tiny.port}`];
    const before = await twoPhases(lab, x, undefined, false);
    const got = await twoPhases(lab, x, /198\.18\.\d+\.1:1080: takes pipelined handshakes/);
    sameAsUnpipelined(got, before);
    assertNoLeaks(lab);
  });

  test('tinyproxy alone: its reply is learned and expected byte for byte by the shim; same bytes and errnos', async () => {
    const x = ['-x', `http://${tiny.host}:${tiny.port}`];
    const before = await twoPhases(lab, x, undefined, false);
    const got = await twoPhases(lab, x, undefined);
    sameAsUnpipelined(got, before);
    assert.equal(got.closed[0], before.closed[0]);
    assertNoLeaks(lab);
  });

  test('tinyproxy: a server that speaks first keeps its banner when the learned reply is consumed', async () => {
    // Three connects in one program: the first learns the reply, the others expect it.
    const prog = `
import socket, sys, json
for _ in range(3):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
    first = b""
    while not first.endswith(b"\\r\\n"):
        b = s.recv(1)
        if not b: break
        first += b
    s.sendall(b"ping\\n")
    rest = b""
    while True:
        b = s.recv(4096)
        if not b: break
        rest += b
    print(json.dumps({"first": first.decode("latin-1"), "rest": rest.decode("latin-1")}), flush=True)
`;
    const r = await lab.run(lab.client, sockswrapArgv(['-x', `http://${tiny.host}:${tiny.port}`, '--', bin('python3'), '-c', prog, lab.targetIp4, String(BANNER_PORT)]), { timeoutMs: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { first: string; rest: string });
    assert.deepEqual(lines, [1, 2, 3].map(() => ({ first: BANNER, rest: 'ping\n' })), r.stderr);
    assertNoLeaks(lab);
  });

  test('microsocks (one message per recv): learned not to pipeline; nothing stalls, same bytes and errnos', async () => {
    const x = ['-x', `socks5h://${micro.host}:${micro.port}`];
    const before = await twoPhases(lab, x, undefined, false);
    const got = await twoPhases(lab, x, /1081: does not take pipelined handshakes/);
    sameAsUnpipelined(got, before);
    assertNoLeaks(lab);
  });

  test('a proxy that passes the probe but closes after a pipelined request: fallback, remembered; same bytes and errnos', async () => {
    const x = ['-x', `socks5://${closing.host}:${closing.port}`];
    const before = await twoPhases(lab, x, undefined, false);
    const got = await twoPhases(lab, x, /1091: takes pipelined handshakes/);
    sameAsUnpipelined(got, before);
    // The first pipelined connect fell back; the proxy is not pipelined again in this run.
    const demoted = got.stderr.match(/1091: failed a pipelined handshake/g) ?? [];
    assert.equal(demoted.length, 1, got.stderr);
    // Only one pipelined request ever reached it: the shim forgot the standing plan made before.
    assert.equal(closing.said.match(/closed a pipelined request/g)?.length, 1, closing.said + got.stderr);
    assertNoLeaks(lab);
  });

  test('a proxy that answers the greeting with 0xFF: the same errno with and without pipelining, and the log says why', async () => {
    const x = ['-x', `socks5://${refusing.host}:${refusing.port}`];
    const prog = `
import socket, sys
out = []
for blocking in (True, False, True):
    s = socket.socket()
    try:
        if blocking: s.connect((sys.argv[1], int(sys.argv[2]))); out.append(0)
        else:
            s.setblocking(False); e = s.connect_ex((sys.argv[1], int(sys.argv[2])))
            import select; select.select([], [s], [], 20); out.append(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
    except OSError as e: out.append(e.errno)
print(out)`;
    const run = (pipelining: boolean) => lab.run(lab.client, [...(pipelining ? [] : ['env', 'SOCKSWRAP_PIPELINE=0']), ...sockswrapArgv([...x, '--', bin('python3'), '-c', prog, lab.targetIp4, String(ECHO_PORT)])], { timeoutMs: 60_000 });
    const [without, withIt] = [await run(false), await run(true)];
    assert.equal(withIt.stdout.toString(), without.stdout.toString(), withIt.stderr);
    assert.notEqual(withIt.stdout.toString().trim(), '[0, 0, 0]', withIt.stderr);
    assert.match(withIt.stderr, /requires authentication/, withIt.stderr);
    assertNoLeaks(lab);
  });
});
