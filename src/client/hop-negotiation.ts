import type net from 'node:net';
import type { ProxySpec } from '../config/config-types';
import { Socks5ClientHandshake, type Socks5Event } from '../protocol/socks5-codec';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { ChainError } from './chain-error';

/**
 * Runs one SOCKS5 handshake over the already-open stream. Reads stop the moment the reply is
 * complete: the socket is paused and left without a listener, so later bytes wait in its buffer.
 */
export function negotiateHop(
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
