// Which proxies a connection goes through, and in what order: pure (no sockets, no timers, no
// global state). The caller owns the dead-hop set, the random source and the round-robin cursor,
// so the same rules are unit-tested here and shared by every process through the agent.
//
// Semantics follow proxychains-ng 4.16 (src/core.c, connect_proxy_chain), with the differences
// written down in docs/chains.md:
//   strict       every proxy, in list order; any failure fails the connection
//   dynamic      every live proxy, in list order; at least one must be alive
//   random       chain_len distinct live proxies in random order
//   round_robin  chain_len distinct live proxies, consecutive in list order (wrapping) from the
//                cursor; the cursor moves to just past the last one used
import type { ChainType, ProxySpec } from '../config/config-types';

/** proxychains' default when chain_len is not written. */
export const DEFAULT_CHAIN_LEN = 1;

export interface HopSelectionInput {
  proxies: readonly ProxySpec[];
  type: ChainType;
  /** Hops per connection for random / round_robin; ignored by strict and dynamic. */
  chainLen?: number;
  /** Indexes into `proxies` already found dead for this connection. */
  dead?: ReadonlySet<number>;
  /**
   * The indexes not in `dead`, in list order, when the caller keeps them (ChainAttempts does, as
   * hops die): selection then never scans the whole list, so picking again after each of k dead hops
   * costs O(hops picked), not O(list length).
   */
  alive?: readonly number[];
  /** Uniform in [0, 1), as Math.random. Only random chains draw from it. */
  random?: () => number;
  /** Round-robin position: the index the next chain starts looking at. */
  cursor?: number;
}

export type HopSelection =
  | {
      ok: true;
      /** Indexes into `proxies`, first hop first. */
      hops: number[];
      /** Round robin only: where the next connection's chain starts. */
      nextCursor?: number;
    }
  | { ok: false; reason: string };

/** How many hops a chain of this type uses per connection. */
export function hopsPerConnection(type: ChainType, proxyCount: number, chainLen?: number): number {
  if (type === 'random' || type === 'round_robin') return chainLen ?? DEFAULT_CHAIN_LEN;
  return proxyCount;
}

/** Why a configuration can never build a chain, or undefined when it can. */
export function chainConfigProblem(type: ChainType, proxyCount: number, chainLen?: number): string | undefined {
  if (proxyCount === 0) return 'no proxy configured';
  if ((type === 'random' || type === 'round_robin') && (chainLen ?? DEFAULT_CHAIN_LEN) > proxyCount) {
    return `chain_len ${chainLen} is more than the ${proxyCount} prox${proxyCount === 1 ? 'y' : 'ies'} in the list`;
  }
  return undefined;
}

export function selectHops(input: HopSelectionInput): HopSelection {
  const { proxies, type } = input;
  const dead = input.dead ?? new Set<number>();
  // Only dynamic and random chains need the live list itself; the others need its length.
  const liveList = (): readonly number[] => input.alive ?? proxies.map((_, i) => i).filter((i) => !dead.has(i));
  const liveCount = input.alive?.length ?? proxies.length - countDead(dead, proxies.length);

  switch (type) {
    case 'strict':
      if (proxies.length === 0) return { ok: false, reason: 'no proxy configured' };
      if (liveCount < proxies.length) return { ok: false, reason: 'a hop of the strict chain is dead' };
      return { ok: true, hops: proxies.map((_, i) => i) };

    case 'dynamic':
      if (liveCount === 0) return { ok: false, reason: `all ${proxies.length} proxies are dead` };
      return { ok: true, hops: liveList().slice() };

    case 'random': {
      const len = input.chainLen ?? DEFAULT_CHAIN_LEN;
      if (liveCount < len) return { ok: false, reason: needMore(len, liveCount, proxies.length) };
      const random = input.random ?? Math.random;
      const pool = liveList();
      // Partial Fisher-Yates: the first `len` slots end up a uniform random ordered sample. The
      // swaps are kept aside (a sparse view of the pool), so the pool is neither copied nor scanned.
      const swapped = new Map<number, number>();
      const at = (k: number) => swapped.get(k) ?? pool[k]!;
      const hops: number[] = [];
      for (let i = 0; i < len; i++) {
        const j = i + Math.min(pool.length - i - 1, Math.floor(random() * (pool.length - i)));
        const picked = at(j);
        swapped.set(j, at(i));
        hops.push(picked);
      }
      return { ok: true, hops };
    }

    case 'round_robin': {
      const len = input.chainLen ?? DEFAULT_CHAIN_LEN;
      if (liveCount < len) return { ok: false, reason: needMore(len, liveCount, proxies.length) };
      const n = proxies.length;
      // A cursor past the end wraps to the start, as in 4.16.
      const start = normalizeCursor(input.cursor ?? 0, n);
      const hops: number[] = [];
      for (let step = 0; hops.length < len; step++) {
        const i = (start + step) % n;
        if (!dead.has(i)) hops.push(i);
      }
      return { ok: true, hops, nextCursor: (hops[hops.length - 1]! + 1) % n };
    }
  }
}

/** How many of the indexes 0..n-1 are in `dead` (it may hold others: a caller's set is not trusted). */
function countDead(dead: ReadonlySet<number>, n: number): number {
  let count = 0;
  for (const i of dead) if (Number.isInteger(i) && i >= 0 && i < n) count++;
  return count;
}

function normalizeCursor(cursor: number, n: number): number {
  if (!Number.isInteger(cursor) || cursor < 0 || cursor >= n) return 0;
  return cursor;
}

function needMore(len: number, alive: number, total: number): string {
  return `chain_len ${len} needs ${len} live prox${len === 1 ? 'y' : 'ies'}, ${alive} of ${total} ${alive === 1 ? 'is' : 'are'} alive`;
}
