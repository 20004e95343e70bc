// HTTPS proxies (issue 20, docs/upstreams.md "https"): tinyproxy behind a TLS terminator the test
// starts (Node's tls, test/helpers/tls-terminator.ts) in the proxy namespace, with a test CA made by
// openssl. curl and python through it by name; a wrong CA, a name mismatch and wrong Basic
// credentials each fail with the layer named; an https hop after a SOCKS5 hop (TLS inside danted's
// tunnel); proxychains.conf's `https` type; --proxy-insecure; sockswrap check. Leak counter 0.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, type Lab } from '../helpers/net-lab';
import { startDanted, startTargets, bin, waitPort, HTTP_PORT, BANNER_PORT, type Danted } from '../helpers/peers';
import { skipUnless } from '../helpers/peer-gate';
import { installLeakCounter, takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { bigSha256, sha256, BANNER } from '../helpers/body';
import { PY_BANNER, PY_CONNECT_ERRNO } from '../helpers/programs';
import { startTinyproxy } from '../helpers/upstream-peers';
import { issueServerCert, makeCa, type TestCa } from '../helpers/test-ca';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'curl', 'python3', 'tinyproxy'], { root: true });
const NO_OPENSSL = skipUnless(['openssl']);
const NAME = 'proxy.test';
const OTHER_NAME = 'other.test';
const TLS_PORT = 8443;
const TLS_AUTH_PORT = 8444;

describe('e2e through an HTTPS proxy (TLS to the proxy, then HTTP CONNECT)', { skip: SKIP || NO_OPENSSL }, () => {
  let lab: Lab;
  let danted: Danted;
  let ca: TestCa;
  let wrongCa: TestCa;
  const terminatorOut: string[] = [];
  const https = (port = TLS_PORT, host = NAME) => `https://${host}:${port}`;
  const trust = () => ['--proxy-cacert', ca.cert];

  const startTerminator = async (port: number, backendPort: number, cert: { cert: string; key: string }) => {
    const child = lab.spawn(lab.proxy, [process.execPath, join(__dirname, '..', 'helpers', 'tls-terminator.js'), '0.0.0.0', String(port), cert.cert, cert.key, '127.0.0.1', String(backendPort)]);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); terminatorOut.push(b.toString()); });
    child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', () => out.includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`tls-terminator exited (${code}): ${out}`)));
    });
  };

  before(async () => {
    if (NO_OPENSSL) throw new Error(NO_OPENSSL);
    lab = createLab();
    installLeakCounter(lab);
    ca = makeCa(lab.dir, 'sockswrap test CA');
    wrongCa = makeCa(lab.dir, 'another CA');
    const cert = issueServerCert(lab.dir, ca, NAME);
    // The client knows the proxy by name; inside the proxy namespace (for danted) it is the target address.
    appendFileSync(join('/etc/netns', lab.client, 'hosts'), `${lab.proxyIp4}\t${NAME}\n${lab.proxyIp4}\t${OTHER_NAME}\n`);
    appendFileSync(join('/etc/netns', lab.proxy, 'hosts'), `${lab.targetIp4}\t${NAME}\n`);
    const where = { dir: lab.dir, spawn: (argv: string[]) => lab.spawn(lab.proxy, argv), waitPort: (h: string, p: number) => waitPort(lab, lab.proxy, h, p) };
    // 8443 too: the second of two https hops is reached through the first's tinyproxy.
    const ports = [HTTP_PORT, BANNER_PORT, TLS_PORT];
    [, danted] = await Promise.all([
      startTargets(lab),
      startDanted(lab, 1080),
      startTinyproxy(where, { listen: '127.0.0.1', port: 8888, allow: ['127.0.0.1'], connectPorts: ports }),
      startTinyproxy(where, { listen: '127.0.0.1', port: 8889, allow: ['127.0.0.1'], connectPorts: ports, basicAuth: { user: 'alice', pass: 's3cret' } }),
    ]);
    await Promise.all([startTerminator(TLS_PORT, 8888, cert), startTerminator(TLS_AUTH_PORT, 8889, cert)]);
  });
  after(() => lab?.destroy());
  beforeEach(() => { if (lab) takeLeaks(lab); });

  test('curl fetches 8 MB by a name only the proxy resolves, through https://proxy.test:8443 (--proxy-cacert); sha256 matches', async () => {
    const before = terminatorOut.join('').split('\n').filter((l) => l.startsWith('tls ')).length;
    const r = await sockswrap(lab, ['-x', https(), ...trust(), '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    assert.ok(terminatorOut.join('').split('\n').filter((l) => l.startsWith('tls ')).length > before, 'a TLS session with the terminator');
    assertNoLeaks(lab);
  });

  test('python3 through it: the banner the server sends first arrives intact (user:pass over TLS to the auth proxy)', async () => {
    const r = await sockswrap(lab, ['-x', `https://alice:s3cret@${NAME}:${TLS_AUTH_PORT}`, ...trust(), '--', bin('python3'), '-c', PY_BANNER, 'target.test', String(BANNER_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { first: BANNER, rest: 'ping\n' });
    assertNoLeaks(lab);
  });

  test('a wrong CA: connect fails (ECONNABORTED), the log says TLS, unknown CA, and names the certificate', async () => {
    for (const args of [['--proxy-cacert', wrongCa.cert], []]) {
      const r = await sockswrap(lab, ['-x', https(), ...args, '--', bin('python3'), '-c', PY_CONNECT_ERRNO, 'target.test', String(HTTP_PORT)]);
      assert.equal(r.stdout.toString().trim(), 'errno 103', show(r));
      assert.match(r.stderr, /via https proxy\.test:8443: TLS with the proxy failed: the certificate is not signed by a trusted CA \(unknown CA, [A-Z_]+; trusted: /, show(r));
      assert.match(r.stderr, /subject CN=proxy\.test, issuer CN=sockswrap test CA; names DNS:proxy\.test/, show(r));
      assert.match(r.stderr, args.length ? /the CAs in \S+ca\.pem \(--proxy-cacert\)/ : /the system CA store \(\/etc\/ssl\/certs\/ca-certificates\.crt\); give its CA with --proxy-cacert FILE/, show(r));
    }
    assertNoLeaks(lab);
  });

  test('a name mismatch: https://other.test:8443 presents proxy.test\'s certificate; refused, both names in the log', async () => {
    const r = await sockswrap(lab, ['-x', https(TLS_PORT, OTHER_NAME), ...trust(), '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.notEqual(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), '');
    assert.match(r.stderr, /via https other\.test:8443: TLS with the proxy failed: the certificate is not for other\.test \(name mismatch, ERR_TLS_CERT_ALTNAME_INVALID\): subject CN=proxy\.test/, show(r));
    assertNoLeaks(lab);
  });

  test('wrong Basic credentials: refused (EACCES) and the proxy\'s HTTP status is in the log', async () => {
    const r = await sockswrap(lab, ['-x', `https://alice:wrong@${NAME}:${TLS_AUTH_PORT}`, ...trust(), '--', bin('python3'), '-c', PY_CONNECT_ERRNO, 'target.test', String(HTTP_PORT)]);
    assert.equal(r.stdout.toString().trim(), 'errno 13', show(r));
    // tinyproxy 1.11 answers a wrong password with 401, a missing one with 407 (docs/upstreams.md).
    assert.match(r.stderr, /via https proxy\.test:8444: .*"HTTP\/1\.[01] 40[17] /, show(r));
    const none = await sockswrap(lab, ['-x', https(TLS_AUTH_PORT), ...trust(), '--', bin('python3'), '-c', PY_CONNECT_ERRNO, 'target.test', String(HTTP_PORT)]);
    assert.equal(none.stdout.toString().trim(), 'errno 13', show(none));
    assert.match(none.stderr, /via https proxy\.test:8444: .*"HTTP\/1\.[01] 407 /, show(none));
    assertNoLeaks(lab);
  });

  test('an https hop after a SOCKS5 hop: TLS inside danted\'s tunnel, curl by name', async () => {
    const r = await sockswrap(lab, ['-x', `socks5h://${danted.host}:${danted.port}`, '-x', https(), ...trust(), '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    assert.match(danted.log(), /proxy\.test|8443/, 'danted carried the TLS');
    assertNoLeaks(lab);
  });

  test('two https hops: TLS inside the first hop\'s TLS tunnel, curl by name', async () => {
    const before = terminatorOut.join('').split('\n').filter((l) => l.startsWith('tls ')).length;
    const r = await sockswrap(lab, ['-x', https(), '-x', https(), ...trust(), '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    assert.ok(terminatorOut.join('').split('\n').filter((l) => l.startsWith('tls ')).length >= before + 2, 'two TLS sessions per connection');
    assertNoLeaks(lab);
  });

  test('proxychains.conf `https NAME PORT USER PASS` with proxy_dns', async () => {
    const conf = join(lab.dir, 'https.conf');
    writeFileSync(conf, `strict_chain\nproxy_dns\n[ProxyList]\nhttps ${NAME} ${TLS_AUTH_PORT} alice s3cret\n`);
    const r = await sockswrap(lab, ['-f', conf, ...trust(), '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'hello from target\n');
    assertNoLeaks(lab);
  });

  test('--proxy-insecure: the unverified proxy is used, with a warning', async () => {
    const r = await sockswrap(lab, ['-x', https(TLS_PORT, OTHER_NAME), '--proxy-insecure', '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'hello from target\n');
    assert.match(r.stderr, /--proxy-insecure: the https proxy's certificate is not checked/, show(r));
    assertNoLeaks(lab);
  });

  test('sockswrap check: the https hop is ok with the right CA, dead with the TLS error with another', async () => {
    const ok = await sockswrap(lab, ['check', '-x', https(), ...trust(), `target.test:${HTTP_PORT}`]);
    assert.equal(ok.status, 0, show(ok));
    assert.match(ok.stdout.toString(), /^hop 1 https proxy\.test:8443: ok /m, show(ok));
    const bad = await sockswrap(lab, ['check', '-x', https(), '--proxy-cacert', wrongCa.cert, `target.test:${HTTP_PORT}`]);
    assert.equal(bad.status, 1, show(bad));
    assert.match(bad.stdout.toString(), /^hop 1 https proxy\.test:8443: dead .*TLS with the proxy failed: the certificate is not signed by a trusted CA.*\[ECONNABORTED\]$/m, show(bad));
    assertNoLeaks(lab);
  });

  test('a --proxy-cacert file that is missing is a usage error (exit 2)', async () => {
    const r = await sockswrap(lab, ['-x', https(), '--proxy-cacert', join(lab.dir, 'nope.pem'), '--', 'true']);
    assert.equal(r.status, 2, show(r));
    assert.match(r.stderr, /--proxy-cacert \S+nope\.pem: cannot read it \(ENOENT\)/, show(r));
  });
});
