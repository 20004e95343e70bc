// SOCKS BIND through a chain (docs/bind.md): every hop but the last is asked to CONNECT to the
// next, as for any connection (chain-connect.ts); the last hop is asked to BIND. Its first reply
// says where it listens, its second who connected; the socket then carries that peer's stream.
import type net from 'node:net';
import { isIP } from 'node:net';
import type { ProxySpec } from '../config/config-types';
import { Socks4ClientHandshake } from '../protocol/socks4-codec';
import { Socks5ClientHandshake } from '../protocol/socks5-codec';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { asSockswrapError, streamFailure } from './chain-driver';
import { ChainError } from './chain-error';
import { connectThroughChain, openTcp, type ChainTimeouts } from './chain-connect';
import { proxyAsTarget } from './proxy-hop';

export interface Accepted {
  /** Who connected to the proxy's listener (the second reply). */
  peer: TargetAddress;
  /** Paused, with no 'data' listener: the peer's stream from here on. */
  socket: net.Socket;
  /** The peer's bytes that came with the second reply. */
  rest: Buffer;
}

export interface BoundChain {
  /** Where the last hop listens (the first reply); an unspecified host is the hop's own address. */
  bound: TargetAddress;
  /** The second reply; rejects with a ChainError when the hop gives up or the stream ends first. */
  accepted: Promise<Accepted>;
  /** Ends the wait (and the stream). */
  close(): void;
}

type BindCodec = Socks5ClientHandshake | Socks4ClientHandshake;

function bindCodec(hop: ProxySpec, expected: TargetAddress): BindCodec {
  switch (hop.type) {
    case 'socks5': {
      const credentials = hop.username !== undefined ? { username: hop.username, password: hop.password ?? '' } : undefined;
      return new Socks5ClientHandshake({ target: expected, command: 'bind', credentials });
    }
    case 'socks4':
    case 'socks4a':
      return new Socks4ClientHandshake({ target: expected, command: 'bind', userId: hop.username, serverIp: isIP(hop.host) === 4 ? hop.host : undefined });
    default:
      throw new SockswrapError('command-not-supported', `a ${hop.type} proxy cannot listen for an inbound connection (BIND is SOCKS only)`);
  }
}

function unspecified(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/**
 * BIND at the last of `hops`, naming `expected` (the peer the inbound connection should come from).
 * Resolves once the first reply is in; rejects with a ChainError naming the hop that failed.
 */
export async function bindThroughChain(hops: readonly ProxySpec[], expected: TargetAddress, timeouts: ChainTimeouts, signal?: AbortSignal): Promise<BoundChain> {
  if (hops.length === 0) throw new Error('bindThroughChain needs at least one proxy');
  const lastIndex = hops.length - 1;
  const last = hops[lastIndex]!;
  let codec: BindCodec;
  try {
    codec = bindCodec(last, expected);
  } catch (err) {
    throw new ChainError(asSockswrapError(err), lastIndex, last);
  }
  let socket: net.Socket;
  let pending: Buffer = Buffer.alloc(0);
  if (hops.length === 1) {
    socket = await openTcp(last, timeouts.connectMs, signal);
  } else {
    const chain = await connectThroughChain(hops.slice(0, lastIndex), proxyAsTarget(last), timeouts, signal);
    socket = chain.socket;
    pending = chain.rest;
  }
  return new Promise<BoundChain>((resolveBound, rejectBound) => {
    let first = true;
    let resolveAccepted!: (a: Accepted) => void;
    let rejectAccepted!: (e: ChainError) => void;
    const accepted = new Promise<Accepted>((res, rej) => {
      resolveAccepted = res;
      rejectAccepted = rej;
    });
    // Nobody may be waiting on it (the program closed its socket): a rejection is not a crash.
    accepted.catch(() => {});
    let done = false;
    const timer = setTimeout(() => fail(streamFailure.readTimeout(timeouts.readMs)), timeouts.readMs);
    const finish = () => {
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      signal?.removeEventListener('abort', onAbort);
    };
    function fail(error: SockswrapError): void {
      if (done) return;
      finish();
      socket.destroy();
      const err = new ChainError(error, lastIndex, last);
      if (first) rejectBound(err);
      else rejectAccepted(err);
    }
    const apply = (events: ReturnType<BindCodec['receive']>) => {
      for (const e of events) {
        if (done) return;
        if (e.type === 'send') socket.write(e.bytes);
        else if (e.type === 'failed') fail(e.error);
        else if (e.type === 'bound') {
          first = false;
          clearTimeout(timer);
          const bound = unspecified(e.bound.host) && isIP(last.host) !== 0 ? proxyAsTarget({ ...last, port: e.bound.port }) : e.bound;
          resolveBound({ bound, accepted, close: () => fail(streamFailure.aborted()) });
        } else {
          finish();
          socket.pause();
          resolveAccepted({ peer: e.bound, socket, rest: e.rest });
        }
      }
    };
    const onData = (chunk: Buffer) => {
      try {
        apply(codec.receive(chunk));
      } catch (err) {
        fail(asSockswrapError(err));
      }
    };
    const onEnd = () => fail(first ? streamFailure.closed() : new SockswrapError('proxy-closed', 'the proxy closed the BIND connection before a peer connected'));
    const onAbort = () => fail(streamFailure.aborted());
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
    apply(codec.start());
    if (!done && pending.length > 0) onData(pending);
    if (!done) socket.resume();
  });
}
