// OpenSSH's `ssh -D` as a first-class peer (issue 20): a real sshd in the proxy namespace, a real
// `ssh -D 127.0.0.1:1085 root@proxy` in the client namespace (test/helpers/ssh-dynamic.ts), and
// programs wrapped through it: curl, 40 concurrent asyncio connects, dig @server (ssh -D has no
// UDP: answered as DNS over TCP), Node's dns.resolve with remote DNS, SOCKS4 and SOCKS4a, and
// chains with ssh -D as hop 1 (danted hop 2) and as hop 2 (danted hop 1). Leak counter 0 each time.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../helpers/net-lab';
import { startDanted, startTargets, bin, waitPort, HTTP_PORT, ECHO_PORT, type Danted } from '../helpers/peers';
import { skipUnless } from '../helpers/peer-gate';
import { installLeakCounter, takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { bigSha256, sha256 } from '../helpers/body';
import { startSshDynamic, type SshDynamic } from '../helpers/ssh-dynamic';
import { startSshSocks, type UpstreamPeer } from '../helpers/upstream-peers';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'curl', 'python3', 'dig', 'dnsmasq'], { root: true });
const NO_SSH = skipUnless(['sshd', 'ssh']);

/** 40 connects at once by name, each sends its own line to the echo port and reads it back. */
const PY_ASYNCIO_40 = `
import asyncio, json, sys
async def one(i, host, port):
    r, w = await asyncio.open_connection(host, port)
    line = f"line {i}\\n".encode()
    w.write(line)
    await w.drain()
    got = await r.readline()
    w.close()
    return got == line
async def main(host, port):
    results = await asyncio.gather(*(one(i, host, port) for i in range(40)), return_exceptions=True)
    print(json.dumps({"ok": sum(1 for x in results if x is True), "errors": [repr(x) for x in results if x is not True]}))
asyncio.run(main(sys.argv[1], int(sys.argv[2])))
`;

const NODE_RESOLVE = `
const dns = require('node:dns').promises;
const http = require('node:http');
(async () => {
  const [name, port] = process.argv.slice(1);
  const v4 = await dns.resolve4(name);
  const body = await new Promise((resolve, reject) => {
    http.get({ host: v4[0], port: Number(port), path: '/whoami' }, (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve(s));
    }).on('error', reject);
  });
  console.log(JSON.stringify({ v4, body: body.trim() }));
})().catch((e) => { console.error(String(e)); process.exit(1); });
`;

describe('e2e through ssh -D (OpenSSH dynamic forwarding)', { skip: SKIP || NO_SSH }, () => {
  let lab: Lab;
  let ssh: SshDynamic;
  let sshInner: UpstreamPeer;
  let danted: Danted;
  const dnsAnswer = () => `198.19.${lab.n}.7`;
  const socks = (scheme: string) => ['-x', `${scheme}://${ssh.host}:${ssh.port}`];

  before(async () => {
    if (NO_SSH) throw new Error(NO_SSH);
    lab = createLab();
    installLeakCounter(lab);
    lab.spawn(lab.proxy, [
      bin('dnsmasq'), '--no-daemon', '--no-resolv', '--no-hosts', `--listen-address=${lab.targetIp4}`,
      '--bind-interfaces', `--address=/x.test/${dnsAnswer()}`, '--port', '53', `--pid-file=${lab.dir}/dnsmasq.pid`,
    ]);
    [, danted, ssh] = await Promise.all([startTargets(lab), startDanted(lab, 1080), startSshDynamic(lab, { sshdPort: 22, socksPort: 1085 })]);
    // A second ssh -D inside the proxy namespace, on the target address: reachable only through danted.
    sshInner = await startSshSocks(
      { dir: lab.dir, spawn: (argv) => lab.spawn(lab.proxy, argv), waitPort: (h, p) => waitPort(lab, lab.proxy, h, p) },
      { listen: lab.targetIp4, port: 1086, sshdPort: 2022 },
    );
    await waitPort(lab, lab.proxy, lab.targetIp4, 53);
  });
  after(() => lab?.destroy());
  beforeEach(() => { if (lab) takeLeaks(lab); });

  test('curl fetches 8 MB by a name only the far side resolves (socks5h); sha256 matches', async () => {
    const r = await sockswrap(lab, [...socks('socks5h'), '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, `${show(r)}\n${ssh.output()}`);
    assert.equal(sha256(r.stdout), bigSha256());
    assertNoLeaks(lab);
  });

  test('a Python asyncio program: 40 concurrent connects by name, every echo right', async () => {
    const r = await sockswrap(lab, [...socks('socks5h'), '--', bin('python3'), '-c', PY_ASYNCIO_40, 'target.test', String(ECHO_PORT)]);
    assert.equal(r.status, 0, `${show(r)}\n${ssh.output()}`);
    assert.deepEqual(JSON.parse(r.stdout.toString()), { ok: 40, errors: [] }, show(r));
    assertNoLeaks(lab);
  });

  test('dig @server: ssh -D hangs up on UDP ASSOCIATE, so the query goes as DNS over TCP, and is answered', async () => {
    const r = await sockswrap(lab, [...socks('socks5h'), '--', 'dig', '+short', '+tries=1', '+time=5', `@${lab.targetIp4}`, 'www.x.test', 'A']);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim(), dnsAnswer(), show(r));
    assert.match(r.stderr, /socks5 127\.0\.0\.1:1085 has no UDP: it closed the connection on the UDP ASSOCIATE request/, show(r));
    assertNoLeaks(lab);
  });

  test("Node's dns.resolve4 with remote DNS gets a fake address, and http.get through it reaches the target by name", async () => {
    const r = await sockswrap(lab, [...socks('socks5h'), '--', process.execPath, '-e', NODE_RESOLVE, 'target.test', String(HTTP_PORT)]);
    assert.equal(r.status, 0, show(r));
    const out = JSON.parse(r.stdout.toString());
    assert.match(out.v4[0], /^240\./, show(r));
    // The target saw sshd's connection, from inside the proxy namespace: sshd resolved the name.
    assert.equal(out.body, lab.targetIp4, show(r));
    assertNoLeaks(lab);
  });

  test('socks4:// (an IPv4 address) and socks4a:// (a name) through ssh -D', async () => {
    const four = await sockswrap(lab, [...socks('socks4'), '--', 'curl', '-sS', '--max-time', '20', `http://${lab.targetIp4}:${HTTP_PORT}/hello`]);
    assert.equal(four.status, 0, show(four));
    assert.equal(four.stdout.toString(), 'hello from target\n');
    const fourA = await sockswrap(lab, [...socks('socks4a'), '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.equal(fourA.status, 0, show(fourA));
    assert.equal(fourA.stdout.toString(), 'hello from target\n');
    assertNoLeaks(lab);
  });

  test('a 2-hop chain, ssh -D then danted: curl fetches 8 MB by name; danted saw the connection', async () => {
    const r = await sockswrap(lab, [...socks('socks5h'), '-x', `socks5h://${danted.innerHost}:${danted.port}`, '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    assert.match(danted.log(), /target\.test|198\.19\./, 'the second hop carried it');
    assertNoLeaks(lab);
  });

  test('a 2-hop chain, danted then ssh -D: curl by name; dig still answered as DNS over TCP through both', async () => {
    const x = ['-x', `socks5h://${danted.host}:${danted.port}`, '-x', `socks5h://${sshInner.host}:${sshInner.port}`];
    const r = await sockswrap(lab, [...x, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.equal(r.status, 0, `${show(r)}\n${sshInner.output()}`);
    assert.equal(r.stdout.toString(), 'hello from target\n');
    const d = await sockswrap(lab, [...x, '--', 'dig', '+short', '+tries=1', '+time=5', `@${lab.targetIp4}`, 'www.x.test', 'A']);
    assert.equal(d.stdout.toString().trim(), dnsAnswer(), show(d));
    assertNoLeaks(lab);
  });

  test('sockswrap check: ssh -D works, and has no UDP', async () => {
    const r = await sockswrap(lab, ['check', ...socks('socks5h'), `target.test:${HTTP_PORT}`]);
    assert.equal(r.status, 0, show(r));
    const out = r.stdout.toString();
    assert.match(out, /^hop 1 socks5 127\.0\.0\.1:1085: ok \(auth none/m, show(r));
    assert.match(out, /^udp associate at hop 1: no \(closed the connection on UDP ASSOCIATE\)$/m, show(r));
    assert.match(out, /^target target\.test:8080: reachable via socks5 127\.0\.0\.1:1085/m, show(r));
    assertNoLeaks(lab);
  });
});
