// Real programs wrapped by sockswrap, through microsocks (no auth, RFC 1929 user/pass, IPv6
// listener), a strict 2-hop chain microsocks -> danted, and the proxychains.conf file form.
// microsocks logs the destination exactly as the client sent it, so "connected to target.test:…"
// in its log proves the name, not an address, reached the proxy.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, type Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { startMicrosocks, waitForLog, reEscape, HTTP_PORT, ECHO_PORT, type Danted, type Peer } from '../helpers/peers';
import { assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { bigSha256, sha256 } from '../helpers/body';
import { PY_PEERNAME } from '../helpers/programs';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'microsocks', 'curl', 'python3'], { root: true });

const USER = 'alice';
const PASS = 'wonderland';
// Needs percent-decoding in a URL: ':' '@' '%' and a space.
const ODD_USER = 'b@b';
const ODD_PASS = 'p:w @%x';

describe('e2e through microsocks', { skip: SKIP }, () => {
  let lab: Lab;
  let plain: Peer;
  let auth: Peer;
  let odd: Peer;
  let v6: Peer;
  let danted: Danted;

  standardLab({ danted: 1080, microsocks: 1081, leaks: 'reset' }, (s) => ({ lab, danted, plain } = { lab: s.lab, danted: s.danted!, plain: s.micro! }));
  before(async () => {
    [auth, odd, v6] = await Promise.all([
      startMicrosocks(lab, { port: 1082, user: USER, pass: PASS }),
      startMicrosocks(lab, { port: 1084, user: ODD_USER, pass: ODD_PASS }),
      startMicrosocks(lab, { host: lab.proxyIp6, port: 1083 }),
    ]);
  });

  async function microsocksSaw(p: Peer, dest: string): Promise<void> {
    const re = new RegExp(`connected to ${reEscape(dest)}\\b`);
    assert.match(await waitForLog(p.stderr, re), re, `microsocks log: ${p.stderr()}`);
  }

  test('curl fetches the 8 MB body through microsocks (no auth); sha256 matches; the name reached the proxy', async () => {
    const r = await sockswrap(lab, ['-x', `socks5h://${plain.host}:${plain.port}`, '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    assertNoLeaks(lab);
    await microsocksSaw(plain, `target.test:${HTTP_PORT}`);
  });

  test('microsocks -u/-P: the right password works', async () => {
    const r = await sockswrap(lab, ['-x', `socks5h://${USER}:${PASS}@${auth.host}:${auth.port}`, '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    assertNoLeaks(lab);
    await microsocksSaw(auth, `target.test:${HTTP_PORT}`);
  });

  test('microsocks -u/-P: a wrong password fails, curl exits non-zero, sockswrap logs an authentication error', async () => {
    const r = await sockswrap(lab, ['-x', `socks5h://${USER}:not-${PASS}@${auth.host}:${auth.port}`, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.notEqual(r.status, 0, show(r));
    assert.equal(r.stdout.length, 0, show(r));
    // e.g. "[sockswrap] curl[123] target.test:8080 via socks5 …:1082: proxy rejected the username/password (status 0x02)"
    assert.match(r.stderr, /^\[sockswrap\] curl\[\d+\] target\.test:\d+ .*(auth|username\/password)/im, show(r));
    assertNoLeaks(lab);
  });

  test('-q: the same authentication failure prints nothing', async () => {
    const r = await sockswrap(lab, ['-q', '-x', `socks5h://${USER}:not-${PASS}@${auth.host}:${auth.port}`, '--', 'curl', '-s', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.notEqual(r.status, 0, show(r));
    assert.equal(r.stderr, '', show(r));
    assertNoLeaks(lab);
  });

  test('user:pass in the URL is percent-decoded', async () => {
    const url = `socks5h://${encodeURIComponent(ODD_USER)}:${encodeURIComponent(ODD_PASS)}@${odd.host}:${odd.port}`;
    const r = await sockswrap(lab, ['-x', url, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'hello from target\n');
    assertNoLeaks(lab);
  });

  test('IPv6 proxy address -x socks5h://[2001:db8:N::1]:port, to an IPv4 name and an IPv6 name', async () => {
    const x = ['-x', `socks5h://[${lab.proxyIp6}]:${v6.port}`];
    const r4 = await sockswrap(lab, [...x, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.equal(r4.status, 0, show(r4));
    assert.equal(r4.stdout.toString(), 'hello from target\n');
    const r6 = await sockswrap(lab, [...x, '--', 'curl', '-sS', '--max-time', '20', `http://target6.test:${HTTP_PORT}/whoami`]);
    assert.equal(r6.status, 0, show(r6));
    assert.equal(r6.stdout.toString().trim(), lab.targetIp6);
    assertNoLeaks(lab);
    await microsocksSaw(v6, `target6.test:${HTTP_PORT}`);
  });

  test('strict 2-hop chain microsocks -> danted, where danted is reachable only from the proxy ns', async () => {
    // danted's inner listener is on the target address: the client has no route to it, so
    // this can only work if hop 1 (microsocks) carried the connection to hop 2 (danted).
    const r = await sockswrap(lab, [
      '-x', `socks5h://${plain.host}:${plain.port}`,
      '-x', `socks5h://${danted.innerHost}:${danted.port}`,
      '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`,
    ]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    assertNoLeaks(lab);
    await microsocksSaw(plain, `${danted.innerHost}:${danted.port}`);
    // danted's client is microsocks (an address of the proxy ns), not the client ns
    const re = new RegExp(`tcp/connect \\[: (${reEscape(lab.proxyIp4)}|${reEscape(lab.targetIp4)})\\.\\d+ ${reEscape(danted.innerHost)}\\.${danted.port} -> \\S+ ${reEscape(lab.targetIp4)}\\.${HTTP_PORT}\\b`);
    assert.match(await waitForLog(danted.log, re), re, danted.log());
  });

  test('-f proxychains.conf (strict_chain, proxy_dns, timeouts, socks5 with user/pass)', async () => {
    const conf = join(lab.dir, 'proxychains.conf');
    writeFileSync(conf, [
      '# a proxychains-ng file, unchanged',
      'strict_chain',
      'proxy_dns',
      'remote_dns_subnet 240',
      'tcp_read_time_out 15000',
      'tcp_connect_time_out 8000',
      '',
      '[ProxyList]',
      `socks5 ${auth.host} ${auth.port} ${USER} ${PASS}`,
      '',
    ].join('\n'));
    const r = await sockswrap(lab, ['-f', conf, '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    assertNoLeaks(lab);
    await microsocksSaw(auth, `target.test:${HTTP_PORT}`);
  });

  test('-f proxychains.conf with a 2-hop [ProxyList]; getpeername still the original destination', async () => {
    const conf = join(lab.dir, 'chain.conf');
    writeFileSync(conf, [
      'strict_chain',
      'proxy_dns',
      '[ProxyList]',
      `socks5 ${plain.host} ${plain.port}`,
      `socks5 ${danted.innerHost} ${danted.port}`,
      '',
    ].join('\n'));
    const r = await sockswrap(lab, ['-f', conf, '--', bin('python3'), '-c', PY_PEERNAME, lab.targetIp4, String(ECHO_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()).peer, [lab.targetIp4, ECHO_PORT]);
    assertNoLeaks(lab);
  });

  test('$PROXYCHAINS_CONF_FILE is honoured without -f', async () => {
    const conf = join(lab.dir, 'env.conf');
    writeFileSync(conf, `strict_chain\nproxy_dns\n[ProxyList]\nsocks5 ${plain.host} ${plain.port}\n`);
    const r = await sockswrap(lab, ['--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`], {
      env: cleanEnv({ PROXYCHAINS_CONF_FILE: conf }),
    });
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'hello from target\n');
    assertNoLeaks(lab);
  });
});
