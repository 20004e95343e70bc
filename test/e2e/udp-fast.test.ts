// The UDP fast path (issue 18, docs/udp.md "The fast path"): an unconnected socket speaks RFC 1928
// §7 to the proxy's relay itself, with no Node on the per-datagram path. Real danted for the
// source-address rule, on one socket that also sends through the agent's relay (a name) and
// direct (loopback); a fault relay (test/helpers/udp-fault-proxy.ts, frag) for what danted never
// sends: fragments, a non-zero RSV, a source given as a name. Fail closed: a chain without UDP
// still refuses. The leak counter stays at zero for the whole file.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import type { Danted, Peer } from '../helpers/peers';
import { takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { PY_UDP_ECHO_SERVER, PY_UDP_SEND_ERRNO } from '../helpers/programs';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'microsocks', 'python3'], { root: true });
const UDP_ECHO_PORT = 7007;
const LOCAL_ECHO_PORT = 7008;

/** argv: target port name local_port rounds. One AF_INET socket, unconnected: each round sends to
 * the target (fast path), to a name only the proxy resolves (the agent's relay) and to a loopback
 * echo (direct), and checks each echo's bytes and source; then replies bigger than the buffer. */
const PY_MIXED = `
import socket, sys, json
target, tport, name, lport, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
fake = socket.gethostbyname(name)
dests = [(target, tport), (fake, tport), ("127.0.0.1", lport)]
bad = []
for r in range(rounds):
    for d in dests:
        msg = (("%s:%d/%d;" % (d[0], d[1], r)) * (1 + r * 7)).encode()
        s.sendto(msg, d)
        data, src = s.recvfrom(65535)
        if data != msg or src != d:
            bad.append([list(d), list(src), len(data), len(msg)])
small = []
for d in dests:
    msg = bytes(range(100))
    s.sendto(msg, d)
    data, src = s.recvfrom(10)
    small.append([data == msg[:10], src == d])
print(json.dumps({"bad": bad, "small": small, "fake": fake}))
`;

/** argv: target port count. Sends count datagrams one at a time and prints what came back. */
const PY_PINGS = `
import socket, sys, json
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
got = []
for i in range(n):
    s.sendto(b"ping-%d" % i, (host, port))
    data, src = s.recvfrom(65535)
    got.append([data.decode("latin1"), src[0], src[1]])
print(json.dumps({"port": s.getsockname()[1], "got": got}))
`;

/** argv: name port out. A datagram to the name (a fake address: the agent's relay) and its echo;
 * then, once the agent's socket is gone (the launcher ended and took its agent), one more: "sent",
 * or the errno sendto gave. Into `out`. */
const PY_OUTLIVES_AGENT = `
import socket, sys, os, json, time
name, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
host = socket.gethostbyname(name)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"one", (host, port))
data, src = s.recvfrom(100)
res = {"first": [data.decode(), src[0], src[1]]}
open(out + ".first", "w").close()
sock = os.environ["SOCKSWRAP_SOCK"]
for i in range(400):
    if not os.path.exists(sock):
        break
    time.sleep(0.05)
res["agentGone"] = not os.path.exists(sock)
try:
    s.sendto(b"two", (host, port))
    res["second"] = "sent"
except OSError as e:
    res["second"] = e.errno
open(out, "w").write(json.dumps(res))
`;

describe('e2e: the UDP fast path', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let micro: Peer;
  let py: string;
  let fault: { port: number; lines(): string[] };

  standardLab({ targets: false, danted: 1080, microsocks: 1081, leaks: 'file' }, (s) => ({ lab, danted, micro } = { lab: s.lab, danted: s.danted!, micro: s.micro! }));
  before(async () => {
    py = bin('python3');
    const echo = lab.spawn(lab.proxy, [py, '-c', PY_UDP_ECHO_SERVER, lab.targetIp4, lab.targetIp6, String(UDP_ECHO_PORT)]);
    const local = lab.spawn(lab.client, [py, '-c', PY_UDP_ECHO_SERVER, '127.0.0.1', '::1', String(LOCAL_ECHO_PORT)]);
    const ready = (p: typeof echo) => new Promise<void>((resolve) => p.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve()));
    const front = lab.spawn(lab.proxy, [process.execPath, join(__dirname, '..', 'helpers', 'udp-fault-proxy.js'), 'frag', lab.proxyIp4, '1092', danted.host, String(danted.port)]);
    let out = '';
    front.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    const frontReady = new Promise<void>((resolve, reject) => {
      front.stdout!.on('data', () => out.includes('ready') && resolve());
      front.once('exit', (code) => reject(new Error(`udp-fault-proxy frag exited (${code}): ${out}`)));
    });
    fault = { port: 1092, lines: () => out.split('\n').filter(Boolean) };
    await Promise.all([ready(echo), ready(local), frontReady]);
    takeLeaks(lab);
  });

  test('danted: one socket, three roads — the fast path (IP), the agent\'s relay (a name), direct (loopback): bytes and sources exact, also cut short', async () => {
    const r = await sockswrap(lab, ['-v', '-x', `socks5h://${danted.host}:${danted.port}`, '--', py, '-c', PY_MIXED, lab.targetIp4, String(UDP_ECHO_PORT), 'target.test', String(LOCAL_ECHO_PORT), '6']);
    assert.equal(r.status, 0, show(r));
    const out = JSON.parse(r.stdout.toString());
    assert.deepEqual(out.bad, [], show(r));
    assert.deepEqual(out.small, [[true, true], [true, true], [true, true]], 'recvfrom(10): the first 10 bytes, from the right source, on each road');
    assert.match(out.fake, /^240\./, 'the name was a fake address');
    assert.match(r.stderr, /spoken to by the program itself \(fast path\)/, show(r));
    assertNoLeaks(lab);
  });

  test('a relay that sends fragments, a non-zero RSV and a name as the source: only the whole datagram reaches the program, from the address it was sent to; the datagrams left from the program\'s own port', async () => {
    const r = await sockswrap(lab, ['-v', '-x', `socks5://${lab.proxyIp4}:${fault.port}`, '--', py, '-c', PY_PINGS, lab.targetIp4, String(UDP_ECHO_PORT), '5']);
    assert.equal(r.status, 0, show(r));
    const out = JSON.parse(r.stdout.toString());
    assert.deepEqual(out.got, [0, 1, 2, 3, 4].map((i) => [`ping-${i}`, lab.targetIp4, UDP_ECHO_PORT]), show(r));
    const from = fault.lines().filter((l) => l.startsWith('from ')).slice(-5);
    assert.deepEqual(from, Array(5).fill(`from ${out.port}`), 'no agent socket in between: the relay heard the program\'s own port');
    assertNoLeaks(lab);
  });

  test('fail closed: a proxy without UDP (microsocks answers ASSOCIATE 0x07) still refuses with ENETUNREACH, one log line', async () => {
    const r = await sockswrap(lab, ['-x', `socks5://${micro.host}:${micro.port}`, '--', py, '-c', PY_UDP_SEND_ERRNO, lab.targetIp4, String(UDP_ECHO_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'errno 101\nerrno 101\n', show(r)); // sendto, then connect
    assert.equal(r.stderr.split('\n').filter((l) => /refused with ENETUNREACH/.test(l)).length, 1, show(r));
    assertNoLeaks(lab);
  });

  test('a program that outlives its agent: its next datagram to a name (the agent\'s relay) is refused (an errno), not sent to a port that is no longer the agent\'s', async () => {
    const out = join(lab.dir, 'outlives.json');
    const err = join(lab.dir, 'outlives.err');
    // sh leaves python running and ends once python's first echo came back: the launcher then
    // ends, and its agent with it (which bumps the route epoch as it goes, docs/udp.md).
    const script = `"$0" -c "$1" "$2" "$3" "$4" 2>"$5" & i=0; while [ ! -e "$4.first" ]; do i=$((i+1)); [ $i -lt 400 ] || exit 9; sleep 0.05; done`;
    const r = await sockswrap(lab, ['-q', '-x', `socks5h://${danted.host}:${danted.port}`, '--', 'sh', '-c', script, py, PY_OUTLIVES_AGENT, 'target.test', String(UDP_ECHO_PORT), out, err]);
    assert.equal(r.status, 0, show(r));
    for (let i = 0; i < 400 && !existsSync(out); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const got = JSON.parse(readFileSync(out, 'utf8')) as { first: [string, string, number]; agentGone: boolean; second: string | number };
    assert.equal(got.first[0], 'one', 'the first datagram went through the proxy');
    assert.equal(got.first[2], UDP_ECHO_PORT);
    assert.equal(got.agentGone, true);
    // The line the shim says then is cli.test.ts's (a background job that outlives the run) and shell-mode.test.ts's.
    assert.equal(typeof got.second, 'number', `the datagram after the agent went: ${JSON.stringify(got.second)}; stderr ${readFileSync(err, 'utf8')}`);
    assertNoLeaks(lab);
  });
});
