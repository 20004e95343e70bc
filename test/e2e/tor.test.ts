// Tor as an upstream (issue 17, docs/tor.md), against the project's own private Tor network
// (test/helpers/tor-net.ts, in this lab's proxy namespace): one network for the whole file.
// Names the client ns cannot resolve and addresses it cannot reach: www.tor.test exists only in
// the lab DNS the exits use, the onion service only in the private network.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, type Lab, type RunOptions, type RunResult } from '../helpers/net-lab';
import { startTargets, startMicrosocks, bin, HTTP_PORT, ECHO_PORT } from '../helpers/peers';
import { skipUnless } from '../helpers/peer-gate';
import { installLeakCounter, takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, spawnSockswrap, lineReader, describe as show } from '../helpers/sockswrap';
import { cleanEnv } from '../helpers/net-lab';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { bigSha256, sha256 } from '../helpers/body';
import { startTorNet, waitExitStream, TOR_WWW_NAME, type TorNet } from '../helpers/tor-net';

const SKIP = skipUnless(['ip', 'nft', 'tor', 'tor-gencert', 'dnsmasq', 'curl', 'python3', 'dig', 'microsocks'], { root: true });

/** Connects, sees its byte echoed, says "ready" and holds the stream open until killed. */
const PY_HOLD = `
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=90)
s.sendall(b'hold\\n')
assert s.recv(5) == b'hold\\n'
print('ready', sys.argv[3], flush=True)
time.sleep(600)
`;

/** The errno name a connect gets, or "connected". */
const PY_CONNECT = `
import socket, sys, errno
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=90)
    print('connected')
except OSError as e:
    print(errno.errorcode.get(e.errno, repr(e)))
`;

const NODE_RESOLVE = `
const dns = require('node:dns').promises;
const http = require('node:http');
(async () => {
  const [name, port] = process.argv.slice(1);
  const v4 = await dns.resolve4(name);
  const body = await new Promise((resolve, reject) => {
    http.get({ host: v4[0], port: Number(port), path: '/hello' }, (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve(s));
    }).on('error', reject);
  });
  console.log(JSON.stringify({ v4, body }));
})().catch((e) => { console.error(String(e)); process.exit(1); });
`;

/** RFC 4648 base32, lower case, no padding (onion addresses). */
function base32(b: Buffer): string {
  const abc = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of b) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += abc[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += abc[(value << (5 - bits)) & 31];
  return out;
}

/** A well-formed v3 onion address of a fresh key: no service has it. */
function unknownOnion(): string {
  const pub = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const version = Buffer.from([3]);
  const checksum = createHash('sha3-256').update(Buffer.concat([Buffer.from('.onion checksum'), pub, version])).digest().subarray(0, 2);
  return base32(Buffer.concat([pub, checksum, version])) + '.onion';
}

/** Circuit id and SOCKS credentials of each SUCCEEDED stream to `target`, from the control port. */
async function streamsTo(tor: TorNet, target: string): Promise<{ circuit: string; username?: string; password?: string; raw: string }[]> {
  const streams = await tor.control('GETINFO stream-status');
  const circuits = await tor.control('GETINFO circuit-status');
  const out = [];
  const port = target.slice(target.lastIndexOf(':'));
  for (const m of streams.matchAll(/(\d+) SUCCEEDED (\d+) (\S+)/g)) {
    // Tor names the target as asked (the name) or, once connected, by the address it reached.
    if (m[3] !== target && !(m[3]!.endsWith(port))) continue;
    const circ = new RegExp(`^(?:250[-+]circuit-status=)?${m[2]} .*$`, 'm').exec(circuits)?.[0] ?? '';
    out.push({
      circuit: m[2]!,
      username: /SOCKS_USERNAME="([^"]*)"/.exec(circ)?.[1],
      password: /SOCKS_PASSWORD="([^"]*)"/.exec(circ)?.[1],
      raw: `${m[0]} | ${circ}`,
    });
  }
  if (out.length === 0) console.log(`# no stream to ${target} in:\n${streams}`);
  return out;
}

const PY_GET = `
import sys, urllib.request, hashlib
with urllib.request.urlopen(sys.argv[1], timeout=60) as r:
    print(hashlib.sha256(r.read()).hexdigest())
`;

describe('e2e: Tor (private network)', { skip: SKIP, timeout: 600_000 }, () => {
  let lab: Lab;
  let tor: TorNet;
  let socks5h: string[];
  let hello: string;

  before(async () => {
    lab = createLab();
    installLeakCounter(lab);
    tor = await startTorNet(lab);
    await startTargets(lab, [tor.wwwIp]);
    await waitExitStream(lab, tor, `http://${TOR_WWW_NAME}:${HTTP_PORT}/hello`, 120_000);
    socks5h = ['-x', `socks5h://${tor.socksHost}:${tor.socksPort}`];
    const r = await lab.run(lab.proxy, ['curl', '-sS', `http://${lab.targetIp4}:${HTTP_PORT}/hello`]);
    hello = r.stdout.toString();
    assert.ok(hello.length > 0, 'the target answers /hello');
  });
  after(async () => {
    await tor?.stop();
    lab?.destroy();
  });
  beforeEach(() => { if (lab) takeLeaks(lab); });

  const TOR = (): string[] => ['--tor', `${tor.socksHost}:${tor.socksPort}`];

  /**
   * A wrapped run that must reach its target through Tor. Each run has circuits of its own
   * (--isolate=run), and the young private network's exits sometimes end a stream on a fresh one
   * (END, which the SocksPort reports as 0x01, as waitExitStream saw before the tests): Tor's
   * failure, not sockswrap's, so such a run is made again, at most twice, each retry printed.
   * Any other outcome is the test's to judge.
   */
  async function throughTor(args: string[], opts: RunOptions): Promise<RunResult> {
    for (let tries = 1; ; tries++) {
      const r = await sockswrap(lab, args, opts);
      if (r.status === 0 || tries === 3 || !/refused by proxy \(reply 0x01 general SOCKS server failure\)/.test(r.stderr)) return r;
      console.log(`# Tor ended a stream with 0x01 on try ${tries}; again: ${r.stderr.trim().split('\n')[0]}`);
    }
  }

  /** Wrapped runs each holding a stream to www.tor.test's echo port; resolves once every "ready LABEL" is out. */
  async function hold(runs: string[][], labels: string[][]): Promise<{ children: ChildProcess[]; streams: Awaited<ReturnType<typeof streamsTo>> }> {
    const children = runs.map((a) => spawnSockswrap(lab, a));
    try {
      await Promise.all(children.flatMap((c, i) => {
        const next = lineReader(c);
        return labels[i]!.map((label) => next((l) => l === `ready ${label}`, 120_000));
      }));
      return { children, streams: await streamsTo(tor, `${TOR_WWW_NAME}:${ECHO_PORT}`) };
    } catch (e) {
      for (const c of children) c.kill('SIGKILL');
      throw e;
    }
  }

  test('the network: the client is bootstrapped on a consensus of the lab\'s 5 relays only', async () => {
    assert.match(await tor.control('GETINFO status/bootstrap-phase'), /PROGRESS=100/);
    const ns = await tor.control('GETINFO ns/all');
    const relays = [...ns.matchAll(/^r (\S+) \S+ \S+ \S+ \S+ (\S+) /gm)].map((m) => `${m[1]}@${m[2]}`).sort();
    assert.deepEqual(relays, ['a1', 'a2', 'a3', 'r1', 'r2'].map((n) => `${n}@${tor.socksHost}`), ns);
  });

  test('curl and python by name (socks5h): 8 MiB through Tor, hash-checked; the name resolved by the lab DNS via the exit', async () => {
    const r = await throughTor([...socks5h, '--', 'curl', '-sS', '--max-time', '120', `http://${TOR_WWW_NAME}:${HTTP_PORT}/big`], { timeoutMs: 150_000 });
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    const p = await throughTor([...socks5h, '--', 'python3', '-c', PY_GET, `http://${TOR_WWW_NAME}:${HTTP_PORT}/big`], { timeoutMs: 150_000 });
    assert.equal(p.status, 0, show(p));
    assert.equal(p.stdout.toString().trim(), bigSha256());
    assertNoLeaks(lab, 'curl by name');
  });

  test('curl and python by .onion address (socks5h), through the onion service', async () => {
    const url = `http://${tor.onion}/hello`;
    const c = await throughTor([...socks5h, '--', 'curl', '-sS', '--max-time', '90', url], { timeoutMs: 120_000 });
    assert.equal(c.status, 0, show(c));
    assert.equal(c.stdout.toString(), hello);
    const p = await throughTor([...socks5h, '--', 'python3', '-c', PY_GET, url], { timeoutMs: 120_000 });
    assert.equal(p.status, 0, show(p));
    assert.equal(p.stdout.toString().trim(), sha256(hello));
    assertNoLeaks(lab, 'onion');
  });

  test('--tor HOST:PORT: curl by name; $TOR_SOCKS_HOST/$TOR_SOCKS_PORT for a bare --tor', async () => {
    const r = await throughTor([...TOR(), '--', 'curl', '-sS', '--max-time', '90', `http://${TOR_WWW_NAME}:${HTTP_PORT}/hello`], { timeoutMs: 120_000 });
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), hello);
    const env = cleanEnv({ TOR_SOCKS_HOST: tor.socksHost, TOR_SOCKS_PORT: String(tor.socksPort) });
    const e = await throughTor(['--tor', 'curl', '-sS', '--max-time', '90', `http://${tor.onion}/hello`], { timeoutMs: 120_000, env });
    assert.equal(e.status, 0, show(e));
    assert.equal(e.stdout.toString(), hello);
    assertNoLeaks(lab, '--tor');
  });

  test('isolation (default --isolate=run): two concurrent runs hold streams on different circuits, with different credentials', async () => {
    const run = (label: string): string[] => [...TOR(), '--', bin('python3'), '-c', PY_HOLD, TOR_WWW_NAME, String(ECHO_PORT), label];
    const { children, streams } = await hold([run('a'), run('b')], [['a'], ['b']]);
    for (const c of children) c.kill('SIGTERM');
    assert.equal(streams.length, 2, JSON.stringify(streams));
    assert.notEqual(streams[0]!.circuit, streams[1]!.circuit, JSON.stringify(streams));
    for (const s of streams) {
      assert.equal(s.username, '<torS0X>0');
      assert.match(s.password ?? '', /^sockswrap-[0-9a-f]{32}$/);
    }
    assert.notEqual(streams[0]!.password, streams[1]!.password);
    assertNoLeaks(lab, 'isolate=run');
  });

  test('--isolate=process: two processes of one run on different circuits; --isolate=off sends no credentials', async () => {
    const both = `${bin('python3')} -c "$0" ${TOR_WWW_NAME} ${ECHO_PORT} a & ${bin('python3')} -c "$0" ${TOR_WWW_NAME} ${ECHO_PORT} b & wait`;
    const { children, streams } = await hold([[...TOR(), '--isolate=process', '--', 'sh', '-c', both, PY_HOLD]], [['a', 'b']]);
    for (const c of children) c.kill('SIGTERM');
    assert.equal(streams.length, 2, JSON.stringify(streams));
    assert.notEqual(streams[0]!.circuit, streams[1]!.circuit, JSON.stringify(streams));
    assert.match(streams[0]!.password ?? '', /^sockswrap-[0-9a-f]{32}-pid-\d+$/);
    assert.notEqual(streams[0]!.password, streams[1]!.password);

    const off = await hold([[...TOR(), '--isolate=off', '--', bin('python3'), '-c', PY_HOLD, TOR_WWW_NAME, String(ECHO_PORT), 'off']], [['off']]);
    for (const c of off.children) c.kill('SIGTERM');
    assert.ok(off.streams.length >= 1, JSON.stringify(off.streams));
    for (const one of off.streams) assert.equal(one.username, undefined, JSON.stringify(off.streams));
    assertNoLeaks(lab, 'isolate=process/off');
  });

  test("an unknown and a malformed .onion: EHOSTUNREACH / EINVAL, and the log names Tor's extended error", async () => {
    const unknown = await sockswrap(lab, [...TOR(), '--', bin('python3'), '-c', PY_CONNECT, unknownOnion(), '80'], { timeoutMs: 150_000 });
    assert.equal(unknown.stdout.toString().trim(), 'EHOSTUNREACH', show(unknown));
    assert.match(unknown.stderr, /reply 0xf0, Tor's extended error: onion service descriptor can not be found/, show(unknown));
    const malformed = await sockswrap(lab, [...TOR(), '--', bin('python3'), '-c', PY_CONNECT, 'notanonionaddress.onion', '80'], { timeoutMs: 150_000 });
    assert.equal(malformed.stdout.toString().trim(), 'EINVAL', show(malformed));
    assert.match(malformed.stderr, /reply 0xf6, Tor's extended error: onion service invalid address/, show(malformed));
    assertNoLeaks(lab, 'onion errors');
  });

  test('dig and node dns.resolve4 through --tor: answered by the agent, the connection reaches the name through Tor', async () => {
    const d = await sockswrap(lab, [...TOR(), '--', 'dig', '+short', '+tries=1', '+time=5', TOR_WWW_NAME], { timeoutMs: 60_000 });
    assert.equal(d.status, 0, show(d));
    assert.match(d.stdout.toString().trim(), /^240\.\d+\.\d+\.\d+$/);
    const n = await throughTor([...TOR(), '--', process.execPath, '-e', NODE_RESOLVE, TOR_WWW_NAME, String(HTTP_PORT)], { timeoutMs: 120_000 });
    assert.equal(n.status, 0, show(n));
    assert.equal(JSON.parse(n.stdout.toString()).body, hello);
    assertNoLeaks(lab, 'dns');
  });

  test('UDP other than DNS through --tor: ENETUNREACH at once and one log line; a .onion with remote DNS off reaches no resolver', async () => {
    const PY_UDP = `
import socket, sys, errno
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    try:
        s.sendto(b'x', (sys.argv[1], int(sys.argv[2])))
        print('sent')
    except OSError as e:
        print(errno.errorcode[e.errno])
`;
    const u = await sockswrap(lab, [...TOR(), '--', bin('python3'), '-c', PY_UDP, tor.wwwIp, String(ECHO_PORT)]);
    assert.equal(u.stdout.toString(), 'ENETUNREACH\n'.repeat(3), show(u));
    assert.equal(u.stderr.match(/is Tor, which carries no UDP/g)?.length, 1, show(u));
    const PY_GAI = `
import socket, sys
try:
    socket.getaddrinfo(sys.argv[1], 80)
    print('resolved')
except socket.gaierror as e:
    print('EAI_NONAME' if e.errno == socket.EAI_NONAME else repr(e))
`;
    const o = await sockswrap(lab, ['-x', `socks5://${tor.socksHost}:${tor.socksPort}`, '--', bin('python3'), '-c', PY_GAI, tor.onion]);
    assert.equal(o.stdout.toString().trim(), 'EAI_NONAME', show(o));
    assert.match(o.stderr, /a \.onion name can only be resolved by Tor, and remote DNS is off/, show(o));
    assertNoLeaks(lab, 'udp / onion with local DNS');
  });

  test('sockswrap check --tor: the SocksPort is Tor, and a test circuit reaches the target; a SOCKS5 proxy that is not Tor is told apart', async () => {
    const r = await sockswrap(lab, ['check', ...TOR(), `${TOR_WWW_NAME}:${HTTP_PORT}`], { timeoutMs: 120_000 });
    assert.equal(r.status, 0, show(r));
    const out = r.stdout.toString();
    assert.match(out, new RegExp(`^tor at hop 1 ${tor.socksHost.replace(/\./g, '\\.')}:${tor.socksPort}: yes, Tor's SocksPort \\(it answers HTTP with "HTTP/1\\.0 501 Tor is not an HTTP Proxy"\\)$`, 'm'), out);
    assert.match(out, new RegExp(`^target ${TOR_WWW_NAME.replace(/\./g, '\\.')}:${HTTP_PORT}: reachable via socks5 `, 'm'), out);
    const other = await startMicrosocks(lab, { port: 1080 });
    try {
      const n = await sockswrap(lab, ['check', '--tor', `${other.host}:1080`], { timeoutMs: 60_000 });
      assert.equal(n.status, 1, show(n));
      assert.match(n.stdout.toString(), /^tor at hop 1 \S+:1080: NO, /m, show(n));
      assert.match(n.stdout.toString(), /chain: broken: hop 1 is marked Tor/, show(n));
    } finally {
      await other.stop();
    }
    assertNoLeaks(lab, 'check --tor');
  });

  test("gethostbyaddr / getnameinfo of a real address: the lab DNS's PTR record, through Tor's RESOLVE_PTR", async () => {
    const PY_PTR = `
import socket, sys
print(socket.gethostbyaddr(sys.argv[1])[0])
print(socket.getnameinfo((sys.argv[1], 80), socket.NI_NAMEREQD)[0])
`;
    const r = await sockswrap(lab, [...TOR(), '--', bin('python3'), '-c', PY_PTR, tor.wwwIp], { timeoutMs: 120_000 });
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), `${TOR_WWW_NAME}\n${TOR_WWW_NAME}\n`);
    const rev = tor.wwwIp.split('.').reverse().join('.');
    assert.match(tor.logs(), new RegExp(`query\\[PTR\\] ${rev.replace(/\./g, '\\.')}\\.in-addr\\.arpa from `, 'i'), 'the exit asked the lab DNS');
    assertNoLeaks(lab, 'RESOLVE_PTR');
  });

  test('--tor-real-addresses: getaddrinfo returns the address Tor resolves (a fake one without it), and curl reaches it', async () => {
    const PY_GAI4 = `
import socket, sys
print(socket.getaddrinfo(sys.argv[1], 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0])
`;
    const real = await sockswrap(lab, [...TOR(), '--tor-real-addresses', '--', bin('python3'), '-c', PY_GAI4, TOR_WWW_NAME], { timeoutMs: 120_000 });
    assert.equal(real.status, 0, show(real));
    assert.equal(real.stdout.toString().trim(), tor.wwwIp);
    const fake = await sockswrap(lab, [...TOR(), '--', bin('python3'), '-c', PY_GAI4, TOR_WWW_NAME], { timeoutMs: 60_000 });
    assert.match(fake.stdout.toString().trim(), /^240\.\d+\.\d+\.\d+$/, show(fake));
    const c = await throughTor([...TOR(), '--tor-real-addresses', '--', 'curl', '-sS', '--max-time', '90', `http://${TOR_WWW_NAME}:${HTTP_PORT}/hello`], { timeoutMs: 120_000 });
    assert.equal(c.status, 0, show(c));
    assert.equal(c.stdout.toString(), hello);
    assertNoLeaks(lab, '--tor-real-addresses');
  });

  test('pipelining (issue 18): Tor is learned to take pipelined handshakes (with its isolation login); echoes before and after are whole', async () => {
    const go = `${lab.dir}/go-pipelined`;
    const prog = `
import os, socket, sys, time
def echo(i):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=90)
    msg = b"pipelined %d\\n" % i
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        b = s.recv(100)
        if not b: break
        got += b
    s.close()
    return got == msg
first = echo(0)
print("phase1", flush=True)
while not os.path.exists(sys.argv[3]): time.sleep(0.05)
print("result", first, echo(1), echo(2), flush=True)
`;
    const child = spawnSockswrap(lab, ['-v', ...TOR(), '--', bin('python3'), '-c', prog, TOR_WWW_NAME, String(ECHO_PORT), go]);
    let err = '';
    child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    const next = lineReader(child);
    await next((l) => l === 'phase1', 120_000).catch((e: Error) => { child.kill('SIGKILL'); throw new Error(`${e.message}; stderr: ${err}`); });
    const deadline = Date.now() + 20_000;
    while (!/takes pipelined handshakes/.test(err) && !/does not take pipelined/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    writeFileSync(go, '');
    const result = await next((l) => l.startsWith('result'), 120_000);
    assert.equal(result, 'result True True True', err);
    assert.match(err, new RegExp(`socks5 ${tor.socksHost.replace(/\./g, '\\.')}:${tor.socksPort}: takes pipelined handshakes`), err);
    assertNoLeaks(lab, 'pipelined through Tor');
  });
});
