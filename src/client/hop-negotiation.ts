import type net from 'node:net';
import type { ProxySpec } from '../config/config-types';
import { HttpConnectClientHandshake } from '../protocol/http-connect-codec';
import { Socks4ClientHandshake } from '../protocol/socks4-codec';
import { Socks5ClientHandshake } from '../protocol/socks5-codec';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { ChainError } from './chain-error';

/** What every codec gives out; the driver needs nothing type-specific beyond this. */
export type HandshakeEvent =
  | { type: 'send'; bytes: Buffer }
  | { type: 'established'; rest: Buffer }
  | { type: 'failed'; error: SockswrapError };

/** The sans-IO shape all client handshakes share (src/protocol/*-codec.ts). */
export interface ClientHandshake {
  start(): HandshakeEvent[];
  receive(chunk: Buffer): HandshakeEvent[];
}

/**
 * `raw` (as in proxychains-ng): no handshake at all, the TCP stream to the proxy is the stream to
 * whatever that endpoint forwards to (a socat or ssh -L port forward). The target is not sent
 * anywhere, so the endpoint alone decides where bytes go. Allowed at any position, as in
 * proxychains: in the middle of a chain it is a tunnel to the next proxy, whose own handshake then
 * runs through it; the next hop's address is not used. As the last hop every connection reaches
 * the endpoint's fixed destination, whatever the program asked for.
 */
class RawHandshake implements ClientHandshake {
  start(): HandshakeEvent[] {
    return [{ type: 'established', rest: Buffer.alloc(0) }];
  }

  receive(): HandshakeEvent[] {
    throw new Error('raw handshake receives nothing');
  }
}

/**
 * The codec for this hop's type, already holding the request. Throws SockswrapError for a target
 * the type cannot carry (SOCKS4 and IPv6), so that fails before any byte is sent.
 */
export function createHandshake(proxy: ProxySpec, target: TargetAddress): ClientHandshake {
  switch (proxy.type) {
    case 'socks5': {
      const credentials =
        proxy.username !== undefined ? { username: proxy.username, password: proxy.password ?? '' } : undefined;
      return new Socks5ClientHandshake({ target, command: 'connect', credentials });
    }
    // 4 and 4a are one codec: a name is sent the 4a way by both (see socks4-codec.ts). SOCKS4 has
    // a USERID and no password; a configured password is ignored, as proxychains does.
    case 'socks4':
    case 'socks4a':
      return new Socks4ClientHandshake({ target, userId: proxy.username });
    case 'http': {
      const credentials =
        proxy.username !== undefined ? { username: proxy.username, password: proxy.password ?? '' } : undefined;
      return new HttpConnectClientHandshake({ target, credentials });
    }
    case 'raw':
      return new RawHandshake();
    default:
      throw new SockswrapError('command-not-supported', `unknown proxy type ${String((proxy as { type: unknown }).type)}`);
  }
}

/**
 * Runs one hop's handshake over the already-open stream, whatever the proxy type. Reads stop the
 * moment the reply is complete: the socket is paused and left without a listener, so later bytes
 * wait in its buffer, and bytes that came with the reply are returned.
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
  return new Promise((resolve, reject) => {
    let handshake: ClientHandshake;
    try {
      handshake = createHandshake(proxy, target);
    } catch (err) {
      reject(new ChainError(asSockswrapError(err), hopIndex, proxy));
      return;
    }
    let settled = false;
    // Bytes after the previous hop's reply are this hop's reply (or, through raw, the stream's).
    let pendingFed = false;
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
      // raw is established at start(), before it was given what the previous hop left over.
      else resolve(pendingFed ? outcome.rest : Buffer.concat([pending, outcome.rest]));
    };
    const handle = (events: HandshakeEvent[]) => {
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
    if (!settled && pending.length > 0) {
      pendingFed = true;
      onData(pending);
    }
    if (!settled) socket.resume();
  });
}

function asSockswrapError(err: unknown): SockswrapError {
  if (err instanceof SockswrapError) return err;
  return new SockswrapError('proxy-protocol', err instanceof Error ? err.message : String(err));
}
