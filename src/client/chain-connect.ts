import net from 'node:net';
import type { ChainType, ProxySpec } from '../config/config-types';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { ChainError } from './chain-error';
import { ChainAttempts, ChainHandshake, streamFailure, type ChainStep } from './chain-driver';
import { connectWithTlsHops, hasTlsHop } from './tls-hop';
import type { PipelineLedger } from './pipelining';

export { ChainError } from './chain-error';

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
  /** The last hop's BND.ADDR:PORT (SOCKS hops): where the target sees the connection come from. */
  bound?: TargetAddress;
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
  /** round_robin: where the next chain starts; advanced as each chain is picked. */
  roundRobin?: RoundRobinCursor;
  /** Told about each hop skipped as dead (dynamic, random, round_robin), for the log. */
  onDeadHop?(proxy: ProxySpec, cause: ChainError): void;
  /** Which proxies take pipelined SOCKS5 handshakes (pipelining.ts); absent: none. */
  pipelining?: PipelineLedger;
}

/**
 * Opens a chain of the configured type (docs/chains.md): the attempts are ChainAttempts
 * (chain-driver.ts), shared with the agent's dial path, so both skip dead hops alike.
 */
export async function connectChain(target: TargetAddress, options: ChainOptions): Promise<EstablishedChain> {
  const { timeouts, signal } = options;
  const attempts = new ChainAttempts(options);
  const ledger = options.pipelining;
  for (;;) {
    const hops = attempts.next();
    let pipelined = ledger && !hasTlsHop(hops) ? ledger.prefix(hops) : 0;
    for (;;) {
      try {
        const chain = await connectThroughChain(hops, target, timeouts, signal, pipelined);
        return { ...chain, hops };
      } catch (err) {
        if (!(err instanceof ChainError) || signal?.aborted) throw err;
        // The same hops again, one message per round trip: only that attempt's outcome counts.
        if (ledger?.fallBack(hops, pipelined, err)) {
          pipelined = 0;
          continue;
        }
        if (!attempts.failed(err)) throw err;
        break;
      }
    }
  }
}

/**
 * Opens a strict chain: TCP to the first proxy, then each hop is asked to connect to the next,
 * and the last to the target (ChainHandshake, chain-driver.ts). Resolves with the socket once
 * the target is reached.
 */
export async function connectThroughChain(
  proxies: readonly ProxySpec[],
  target: TargetAddress,
  timeouts: ChainTimeouts,
  signal?: AbortSignal,
  /** Leading hops whose SOCKS5 handshakes are pipelined (ChainHandshake; not with TLS hops). */
  pipelined = 0,
): Promise<EstablishedChain> {
  if (proxies.length === 0) throw new Error('connectThroughChain needs at least one proxy');
  const handshake = new ChainHandshake(proxies, target, pipelined);
  const socket = await openTcp(proxies[0]!, timeouts.connectMs, signal);
  if (hasTlsHop(proxies)) {
    // TLS to an https hop, inside the tunnel of the hops before it (tls-hop.ts).
    const drive = (stream: net.Socket, hops: readonly ProxySpec[], to: TargetAddress) => driveHandshake(stream, new ChainHandshake(hops, to), timeouts.readMs, signal);
    return connectWithTlsHops(socket, proxies, target, timeouts.readMs, drive, signal);
  }
  try {
    const rest = await driveHandshake(socket, handshake, timeouts.readMs, signal);
    return { socket, rest, bound: handshake.bound };
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/**
 * Runs the chain's handshake over the socket. Each hop has readMs from its first byte sent to its
 * final reply. On success the socket is paused with no 'data' listener: everything after the final
 * reply that was not in the last chunk is still in its buffers; what was is returned (a raw hop,
 * established at once, returns `pending` whole).
 */
export function driveHandshake(
  socket: net.Socket,
  handshake: ChainHandshake,
  readMs: number,
  signal?: AbortSignal,
  /** Bytes already read from the stream (what an earlier handshake on it left over). */
  pending: Buffer = Buffer.alloc(0),
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let hop = -1;
    let timer: NodeJS.Timeout | undefined;
    const apply = (step: ChainStep, chunk: Buffer) => {
      if (step.send.length > 0 && !(step.outcome instanceof ChainError)) socket.write(step.send);
      if (step.outcome) {
        settled = true;
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('end', onEnd);
        signal?.removeEventListener('abort', onAbort);
        socket.pause();
        if (step.outcome === 'established') resolve(chunk.subarray(step.consumed));
        else reject(step.outcome);
        return;
      }
      if (step.hopIndex !== hop) {
        hop = step.hopIndex;
        clearTimeout(timer);
        timer = setTimeout(() => !settled && apply(handshake.fail(streamFailure.readTimeout(readMs)), Buffer.alloc(0)), readMs);
      }
    };
    const onData = (chunk: Buffer) => apply(handshake.receive(chunk), chunk);
    const onError = (err: NodeJS.ErrnoException) => !settled && apply(handshake.fail(streamFailure.broken(err.code ?? err.message)), Buffer.alloc(0));
    const onEnd = () => !settled && apply(handshake.fail(streamFailure.closed()), Buffer.alloc(0));
    const onAbort = () => !settled && apply(handshake.fail(streamFailure.aborted()), Buffer.alloc(0));
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('end', onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
    apply(handshake.start(), pending);
    if (!settled && pending.length > 0) onData(pending);
    if (!settled) socket.resume();
  });
}

/**
 * TCP to a proxy, as the first hop of a chain is reached; failures are ChainErrors at hop 0.
 * A chain carries the program's half-closes; a UDP ASSOCIATE control connection must not
 * (`halfOpen: false`), so that the proxy's FIN closes it and ends the association.
 */
export function openTcp(proxy: ProxySpec, timeoutMs: number, signal?: AbortSignal, halfOpen = true): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port, allowHalfOpen: halfOpen, noDelay: true });
    const fail = (error: SockswrapError) => {
      cleanup();
      socket.destroy();
      reject(new ChainError(error, 0, proxy));
    };
    const timer = setTimeout(
      () => fail(streamFailure.connectTimeout(timeoutMs)),
      timeoutMs,
    );
    const onAbort = () => fail(streamFailure.aborted());
    const onError = (err: NodeJS.ErrnoException) =>
      fail(streamFailure.unreachable(err.code ?? err.message));
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
