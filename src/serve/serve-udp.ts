/**
 * SOCKS5 UDP ASSOCIATE (RFC 1928 §7) for `sockswrap serve`.
 *
 * The relay socket faces the client: it is bound on the address the client reached the server at
 * (so a loopback server's relay is on loopback too), and the reply names it. It takes datagrams
 * only from the control connection's own IP, and only from DST.PORT when the request named one;
 * otherwise the first datagram's source port becomes the client's. Each datagram's §7 header
 * names where it goes; names are resolved here. FRAG != 0 is dropped: §7 lets a server that does
 * not reassemble drop fragments, and no client in common use sends them.
 *
 * Outside, one socket per address family, bound to the unspecified address. A datagram from
 * outside is relayed back only from an address:port the client has sent to (what a NAT would let
 * through), with a §7 header naming it. The association ends with the control connection.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { decodeUdpDatagram, encodeUdpDatagram } from '../protocol/udp-header-codec';
import { sameHost, socketAddress } from './bound-address';
import { failureOf, RequestFailure, resolveTarget } from './request-failure';

export interface UdpHooks {
  track(closable: { close(): void }): () => void;
  ready(relay: TargetAddress): void;
  fail(f: RequestFailure): void;
}

export function startUdpAssociation(control: Socket, requested: TargetAddress, hooks: UdpHooks): void {
  const clientIp = control.remoteAddress;
  const local = control.localAddress;
  if (!clientIp || !local) return hooks.fail(new RequestFailure('general-failure', 'control connection has no address'));
  const family = local.includes(':') ? 'udp6' : 'udp4';
  const relay = createSocket({ type: family });
  const outside: Partial<Record<'udp4' | 'udp6', UdpSocket>> = {};
  const untrack: Array<() => void> = [];
  // DST.PORT is the port the client will send from; 0 when it does not know yet.
  let clientPort = requested.port;
  const sentTo = new Set<string>();
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    for (const s of [relay, outside.udp4, outside.udp6]) {
      try { s?.close(); } catch { /* already closed */ }
    }
    for (const u of untrack) u();
  };
  untrack.push(hooks.track({ close }));
  control.once('close', close);
  // The client's FIN ends the association as well (RFC 1928 §7: it lives as long as the TCP connection).
  control.once('end', () => {
    close();
    control.end();
  });

  const outsideFor = (fam: 'udp4' | 'udp6'): UdpSocket => {
    let s = outside[fam];
    if (!s) {
      s = createSocket({ type: fam });
      s.on('error', () => { /* per-datagram errors (EHOSTUNREACH, ...) are not the association's end */ });
      s.on('message', (msg, from) => fromOutside(msg, from));
      s.bind(0);
      outside[fam] = s;
    }
    return s;
  };

  const fromOutside = (msg: Buffer, from: RemoteInfo): void => {
    if (closed || !clientPort) return;
    const source = socketAddress(from.address, from.port);
    if (!sentTo.has(`${source.host}|${source.port}`)) return;
    let datagram: Buffer;
    try {
      datagram = encodeUdpDatagram(source, msg);
    } catch {
      return;
    }
    relay.send(datagram, clientPort, clientIp, () => { /* a lost datagram is not an error */ });
  };

  const fromClient = async (msg: Buffer, from: RemoteInfo): Promise<void> => {
    if (!sameHost(from.address, clientIp)) return;
    if (clientPort && from.port !== clientPort) return;
    const d = decodeUdpDatagram(msg);
    if (d instanceof SockswrapError || d.frag !== 0) return; // malformed, or a fragment: dropped (§7)
    if (!clientPort) clientPort = from.port;
    let ip: string;
    try {
      ip = await resolveTarget(d.address);
    } catch {
      return; // a datagram has no way to say "cannot resolve"; it is lost as on any network
    }
    if (closed) return;
    const dest = socketAddress(ip, d.address.port);
    sentTo.add(`${dest.host}|${dest.port}`);
    outsideFor(dest.kind === 'ipv4' ? 'udp4' : 'udp6').send(d.payload, dest.port, dest.host, () => { /* as above */ });
  };

  relay.on('message', (msg, from) => {
    fromClient(msg, from).catch(() => { /* never the server's end */ });
  });
  relay.once('error', (err) => {
    if (!closed) hooks.fail(failureOf(err, 'UDP relay'));
    close();
  });
  relay.bind({ address: local, port: 0 }, () => {
    if (closed) return;
    const a = relay.address();
    hooks.ready(socketAddress(a.address, a.port));
  });
}
