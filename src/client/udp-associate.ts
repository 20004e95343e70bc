/**
 * SOCKS5 UDP ASSOCIATE over real sockets (RFC 1928 §4, §7): one TCP control connection to the
 * proxy, kept open for as long as the association lives, and a UDP socket of our own that the
 * proxy's relay accepts datagrams from.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { ProxySpec } from '../config/config-types';
import { Socks5ClientHandshake, type Socks5Event } from '../protocol/socks5-codec';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { ChainError } from './chain-error';
import { openTcp } from './chain-connect';
import { streamFailure } from './chain-driver';

export interface UdpAssociation {
  /** The TCP control connection: the association ends when it closes. */
  control: net.Socket;
  /** Our datagram socket, bound before the request so its address could be announced. */
  socket: dgram.Socket;
  /** Where datagrams go: the reply's BND address, with 0.0.0.0/:: replaced by the proxy's own. */
  relay: { host: string; port: number; family: 4 | 6 };
}

/**
 * The `cause` of the error raised when the proxy accepted the greeting (and login) but hung up
 * on the UDP ASSOCIATE request itself: OpenSSH's ssh -D does that (it knows only CONNECT), so
 * the agent takes it as "no UDP here", as a 0x07 reply (src/agent/udp-capability.ts).
 */
export const CLOSED_ON_ASSOCIATE = 'closed-on-associate';

export interface AssociateOptions {
  connectMs: number;
  readMs: number;
  signal?: AbortSignal;
}

/**
 * Opens an association with a single SOCKS5 proxy. Fails with a ChainError whose code says why:
 * 'command-not-supported' (0x07) and the other reply codes mean the proxy works but will not
 * relay UDP for us; transport and authentication failures mean it cannot be used at all.
 */
export async function udpAssociate(proxy: ProxySpec, options: AssociateOptions): Promise<UdpAssociation> {
  const control = await openTcp(proxy, options.connectMs, options.signal, false);
  let socket: dgram.Socket | undefined;
  try {
    const family = net.isIPv6(control.localAddress ?? '') ? 6 : 4;
    socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
    socket.on('error', () => {});
    // Bound to the address our TCP connection leaves from, so the address we announce is exactly
    // the one the proxy will see our datagrams come from (a proxy may enforce it).
    const local = control.localAddress!;
    await new Promise<void>((resolve, reject) => {
      socket!.once('error', reject);
      socket!.bind({ address: local, port: 0, exclusive: true }, () => {
        socket!.off('error', reject);
        resolve();
      });
    });
    const announced: TargetAddress = { kind: family === 6 ? 'ipv6' : 'ipv4', host: local, port: socket.address().port };
    const bound = await associateOver(control, proxy, announced, options);
    const relay = relayAddress(bound, control, proxy);
    if (relay.family !== family) {
      throw new ChainError(
        new SockswrapError('address-not-supported', `the proxy's UDP relay ${relay.host} is IPv${relay.family}, our address towards it is IPv${family}`),
        0,
        proxy,
      );
    }
    return { control, socket, relay };
  } catch (err) {
    control.destroy();
    socket?.close();
    throw err;
  }
}

/** An association for a datagram socket that is not ours (the UDP fast path, docs/udp.md). */
export interface ForeignUdpAssociation {
  control: net.Socket;
  /** The address announced: the TCP connection's local address, with the program socket's port. */
  announced: { host: string; port: number; family: 4 | 6 };
  relay: UdpAssociation['relay'];
}

/**
 * UDP ASSOCIATE for a program's own datagram socket, bound to the wildcard address on `port`:
 * the request names the address our TCP connection leaves from (where that socket's datagrams to
 * the relay will come from, by the same routing) and that port. No socket of ours: the program
 * speaks RFC 1928 §7 to the relay itself.
 */
export async function udpAssociateFor(proxy: ProxySpec, port: number, options: AssociateOptions): Promise<ForeignUdpAssociation> {
  const control = await openTcp(proxy, options.connectMs, options.signal, false);
  try {
    const host = control.localAddress!.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
    const family = net.isIPv6(host) ? 6 : 4;
    const bound = await associateOver(control, proxy, { kind: family === 6 ? 'ipv6' : 'ipv4', host, port }, options);
    return { control, announced: { host, port, family }, relay: relayAddress(bound, control, proxy) };
  } catch (err) {
    control.destroy();
    throw err;
  }
}

/** BND.ADDR as the RFC means it: 0.0.0.0 / :: is "the address you reached me at". */
function relayAddress(bound: TargetAddress, control: net.Socket, proxy: ProxySpec): UdpAssociation['relay'] {
  if (bound.kind === 'domain') {
    throw new ChainError(new SockswrapError('address-not-supported', `the proxy named its UDP relay by name (${bound.host}), which sockswrap does not resolve`), 0, proxy);
  }
  let host = bound.host;
  if (host === '0.0.0.0' || host === '::') host = control.remoteAddress!;
  host = host.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  return { host, port: bound.port, family: net.isIPv6(host) ? 6 : 4 };
}


/** How the proxy let us in: the method it chose in reply to our greeting. */
export type Socks5Method = 'none' | 'username/password';

export interface AssociateOverOptions {
  /** For the whole handshake, from the greeting to the reply. */
  readMs: number;
  signal?: AbortSignal;
  /** Bytes already read from the stream (what the hops before this one left over). */
  pending?: Buffer;
  /** Told once the proxy has chosen a method (its greeting answered), even if the rest fails. */
  onMethod?(method: Socks5Method): void;
}

/**
 * The SOCKS5 UDP ASSOCIATE handshake over a stream already connected to `proxy`: the one driver
 * of it, for the agent's UDP relay (udpAssociate) and `sockswrap check`, which probes each SOCKS5
 * hop with it through the hops before. Resolves with BND (the relay's address as the proxy wrote
 * it); rejects with a ChainError at hop 0 of `proxy`. A hang-up on the request itself, after the
 * greeting (ssh -D), carries the cause CLOSED_ON_ASSOCIATE and says "reset" or "closed" first.
 */
export function associateOver(control: net.Socket, proxy: ProxySpec, announced: TargetAddress, options: AssociateOverOptions): Promise<TargetAddress> {
  return new Promise((resolve, reject) => {
    const credentials = proxy.username !== undefined ? { username: proxy.username, password: proxy.password ?? '' } : undefined;
    let hs: Socks5ClientHandshake;
    try {
      hs = new Socks5ClientHandshake({ target: announced, command: 'udp-associate', credentials });
    } catch (err) {
      reject(new ChainError(err as SockswrapError, 0, proxy));
      return;
    }
    let settled = false;
    let method: Socks5Method | undefined;
    const finish = (outcome: { bound: TargetAddress } | { error: SockswrapError }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      control.off('data', onData);
      control.off('end', onEnd);
      control.off('close', onEnd);
      control.off('error', onError);
      options.signal?.removeEventListener('abort', onAbort);
      if ('error' in outcome) reject(new ChainError(outcome.error, 0, proxy));
      else resolve(outcome.bound);
    };
    const handle = (events: Socks5Event[]) => {
      if (method === undefined && (hs.state === 'auth' || hs.state === 'request')) {
        method = hs.state === 'auth' ? 'username/password' : 'none';
        options.onMethod?.(method);
      }
      for (const e of events) {
        if (settled) return;
        if (e.type === 'send') control.write(e.bytes);
        else if (e.type === 'established') finish({ bound: e.bound });
        else if (e.type === 'failed') finish({ error: e.error });
      }
    };
    const onData = (chunk: Buffer) => {
      try {
        handle(hs.receive(chunk));
      } catch (err) {
        finish({ error: new SockswrapError('proxy-protocol', err instanceof Error ? err.message : String(err)) });
      }
    };
    // An error is followed by 'close': the error says how the stream ended, 'close' decides.
    let broke: string | undefined;
    const onError = (err: NodeJS.ErrnoException) => { broke ??= err.code ?? err.message; };
    const onEnd = () => {
      if (hs.state !== 'request') {
        finish({ error: broke === undefined ? streamFailure.closed() : streamFailure.broken(broke) });
        return;
      }
      const how = broke === 'ECONNRESET' ? 'reset' : 'closed';
      const error = new SockswrapError('proxy-closed', `${how} the connection on the UDP ASSOCIATE request, after accepting the greeting`);
      error.cause = CLOSED_ON_ASSOCIATE;
      finish({ error });
    };
    const onAbort = () => finish({ error: streamFailure.aborted() });
    const timer = setTimeout(() => finish({ error: streamFailure.readTimeout(options.readMs) }), options.readMs);
    control.on('data', onData);
    control.once('end', onEnd);
    control.once('close', onEnd);
    control.on('error', onError);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    handle(hs.start());
    if (!settled && options.pending && options.pending.length > 0) onData(options.pending);
    if (!settled) control.resume();
  });
}
