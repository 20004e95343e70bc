// Real programs wrapped by sockswrap, through danted, in a lab where the client namespace can
// reach only the proxy and resolve nothing. Every case ends by asserting that no packet left the
// client namespace for anyone but the proxy.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { waitForLog, reEscape, HTTP_PORT, ECHO_PORT, BANNER_PORT, CLOSED_PORT, type Danted } from '../helpers/peers';
import { assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { bigSha256, sha256, BANNER } from '../helpers/body';
import { PY_CONNECT_ERRNO, PY_BANNER, PY_PEERNAME, PY_THREADS, PY_STDIO_FLAGS, nodeFetch } from '../helpers/programs';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'curl', 'python3', 'ncat', 'sh'], { root: true });

describe('e2e through danted', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let X: string[];
  let py: string;

  standardLab({ danted: 1080, leaks: 'reset' }, (s) => ({ lab, danted, X } = { lab: s.lab, danted: s.danted!, X: s.X }));
  before(() => { py = bin('python3'); });

  /** danted logged a CONNECT from the client ns to target:port (so it resolved the name). */
  async function dantedConnected(target: string, port: number): Promise<void> {
    const re = new RegExp(`tcp/connect \\[: ${reEscape(lab.clientIp4)}\\.\\d+ ${reEscape(danted.host)}\\.${danted.port} -> \\S+ ${reEscape(target)}\\.${port}\\b`);
    const log = await waitForLog(danted.log, re);
    assert.match(log, re, 'danted did not log the connection');
  }

  test('curl fetches the 8 MB body through danted by a name only the proxy resolves; sha256 matches', async () => {
    const r = await sockswrap(lab, [...X, '--', 'curl', '-sS', '--max-time', '60', `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, show(r));
    // stdout is exactly the program's output: the body, not one byte more
    assert.equal(r.stdout.length, 8 * 1024 * 1024 + 4099, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    assertNoLeaks(lab);
    await dantedConnected(lab.targetIp4, HTTP_PORT);
  });

  test("the program's stdin/stdout/stderr stay blocking after proxied connections (O_NONBLOCK untouched)", async () => {
    // They are shared open files with sockswrap's own process: if the launcher's Node makes them
    // non-blocking, a program writing faster than its reader gets EAGAIN (curl: "(23) Failure
    // writing output"), e.g. in `sockswrap … curl … | sha256sum`.
    const r = await sockswrap(lab, [...X, '--', py, '-c', PY_STDIO_FLAGS, 'target.test', String(ECHO_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { before: [false, false, false], after: [false, false, false] });
    assertNoLeaks(lab);
  });

  test('the target sees danted, not the client, as its peer', async () => {
    const r = await sockswrap(lab, [...X, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/whoami`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim(), lab.targetIp4); // danted's external address
    assertNoLeaks(lab);
  });

  test('python3 blocking connect to a closed port on the target gets errno 111 (ECONNREFUSED)', async () => {
    const r = await sockswrap(lab, [...X, '--', py, '-c', PY_CONNECT_ERRNO, 'target.test', String(CLOSED_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim(), 'errno 111', show(r));
    assertNoLeaks(lab);
  });

  test('python3 connect by literal address to a closed port also gets errno 111', async () => {
    const r = await sockswrap(lab, [...X, '--', py, '-c', PY_CONNECT_ERRNO, lab.targetIp4, String(CLOSED_PORT)]);
    assert.equal(r.stdout.toString().trim(), 'errno 111', show(r));
    assertNoLeaks(lab);
  });

  test('python3 connect to an address the proxy cannot route to gets ENETUNREACH/EHOSTUNREACH', async () => {
    // 198.19.N.77: no route in the proxy ns either, so danted answers "network unreachable"
    const unroutable = lab.targetIp4.replace(/\.1$/, '.77');
    const r = await sockswrap(lab, [...X, '--', py, '-c', PY_CONNECT_ERRNO, unroutable, '80']);
    assert.match(r.stdout.toString().trim(), /^errno (101|113)$/, show(r));
    assertNoLeaks(lab);
  });

  test('node fetch() of http://target.test works (hostname resolved by the proxy)', async () => {
    const r = await sockswrap(lab, [...X, '--', process.execPath, '-e', nodeFetch(`http://target.test:${HTTP_PORT}/hello`)]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'hello from target\n');
    assertNoLeaks(lab);
    await dantedConnected(lab.targetIp4, HTTP_PORT);
  });

  test('exec chains: sh -c \'sh -c "curl …"\' stays wrapped', async () => {
    const inner = `curl -sS --max-time 20 http://target.test:${HTTP_PORT}/whoami`;
    const r = await sockswrap(lab, [...X, '--', 'sh', '-c', `sh -c "${inner}"; echo "exit=$?"`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), `${lab.targetIp4}\nexit=0\n`, show(r));
    assertNoLeaks(lab);
  });

  test('server-speaks-first: python3 reads the banner intact before sending anything', async () => {
    const r = await sockswrap(lab, [...X, '--', py, '-c', PY_BANNER, 'target.test', String(BANNER_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { first: BANNER, rest: 'ping\n' });
    assertNoLeaks(lab);
  });

  test('server-speaks-first: ncat gets the banner then its echo, byte for byte', async () => {
    const r = await sockswrap(lab, [...X, '--', 'ncat', 'target.test', String(BANNER_PORT)], { input: 'ping\n' });
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString('latin1'), BANNER + 'ping\n');
    assertNoLeaks(lab);
  });

  test('IPv6 target by name: curl http://target6.test reaches 2001:db8:ff:N::1', async () => {
    const r = await sockswrap(lab, [...X, '--', 'curl', '-sS', '--max-time', '20', `http://target6.test:${HTTP_PORT}/whoami`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim(), lab.targetIp6);
    assertNoLeaks(lab);
  });

  test('IPv6 target by literal: curl http://[2001:db8:ff:N::1] and sha256 of 8 MB', async () => {
    const r = await sockswrap(lab, [...X, '--', 'curl', '-sS', '-g', '--max-time', '60', `http://[${lab.targetIp6}]:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    assertNoLeaks(lab);
  });

  test('IPv6 proxy address: -x socks5h://[2001:db8:N::1]:port', async () => {
    const r = await sockswrap(lab, ['-x', `socks5h://[${lab.proxyIp6}]:${danted.port}`, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/whoami`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim(), lab.targetIp4);
    assertNoLeaks(lab);
    const re = new RegExp(`tcp/connect \\[: ${reEscape(lab.clientIp6)}\\.\\d+ ${reEscape(lab.proxyIp6)}\\.${danted.port} -> `);
    assert.match(await waitForLog(danted.log, re), re);
  });

  test('getpeername reports the original destination (literal IPv4, literal IPv6, and a name)', async () => {
    const lit4 = await sockswrap(lab, [...X, '--', py, '-c', PY_PEERNAME, lab.targetIp4, String(ECHO_PORT)]);
    assert.equal(lit4.status, 0, show(lit4));
    assert.deepEqual(JSON.parse(lit4.stdout.toString()).peer, [lab.targetIp4, ECHO_PORT]);

    const lit6 = await sockswrap(lab, [...X, '--', py, '-c', PY_PEERNAME, lab.targetIp6, String(ECHO_PORT)]);
    assert.equal(lit6.status, 0, show(lit6));
    assert.deepEqual(JSON.parse(lit6.stdout.toString()).peer, [lab.targetIp6, ECHO_PORT]);

    // A name: the program got a fake address from getaddrinfo, and getpeername reports that same
    // address — what it connected to — never the relay's loopback address.
    const named = await sockswrap(lab, [...X, '--', py, '-c', PY_PEERNAME, 'target.test', String(ECHO_PORT), '4']);
    assert.equal(named.status, 0, show(named));
    const { resolved, peer } = JSON.parse(named.stdout.toString());
    assert.match(resolved, /^240\./, 'remote DNS: a fake IPv4 address from 240.0.0.0/4');
    assert.deepEqual(peer, [resolved, ECHO_PORT]);

    const named6 = await sockswrap(lab, [...X, '--', py, '-c', PY_PEERNAME, 'target6.test', String(ECHO_PORT), '6']);
    assert.equal(named6.status, 0, show(named6));
    const n6 = JSON.parse(named6.stdout.toString());
    assert.match(n6.resolved, /^fd73:6f63:6b73:/i, 'remote DNS: a fake IPv6 address from fd73:6f63:6b73::/48');
    assert.deepEqual(n6.peer, [n6.resolved, ECHO_PORT]);
    assertNoLeaks(lab);
  });

  test('24 threads x 5 connections in one python3 process all get their own bytes back', async () => {
    const r = await sockswrap(lab, [...X, '--', py, '-c', PY_THREADS, 'target.test', String(ECHO_PORT), '24', '5'], { timeoutMs: 90_000 });
    assert.equal(r.status, 0, show(r));
    const res = JSON.parse(r.stdout.toString());
    assert.deepEqual({ ok: res.ok, bad: res.bad }, { ok: 120, bad: [] });
    assertNoLeaks(lab);
  });
});
