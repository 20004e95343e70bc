// Names for every program (issue 12, docs/fake-dns.md): with remote DNS on, the DNS queries a
// wrapped program sends itself to the nameservers of /etc/resolv.conf are answered by the agent
// from the fake-DNS table, so `host`, `nslookup` and Node's dns.resolve*() (c-ares) resolve a name
// only the proxy side knows, and the connection that follows reaches the proxy by name. The
// client's nameserver (198.18.N.53) exists nowhere: a query that left would be counted as a leak.
import { describe, test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { waitForLog, reEscape, HTTP_PORT, type Danted } from '../helpers/peers';
import { takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { bin, skipUnless } from '../helpers/peer-gate';
import { waitPort } from '../helpers/port-waiter';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'dnsmasq', 'host', 'nslookup', 'dig', 'curl', 'python3'], { root: true });
/** A name the proxy namespace's /etc/hosts knows (net-lab.ts), nothing on the client side. */
const NAME = 'target.test';
const FAKE4 = /^240\.\d+\.\d+\.\d+$/;
const FAKE6 = /^fd73:6f63:6b73::[0-9a-f:]+$/;
/** Eight 200-byte TXT strings: about 1.7 kB, past dig's EDNS size (1232). */
const BIG_TXT = Array.from({ length: 8 }, (_, i) => `${i}`.repeat(200));

const NODE_RESOLVE = `
const dns = require('node:dns').promises;
const http = require('node:http');
(async () => {
  const [name, port] = process.argv.slice(1);
  const v4 = await dns.resolve4(name);
  const v6 = await dns.resolve6(name);
  const body = await new Promise((resolve, reject) => {
    http.get({ host: v4[0], port: Number(port), path: '/hello' }, (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve(s));
    }).on('error', reject);
  });
  console.log(JSON.stringify({ v4, v6, body }));
})().catch((e) => { console.error(String(e)); process.exit(1); });
`;

describe('e2e: DNS queries a program sends itself are answered by the agent', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let X: string[];
  let resolvConf: string;
  let hello: string;

  standardLab({ danted: 1080, leaks: 'reset' }, (s) => ({ lab, danted, X } = { lab: s.lab, danted: s.danted!, X: s.X }));
  before(async () => {
    resolvConf = join('/etc/netns', lab.client, 'resolv.conf');
    // dnsmasq on the target address: a server the client reaches only through the proxy, for `dig @server`.
    lab.spawn(lab.proxy, [
      bin('dnsmasq'), '--no-daemon', '--no-resolv', '--no-hosts', `--listen-address=${lab.targetIp4}`, '--bind-interfaces',
      `--address=/only.test/198.19.${lab.n}.77`, `--mx-host=only.test,mail.only.test,10`,
      ...BIG_TXT.map((t) => `--txt-record=big.only.test,${t}`), '--port', '53', `--pid-file=${lab.dir}/dnsmasq-proxy.pid`,
    ]);
    await waitPort(lab.targetIp4, 53, { ns: lab.proxy });
    const r = await lab.run(lab.proxy, ['curl', '-sS', `http://${lab.targetIp4}:${HTTP_PORT}/hello`]);
    hello = r.stdout.toString();
    assert.ok(hello.length > 0, 'the target answers /hello');
  });
  beforeEach(() => {
    if (!lab) return;
    writeFileSync(resolvConf, `nameserver ${lab.nowhereDns}\noptions timeout:1 attempts:1\n`);
    takeLeaks(lab);
  });

  /** danted logged a CONNECT to the target's address, which it could only have got from the name. */
  async function dantedConnectedByName(): Promise<void> {
    const re = new RegExp(`tcp/connect \\[: ${reEscape(lab.clientIp4)}\\.\\d+ ${reEscape(danted.host)}\\.${danted.port} -> \\S+ ${reEscape(lab.targetIp4)}\\.${HTTP_PORT}\\b`);
    assert.match(await waitForLog(danted.log, re), re, 'danted did not connect to the target');
  }

  test('host: A and AAAA are fake addresses; the fake address then reaches the target through danted', async () => {
    const a = await sockswrap(lab, [...X, '--', 'host', '-t', 'A', NAME]);
    assert.equal(a.status, 0, show(a));
    const v4 = /has address (\S+)/.exec(a.stdout.toString())?.[1];
    assert.match(v4 ?? '', FAKE4, show(a));
    const aaaa = await sockswrap(lab, [...X, '--', 'host', '-t', 'AAAA', NAME]);
    assert.match(/has IPv6 address (\S+)/.exec(aaaa.stdout.toString())?.[1] ?? '', FAKE6, show(aaaa));
    // One run, so the same table: the address `host` printed is the name to the agent.
    const script = `a=$(host -t A ${NAME} | sed -n 's/.* has address //p'); exec curl -sS --max-time 20 http://$a:${HTTP_PORT}/hello`;
    const c = await sockswrap(lab, [...X, '--', 'sh', '-c', script]);
    assert.equal(c.status, 0, show(c));
    assert.equal(c.stdout.toString(), hello);
    await dantedConnectedByName();
    assertNoLeaks(lab);
  });

  test('nslookup: the fake address, from the server it asked (the resolv.conf nameserver)', async () => {
    const r = await sockswrap(lab, [...X, '--', 'nslookup', '-type=A', NAME]);
    assert.equal(r.status, 0, show(r));
    const out = r.stdout.toString();
    assert.match(out, new RegExp(`Server:\\s+${reEscape(lab.nowhereDns)}`), show(r));
    assert.match(/Name:\s+target\.test\s+Address: (\S+)/.exec(out)?.[1] ?? '', FAKE4, show(r));
    assertNoLeaks(lab);
  });

  test("Node's dns.resolve4/resolve6 (c-ares) get fake addresses, then http.get reaches the target by name", async () => {
    const r = await sockswrap(lab, [...X, '--', process.execPath, '-e', NODE_RESOLVE, NAME, String(HTTP_PORT)]);
    assert.equal(r.status, 0, show(r));
    const out = JSON.parse(r.stdout.toString());
    assert.match(out.v4[0], FAKE4);
    assert.match(out.v6[0], FAKE6);
    assert.equal(out.body, hello);
    await dantedConnectedByName();
    assertNoLeaks(lab);
  });

  test('PTR of a fake address gives the name back; localhost (from /etc/hosts) is real', async () => {
    const script = `a=$(host -t A ${NAME} | sed -n 's/.* has address //p'); host $a; host -t A localhost`;
    const r = await sockswrap(lab, [...X, '--', 'sh', '-c', script]);
    const out = r.stdout.toString();
    assert.match(out, /domain name pointer target\.test\.?\n/, show(r));
    assert.match(out, /localhost has address 127\.0\.0\.1/, show(r));
    assertNoLeaks(lab);
  });

  test('an IPv6 nameserver in resolv.conf is answered the same way', async () => {
    writeFileSync(resolvConf, `nameserver 2001:db8:${lab.n}::53\noptions timeout:1 attempts:1\n`);
    const r = await sockswrap(lab, [...X, '--', 'host', '-t', 'A', NAME]);
    assert.equal(r.status, 0, show(r));
    assert.match(/has address (\S+)/.exec(r.stdout.toString())?.[1] ?? '', FAKE4, show(r));
    assertNoLeaks(lab);
  });

  test('dig @server (the user\'s explicit choice) still asks that server, through the chain', async () => {
    const r = await sockswrap(lab, [...X, '--', 'dig', '+short', '+tries=1', '+time=5', `@${lab.targetIp4}`, 'www.only.test', 'A']);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim(), `198.19.${lab.n}.77`, show(r));
    const own = await sockswrap(lab, [...X, '--', 'dig', '+short', '+tries=1', '+time=5', 'www.only.test', 'A']);
    assert.match(own.stdout.toString().trim(), FAKE4, show(own));
    assertNoLeaks(lab);
  });

  test('a loopback stub on 127.0.0.53 (dnsmasq in the client namespace) receives nothing; the agent answers', async () => {
    const stubLog = join(lab.dir, 'stub.log');
    writeFileSync(stubLog, '');
    // It forwards to an address only the leak counter sees: anything it was asked would show twice.
    const stub = lab.spawn(lab.client, [
      bin('dnsmasq'), '--no-daemon', '--no-resolv', '--no-hosts', '--listen-address=127.0.0.53', '--bind-interfaces',
      `--server=198.18.${lab.n}.99`, '--port', '53', '--log-queries', `--log-facility=${stubLog}`, `--pid-file=${lab.dir}/dnsmasq-stub.pid`,
    ]);
    try {
      await waitPort('127.0.0.53', 53, { ns: lab.client });
      writeFileSync(resolvConf, 'nameserver 127.0.0.53\noptions edns0 trust-ad\n');
      const script = `host -t A ${NAME} && nslookup -type=AAAA ${NAME} && a=$(host -t A ${NAME} | sed -n 's/.* has address //p') && exec curl -sS --max-time 20 http://$a:${HTTP_PORT}/hello`;
      const r = await sockswrap(lab, [...X, '--', 'sh', '-c', script]);
      assert.equal(r.status, 0, show(r));
      assert.ok(r.stdout.toString().endsWith(hello), show(r));
      assert.match(r.stdout.toString(), /has address 240\./);
      const n = await sockswrap(lab, [...X, '--', process.execPath, '-e', NODE_RESOLVE, NAME, String(HTTP_PORT)]);
      assert.equal(n.status, 0, show(n));
      const t = await sockswrap(lab, [...X, '--', 'dig', '+tcp', '+short', '+tries=1', '+time=5', NAME, 'AAAA']);
      assert.match(t.stdout.toString().trim(), FAKE6, show(t));
      assert.doesNotMatch(readFileSync(stubLog, 'utf8'), /query\[/, 'the stub was asked');
      assertNoLeaks(lab);
    } finally {
      stub.kill('SIGKILL');
    }
  });

  test('over TCP (dig +tcp, host -T): the same answers, from the agent', async () => {
    const d = await sockswrap(lab, [...X, '--', 'dig', '+tcp', '+short', '+tries=1', '+time=5', NAME, 'A']);
    assert.equal(d.status, 0, show(d));
    assert.match(d.stdout.toString().trim(), FAKE4, show(d));
    const h = await sockswrap(lab, [...X, '--', 'host', '-T', '-t', 'AAAA', NAME]);
    assert.match(/has IPv6 address (\S+)/.exec(h.stdout.toString())?.[1] ?? '', FAKE6, show(h));
    assertNoLeaks(lab);
  });

  test('MX and TXT: REFUSED with one log line without --dns-server; with it, asked through the chain as DNS over TCP', async () => {
    const refused = await sockswrap(lab, [...X, '--', 'sh', '-c', 'dig +tries=1 +time=5 MX only.test; dig +tries=1 +time=5 TXT only.test']);
    assert.equal(refused.status, 0, show(refused));
    assert.equal(refused.stdout.toString().match(/status: REFUSED/g)?.length, 2, show(refused));
    assert.equal(refused.stderr.match(/--dns-server/g)?.length, 1, `one log line: ${show(refused)}`);
    const viaServer = [...X, '--dns-server', lab.targetIp4];
    const mx = await sockswrap(lab, [...viaServer, '--', 'dig', '+short', '+tries=1', '+time=5', 'MX', 'only.test']);
    assert.equal(mx.status, 0, show(mx));
    assert.equal(mx.stdout.toString().trim(), '10 mail.only.test.', show(mx));
    // 1.7 kB: over UDP the agent answers truncated (TC), dig asks again over TCP, the agent forwards.
    const txt = await sockswrap(lab, [...viaServer, '--', 'dig', '+tries=1', '+time=5', 'TXT', 'big.only.test']);
    assert.equal(txt.status, 0, show(txt));
    assert.match(txt.stdout.toString(), /Truncated, retrying in TCP mode/, show(txt));
    for (const t of BIG_TXT) assert.ok(txt.stdout.toString().includes(`"${t}"`), show(txt));
    // The same directive in a proxychains.conf.
    const conf = join(lab.dir, 'dns-server.conf');
    writeFileSync(conf, `proxy_dns\nremote_dns_server ${lab.targetIp4}:53\n[ProxyList]\nsocks5 ${danted.host} ${danted.port}\n`);
    const viaConf = await sockswrap(lab, ['-f', conf, '--', 'dig', '+short', '+tries=1', '+time=5', 'MX', 'only.test']);
    assert.equal(viaConf.stdout.toString().trim(), '10 mail.only.test.', show(viaConf));
    assertNoLeaks(lab);
  });

  test('a bad --dns-server value is a usage error (exit 2)', async () => {
    const r = await sockswrap(lab, [...X, '--dns-server', 'resolver.test', '--', 'true']);
    assert.equal(r.status, 2, show(r));
    assert.match(r.stderr, /--dns-server.*expected IP\[:PORT\]/, show(r));
  });

  test('AF_UNSPEC gets an IPv4 and an IPv6 fake, IPv4 first: curl -6 and a Python IPv6-only filter reach an IPv6-only name', async () => {
    const c = await sockswrap(lab, [...X, '--', 'curl', '-6', '-sS', '--max-time', '20', `http://target6.test:${HTTP_PORT}/hello`]);
    assert.equal(c.status, 0, show(c));
    assert.equal(c.stdout.toString(), hello);
    const r = await sockswrap(lab, [...X, '--', bin('python3'), '-c', PY_UNSPEC_V6_ONLY, 'target6.test', String(HTTP_PORT)]);
    assert.equal(r.status, 0, show(r));
    const out = JSON.parse(r.stdout.toString());
    assert.deepEqual(out.families, ['AF_INET', 'AF_INET6'], 'both families, IPv4 first');
    assert.match(out.v6, FAKE6);
    assert.equal(out.body.endsWith(hello), true, show(r));
    const re = new RegExp(`tcp/connect \\[: .* -> \\S+ ${reEscape(lab.targetIp6)}\\.${HTTP_PORT}\\b`);
    assert.match(await waitForLog(danted.log, re), re, 'danted connected to the IPv6-only target');
    assertNoLeaks(lab);
  });

  test('remote DNS off: a .onion name is refused with a message, and never reaches a resolver', async () => {
    const plain = ['-x', `socks5://${danted.host}:${danted.port}`];
    const py = await sockswrap(lab, [...plain, '--', bin('python3'), '-c', PY_GAI_ERROR, 'hidden.onion']);
    assert.equal(py.status, 0, show(py));
    assert.equal(py.stdout.toString().trim(), 'gaierror', show(py));
    assert.match(py.stderr, /hidden\.onion: refused: a \.onion name can only be resolved by Tor/, show(py));
    const curl = await sockswrap(lab, [...plain, '--', 'curl', '-sS', '--max-time', '10', 'http://Other.Onion./']);
    assert.equal(curl.status, 6, show(curl));
    // A query the program sends itself goes through the chain to its server, but not this one.
    const dig = await sockswrap(lab, [...plain, '--', 'dig', '+tries=1', '+time=5', 'abc.onion', 'A']);
    assert.match(dig.stdout.toString(), /status: REFUSED/, show(dig));
    assert.match(dig.stderr, /DNS abc\.onion: REFUSED: a \.onion name/, show(dig));
    assert.doesNotMatch(danted.log(), /\.onion/i);
    assertNoLeaks(lab);
  });
});

const PY_GAI_ERROR = `
import socket, sys
try:
    socket.getaddrinfo(sys.argv[1], 80)
    print("resolved")
except socket.gaierror:
    print("gaierror")
`;

/** getaddrinfo(AF_UNSPEC), then only the IPv6 answers kept, as IPv6-only code does. */
const PY_UNSPEC_V6_ONLY = `
import socket, sys, json
host, port = sys.argv[1], int(sys.argv[2])
ai = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM)
v6 = [a for a in ai if a[0] == socket.AF_INET6]
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(v6[0][4])
s.sendall(b"GET /hello HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
data = b""
while True:
    b = s.recv(65536)
    if not b: break
    data += b
print(json.dumps({"families": [a[0].name for a in ai], "v6": v6[0][4][0], "body": data.decode()}))
`;
