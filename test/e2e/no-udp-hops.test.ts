// A SOCKS5 hop that turns out to have no UDP (issue 20, docs/udp.md "A SOCKS5 hop with no UDP"):
// fault fronts on danted (test/helpers/udp-fault-proxy.ts) that hang up on UDP ASSOCIATE or
// grant it with a relay that drops every datagram. In one run: dig gets its answers (DNS over
// TCP through the hop), other UDP fails with ENETUNREACH, the finding is logged once and the hop
// is asked for UDP once. danted itself is never judged so. Leak counter 0 throughout.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLab, type Lab } from '../helpers/net-lab';
import { startDanted, bin, waitPort, type Danted } from '../helpers/peers';
import { skipUnless } from '../helpers/peer-gate';
import { installLeakCounter, takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { PY_UDP_ECHO_SERVER, PY_UDP_CLIENT, PY_UDP_SEND_ERRNO } from '../helpers/programs';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'python3', 'dig', 'dnsmasq'], { root: true });
const UDP_ECHO_PORT = 7007;

interface Fault {
  host: string;
  port: number;
  /** Lines the front printed ("associate N", "dropped N"). */
  lines(): string[];
}

describe('e2e: SOCKS5 hops with no UDP', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let closing: Fault;
  let dropping: Fault;
  let py: string;
  const dnsAnswer = () => `198.19.${lab.n}.7`;

  const startFault = async (mode: 'close' | 'drop', port: number): Promise<Fault> => {
    const child = lab.spawn(lab.proxy, [process.execPath, join(__dirname, '..', 'helpers', 'udp-fault-proxy.js'), mode, lab.proxyIp4, String(port), danted.host, String(danted.port)]);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', () => out.includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`udp-fault-proxy ${mode} exited (${code}): ${out}`)));
    });
    return { host: lab.proxyIp4, port, lines: () => out.split('\n').filter(Boolean) };
  };

  before(async () => {
    lab = createLab();
    installLeakCounter(lab);
    py = bin('python3');
    const echo = lab.spawn(lab.proxy, [py, '-c', PY_UDP_ECHO_SERVER, lab.targetIp4, lab.targetIp6, String(UDP_ECHO_PORT)]);
    const echoReady = new Promise<void>((resolve) => echo.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve()));
    lab.spawn(lab.proxy, [
      bin('dnsmasq'), '--no-daemon', '--no-resolv', '--no-hosts', `--listen-address=${lab.targetIp4}`,
      '--bind-interfaces', `--address=/x.test/${dnsAnswer()}`, '--port', '53', `--pid-file=${lab.dir}/dnsmasq.pid`,
    ]);
    danted = await startDanted(lab, 1080);
    [closing, dropping] = await Promise.all([startFault('close', 1090), startFault('drop', 1091)]);
    await echoReady;
    await waitPort(lab, lab.proxy, lab.targetIp4, 53);
  });
  after(() => lab?.destroy());
  beforeEach(() => { if (lab) takeLeaks(lab); });

  /** Two digs, then a datagram to the echo port, in one run (one agent). */
  const script = () => {
    const dig = `dig +short +tries=1 +time=5 @${lab.targetIp4} www.x.test A`;
    const send = `${py} -c '${PY_UDP_SEND_ERRNO.replace(/'/g, `'"'"'`)}' ${lab.targetIp4} ${UDP_ECHO_PORT}`;
    return `${dig}; ${dig}; ${send}`;
  };

  for (const [what, fault, finding] of [
    ['hangs up on UDP ASSOCIATE (as ssh -D)', () => closing, /has no UDP: it closed the connection on the UDP ASSOCIATE request/],
    ['grants UDP ASSOCIATE with a relay that drops every datagram', () => dropping, /has no UDP: it granted UDP ASSOCIATE, but its relay answered no DNS query within 2000 ms/],
  ] as const) {
    test(`a hop that ${what}: dig answered twice over TCP, other UDP ENETUNREACH, found and asked once per run`, async () => {
      const f = fault();
      const before = f.lines().filter((l) => l.startsWith('associate')).length;
      const r = await sockswrap(lab, ['-x', `socks5h://${f.host}:${f.port}`, '--', 'sh', '-c', script()]);
      assert.equal(r.status, 0, show(r));
      assert.equal(r.stdout.toString(), `${dnsAnswer()}\n${dnsAnswer()}\nerrno 101\nerrno 101\n`, show(r));
      const found = r.stderr.split('\n').filter((l) => / has no UDP: /.test(l));
      assert.equal(found.length, 1, show(r));
      assert.match(found[0]!, finding, show(r));
      assert.match(found[0]!, /DNS \(port 53\) goes as DNS over TCP through the chain, and other UDP fails with ENETUNREACH/);
      assert.equal(f.lines().filter((l) => l.startsWith('associate')).length - before, 1, `UDP ASSOCIATE asked once: ${f.lines().join(' ')}`);
      if (f === dropping) assert.ok(f.lines().some((l) => l.startsWith('dropped')), `the relay got the query and dropped it: ${f.lines().join(' ')}`);
      assertNoLeaks(lab);
    });
  }

  test('sockswrap check shows a hop that hangs up on UDP ASSOCIATE as working, without UDP', async () => {
    const r = await sockswrap(lab, ['check', '-x', `socks5h://${closing.host}:${closing.port}`]);
    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout.toString(), /^hop 1 socks5 .*: ok /m, show(r));
    assert.match(r.stdout.toString(), /^udp associate at hop 1: no \(closed the connection on UDP ASSOCIATE\)$/m, show(r));
    assertNoLeaks(lab);
  });

  test('sockswrap check HOST:53 asks the relay one DNS query: the dropping relay is shown as no UDP, danted\'s as working', async () => {
    const server = `${lab.targetIp4}:53`;
    const bad = await sockswrap(lab, ['check', '-x', `socks5h://${dropping.host}:${dropping.port}`, server]);
    assert.equal(bad.status, 0, show(bad));
    assert.match(bad.stdout.toString(), new RegExp(`^udp associate at hop 1: no \\(relay at \\S+ answered no DNS query to ${lab.targetIp4.replace(/\./g, '\\.')}:53 within 2000 ms; programs get DNS over TCP, other UDP ENETUNREACH\\)$`, 'm'), show(bad));
    const good = await sockswrap(lab, ['check', '-x', `socks5h://${danted.host}:${danted.port}`, server]);
    assert.equal(good.status, 0, show(good));
    assert.match(good.stdout.toString(), /^udp associate at hop 1: yes \(relay at \S+; a DNS query to \S+:53 answered through it in \d+ ms\)$/m, show(good));
    assertNoLeaks(lab);
  });

  test('danted, whose relay works, is never judged: dig then 10 echoes in one run, no finding', async () => {
    const dig = `dig +short +tries=1 +time=5 @${lab.targetIp4} www.x.test A`;
    const echo = `${py} -c '${PY_UDP_CLIENT.replace(/'/g, `'"'"'`)}' ${lab.targetIp4} ${UDP_ECHO_PORT} 10 unconnected`;
    const r = await sockswrap(lab, ['-x', `socks5h://${danted.host}:${danted.port}`, '--', 'sh', '-c', `${dig} && ${echo}`]);
    assert.equal(r.status, 0, show(r));
    const [answer, json] = r.stdout.toString().trim().split('\n');
    assert.equal(answer, dnsAnswer(), show(r));
    assert.deepEqual({ ok: JSON.parse(json!).ok, bad: JSON.parse(json!).bad }, { ok: 10, bad: [] }, show(r));
    assert.doesNotMatch(r.stderr, /has no UDP/, show(r));
    assertNoLeaks(lab);
  });
});
