// Chain types against real proxies on loopback: strict 2- and 3-hop mixed-peer chains, dynamic
// chains skipping dead hops, random and round-robin chains over many connections. Which proxy
// carried what is read from danted's own connect log, not from a fake.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { connectChain, type ChainOptions, type EstablishedChain } from '../../src/client/chain-connect';
import type { ChainType, ProxySpec } from '../../src/config/config-types';
import { errnoFor } from '../../src/protocol/errno-map';
import { closedPort, loggedConnects, startDanted, startMicrosocks, startServer, type RunningPeer, type TestServer } from '../helpers/loopback-peers';
import { expectChainError } from '../helpers/chain-io';
import { skipUnless } from '../helpers/peer-gate';

const TIMEOUTS = { connectMs: 2000, readMs: 2000 };

async function echoOnce(chain: EstablishedChain, text: string): Promise<string> {
  const chunks = [chain.rest];
  let total = chain.rest.length;
  await new Promise<void>((resolve, reject) => {
    chain.socket.on('data', (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      if (total >= text.length) resolve();
    });
    chain.socket.once('close', () => reject(new Error('closed early')));
    chain.socket.resume();
    chain.socket.write(text);
  });
  chain.socket.destroy();
  return Buffer.concat(chunks).toString();
}

const socks5 = (port: number): ProxySpec => ({ type: 'socks5', host: '127.0.0.1', port });

/** A missing peer skips the suite, naming its package (and fails it under CI=true). */
const MISSING = skipUnless(['microsocks', 'danted']);

describe('chain types against real proxies on loopback', { skip: MISSING, concurrency: false }, () => {
  const peers: RunningPeer[] = [];
  const servers: TestServer[] = [];
  let echoPort = 0;
  let micro: RunningPeer;
  let dante: RunningPeer;
  let micro2: RunningPeer;
  let deadPort = 0;
  let stall: TestServer;
  let garbage: TestServer;

  before(async () => {
    const echo = await startServer((s) => s.pipe(s));
    stall = await startServer(() => {});
    garbage = await startServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    servers.push(echo, stall, garbage);
    echoPort = echo.port;
    deadPort = await closedPort();
    [micro, dante, micro2] = await Promise.all([startMicrosocks(), startDanted(), startMicrosocks({ user: 'u', password: 'p' })]);
    peers.push(micro, dante, micro2);
  });

  after(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    for (const s of servers) s.close();
  });

  const target = () => ({ kind: 'ipv4' as const, host: '127.0.0.1', port: echoPort });
  const opts = (type: ChainType, proxies: ProxySpec[], extra: Partial<ChainOptions> = {}): ChainOptions => ({
    proxies,
    type,
    timeouts: TIMEOUTS,
    ...extra,
  });

  test('strict 2-hop (microsocks > danted) and 3-hop (microsocks > danted > microsocks with a password)', async () => {
    const two = await connectChain(target(), opts('strict', [socks5(micro.port), socks5(dante.port)]));
    assert.equal(await echoOnce(two, 'two hops'), 'two hops');
    const three = await connectChain(
      { kind: 'domain', host: 'localhost', port: echoPort },
      opts('strict', [socks5(micro.port), socks5(dante.port), { ...socks5(micro2.port), username: 'u', password: 'p' }]),
    );
    assert.equal(three.hops?.length, 3);
    assert.equal(await echoOnce(three, 'three hops'), 'three hops');
  });

  test('dynamic: a dead first hop is skipped and reported; the rest carries the connection', async () => {
    const skipped: string[] = [];
    const chain = await connectChain(
      target(),
      opts('dynamic', [socks5(deadPort), socks5(micro.port), socks5(dante.port)], { onDeadHop: (hop, cause) => skipped.push(`${hop.port} ${cause.error.code}`) }),
    );
    assert.deepEqual(chain.hops?.map((h) => h.port), [micro.port, dante.port]);
    assert.deepEqual(skipped, [`${deadPort} proxy-unreachable`]);
    assert.equal(await echoOnce(chain, 'dynamic'), 'dynamic');
  });

  test('dynamic: a middle hop that stalls or answers garbage is skipped, the stalled one by the read timeout', async () => {
    const skipped = new Map<number, string>();
    const chain = await connectChain(
      target(),
      opts('dynamic', [socks5(micro.port), socks5(stall.port), socks5(garbage.port), socks5(dante.port)], {
        // A connect timeout far longer than the test's own: only the read timeout can end the stall.
        timeouts: { connectMs: 600_000, readMs: 400 },
        onDeadHop: (hop, cause) => skipped.set(hop.port, `${cause.error.code}: ${cause.error.message}`),
      }),
    );
    assert.deepEqual(chain.hops?.map((h) => h.port), [micro.port, dante.port]);
    assert.deepEqual([...skipped.keys()].sort(), [stall.port, garbage.port].sort());
    // The cause says which timer fired: the hop's read timeout, not the connect timeout.
    assert.equal(skipped.get(stall.port), 'proxy-timeout: no complete reply from the proxy within 400 ms');
    assert.doesNotMatch(skipped.get(garbage.port)!, /timeout/);
    assert.equal(await echoOnce(chain, 'skipped two'), 'skipped two');
  });

  test('dynamic: every hop dead fails with ECONNREFUSED, naming a hop; a refused target is not retried', async () => {
    const other = await closedPort();
    const err = await expectChainError(connectChain(target(), opts('dynamic', [socks5(deadPort), socks5(other)])));
    assert.equal(errnoFor(err.error.code), constants.errno.ECONNREFUSED);
    assert.match(err.message, /via socks5 127\.0\.0\.1:\d+: no live proxy chain left \(all 2 proxies are dead\)/);

    let skips = 0;
    const closed = await closedPort();
    const refused = await expectChainError(
      connectChain({ kind: 'ipv4', host: '127.0.0.1', port: closed }, opts('dynamic', [socks5(micro.port), socks5(dante.port)], { onDeadHop: () => skips++ })),
    );
    assert.equal(refused.error.code, 'connection-refused');
    assert.equal(skips, 0, 'the target refusing is not a dead hop');
  });

  test('random (chain_len 2) and round robin (chain_len 2) over 30 connections each: every proxy used, chain_len respected', async () => {
    for (const type of ['random', 'round_robin'] as const) {
      const danteds = await Promise.all([startDanted({ logConnects: true }), startDanted({ logConnects: true }), startDanted({ logConnects: true })]);
      peers.push(...danteds);
      const proxies = danteds.map((d) => socks5(d.port));
      const roundRobin = { cursor: 0 };
      const N = 30;
      const used: number[][] = [];
      for (let i = 0; i < N; i++) {
        const chain = await connectChain(target(), opts(type, proxies, { chainLen: 2, roundRobin }));
        used.push(chain.hops!.map((h) => h.port));
        assert.equal(await echoOnce(chain, `#${i}`), `#${i}`);
      }
      // Each connection is logged twice: by its first hop (to the second) and by its last (to the target).
      const logs = await loggedConnects(danteds, 2 * N);
      // What the proxies themselves saw: N connections to the target, N from a first to a second hop.
      const toTarget = logs.flat().filter((p) => p === echoPort).length;
      const toProxy = logs.flat().filter((p) => proxies.some((x) => x.port === p)).length;
      assert.equal(toTarget, N, `${type}: target connects ${JSON.stringify(logs)}`);
      assert.equal(toProxy, N, `${type}: proxy-to-proxy connects ${JSON.stringify(logs)}`);
      for (const [i, d] of danteds.entries()) {
        assert.ok(logs[i]!.includes(echoPort), `${type}: proxy ${d.port} was never a last hop`);
        assert.ok(logs[i]!.some((p) => p !== echoPort), `${type}: proxy ${d.port} was never a first hop`);
      }
      for (const chain of used) assert.equal(new Set(chain).size, 2, `${type}: ${chain} has 2 distinct hops`);
      if (type === 'round_robin') {
        const [a, b, c] = danteds.map((d) => d.port);
        assert.deepEqual(used.slice(0, 4), [[a, b], [c, a], [b, c], [a, b]]);
      }
      await Promise.all(danteds.map((d) => d.stop()));
    }
  });
});
