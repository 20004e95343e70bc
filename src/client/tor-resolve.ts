/**
 * Tor's RESOLVE and RESOLVE_PTR (SOCKS5 commands 0xF0/0xF1, docs/tor.md): a name's address, or
 * an address's name, asked of the first Tor hop of the chain, through the hops before it. Tor
 * answers from its exit's resolver, so nothing is looked up on this machine.
 */
import type net from 'node:net';
import type { ProxySpec } from '../config/config-types';
import { Socks5ClientHandshake, type Socks5Command } from '../protocol/socks5-codec';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { connectThroughChain, openTcp, type ChainTimeouts } from './chain-connect';
import { ChainError } from './chain-error';
import { proxyAsTarget } from './proxy-hop';

/** The index of the first Tor hop that speaks SOCKS5 (RESOLVE is a SOCKS5 command here), or -1. */
export function torResolveHop(proxies: readonly ProxySpec[]): number {
  return proxies.findIndex((p) => p.tor && p.type === 'socks5');
}

/**
 * One RESOLVE (target a name) or RESOLVE_PTR (target an address), port 0. Resolves to Tor's
 * answer (BND.ADDR); rejects with a SockswrapError (Tor's failure reply, such as 0x04 for no such
 * name, has a replyCode) or a ChainError when the hops before Tor fail.
 */
export async function torQuery(proxies: readonly ProxySpec[], command: Extract<Socks5Command, 'resolve' | 'resolve-ptr'>, target: TargetAddress, timeouts: ChainTimeouts): Promise<TargetAddress> {
  const at = torResolveHop(proxies);
  if (at < 0) throw new SockswrapError('no-proxy', 'no Tor hop that speaks SOCKS5 in the chain');
  const tor = proxies[at]!;
  const credentials = tor.username !== undefined ? { username: tor.username, password: tor.password ?? '' } : undefined;
  const handshake = new Socks5ClientHandshake({ target, command, credentials });
  let socket: net.Socket;
  let rest: Buffer = Buffer.alloc(0);
  if (at === 0) socket = await openTcp(tor, timeouts.connectMs);
  else ({ socket, rest } = await connectThroughChain(proxies.slice(0, at), proxyAsTarget(tor), timeouts));
  return new Promise<TargetAddress>((resolve, reject) => {
    const done = (err: Error | undefined, answer?: TargetAddress): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => done(new SockswrapError('proxy-timeout', `${command === 'resolve' ? 'RESOLVE' : 'RESOLVE_PTR'}: no answer from Tor in ${timeouts.readMs} ms`)), timeouts.readMs);
    const apply = (events: ReturnType<Socks5ClientHandshake['receive']>): void => {
      for (const e of events) {
        if (e.type === 'send') socket.write(e.bytes);
        else if (e.type === 'established') return done(undefined, e.bound);
        else if (e.type === 'failed') return done(e.error);
      }
    };
    socket.on('data', (b: Buffer) => apply(handshake.receive(b)));
    socket.on('error', (e) => done(new SockswrapError('proxy-closed', `Tor: ${e.message}`)));
    socket.on('end', () => done(new SockswrapError('proxy-closed', 'Tor closed the connection during RESOLVE')));
    apply(handshake.start());
    if (rest.length > 0) apply(handshake.receive(rest));
  });
}

