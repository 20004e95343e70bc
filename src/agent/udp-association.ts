/**
 * One program UDP socket's association, as the agent sees it: which upstream carries its
 * datagrams (a SOCKS5 UDP ASSOCIATE, or DNS-over-TCP only when the chain cannot carry UDP), the
 * connected peer if the program connected the socket, and how a reply's source is reported.
 */
import { randomBytes } from '../native/lazy-crypto';
import type { RemoteInfo } from 'node:dgram';
import ipaddr from 'ipaddr.js';
import type { ProxySpec } from '../config/config-types';
import type { ForeignUdpAssociation, UdpAssociation as ProxyAssociation } from '../client/udp-associate';
import { decodeUdpDatagram, encodeUdpDatagram } from '../protocol/udp-header-codec';
import { UdpReassembler } from '../protocol/udp-reassembly';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { ASSOC_ID_LEN, REPLY_KEY_LEN } from '../wire';
import type { Requester } from './connect-broker';

export type Upstream =
  | { kind: 'socks'; proxy: ProxyAssociation; reassembler: UdpReassembler; hop: ProxySpec }
  /** The chain cannot carry UDP: only port 53, as DNS over TCP. */
  | { kind: 'dns-only'; reason: string }
  /** Nothing can be carried (the proxy is unreachable, refuses our login, ...). */
  | { kind: 'failed'; errno: number; reason: string };

/**
 * The fast path's upstream (docs/udp.md, "The fast path"): an ASSOCIATE that names the program's
 * own socket, which then speaks RFC 1928 §7 to the proxy's relay itself; the agent keeps only the
 * TCP control connection. Or why this socket cannot have one (it goes through the agent's relay).
 */
export type FastUpstream = { kind: 'fast'; proxy: ForeignUdpAssociation; hop: ProxySpec } | Exclude<Upstream, { kind: 'socks' }>;

/** Remembered reply mappings per association; past this the oldest are forgotten. */
const MAX_REMEMBERED = 1024;

export class ProgramAssociation {
  readonly id = randomBytes(ASSOC_ID_LEN);
  /** The key of the MAC on every datagram to the program (docs/udp.md): never sent over UDP. */
  readonly replyKey = randomBytes(REPLY_KEY_LEN);
  /** Where the program's socket is: learned from its datagrams (loopback until the first). */
  programHost: string;
  /** Connected with connect(): datagrams go only to this peer, replies come only from it. */
  peer: { wire: Buffer; target: TargetAddress } | undefined;
  upstream: Upstream | undefined;
  private starting: Promise<Upstream> | undefined;
  /** The fast path's upstream, once asked for (UDP_FAST); `unusable`: this socket cannot have one. */
  fast: FastUpstream | 'unusable' | undefined;
  private fastStarting: Promise<FastUpstream> | undefined;
  /** Said once per socket: why a datagram was refused or dropped. */
  refusalLogged = false;
  closed = false;
  /** Program-visible address by upstream source `host|port` (the destinations it sent to). */
  private readonly byIpTarget = new Map<string, Buffer>();
  /** Program-visible (fake) address by port, for destinations that went to the proxy as names. */
  private readonly byNamePort = new Map<number, Buffer>();

  constructor(
    readonly relay: 4 | 6,
    readonly programPort: number,
    readonly requester: Requester,
    private readonly open: () => Promise<Upstream>,
  ) {
    this.programHost = relay === 6 ? '::1' : '127.0.0.1';
  }

  get key(): string {
    return `${this.relay}:${this.programPort}`;
  }

  /** The upstream, started on first use; again after the proxy closed a previous one, or after
   * a failure to reach it (the proxy may be back). */
  ready(): Promise<Upstream> {
    if (!this.starting || (this.upstream?.kind === 'failed' && !this.closed)) {
      this.upstream = undefined;
      this.starting = this.open().then((up) => {
        if (this.closed && up.kind === 'socks') closeProxy(up.proxy);
        this.upstream = up;
        return up;
      });
    }
    return this.starting;
  }

  /** The fast upstream, opened by `open` on first use; again after a failure or a loss. */
  fastReady(open: () => Promise<FastUpstream>): Promise<FastUpstream> {
    if (!this.fastStarting || (this.fast !== undefined && this.fast !== 'unusable' && this.fast.kind === 'failed' && !this.closed)) {
      this.fast = undefined;
      this.fastStarting = open().then((up) => {
        if ((this.closed || this.fast === 'unusable') && up.kind === 'fast') up.proxy.control.destroy();
        if (this.fast !== 'unusable') this.fast = up;
        return up;
      });
    }
    return this.fastStarting;
  }

  /** This socket cannot use the fast upstream it got (its family): it is closed, never asked again. */
  fastUnusable(): void {
    if (this.fast !== undefined && this.fast !== 'unusable' && this.fast.kind === 'fast') this.fast.proxy.control.destroy();
    this.fast = 'unusable';
  }

  /** The shim found the fast upstream's TCP connection no longer established: it is closed now, and
   * the next fastReady associates again. */
  fastEnded(): void {
    if (this.fast === undefined || this.fast === 'unusable' || this.fast.kind !== 'fast') return;
    this.fast.proxy.control.destroy();
    this.fastLost();
  }

  /** The fast upstream's control connection ended: the next UDP_FAST associates again. */
  fastLost(): void {
    this.fast = undefined;
    this.fastStarting = undefined;
  }

  /** The proxy's control connection ended: the next route request associates again. */
  upstreamLost(): void {
    this.upstream = undefined;
    this.starting = undefined;
  }

  /** The upstream becomes `up` at once (its proxy was found to have no UDP): the old one is closed. */
  replaceUpstream(up: Upstream): void {
    if (this.upstream?.kind === 'socks') closeProxy(this.upstream.proxy);
    this.upstream = up;
    this.starting = Promise.resolve(up);
  }

  /** Remembers how to report replies from `target` to the program, which knows it as `wire`. */
  noteDestination(target: TargetAddress, wire: Buffer): void {
    if (target.kind === 'domain') {
      if (this.byNamePort.size >= MAX_REMEMBERED) this.byNamePort.clear();
      this.byNamePort.set(target.port, wire);
    } else {
      if (this.byIpTarget.size >= MAX_REMEMBERED) this.byIpTarget.clear();
      this.byIpTarget.set(`${target.host}|${target.port}`, wire);
    }
  }

  /**
   * The source the program is shown for a reply from `source` (as the proxy reported it), in
   * wire form, or undefined when a connected socket must not receive it. An IP the program sent
   * to is reported as it wrote it; an IP it never sent to, on the port of a destination it named
   * (a fake address from remote DNS), is reported as that fake address: the program asked a name
   * and cannot know the address behind it.
   */
  visibleSource(source: TargetAddress): Buffer | undefined {
    if (this.peer) {
      const p = this.peer.target;
      if (p.kind === 'domain') return source.port === p.port ? this.peer.wire : undefined;
      return source.kind !== 'domain' && sameIp(source.host, p.host) && source.port === p.port ? this.peer.wire : undefined;
    }
    if (source.kind === 'domain') return this.byNamePort.get(source.port);
    return this.byIpTarget.get(`${normalizeIp(source.host)}|${source.port}`) ?? this.byNamePort.get(source.port) ?? wireOf(source);
  }

  close(): void {
    this.closed = true;
    if (this.upstream?.kind === 'socks') closeProxy(this.upstream.proxy);
    if (this.fast !== undefined && this.fast !== 'unusable' && this.fast.kind === 'fast') this.fast.proxy.control.destroy();
  }
}

export function closeProxy(proxy: ProxyAssociation): void {
  proxy.control.destroy();
  try {
    proxy.socket.close();
  } catch {
    // already closed
  }
}

/** Sends one datagram through the proxy's relay. */
export function sendViaProxy(up: Extract<Upstream, { kind: 'socks' }>, target: TargetAddress, payload: Buffer): void {
  const { relay, socket } = up.proxy;
  socket.send(encodeUdpDatagram(target, payload), relay.port, relay.host);
}

/**
 * A datagram on our association socket: from the relay (else dropped), decoded and reassembled.
 * Returns the whole datagram, or a reason it was dropped, or undefined while fragments wait.
 */
export function receiveFromProxy(
  up: Extract<Upstream, { kind: 'socks' }>,
  msg: Buffer,
  rinfo: RemoteInfo,
  now: number,
): { address: TargetAddress; payload: Buffer } | SockswrapError | undefined {
  const { relay } = up.proxy;
  if (rinfo.port !== relay.port || !sameIp(rinfo.address, relay.host)) {
    return new SockswrapError('proxy-protocol', `datagram from ${rinfo.address}:${rinfo.port}, not the proxy's relay: dropped`);
  }
  const d = decodeUdpDatagram(msg);
  if (d instanceof SockswrapError) return d;
  const r = up.reassembler.push(d, now);
  if (r.type === 'datagram') return { address: r.address, payload: r.payload };
  if (r.type === 'dropped') return new SockswrapError('proxy-protocol', r.reason);
  return undefined;
}

function normalizeIp(host: string): string {
  try {
    let ip = ipaddr.parse(host);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
    return ip.toString();
  } catch {
    return host;
  }
}

function sameIp(a: string, b: string): boolean {
  return normalizeIp(a) === normalizeIp(b);
}

/** `fam | 4 or 16 bytes | port` for an IP target. */
export function wireOf(target: TargetAddress): Buffer | undefined {
  if (target.kind === 'domain') return undefined;
  const bytes = ipaddr.parse(normalizeIp(target.host)).toByteArray();
  return Buffer.from([bytes.length === 4 ? 4 : 6, ...bytes, target.port >> 8, target.port & 0xff]);
}
