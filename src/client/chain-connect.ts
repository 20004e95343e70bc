import net from 'node:net';
import type { ChainType, ProxySpec } from '../config/config-types';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { ChainError } from './chain-error';
import { planChain } from './chain-plan';
import { negotiateHop } from './hop-negotiation';

export { ChainError } from './chain-error';
import { proxyAsTarget } from './proxy-hop';

export interface ChainTimeouts {
  /** TCP connect to the first proxy. */
  connectMs: number;
  /** Each hop's whole handshake, from its first byte sent to its final reply. */
  readMs: number;
}

export interface EstablishedChain {
  /** Paused, with no 'data' listener: everything not in `rest` is still in its buffers. */
  socket: net.Socket;
  /** Bytes the target sent that arrived together with the last reply (a banner, say). */
  rest: Buffer;
  /** The proxies this connection went through, first hop first. */
  hops?: readonly ProxySpec[];
}

/** The round-robin position, shared by every connection that holds the same object. */
export interface RoundRobinCursor {
  cursor: number;
}

export interface ChainOptions {
  proxies: readonly ProxySpec[];
  type: ChainType;
  /** random / round_robin: hops per connection (default 1, as proxychains). */
  chainLen?: number;
  timeouts: ChainTimeouts;
  signal?: AbortSignal;
  /** Uniform in [0, 1); Math.random when absent. */
  random?: () => number;
  /** round_robin: where the next chain starts; advanced as each chain is planned. */
  roundRobin?: RoundRobinCursor;
  /** Told about each hop skipped as dead (dynamic, random, round_robin), for the log. */
  onDeadHop?(proxy: ProxySpec, cause: ChainError): void;
}

/**
 * Reply codes by which a proxy says it could not reach what it was asked for: the proxy itself
 * works, so when it was asked for the next hop, it is that next hop that is dead.
 */
const DESTINATION_FAILURES: ReadonlySet<string> = new Set([
  'general-failure',
  'not-allowed',
  'network-unreachable',
  'host-unreachable',
  'connection-refused',
  'ttl-expired',
]);

/**
 * Opens a chain of the configured type (docs/chains.md). strict: one attempt through every proxy.
 * dynamic, random, round_robin: a hop that cannot be reached over TCP, or whose handshake fails
 * or times out, is marked dead for this connection and the chain is planned again without it;
 * the connection fails when too few live proxies remain. A failure to reach the target itself
 * (the last proxy answered "refused", say) is final: another chain would meet the same target.
 */
export async function connectChain(target: TargetAddress, options: ChainOptions): Promise<EstablishedChain> {
  const { proxies, type, timeouts, signal } = options;
  if (type === 'strict') {
    const chain = await connectThroughChain(proxies, target, timeouts, signal);
    return { ...chain, hops: proxies };
  }
  const dead = new Set<number>();
  let last: ChainError | undefined;
  for (;;) {
    const cursor = options.roundRobin?.cursor;
    const plan = planChain({ proxies, type, chainLen: options.chainLen, dead, random: options.random, cursor });
    if (!plan.ok) {
      if (last) {
        throw new ChainError(
          new SockswrapError(last.error.code, `no live proxy chain left (${plan.reason}); last failure: ${last.error.message}`, last.error.replyCode),
          last.hopIndex,
          last.hop,
        );
      }
      throw new ChainError(new SockswrapError('no-proxy', plan.reason), 0, proxies[0]!);
    }
    // Advanced before the attempt, synchronously: concurrent connections each get the next slot.
    if (options.roundRobin && plan.nextCursor !== undefined) options.roundRobin.cursor = plan.nextCursor;
    const hops = plan.hops.map((i) => proxies[i]!);
    try {
      const chain = await connectThroughChain(hops, target, timeouts, signal);
      return { ...chain, hops };
    } catch (err) {
      if (!(err instanceof ChainError) || signal?.aborted) throw err;
      const position = deadPosition(err, hops.length);
      if (position === undefined) throw err;
      dead.add(plan.hops[position]!);
      options.onDeadHop?.(hops[position]!, err);
      last = err;
    }
  }
}

/** Which hop of the attempt a failure shows to be dead; undefined when it is the target's fault. */
function deadPosition(err: ChainError, hopCount: number): number | undefined {
  if (!DESTINATION_FAILURES.has(err.error.code)) return err.hopIndex;
  return err.hopIndex + 1 < hopCount ? err.hopIndex + 1 : undefined;
}

/**
 * Opens a strict chain: TCP to the first proxy, then each hop is asked to connect to the next,
 * and the last to the target. Resolves with the socket once the target is reached.
 */
export async function connectThroughChain(
  proxies: readonly ProxySpec[],
  target: TargetAddress,
  timeouts: ChainTimeouts,
  signal?: AbortSignal,
): Promise<EstablishedChain> {
  if (proxies.length === 0) throw new Error('connectThroughChain needs at least one proxy');
  const first = proxies[0]!;
  const socket = await openTcp(first, timeouts.connectMs, signal);
  let rest: Buffer = Buffer.alloc(0);
  try {
    for (let i = 0; i < proxies.length; i++) {
      const hopTarget = i + 1 < proxies.length ? proxyAsTarget(proxies[i + 1]!) : target;
      rest = await negotiateHop(socket, proxies[i]!, i, hopTarget, rest, timeouts.readMs, signal);
    }
  } catch (err) {
    socket.destroy();
    throw err;
  }
  return { socket, rest };
}

/** TCP to a proxy, as the first hop of a chain is reached; failures are ChainErrors at hop 0. */
export function openTcp(proxy: ProxySpec, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port, allowHalfOpen: true, noDelay: true });
    const fail = (error: SockswrapError) => {
      cleanup();
      socket.destroy();
      reject(new ChainError(error, 0, proxy));
    };
    const timer = setTimeout(
      () => fail(new SockswrapError('proxy-timeout', `no TCP connection to the proxy within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onAbort = () => fail(new SockswrapError('proxy-closed', 'the program gave up on the connection'));
    const onError = (err: NodeJS.ErrnoException) =>
      fail(new SockswrapError('proxy-unreachable', `cannot reach the proxy: ${err.code ?? err.message}`));
    const onConnect = () => {
      cleanup();
      // Errors after this point surface as 'close' to whoever owns the socket; never as a crash.
      socket.on('error', () => {});
      resolve(socket);
    };
    function cleanup() {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('connect', onConnect);
      signal?.removeEventListener('abort', onAbort);
    }
    socket.once('error', onError);
    socket.once('connect', onConnect);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
