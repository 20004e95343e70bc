import type { ProxySpec } from '../config/config-types';
import { HttpConnectClientHandshake } from '../protocol/http-connect-codec';
import { Socks4ClientHandshake } from '../protocol/socks4-codec';
import { Socks5ClientHandshake } from '../protocol/socks5-codec';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';

/** What every codec gives out; the driver needs nothing type-specific beyond this. */
export type HandshakeEvent =
  | { type: 'send'; bytes: Buffer }
  /** BIND's first reply (src/client/chain-bind.ts); never given by a CONNECT. */
  | { type: 'bound'; bound: TargetAddress }
  | { type: 'established'; rest: Buffer; bound?: TargetAddress }
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
 * The codec for this hop's type, already holding the request (`pipelined`: SOCKS5 only, every
 * message at start()). Throws SockswrapError for a target
 * the type cannot carry (SOCKS4 and IPv6), so that fails before any byte is sent.
 */
export function createHandshake(proxy: ProxySpec, target: TargetAddress, pipelined = false): ClientHandshake {
  switch (proxy.type) {
    case 'socks5': {
      const credentials =
        proxy.username !== undefined ? { username: proxy.username, password: proxy.password ?? '' } : undefined;
      return new Socks5ClientHandshake({ target, command: 'connect', credentials, pipelined });
    }
    // 4 and 4a are one codec: a name is sent the 4a way by both (see socks4-codec.ts). SOCKS4 has
    // a USERID and no password; a configured password is ignored, as proxychains does.
    case 'socks4':
    case 'socks4a':
      return new Socks4ClientHandshake({ target, userId: proxy.username });
    // https: the same CONNECT, inside the TLS that tls-hop.ts set up with the proxy.
    case 'http':
    case 'https': {
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

