// UDP through the proxy (issue 4, docs/udp.md), in a lab where the client namespace can reach
// only the proxies: danted's UDP relay (SOCKS5 UDP ASSOCIATE) for python3, dig, ncat and node;
// DNS over TCP through microsocks (ASSOCIATE refused, 0x07) and tinyproxy (HTTP CONNECT); every
// other datagram refused. The leak counter must stay at zero for the whole suite, failures included.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { startDanted, type Danted, type Peer, labSpawner } from '../helpers/peers';
import { startTinyproxy, type UpstreamPeer } from '../helpers/upstream-peers';
import { takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, sockswrapArgv, lineReader, describe as show } from '../helpers/sockswrap';
import { PY_UDP_ECHO_SERVER, PY_UDP_CLIENT, PY_UDP_SEND_ERRNO, PY_UDP_EXEC, NODE_DGRAM_CLIENT } from '../helpers/programs';
import { bin, skipUnless } from '../helpers/peer-gate';
import { waitPort } from '../helpers/port-waiter';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'microsocks', 'python3', 'ncat', 'dig', 'dnsmasq', 'tinyproxy'], { root: true });
const UDP_ECHO_PORT = 7007;
const LOCAL_ECHO_PORT = 7008;
/** Eight 200-byte TXT strings: about 1.7 kB, past 512 and dig's EDNS size (1232), under 4096. */
const BIG_TXT = Array.from({ length: 8 }, (_, i) => `${i}`.repeat(200));

describe('e2e UDP through the proxy', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let danted2: Danted;
  let micro: Peer;
  let tiny: UpstreamPeer;
  let py: string;
  let dnsName: string;
  let dnsAnswer: string;

  standardLab({ targets: false, danted: 1080, microsocks: 1081, leaks: 'file' }, (s) => ({ lab, danted, micro } = { lab: s.lab, danted: s.danted!, micro: s.micro! }));
  before(async () => {
    py = bin('python3');
    dnsName = 'www.x.test';
    dnsAnswer = `198.19.${lab.n}.7`;
    const echo = lab.spawn(lab.proxy, [py, '-c', PY_UDP_ECHO_SERVER, lab.targetIp4, lab.targetIp6, String(UDP_ECHO_PORT)]);
    const echoReady = new Promise<void>((resolve) => echo.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve()));
    const local = lab.spawn(lab.client, [py, '-c', PY_UDP_ECHO_SERVER, '127.0.0.1', '::1', String(LOCAL_ECHO_PORT)]);
    const localReady = new Promise<void>((resolve) => local.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve()));
    // dnsmasq answers UDP and TCP on the target address; the client ns can reach it only via a proxy.
    lab.spawn(lab.proxy, [
      bin('dnsmasq'), '--no-daemon', '--no-resolv', '--no-hosts', `--listen-address=${lab.targetIp4}`,
      '--bind-interfaces', `--address=/x.test/${dnsAnswer}`, '--port', '53', `--pid-file=${lab.dir}/dnsmasq.pid`,
      ...BIG_TXT.map((t) => `--txt-record=big.x.test,${t}`),
    ]);
    [danted2, tiny] = await Promise.all([
      startDanted(lab, 1082),
      startTinyproxy(labSpawner(lab), { listen: lab.proxyIp4, port: 8888, allow: [lab.clientIp4], connectPorts: [53] }),
    ]);
    await Promise.all([echoReady, localReady]);
    await waitPort(lab.targetIp4, 53, { ns: lab.proxy });
    // The invariant of the whole file (standardLab's leaks: 'file'): not one packet to anyone but a proxy.
    takeLeaks(lab);
  });

  const viaDanted = () => ['-x', `socks5h://${danted.host}:${danted.port}`];

  for (const [what, host] of [
    ['IPv4', () => lab.targetIp4],
    ['IPv6', () => lab.targetIp6],
    ['a name only the proxy can resolve', () => 'target.test'],
    ['v4-mapped IPv6 from a dual-stack socket', () => `::ffff:${lab.targetIp4}`],
  ] as const) {
    test(`python3 through danted's UDP relay, ${what}: 50 datagrams, payload and source; MSG_PEEK, MSG_TRUNC, 8000 bytes`, async () => {
      const r = await sockswrap(lab, [...viaDanted(), '--', py, '-c', PY_UDP_CLIENT, host(), String(UDP_ECHO_PORT), '50', 'unconnected']);
      assert.equal(r.status, 0, show(r));
      const out = JSON.parse(r.stdout.toString());
      assert.deepEqual({ ok: out.ok, bad: out.bad }, { ok: 50, bad: [] }, show(r));
      assert.deepEqual(out.peek, [10, true, true], 'MSG_PEEK shows the start and MSG_TRUNC, from the real source');
      assert.equal(out.trunc, 100, 'recv with MSG_TRUNC returns the datagram\'s real length');
      assert.equal(out.large, true);
      if (host() === 'target.test') assert.match(out.addr[0], /^240\./, 'the program sent to a fake address');
      assertNoLeaks(lab);
    });
  }

  test('loopback goes direct: a UDP echo server in the client namespace, IPv4 and IPv6', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const r = await sockswrap(lab, [...viaDanted(), '--', py, '-c', PY_UDP_CLIENT, host, String(LOCAL_ECHO_PORT), '10', 'unconnected']);
      assert.equal(r.status, 0, show(r));
      const out = JSON.parse(r.stdout.toString());
      assert.deepEqual({ ok: out.ok, bad: out.bad, peek: out.peek, trunc: out.trunc, large: out.large }, { ok: 10, bad: [], peek: [10, true, true], trunc: 100, large: true }, show(r));
    }
    assertNoLeaks(lab);
  });

  // dnat applies to datagrams as to connects (routing.ts, docs/udp.md): the proxy is asked for the
  // rewritten destination, and the program sees replies from the one it wrote. 198.51.100.9 is
  // routed nowhere in the lab: only the rewrite can bring an answer.
  test('dnat rewrites UDP destinations: danted is asked for the new one, replies come from the one written', async () => {
    const file = join(lab.dir, 'udp-dnat.conf');
    writeFileSync(file, `dnat 198.51.100.9:9 ${lab.targetIp4}:${UDP_ECHO_PORT}\n[ProxyList]\nsocks5 ${danted.host} ${danted.port}\n`);
    for (const mode of ['unconnected', 'connected']) {
      const r = await sockswrap(lab, ['-f', file, '--', py, '-c', PY_UDP_CLIENT, '198.51.100.9', '9', '10', mode]);
      assert.equal(r.status, 0, show(r));
      const out = JSON.parse(r.stdout.toString());
      assert.deepEqual({ ok: out.ok, bad: out.bad }, { ok: 10, bad: [] }, show(r));
      if (mode === 'connected') assert.deepEqual(out.peer, ['198.51.100.9', 9], 'getpeername is the destination written');
    }
    assertNoLeaks(lab);
  });

  test('python3 connected UDP socket (send/recv, getpeername is the peer), IPv4 and IPv6', async () => {
    for (const host of [lab.targetIp4, lab.targetIp6]) {
      const r = await sockswrap(lab, [...viaDanted(), '--', py, '-c', PY_UDP_CLIENT, host, String(UDP_ECHO_PORT), '20', 'connected']);
      assert.equal(r.status, 0, show(r));
      const out = JSON.parse(r.stdout.toString());
      assert.deepEqual({ ok: out.ok, bad: out.bad }, { ok: 20, bad: [] }, show(r));
      assert.deepEqual(out.peer, [host, UDP_ECHO_PORT]);
    }
    assertNoLeaks(lab);
  });

  test('dig @server through danted gets the answer of a DNS server reachable only through the proxy', async () => {
    const r = await sockswrap(lab, [...viaDanted(), '--', 'dig', '+short', '+tries=1', '+time=5', `@${lab.targetIp4}`, dnsName, 'A']);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim(), dnsAnswer, show(r));
    assertNoLeaks(lab);
  });

  test('ncat -u through danted: a line out, its echo back', async () => {
    // ncat ends at the end of its input, so its input is closed only once the echo has come back.
    const child = lab.spawn(lab.client, sockswrapArgv([...viaDanted(), '--', bin('ncat'), '-u', lab.targetIp4, String(UDP_ECHO_PORT)]), { stdio: ['pipe', 'pipe', 'pipe'], cwd: lab.dir });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const nextLine = lineReader(child);
    child.stdin!.write('hello over udp\n');
    const echoed = await nextLine((l) => l.length > 0).catch((e: Error) => `${e.message} stderr=${stderr}`);
    child.stdin!.end();
    assert.equal(echoed, 'hello over udp', stderr);
    assert.equal(await exited, 0, stderr);
    assertNoLeaks(lab);
  });

  test('a node dgram program through danted: 20 ping-pongs with the right source', async () => {
    for (const host of [lab.targetIp4, lab.targetIp6]) {
      const r = await sockswrap(lab, [...viaDanted(), '--', process.execPath, '-e', NODE_DGRAM_CLIENT, host, String(UDP_ECHO_PORT)]);
      assert.equal(r.status, 0, show(r));
      assert.equal(r.stdout.toString().trim(), 'ok 20', show(r));
    }
    assertNoLeaks(lab);
  });

  test('microsocks refuses UDP ASSOCIATE: dig still gets its answer as DNS over TCP through it', async () => {
    const r = await sockswrap(lab, ['-x', `socks5h://${micro.host}:${micro.port}`, '--', 'dig', '+short', '+tries=1', '+time=5', `@${lab.targetIp4}`, dnsName, 'A']);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim(), dnsAnswer, show(r));
    assertNoLeaks(lab);
  });

  test('tinyproxy (HTTP CONNECT to port 53 only): dig gets its answer as DNS over TCP', async () => {
    const r = await sockswrap(lab, ['-x', `http://${tiny.host}:${tiny.port}`, '--', 'dig', '+short', '+tries=1', '+time=5', `@${lab.targetIp4}`, dnsName, 'A']);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim(), dnsAnswer, show(r));
    assertNoLeaks(lab);
  });

  test('fail closed: other UDP through microsocks or tinyproxy gets ENETUNREACH (101) and one log line', async () => {
    for (const x of [`socks5h://${micro.host}:${micro.port}`, `http://${tiny.host}:${tiny.port}`]) {
      const r = await sockswrap(lab, ['-x', x, '--', py, '-c', PY_UDP_SEND_ERRNO, lab.targetIp4, String(UDP_ECHO_PORT)]);
      assert.equal(r.status, 0, show(r));
      assert.equal(r.stdout.toString(), 'errno 101\nerrno 101\n', show(r));
      const lines = r.stderr.split('\n').filter((l) => /refused with ENETUNREACH/.test(l));
      assert.equal(lines.length, 1, show(r));
    }
    assertNoLeaks(lab);
  });

  for (const mode of ['unconnected', 'connected'] as const) {
    test(`a ${mode} UDP socket inherited across exec keeps working: the pending reply, 20 round trips, sources`, async () => {
      for (const host of [lab.targetIp4, lab.targetIp6]) {
        const r = await sockswrap(lab, [...viaDanted(), '--', py, '-c', PY_UDP_EXEC, host, String(UDP_ECHO_PORT), mode]);
        assert.equal(r.status, 0, show(r));
        const out = JSON.parse(r.stdout.toString());
        assert.equal(out.before.ok, 5, show(r));
        assert.equal(out.before.pid, out.pid, 'execv keeps the process');
        assert.deepEqual(out.first.slice(0, 2), [true, true], `the reply in flight at exec, header stripped, real source: ${show(r)}`);
        assert.deepEqual({ ok: out.ok, bad: out.bad }, { ok: 20, bad: [] }, show(r));
        if (mode === 'connected') assert.deepEqual(out.peer, [host, UDP_ECHO_PORT]);
      }
      assertNoLeaks(lab);
    });
  }

  test('round-robin, chain_len 1, two danted: each UDP association is one SOCKS5 hop, rotating', async () => {
    const x = ['-x', `socks5h://${danted.host}:${danted.port}`, '-x', `socks5h://${danted2.host}:${danted2.port}`];
    // Two programs under one agent: the round-robin cursor moves from the first proxy to the second.
    const two = `${py} -c '${PY_UDP_CLIENT.replace(/'/g, `'"'"'`)}' ${lab.targetIp4} ${UDP_ECHO_PORT} 10 unconnected && ` +
      `${py} -c '${PY_UDP_CLIENT.replace(/'/g, `'"'"'`)}' ${lab.targetIp4} ${UDP_ECHO_PORT} 10 connected`;
    const r = await sockswrap(lab, ['-v', '--chain', 'round-robin', '--chain-len', '1', ...x, '--', 'sh', '-c', two]);
    assert.equal(r.status, 0, show(r));
    const outs = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(outs.map((o) => [o.ok, o.bad]), [[10, []], [10, []]], show(r));
    const relays = r.stderr.split('\n').filter((l) => /UDP relay at/.test(l));
    assert.equal(relays.length, 2, show(r));
    assert.match(relays[0]!, new RegExp(`:${danted.port}\\b.*UDP relay`), show(r));
    assert.match(relays[1]!, new RegExp(`:${danted2.port}\\b.*UDP relay`), show(r));
    assert.doesNotMatch(r.stderr, /DNS goes over TCP|refused/, show(r));
    assertNoLeaks(lab);
  });

  test('DNS over TCP through microsocks: an answer past the client\'s UDP size comes truncated (TC), dig retries over TCP and gets it all', async () => {
    const x = ['-x', `socks5h://${micro.host}:${micro.port}`];
    const txt = (out: string) => out.split('\n').filter((l) => /\tTXT\t/.test(l)).map((l) => l.split('\t').pop()!.replace(/"/g, '')).sort();
    for (const edns of ['+noedns', '+edns=0']) {
      const r = await sockswrap(lab, ['-v', ...x, '--', 'dig', '+tries=1', '+time=5', edns, `@${lab.targetIp4}`, 'big.x.test', 'TXT']);
      assert.equal(r.status, 0, show(r));
      const out = r.stdout.toString();
      assert.match(out, /Truncated, retrying in TCP mode/, show(r));
      assert.deepEqual(txt(out), BIG_TXT, show(r));
      assert.match(r.stderr, /sent truncated, TC set/, show(r));
    }
    // With room for it (EDNS 4096), the whole answer comes at once.
    const r = await sockswrap(lab, ['-v', ...x, '--', 'dig', '+tries=1', '+time=5', '+bufsize=4096', `@${lab.targetIp4}`, 'big.x.test', 'TXT']);
    assert.equal(r.status, 0, show(r));
    assert.doesNotMatch(r.stdout.toString(), /Truncated/, show(r));
    assert.deepEqual(txt(r.stdout.toString()), BIG_TXT, show(r));
    assertNoLeaks(lab);
  });

  test('fail closed: a 2-hop chain (microsocks > danted) cannot carry UDP; the datagram is refused, DNS still answered', async () => {
    const x = ['-x', `socks5h://${micro.host}:${micro.port}`, '-x', `socks5h://${danted.innerHost}:${danted.port}`];
    const r = await sockswrap(lab, [...x, '--', py, '-c', PY_UDP_SEND_ERRNO, lab.targetIp4, String(UDP_ECHO_PORT)]);
    assert.equal(r.stdout.toString(), 'errno 101\nerrno 101\n', show(r));
    const d = await sockswrap(lab, [...x, '--', 'dig', '+short', '+tries=1', '+time=5', `@${lab.targetIp4}`, dnsName, 'A']);
    assert.equal(d.stdout.toString().trim(), dnsAnswer, show(d));
    assertNoLeaks(lab);
  });
});
