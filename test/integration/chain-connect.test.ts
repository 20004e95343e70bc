import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { connectThroughChain } from '../../src/client/chain-connect';
import { bannerThenWrite, echoThrough, expectChainError } from '../helpers/chain-io';
import type { ProxySpec } from '../../src/config/config-types';
import { errnoFor } from '../../src/protocol/errno-map';
import { freePort, startDanted, startMicrosocks, startLoopbackTargets, startServer, type RunningPeer } from '../helpers/loopback-peers';
import { skipUnless } from '../helpers/peer-gate';

const TIMEOUTS = { connectMs: 3000, readMs: 3000 };
const BANNER = 'SSH-2.0-sockswrap-test\r\n';

/** A missing peer skips the suite, naming its package (and fails it under CI=true). */
const MISSING = skipUnless(['microsocks', 'danted']);

describe('SOCKS5 client against real proxies on loopback', { skip: MISSING, concurrency: false }, () => {
  const peers: RunningPeer[] = [];
  const servers: { close(): void }[] = [];
  let echoPort = 0;
  let bannerPort = 0;
  let closedPort = 0;

  before(async () => {
    const targets = await startLoopbackTargets(BANNER);
    servers.push(targets);
    ({ echoPort, bannerPort, closedPort } = targets);
  });

  after(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    for (const s of servers) s.close();
  });

  test('4 MiB each way through microsocks arrive byte-exact', async () => {
    const proxy = await startMicrosocks();
    peers.push(proxy);
    const chain = await connectThroughChain([{ type: 'socks5', host: '127.0.0.1', port: proxy.port }], { kind: 'ipv4', host: '127.0.0.1', port: echoPort }, TIMEOUTS);
    const payload = randomBytes(4 << 20);
    const echoed = await echoThrough(chain, payload);
    assert.equal(createHash('sha256').update(echoed).digest('hex'), createHash('sha256').update(payload).digest('hex'));
  });

  test('a banner the server sends first arrives intact through danted', async () => {
    const proxy = await startDanted();
    peers.push(proxy);
    const chain = await connectThroughChain([{ type: 'socks5', host: '127.0.0.1', port: proxy.port }], { kind: 'ipv4', host: '127.0.0.1', port: bannerPort }, TIMEOUTS);
    const { beforeWrite, all } = await bannerThenWrite(chain, BANNER.length, 'hello');
    assert.equal(beforeWrite.toString(), BANNER);
    assert.equal(all.toString(), `${BANNER}hello`);
  });

  test('a 2-hop chain, microsocks then danted, reaches the target by name', async () => {
    const first = await startMicrosocks();
    const second = await startDanted();
    peers.push(first, second);
    const hops: ProxySpec[] = [
      { type: 'socks5', host: '127.0.0.1', port: first.port },
      { type: 'socks5', host: '127.0.0.1', port: second.port },
    ];
    const chain = await connectThroughChain(hops, { kind: 'domain', host: 'localhost', port: echoPort }, TIMEOUTS);
    assert.equal((await echoThrough(chain, Buffer.from('through two hops'))).toString(), 'through two hops');
  });

  test('a closed target port is reply 0x05, which the program sees as ECONNREFUSED', async () => {
    const proxy = await startDanted();
    peers.push(proxy);
    const err = await expectChainError(connectThroughChain([{ type: 'socks5', host: '127.0.0.1', port: proxy.port }], { kind: 'ipv4', host: '127.0.0.1', port: closedPort }, TIMEOUTS));
    assert.equal(err.error.code, 'connection-refused');
    assert.equal(err.error.replyCode, 0x05);
    assert.equal(err.hopIndex, 0);
    assert.equal(errnoFor(err.error.code), constants.errno.ECONNREFUSED);
    assert.match(err.message, /via socks5 127\.0\.0\.1:\d+: .*refused/);
  });

  test('microsocks with a password: the right one works, a wrong one is an auth failure', async () => {
    const proxy = await startMicrosocks({ user: 'alice', password: 's3cret' });
    peers.push(proxy);
    const good = await connectThroughChain([{ type: 'socks5', host: '127.0.0.1', port: proxy.port, username: 'alice', password: 's3cret' }], { kind: 'ipv4', host: '127.0.0.1', port: echoPort }, TIMEOUTS);
    assert.equal((await echoThrough(good, Buffer.from('authenticated'))).toString(), 'authenticated');

    const wrong = await expectChainError(connectThroughChain([{ type: 'socks5', host: '127.0.0.1', port: proxy.port, username: 'alice', password: 'nope' }], { kind: 'ipv4', host: '127.0.0.1', port: echoPort }, TIMEOUTS));
    assert.equal(wrong.error.code, 'proxy-auth-failed');
    const none = await expectChainError(connectThroughChain([{ type: 'socks5', host: '127.0.0.1', port: proxy.port }], { kind: 'ipv4', host: '127.0.0.1', port: echoPort }, TIMEOUTS));
    assert.equal(none.error.code, 'proxy-auth-required');
  });

  test('a proxy that is not listening is ECONNREFUSED, naming the hop', async () => {
    const port = await freePort();
    const err = await expectChainError(connectThroughChain([{ type: 'socks5', host: '127.0.0.1', port }], { kind: 'ipv4', host: '127.0.0.1', port: echoPort }, TIMEOUTS));
    assert.equal(err.error.code, 'proxy-unreachable');
    assert.equal(errnoFor(err.error.code), constants.errno.ECONNREFUSED);
    assert.match(err.message, new RegExp(`via socks5 127\\.0\\.0\\.1:${port}: cannot reach the proxy`));
  });

  // Faults no real server gives on demand: a proxy that accepts and never answers, and one that answers garbage.
  test('a proxy that stalls gives ETIMEDOUT after the read timeout', async () => {
    const stall = await startServer(() => {});
    servers.push(stall);
    const err = await expectChainError(connectThroughChain([{ type: 'socks5', host: '127.0.0.1', port: stall.port }], { kind: 'ipv4', host: '127.0.0.1', port: echoPort }, { connectMs: 3000, readMs: 300 }));
    assert.equal(err.error.code, 'proxy-timeout');
    assert.equal(errnoFor(err.error.code), constants.errno.ETIMEDOUT);
  });

  test('a proxy that answers HTTP is a protocol error, not a crash', async () => {
    const http = await startServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    servers.push(http);
    const err = await expectChainError(connectThroughChain([{ type: 'socks5', host: '127.0.0.1', port: http.port }], { kind: 'ipv4', host: '127.0.0.1', port: echoPort }, TIMEOUTS));
    assert.equal(err.error.code, 'proxy-protocol');
    assert.equal(errnoFor(err.error.code), constants.errno.ECONNABORTED);
  });
});
