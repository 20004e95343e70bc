// The UDP fast path's edges (docs/udp.md, "The fast path"; issue 18's review findings 4 and 13):
// each case runs on the fast path and on the agent's relay (SOCKSWRAP_UDP_FAST=0, the slow path)
// and compares the two. The targets are reachable only through the proxy (the leak counter stays
// at zero for the whole file), so the slow path is the reference a program unwrapped cannot give.
//   - a receive after the agent died: fails closed, which error, nothing direct;
//   - a socket bound before its first send: its port is kept, and the relay hears it;
//   - a dual-stack AF_INET6 socket sending to a v4-mapped and to an IPv6 target;
//   - a local proxy that restarts (its relay port freed) while another user binds that port and
//     forges a reply: the program never takes it for the target's (finding 4);
//   - a relay found silent later in the run: datagrams to destinations the thread had already
//     routed fail with ENETUNREACH as new ones do (docs/udp.md, "A SOCKS5 hop with no UDP").
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import type { Danted } from '../helpers/peers';
import { waitPort } from '../helpers/peers';
import { takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, sockswrapArgv, lineReader, describe as show } from '../helpers/sockswrap';
import { PY_UDP_ECHO_SERVER } from '../helpers/programs';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'python3', 'setpriv', 'dnsmasq'], { root: true });
const UDP_ECHO_PORT = 7007;
const OTHER_USER = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
const ROADS = [['fast path', []], ['slow path (SOCKSWRAP_UDP_FAST=0)', ['SOCKSWRAP_UDP_FAST=0']]] as const;

/** argv: host port. Echo of "one"; "two" sent and its echo seen queued (select); then, after a
 * line on stdin (the test killed the agent), one receive and one send. */
const PY_AFTER_AGENT = `
import json, select, socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(b"one", (host, port))
d, src = s.recvfrom(100)
out = {"one": [d.decode(), src[0], src[1]]}
s.sendto(b"two", (host, port))
out["queued"] = len(select.select([s], [], [], 10)[0])
print("queued", flush=True)
sys.stdin.readline()
try:
    d, src = s.recvfrom(100)
    out["recv"] = [d.decode(), src[0], src[1]]
except OSError as e:
    out["recv"] = "errno %d" % e.errno
try:
    s.sendto(b"three", (host, port))
    out["send"] = "sent"
except OSError as e:
    out["send"] = "errno %d" % e.errno
print(json.dumps(out), flush=True)
`;

/** argv: host port bind_host. Binds a fixed port (the first free from 41000) before any send,
 * then three echoes; prints the port bound, getsockname after, and what came back. */
const PY_BOUND_FIRST = `
import json, socket, sys
host, port, bind_host = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
for p in range(41000, 41200):
    try:
        s.bind((bind_host, p))
        break
    except OSError:
        pass
bound = list(s.getsockname())
got = []
for i in range(3):
    s.sendto(b"b-%d" % i, (host, port))
    d, src = s.recvfrom(100)
    got.append([d.decode(), src[0], src[1]])
print(json.dumps({"bound": bound, "after": list(s.getsockname()), "got": got}))
`;

/** argv: v4 v6 port. One AF_INET6 socket, IPV6_V6ONLY off: echoes from a v4-mapped target and an
 * IPv6 one, in turn, with the source each reply is reported from. */
const PY_DUAL_STACK = `
import json, socket, sys
v4, v6, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.settimeout(10)
got = []
for r in range(3):
    for d in (("::ffff:" + v4, port), (v6, port)):
        msg = ("%s/%d" % (d[0], r)).encode()
        s.sendto(msg, d)
        data, src = s.recvfrom(100)
        got.append([data.decode(), list(src)])
print(json.dumps({"got": got, "family": s.getsockname()[0]}))
`;

/** argv: host port again. "ping" echoed; then, after each line on stdin, one receive (and, when
 * again is 1, a send of "after" and its echo). */
const PY_RESTARTED = `
import json, socket, sys
host, port, again = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(b"ping", (host, port))
d, src = s.recvfrom(100)
print(json.dumps({"port": s.getsockname()[1], "ping": [d.decode(), src[0], src[1]]}), flush=True)
sys.stdin.readline()
d, src = s.recvfrom(100)
out = {"next": [d.hex(), src[0], src[1]]}
if again:
    s.sendto(b"after", (host, port))
    d, src = s.recvfrom(100)
    out["after"] = [d.decode(), src[0], src[1]]
print(json.dumps(out), flush=True)
`;

/** argv: bound_port program_port target port. Another user binds the port the relay freed and
 * sends the program a reply "from the target" in an RFC 1928 §7 header. */
const PY_FORGER = `
import socket, sys
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", int(sys.argv[1])))
ip = bytes(int(x) for x in sys.argv[3].split("."))
a.sendto(b"\\x00\\x00\\x00\\x01" + ip + int(sys.argv[4]).to_bytes(2, "big") + b"FORGED", ("127.0.0.1", int(sys.argv[2])))
print("sent", flush=True)
`;

/** argv: target port name dns_server. One socket: a datagram to an IP (fast path) and to a name
 * (agent's relay), both lost at a silent relay; a DNS query (answered over TCP once the relay is
 * found silent); then both destinations again, and a new one. */
const PY_SILENT = `
import json, socket, struct, sys
target, port, name, dns = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(15)
fake = socket.gethostbyname(name)
def send(d):
    try:
        s.sendto(b"x", d)
        return "sent"
    except OSError as e:
        return "errno %d" % e.errno
out = {"before": [send((target, port)), send((fake, port))]}
q = struct.pack("!HHHHHH", 0x5157, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(l)]) + l.encode() for l in "www.x.test".split(".")) + b"\\x00\\x00\\x01\\x00\\x01"
s.sendto(q, (dns, 53))
while True:
    d, src = s.recvfrom(4096)
    if src == (dns, 53):
        break
out["dns"] = d[:2] == q[:2]
out["after"] = [send((target, port)), send((fake, port)), send((target, port + 1))]
print(json.dumps(out))
`;

interface Front {
  child: ChildProcess;
  port: number;
  lines(): string[];
  next: (pred: (l: string) => boolean, ms?: number) => Promise<string>;
}

describe('e2e: the UDP fast path\'s edges, each against the slow path', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let py: string;
  /** In the proxy ns: an echoing relay in front of danted (prints the port datagrams came from). */
  let echoFront: Front;
  /** In the proxy ns: a relay that drops every datagram. */
  let dropFront: Front;
  const dnsAnswer = () => `198.19.${lab.n}.7`;

  const startFront = async (ns: string, mode: 'echo' | 'drop', host: string, port: number): Promise<Front> => {
    const child = lab.spawn(ns, [process.execPath, join(__dirname, '..', 'helpers', 'udp-fault-proxy.js'), mode, host, String(port), danted.host, String(danted.port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    const next = lineReader(child);
    await Promise.race([next((l) => l === 'ready'), new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`udp-fault-proxy ${mode} exited (${code}): ${out}`))))]);
    return { child, port, lines: () => out.split('\n').filter(Boolean), next };
  };

  standardLab({ targets: false, danted: 1080, leaks: 'file' }, (s) => ({ lab, danted } = { lab: s.lab, danted: s.danted! }));
  before(async () => {
    py = bin('python3');
    const echo = lab.spawn(lab.proxy, [py, '-c', PY_UDP_ECHO_SERVER, lab.targetIp4, lab.targetIp6, String(UDP_ECHO_PORT)]);
    const ready = new Promise<void>((resolve) => echo.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve()));
    lab.spawn(lab.proxy, [
      bin('dnsmasq'), '--no-daemon', '--no-resolv', '--no-hosts', `--listen-address=${lab.targetIp4}`,
      '--bind-interfaces', `--address=/x.test/${dnsAnswer()}`, '--port', '53', `--pid-file=${lab.dir}/dnsmasq-edges.pid`,
    ]);
    [echoFront, dropFront] = await Promise.all([startFront(lab.proxy, 'echo', lab.proxyIp4, 1093), startFront(lab.proxy, 'drop', lab.proxyIp4, 1094)]);
    await ready;
    await waitPort(lab, lab.proxy, lab.targetIp4, 53);
    takeLeaks(lab);
  });

  const wrapped = (env: readonly string[], args: string[]) => (env.length ? ['env', ...env, ...sockswrapArgv(args)] : sockswrapArgv(args));

  test('a receive after the agent died fails closed: the fast path drops the queued reply with ECONNREFUSED (its source can no longer be proven), the slow path delivers the one its MAC proves; the next send is ECONNREFUSED on both; nothing direct', async () => {
    const got: Record<string, unknown> = {};
    for (const [road, env] of ROADS) {
      const child = lab.spawn(lab.client, wrapped(env, ['-v', '-x', `socks5://${danted.host}:${danted.port}`, '--', 'setsid', py, '-c', PY_AFTER_AGENT, lab.targetIp4, String(UDP_ECHO_PORT)]), { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
      const next = lineReader(child);
      await next((l) => l === 'queued');
      child.kill('SIGKILL'); // the launcher's node process, agent and all; python is in its own session
      await new Promise((r) => child.once('exit', r));
      child.stdin!.write('go\n');
      got[road] = JSON.parse(await next((l) => l.startsWith('{')));
      assert.equal(/spoken to by the program itself \(fast path\)/.test(err), env.length === 0, `${road}: ${err}`);
    }
    const one = ['one', lab.targetIp4, UDP_ECHO_PORT];
    assert.deepEqual(got, {
      'fast path': { one, queued: 1, recv: 'errno 111', send: 'errno 111' },
      'slow path (SOCKSWRAP_UDP_FAST=0)': { one, queued: 1, recv: ['two', lab.targetIp4, UDP_ECHO_PORT], send: 'errno 111' },
    });
    assertNoLeaks(lab);
  });

  test('a socket bound to a port before its first send keeps it (getsockname), its echoes are exact, and on the fast path the relay hears that very port; bound to a specific address it takes the agent\'s relay', async () => {
    const runs: Record<string, { bound: [string, number]; after: [string, number]; got: unknown[]; heard: string[] }> = {};
    for (const [bindHost, label] of [['0.0.0.0', 'wildcard'], [lab.clientIp4, 'specific']] as const) {
      for (const [road, env] of ROADS) {
        const before = echoFront.lines().length;
        const r = await lab.run(lab.client, wrapped(env, ['-x', `socks5://${lab.proxyIp4}:${echoFront.port}`, '--', py, '-c', PY_BOUND_FIRST, lab.targetIp4, String(UDP_ECHO_PORT), bindHost]), { timeoutMs: 60_000 });
        assert.equal(r.status, 0, show(r));
        const out = JSON.parse(r.stdout.toString());
        runs[`${label} ${road}`] = { ...out, heard: echoFront.lines().slice(before).filter((l) => l.startsWith('from ')) };
      }
    }
    const got = [0, 1, 2].map((i) => [`b-${i}`, lab.targetIp4, UDP_ECHO_PORT]);
    for (const [name, run] of Object.entries(runs)) {
      assert.deepEqual(run.after, run.bound, `${name}: getsockname is the port bound`);
      assert.ok(run.bound[1] >= 41000 && run.bound[1] < 41200, `${name}: ${JSON.stringify(run)}`);
      assert.deepEqual(run.got, got, `${name}: echoes and sources exact`);
      assert.equal(run.heard.length, 3, `${name}: three datagrams at the relay`);
      const fromOwnPort = run.heard.every((l) => l === `from ${run.bound[1]}`);
      assert.equal(fromOwnPort, name === 'wildcard fast path', `${name}: the relay heard ${run.heard.join(', ')} (the program bound ${run.bound[1]})`);
    }
    assertNoLeaks(lab);
  });

  test('a dual-stack AF_INET6 socket through danted: a v4-mapped target and an IPv6 one, replies reported from each, the same on both paths', async () => {
    const outs: string[] = [];
    for (const [road, env] of ROADS) {
      const r = await lab.run(lab.client, wrapped(env, ['-v', '-x', `socks5://${danted.host}:${danted.port}`, '--', py, '-c', PY_DUAL_STACK, lab.targetIp4, lab.targetIp6, String(UDP_ECHO_PORT)]), { timeoutMs: 60_000 });
      assert.equal(r.status, 0, show(r));
      assert.equal(/spoken to by the program itself \(fast path\)/.test(r.stderr), env.length === 0, `${road}: ${show(r)}`);
      outs.push(r.stdout.toString());
    }
    const out = JSON.parse(outs[0]!);
    const want = [0, 1, 2].flatMap((r) => [
      [`::ffff:${lab.targetIp4}/${r}`, [`::ffff:${lab.targetIp4}`, UDP_ECHO_PORT, 0, 0]],
      [`${lab.targetIp6}/${r}`, [lab.targetIp6, UDP_ECHO_PORT, 0, 0]],
    ]);
    assert.deepEqual(out.got, want);
    assert.equal(outs[1], outs[0], 'the slow path prints the same');
    assertNoLeaks(lab);
  });

  test('a proxy on this host ends the association and frees its relay port; another user binds it and forges a reply from the target: the program gets it as that user\'s datagram, as on the slow path, never as the target\'s; the fast path then associates again', async () => {
    const got: Record<string, unknown> = {};
    for (const [i, [road, env]] of ROADS.entries()) {
      // The proxy on loopback, in the program's own namespace: its relay port is anyone's to bind once freed.
      const front = await startFront(lab.client, 'echo', '127.0.0.1', 1095 + i);
      try {
        const child = lab.spawn(lab.client, wrapped(env, ['-x', `socks5://127.0.0.1:${front.port}`, '--', py, '-c', PY_RESTARTED, lab.targetIp4, String(UDP_ECHO_PORT), env.length ? '0' : '1']), { stdio: ['pipe', 'pipe', 'pipe'] });
        let err = '';
        child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
        const next = lineReader(child);
        const first = JSON.parse(await next((l) => l.startsWith('{"port"'))) as { port: number; ping: unknown[] };
        assert.deepEqual(first.ping, ['ping', lab.targetIp4, UDP_ECHO_PORT], `${road}: ${err}`);
        front.child.stdin!.write('stop\n');
        const freed = Number((await front.next((l) => l.startsWith('stopped '))).split(' ')[1]);
        const forger = await lab.run(lab.client, [...OTHER_USER, py, '-c', PY_FORGER, String(freed), String(first.port), lab.targetIp4, String(UDP_ECHO_PORT)], { timeoutMs: 30_000 });
        assert.equal(forger.stdout.toString(), 'sent\n', show(forger));
        child.stdin!.write('go\n');
        got[road] = { ...JSON.parse(await next((l) => l.startsWith('{"next"')).catch((e) => { throw new Error(`${road}: ${e}; stderr: ${err}`); })), freed };
        child.stdin!.end();
        await new Promise((r) => child.once('exit', r));
      } finally {
        front.child.kill();
      }
    }
    // What the other user sent, byte for byte: its §7 header naming the target, then FORGED.
    const sent = Buffer.concat([Buffer.from([0, 0, 0, 1, ...lab.targetIp4.split('.').map(Number), UDP_ECHO_PORT >> 8, UDP_ECHO_PORT & 0xff]), Buffer.from('FORGED')]);
    const forged = (freed: number) => [sent.toString('hex'), '127.0.0.1', freed];
    const fast = got['fast path'] as { next: unknown; after: unknown; freed: number };
    const slow = got['slow path (SOCKSWRAP_UDP_FAST=0)'] as { next: unknown; freed: number };
    assert.deepEqual(slow.next, forged(slow.freed), 'slow path: the datagram as its sender sent it, from its real source');
    assert.deepEqual(fast.next, forged(fast.freed), 'fast path: the same (before the fix: "FORGED" from the target)');
    assert.deepEqual(fast.after, ['after', lab.targetIp4, UDP_ECHO_PORT], 'the fast path associates again: the next echo is the target\'s');
    assertNoLeaks(lab);
  });

  test('a relay found silent later in the run: datagrams to the IP (fast path) and the name (agent\'s relay) already routed fail with ENETUNREACH after the finding, as a new destination does', async () => {
    const outs: Record<string, unknown> = {};
    for (const [road, env] of ROADS) {
      const r = await lab.run(lab.client, wrapped(env, ['-x', `socks5h://${lab.proxyIp4}:${dropFront.port}`, '--', py, '-c', PY_SILENT, lab.targetIp4, String(UDP_ECHO_PORT), 'echo.x.test', lab.targetIp4]), { timeoutMs: 60_000 });
      assert.equal(r.status, 0, show(r));
      assert.match(r.stderr, /has no UDP: it granted UDP ASSOCIATE, but its relay answered no DNS query within 2000 ms/, show(r));
      outs[road] = JSON.parse(r.stdout.toString());
    }
    const want = { before: ['sent', 'sent'], dns: true, after: ['errno 101', 'errno 101', 'errno 101'] };
    assert.deepEqual(outs, { 'fast path': want, 'slow path (SOCKSWRAP_UDP_FAST=0)': want });
    assertNoLeaks(lab);
  });
});
