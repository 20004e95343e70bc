// Every upstream type against real servers on loopback: tinyproxy (HTTP CONNECT, with and without
// BasicAuth), danted (SOCKS4), OpenSSH's ssh -D (SOCKS4a; danted does not do 4a), microsocks
// (SOCKS5), mixed in chains, and a raw hop.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import net from 'node:net';
import { connectThroughChain, type EstablishedChain } from '../../src/client/chain-connect';
import type { ProxySpec } from '../../src/config/config-types';
import { errnoFor } from '../../src/protocol/errno-map';
import { freePort, startDanted, startLoopbackTargets, startMicrosocks, startServer, type RunningPeer } from '../helpers/loopback-peers';
import { localSpawner, startSshSocks, startTinyproxy, type UpstreamPeer } from '../helpers/upstream-peers';
import { bannerThenWrite, echoThrough, expectChainError } from '../helpers/chain-io';
import { skipUnless } from '../helpers/peer-gate';

const TIMEOUTS = { connectMs: 3000, readMs: 5000 };
const BANNER = 'SSH-2.0-sockswrap-banner\r\n';

const echoText = async (chain: EstablishedChain, text: string) => (await echoThrough(chain, text)).toString();

// Which peers are missing, decided once: each test's `skip` names the package (under CI=true a
// missing peer throws here and fails the file instead).
const MISSING = {
  tinyproxy: skipUnless(['tinyproxy']),
  danted: skipUnless(['danted']),
  microsocks: skipUnless(['microsocks']),
  ssh: skipUnless(['sshd', 'ssh']),
};
const have = { tinyproxy: !MISSING.tinyproxy, danted: !MISSING.danted, microsocks: !MISSING.microsocks, ssh: !MISSING.ssh };

describe('every upstream type against real proxies on loopback', { concurrency: false }, () => {
  const where = localSpawner();
  const peers: Array<RunningPeer | UpstreamPeer> = [];
  const servers: { close(): void }[] = [];
  let echoPort = 0;
  let bannerPort = 0;
  let closedPort = 0;
  let http: UpstreamPeer | undefined;
  let httpAuth: UpstreamPeer | undefined;
  let danted: RunningPeer | undefined;
  let micro: RunningPeer | undefined;
  let sshSocks: UpstreamPeer | undefined;
  const T = (port: number) => ({ kind: 'ipv4' as const, host: '127.0.0.1', port });

  before(async () => {
    const targets = await startLoopbackTargets(BANNER);
    servers.push(targets);
    ({ echoPort, bannerPort, closedPort } = targets);
    const starts: Promise<void>[] = [];
    if (have.microsocks) starts.push(startMicrosocks().then((p) => void peers.push((micro = p))));
    if (have.danted) starts.push(startDanted().then((p) => void peers.push((danted = p))));
    if (have.ssh) {
      starts.push(
        (async () => {
          const [port, sshdPort] = [await freePort(), await freePort()];
          sshSocks = await startSshSocks(where, { listen: '127.0.0.1', port, sshdPort });
          peers.push(sshSocks);
        })(),
      );
    }
    await Promise.all(starts);
    if (have.tinyproxy) {
      // ConnectPort also lets the HTTP hop reach microsocks in the mixed chain.
      const connectPorts = [echoPort, bannerPort, closedPort, ...(micro ? [micro.port] : [])];
      const allow = ['127.0.0.1'];
      [http, httpAuth] = await Promise.all([
        freePort().then((port) => startTinyproxy(where, { listen: '127.0.0.1', port, allow, connectPorts })),
        freePort().then((port) =>
          startTinyproxy(where, { listen: '127.0.0.1', port, allow, connectPorts, basicAuth: { user: 'alice', pass: 's3cret' } }),
        ),
      ]);
      peers.push(http, httpAuth);
    }
  });

  after(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    where.stopAll();
    for (const s of servers) s.close();
  });

  const httpHop = (extra: Partial<ProxySpec> = {}): ProxySpec => ({ type: 'http', host: '127.0.0.1', port: http!.port, ...extra });

  test('tinyproxy: a banner the target sends first arrives intact after the 200', { skip: MISSING.tinyproxy }, async () => {
    const chain = await connectThroughChain([httpHop()], T(bannerPort), TIMEOUTS);
    const chainGot = await bannerThenWrite(chain, BANNER.length, 'hello');
    assert.equal(chainGot.beforeWrite.toString(), BANNER);
    assert.equal(chainGot.all.toString(), `${BANNER}hello`);
  });

  test('tinyproxy: a name target (Host and request-target carry it) echoes', { skip: MISSING.tinyproxy }, async () => {
    const chain = await connectThroughChain([httpHop()], { kind: 'domain', host: 'localhost', port: echoPort }, TIMEOUTS);
    assert.equal(await echoText(chain, 'through http'), 'through http');
  });

  test('tinyproxy: a port outside ConnectPort is 403 → not-allowed (EACCES), status line quoted', { skip: MISSING.tinyproxy }, async () => {
    const err = await expectChainError(connectThroughChain([httpHop()], T(1), TIMEOUTS));
    assert.equal(err.error.code, 'not-allowed');
    assert.equal(err.error.replyCode, 403);
    assert.equal(errnoFor(err.error.code), constants.errno.EACCES);
    assert.match(err.message, new RegExp(`^via http 127\\.0\\.0\\.1:${http!.port}: CONNECT 127\\.0\\.0\\.1:1 refused by HTTP proxy: "HTTP/1\\.[01] 403 `));
  });

  test('tinyproxy: a closed target port is its "500 Unable to connect"', { skip: MISSING.tinyproxy }, async () => {
    const err = await expectChainError(connectThroughChain([httpHop()], T(closedPort), TIMEOUTS));
    assert.equal(err.error.code, 'general-failure');
    assert.match(err.message, /refused by HTTP proxy: "HTTP\/1\.[01] 500 Unable to connect"/);
  });

  test('tinyproxy BasicAuth: right password works; wrong one and none are 407 with the status line', { skip: MISSING.tinyproxy }, async () => {
    const hop = (u?: string, p?: string): ProxySpec => ({ type: 'http', host: '127.0.0.1', port: httpAuth!.port, ...(u ? { username: u, password: p } : {}) });
    const good = await connectThroughChain([hop('alice', 's3cret')], T(echoPort), TIMEOUTS);
    assert.equal(await echoText(good, 'authenticated'), 'authenticated');

    const wrong = await expectChainError(connectThroughChain([hop('alice', 'nope')], T(echoPort), TIMEOUTS));
    assert.equal(wrong.error.code, 'proxy-auth-failed');
    // tinyproxy 1.11 answers a wrong password with 401, not 407; both are the proxy's auth verdict.
    assert.ok([401, 407].includes(wrong.error.replyCode!), String(wrong.error.replyCode));
    assert.equal(errnoFor(wrong.error.code), constants.errno.EACCES);
    assert.match(wrong.message, /"HTTP\/1\.[01] 40[17] [^"]*": the user name or password was rejected$/);

    const none = await expectChainError(connectThroughChain([hop()], T(echoPort), TIMEOUTS));
    assert.equal(none.error.code, 'proxy-auth-required');
    assert.match(none.message, /407.*none is configured$/);
  });

  test('danted SOCKS4: IPv4 target echoes; a closed port is 0x5B → ECONNREFUSED', { skip: MISSING.danted }, async () => {
    const hop: ProxySpec = { type: 'socks4', host: '127.0.0.1', port: danted!.port, username: 'nobody' };
    const chain = await connectThroughChain([hop], T(echoPort), TIMEOUTS);
    assert.equal(await echoText(chain, 'through socks4'), 'through socks4');

    const err = await expectChainError(connectThroughChain([hop], T(closedPort), TIMEOUTS));
    assert.equal(err.error.code, 'connection-refused');
    assert.equal(err.error.replyCode, 0x5b);
    assert.equal(errnoFor(err.error.code), constants.errno.ECONNREFUSED);
  });

  test('a SOCKS4 hop asked for an IPv6 target fails before connecting, naming the hop and why', { skip: MISSING.danted }, async () => {
    const err = await expectChainError(connectThroughChain([{ type: 'socks4', host: '127.0.0.1', port: danted!.port }], { kind: 'ipv6', host: '::1', port: echoPort }, TIMEOUTS));
    assert.equal(err.error.code, 'address-not-supported');
    assert.equal(err.hopIndex, 0);
    assert.equal(errnoFor(err.error.code), constants.errno.EAFNOSUPPORT);
    assert.equal(
      err.message,
      `via socks4 127.0.0.1:${danted!.port}: SOCKS4 carries only IPv4 addresses and names, not the IPv6 address [::1]:${echoPort}; use a socks5 or http proxy for IPv6 targets`,
    );
  });

  test('ssh -D SOCKS4a: a name resolved by the proxy side; a banner arrives intact', { skip: MISSING.ssh }, async () => {
    const hop: ProxySpec = { type: 'socks4a', host: '127.0.0.1', port: sshSocks!.port };
    const chain = await connectThroughChain([hop], { kind: 'domain', host: 'localhost', port: echoPort }, TIMEOUTS);
    assert.equal(await echoText(chain, 'through socks4a'), 'through socks4a');
    // A 'socks4' hop sends a name the 4a way too (proxychains' socks4 with proxy_dns).
    const banner = await connectThroughChain([{ ...hop, type: 'socks4' }], { kind: 'domain', host: 'localhost', port: bannerPort }, TIMEOUTS);
    const bannerGot = await bannerThenWrite(banner, BANNER.length, 'x');
    assert.equal(bannerGot.beforeWrite.toString(), BANNER);
    assert.equal(bannerGot.all.toString(), `${BANNER}x`);
  });

  test('mixed chain: http (tinyproxy) → socks5 (microsocks) → target', { skip: MISSING.tinyproxy || MISSING.microsocks }, async () => {
    const chain = await connectThroughChain([httpHop(), { type: 'socks5', host: '127.0.0.1', port: micro!.port }], T(bannerPort), TIMEOUTS);
    const chainGot = await bannerThenWrite(chain, BANNER.length, 'mixed');
    assert.equal(chainGot.beforeWrite.toString(), BANNER);
    assert.equal(chainGot.all.toString(), `${BANNER}mixed`);
  });

  test('mixed chain: socks5 (microsocks) → socks4 (danted) → target, and a 3-hop http → socks5 → socks4', { skip: MISSING.microsocks || MISSING.danted || MISSING.tinyproxy }, async () => {
    const s5: ProxySpec = { type: 'socks5', host: '127.0.0.1', port: micro!.port };
    const s4: ProxySpec = { type: 'socks4', host: '127.0.0.1', port: danted!.port };
    const two = await connectThroughChain([s5, s4], T(echoPort), TIMEOUTS);
    assert.equal(await echoText(two, 'two hops'), 'two hops');
    const three = await connectThroughChain([httpHop(), s5, s4], T(echoPort), TIMEOUTS);
    assert.equal(await echoText(three, 'three hops'), 'three hops');
  });

  test('a failure in the middle of a mixed chain names that hop', { skip: MISSING.microsocks || MISSING.danted }, async () => {
    const s5: ProxySpec = { type: 'socks5', host: '127.0.0.1', port: micro!.port };
    const s4: ProxySpec = { type: 'socks4', host: '127.0.0.1', port: danted!.port };
    const err = await expectChainError(connectThroughChain([s5, s4], { kind: 'ipv6', host: '::1', port: echoPort }, TIMEOUTS));
    assert.equal(err.hopIndex, 1);
    assert.match(err.message, new RegExp(`^via socks4 127\\.0\\.0\\.1:${danted!.port}: SOCKS4 carries only IPv4`));
  });

  test('raw: no handshake; as the last hop, and in the middle as a tunnel to the next proxy', { skip: MISSING.danted }, async () => {
    // The "raw proxy" is a plain TCP forwarder, as socat or ssh -L would be.
    const forwarder = (to: number) =>
      startServer((s) => {
        const up = net.connect({ host: '127.0.0.1', port: to });
        up.on('error', () => s.destroy());
        s.pipe(up).pipe(s);
      });
    const toBanner = await forwarder(bannerPort);
    servers.push(toBanner);
    // The target given is ignored: the forwarder decides where bytes go.
    const last = await connectThroughChain([{ type: 'raw', host: '127.0.0.1', port: toBanner.port }], { kind: 'ipv6', host: '::1', port: 9 }, TIMEOUTS);
    const lastGot = await bannerThenWrite(last, BANNER.length, 'raw');
    assert.equal(lastGot.beforeWrite.toString(), BANNER);
    assert.equal(lastGot.all.toString(), `${BANNER}raw`);

    const toDanted = await forwarder(danted!.port);
    servers.push(toDanted);
    const mid = await connectThroughChain(
      [{ type: 'raw', host: '127.0.0.1', port: toDanted.port }, { type: 'socks4', host: '192.0.2.1', port: 1080 }],
      T(echoPort),
      TIMEOUTS,
    );
    assert.equal(await echoText(mid, 'raw then socks4'), 'raw then socks4');
  });
});
