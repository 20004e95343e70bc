// One connect through a dynamic chain of 1,000 proxies took 78 s (issue 11, item 9): every
// re-plan after a dead hop looked at the whole list again, and the dial path predicted the
// whole chain's replies at every attempt only to drop the script (it carries 8 entries at most).
// These tests count the work, not the time: how often the planner reads an entry of the proxy
// list, and how often a hop's type is read (each codec built or predicted reads it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChainAttempts, streamFailure } from '../../src/client/chain-driver';
import { ChainError } from '../../src/client/chain-error';
import { SockswrapError } from '../../src/protocol/sockswrap-error';
import { constants } from 'node:os';
import { DialSessions } from '../../src/agent/dial-sessions';
import { DialEvent, DialState } from '../../src/wire';
import type { ProxySpec, SockswrapConfig } from '../../src/config/config-types';
import type { TargetAddress } from '../../src/protocol/target-address';

const N = 1000;
const TARGET: TargetAddress = { kind: 'ipv4', host: '192.0.2.7', port: 22 };
/** Where the dial path is asked to go (routing.ts): no dnat rule, so the chain is asked for TARGET. */
const ROUTE = { target: TARGET, effective: TARGET };

interface Counted {
  proxies: ProxySpec[];
  /** proxies[i] reads. */
  entries: () => number;
  /** proxy.type reads, over all proxies. */
  types: () => number;
}

/** N SOCKS5 proxies 10.x.y.1:1080, behind counters. */
function countedProxies(n = N): Counted {
  let entries = 0;
  let types = 0;
  const specs = Array.from({ length: n }, (_, i) => {
    const spec = { host: `10.${(i >> 8) & 255}.${i & 255}.1`, port: 1080 } as ProxySpec;
    Object.defineProperty(spec, 'type', { enumerable: true, get: () => (types++, 'socks5') });
    return spec;
  });
  const proxies = new Proxy(specs, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^[0-9]+$/.test(key)) entries++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { proxies, entries: () => entries, types: () => types };
}

const unreachable = (hop: ProxySpec) => new ChainError(streamFailure.unreachable('ECONNREFUSED'), 0, hop);

describe('chain planning scales linearly with the list (1,000 hops)', () => {
  it('dynamic, every proxy dead: 1,000 attempts, each a little work, then "no live proxy chain left"', () => {
    const c = countedProxies();
    const attempts = new ChainAttempts({ proxies: c.proxies, type: 'dynamic' });
    let tried = 0;
    const firsts = new Set<string>();
    let final: unknown;
    for (;;) {
      let hops: readonly ProxySpec[];
      try {
        hops = attempts.next();
      } catch (err) {
        final = err;
        break;
      }
      tried++;
      assert.equal(hops.length, N - tried + 1, 'each attempt goes through every proxy still alive');
      firsts.add(hops[0]!.host);
      attempts.failed(unreachable(hops[0]!));
    }
    assert.equal(tried, N);
    assert.equal(firsts.size, N, 'each proxy was first once');
    assert.ok(final instanceof ChainError);
    assert.match(final.message, /no live proxy chain left \(all 1000 proxies are dead\)/);
    // Before: every attempt read the whole remaining list (about N²/2 = 500,000 reads).
    assert.ok(c.entries() <= 4 * N, `list entries read: ${c.entries()}`);
  });

  it('dynamic, every other proxy dead (each seen from the hop before it): the live half connects', () => {
    const c = countedProxies();
    const attempts = new ChainAttempts({ proxies: c.proxies, type: 'dynamic' });
    const deadHost = (i: number) => i % 2 === 1;
    const index = new Map(c.proxies.map((p, i) => [p.host, i]));
    let hops = attempts.next();
    let tried = 1;
    for (;;) {
      // The first dead hop of this attempt: its predecessor reports "host unreachable".
      const at = hops.findIndex((h) => deadHost(index.get(h.host)!));
      if (at < 0) break;
      const err = new ChainError(new SockswrapError('host-unreachable', 'host unreachable'), at - 1, hops[at - 1]!);
      assert.equal(attempts.failed(err), true);
      hops = attempts.next();
      tried++;
    }
    assert.equal(tried, N / 2 + 1);
    assert.equal(hops.length, N / 2);
    assert.ok(hops.every((h) => !deadHost(index.get(h.host)!)));
    assert.ok(c.entries() <= 4 * N, `list entries read: ${c.entries()}`);
  });

  it('random and round robin with chain_len 2 and 998 dead: plans stay O(chain_len) after the first', () => {
    for (const type of ['random', 'round_robin'] as const) {
      const c = countedProxies();
      const attempts = new ChainAttempts({ proxies: c.proxies, type, chainLen: 2, random: () => 0.5, roundRobin: { cursor: 0 } });
      let tried = 0;
      for (;;) {
        let hops: readonly ProxySpec[];
        try {
          hops = attempts.next();
        } catch {
          break;
        }
        tried++;
        attempts.failed(unreachable(hops[0]!));
      }
      assert.equal(tried, N - 1, type); // fails when one live proxy is left for a chain of 2
      assert.ok(c.entries() <= 4 * N, `${type}: list entries read: ${c.entries()}`);
    }
  });

  it('the dial path: 1,000 dead proxies, 1,000 DIALs, no whole-chain prediction per attempt', () => {
    const c = countedProxies();
    const config: SockswrapConfig = {
      chainType: 'dynamic', proxies: c.proxies, proxyDns: true, remoteDnsSubnet: 240,
      tcpReadTimeoutMs: 15000, tcpConnectTimeoutMs: 8000, localnets: [], quiet: true, source: '-x',
    };
    const lines: string[] = [];
    const direct = new DialSessions(config, { error: (l) => lines.push(l), info: () => {}, showsInfo: false }, { cursor: 0 });
    let out = direct.open(ROUTE, Buffer.from([4, 192, 0, 2, 7, 0, 22]), { name: 'py', pid: 1 }, { v4: true, v6: true })!;
    const session = out.subarray(0, 4);
    out = out.subarray(4);
    let dials = 0;
    while (out[0] === DialState.dial) {
      dials++;
      out = direct.step({ session: session.readUInt32BE(0), event: DialEvent.connectFailed, errno: 111 /* ECONNREFUSED */, localPort: 0, matched: 0, bytes: Buffer.alloc(0) });
    }
    assert.equal(dials, N);
    assert.equal(out[0], DialState.done);
    assert.equal(out[1], constants.errno.ECONNREFUSED, 'the program gets the errno of the last failure');
    assert.equal(lines.filter((l) => l.endsWith('skipping that hop')).length, N);
    assert.match(lines[lines.length - 1]!, /no live proxy chain left/);
    // Before: each DIAL predicted the replies of every live hop (about N²/2 codecs, each reading a type).
    assert.ok(c.types() <= 20 * N, `hop types read: ${c.types()}`);
    assert.ok(c.entries() <= 8 * N, `list entries read: ${c.entries()}`);
  });
});
