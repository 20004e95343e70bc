import net from 'node:net';
import type { ProxySpec } from '../config/config-types';
import { Socks5ClientHandshake, type Socks5Event } from '../protocol/socks5-codec';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { describeHop, proxyAsTarget } from './proxy-hop';

export interface ChainTimeouts {
  /** TCP connect to the first proxy. */
  connectMs: number;
  /** Each hop's whole handshake, from its first byte sent to its final reply. */
  readMs: number;
}

/** A failure while building the chain, with the hop it happened at (for the log line). */
export class ChainError extends Error {
  constructor(
    readonly error: SockswrapError,
    readonly hopIndex: number,
    readonly hop: ProxySpec,
  ) {
    super(`via ${describeHop(hop)}: ${error.message}`);
    this.name = 'ChainError';
  }
}

export interface EstablishedChain {
  /** Paused, with no 'data' listener: everything not in `rest` is still in its buffers. */
  socket: net.Socket;
  /** Bytes the target sent that arrived together with the last reply (a banner, say). */
  rest: Buffer;
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

function openTcp(proxy: ProxySpec, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
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

/**
 * Runs one SOCKS5 handshake over the already-open stream. Reads stop the moment the reply is
 * complete: the socket is paused and left without a listener, so later bytes wait in its buffer.
 */
function negotiateHop(
  socket: net.Socket,
  proxy: ProxySpec,
  hopIndex: number,
  target: TargetAddress,
  pending: Buffer,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  if (proxy.type !== 'socks5') {
    return Promise.reject(
      new ChainError(new SockswrapError('command-not-supported', `${proxy.type} proxies are not supported yet`), hopIndex, proxy),
    );
  }
  return new Promise((resolve, reject) => {
    let handshake: Socks5ClientHandshake;
    try {
      const credentials =
        proxy.username !== undefined ? { username: proxy.username, password: proxy.password ?? '' } : undefined;
      handshake = new Socks5ClientHandshake({ target, command: 'connect', credentials });
    } catch (err) {
      reject(new ChainError(asSockswrapError(err), hopIndex, proxy));
      return;
    }
    let settled = false;
    const finish = (outcome: { rest: Buffer } | { error: SockswrapError }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      signal?.removeEventListener('abort', onAbort);
      socket.pause();
      if ('error' in outcome) reject(new ChainError(outcome.error, hopIndex, proxy));
      else resolve(outcome.rest);
    };
    const handle = (events: Socks5Event[]) => {
      for (const event of events) {
        if (event.type === 'send') socket.write(event.bytes);
        else if (event.type === 'established') finish({ rest: event.rest });
        else finish({ error: event.error });
        if (settled) return;
      }
    };
    const onData = (chunk: Buffer) => {
      try {
        handle(handshake.receive(chunk));
      } catch (err) {
        finish({ error: asSockswrapError(err) });
      }
    };
    const onError = (err: NodeJS.ErrnoException) =>
      finish({ error: new SockswrapError('proxy-closed', `connection to the proxy failed: ${err.code ?? err.message}`) });
    const onEnd = () => finish({ error: new SockswrapError('proxy-closed', 'the proxy closed the connection during the handshake') });
    const onAbort = () => finish({ error: new SockswrapError('proxy-closed', 'the program gave up on the connection') });
    const timer = setTimeout(
      () => finish({ error: new SockswrapError('proxy-timeout', `no complete reply from the proxy within ${timeoutMs} ms`) }),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('end', onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
    handle(handshake.start());
    if (!settled && pending.length > 0) onData(pending);
    if (!settled) socket.resume();
  });
}

function asSockswrapError(err: unknown): SockswrapError {
  if (err instanceof SockswrapError) return err;
  return new SockswrapError('proxy-protocol', err instanceof Error ? err.message : String(err));
}
