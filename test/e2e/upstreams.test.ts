// Real programs wrapped by sockswrap through every upstream type, in a lab where the client
// namespace reaches only the proxy address and resolves nothing: tinyproxy (HTTP CONNECT),
// OpenSSH's ssh -D (SOCKS4a; danted does not do 4a) and danted (SOCKS4). Every case ends by
// asserting that no packet left the client namespace for anyone but the proxy.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { HTTP_PORT, ECHO_PORT, BANNER_PORT, type Danted, labSpawner } from '../helpers/peers';
import { assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { bigSha256, sha256, BANNER } from '../helpers/body';
import { PY_BANNER, PY_CONNECT_ERRNO } from '../helpers/programs';
import { startSshSocks, startTinyproxy, type UpstreamPeer } from '../helpers/upstream-peers';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'curl', 'python3'], { root: true });
/** Optional peers: each test that needs one names its package when it is missing (a failure under CI=true). */
const NO_TINYPROXY = skipUnless(['tinyproxy']);
const NO_SSH = skipUnless(['sshd', 'ssh']);
const TINYPROXY_PORT = 8888;
const SSH_SOCKS_PORT = 1081;

describe('e2e through every upstream type', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let http: UpstreamPeer | undefined;
  let socks4a: UpstreamPeer | undefined;
  let py: string;

  standardLab({ danted: 1080, leaks: 'reset' }, (s) => ({ lab, danted } = { lab: s.lab, danted: s.danted! }));
  before(async () => {
    const where = labSpawner(lab);
    [http, socks4a] = await Promise.all([
      NO_TINYPROXY
        ? undefined
        : startTinyproxy(where, {
            listen: lab.proxyIp4,
            port: TINYPROXY_PORT,
            allow: [lab.clientIp4],
            connectPorts: [HTTP_PORT, ECHO_PORT, BANNER_PORT],
          }),
      NO_SSH ? undefined : startSshSocks(where, { listen: lab.proxyIp4, port: SSH_SOCKS_PORT, sshdPort: 2022 }),
    ]);
    py = bin('python3');
  });

  test('http://: curl fetches 8 MB through tinyproxy by a name only the proxy resolves; sha256 matches', { skip: NO_TINYPROXY }, async () => {
    assert.ok(http, 'tinyproxy started');
    const r = await sockswrap(lab, ['-x', `http://${http.host}:${http.port}`, '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, `${show(r)}\ntinyproxy: ${http.output().slice(-2000)}`);
    assert.equal(sha256(r.stdout), bigSha256());
    assertNoLeaks(lab);
  });

  test('http://: a banner the server sends first reaches the program intact', { skip: NO_TINYPROXY }, async () => {
    assert.ok(http, 'tinyproxy started');
    const r = await sockswrap(lab, ['-x', `http://${http.host}:${http.port}`, '--', py, '-c', PY_BANNER, 'target.test', String(BANNER_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { first: BANNER, rest: 'ping\n' });
    assertNoLeaks(lab);
  });

  test('socks4a://: curl fetches 8 MB through ssh -D by a name only the proxy resolves; sha256 matches', { skip: NO_SSH }, async () => {
    assert.ok(socks4a, 'the ssh SOCKS server started');
    const r = await sockswrap(lab, ['-x', `socks4a://${socks4a.host}:${socks4a.port}`, '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, `${show(r)}\nssh: ${socks4a.output().slice(-2000)}`);
    assert.equal(sha256(r.stdout), bigSha256());
    assertNoLeaks(lab);
  });

  test('proxychains.conf "socks4" with proxy_dns is SOCKS4a: a name reaches the proxy', { skip: NO_SSH }, async () => {
    assert.ok(socks4a, 'the ssh SOCKS server started');
    const conf = join(lab.dir, 'socks4-proxy-dns.conf');
    writeFileSync(conf, `strict_chain\nproxy_dns\n[ProxyList]\nsocks4 ${socks4a.host} ${socks4a.port}\n`);
    const r = await sockswrap(lab, ['-f', conf, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/whoami`]);
    assert.equal(r.status, 0, show(r));
    // The client ns cannot resolve target.test: reaching it means the name went out as SOCKS4a.
    assert.equal(r.stdout.toString().trim(), lab.targetIp4);
    assertNoLeaks(lab);
  });

  test('socks4:// and an IPv6 target: connect fails (EAFNOSUPPORT) and the log names the hop and why', async () => {
    const r = await sockswrap(lab, ['-x', `socks4://${danted.host}:${danted.port}`, '--', py, '-c', PY_CONNECT_ERRNO, lab.targetIp6, String(ECHO_PORT)]);
    assert.equal(r.stdout.toString().trim(), 'errno 97', show(r));
    const hop = `socks4 ${danted.host}:${danted.port}`.replace(/\./g, '\\.');
    assert.match(
      r.stderr,
      new RegExp(`\\[sockswrap\\] python3\\[\\d+\\] \\[${lab.targetIp6}\\]:${ECHO_PORT} via ${hop}: SOCKS4 carries only IPv4 addresses and names, not the IPv6 address`),
      show(r),
    );
    assertNoLeaks(lab);
  });
});
