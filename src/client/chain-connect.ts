import net from 'node:net';
import type { ProxySpec } from '../config/config-types';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { ChainError } from './chain-error';
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
