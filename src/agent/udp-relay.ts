/**
 * The agent's loopback UDP relay (docs/udp.md): 127.0.0.1 and ::1, one socket each. Program
 * sockets send here — with the 27-byte shim header when unconnected, bare when the shim
 * connected them here — and get replies the same way. Each program socket is known by
 * (relay, its port) once the control socket registered it (UDP_ROUTE); datagrams from any other
 * port, or with another association id, are dropped.
 */
import dgram from 'node:dgram';
import { constants } from 'node:os';
import ipaddr from 'ipaddr.js';
import type { SockswrapConfig, ProxySpec } from '../config/config-types';
import type { Logger } from '../cli/logger';
import { ChainError, connectChain } from '../client/chain-connect';
import { describeHop } from '../client/proxy-hop';
import { udpAssociate } from '../client/udp-associate';
import { errnoFor } from '../protocol/errno-map';
import { SockswrapError } from '../protocol/sockswrap-error';
import { formatTarget, type TargetAddress } from '../protocol/target-address';
import { UdpReassembler } from '../protocol/udp-reassembly';
import type { Requester } from './connect-broker';
import { decodeWireIp } from './control-frame';
import { queryDnsOverTcp, type OpenStream } from './dns-over-tcp';
import type { FakeDnsTable } from './fake-dns-table';
import { unmap, type RoutePolicy } from './route-policy';
import { decodeShimDatagram, encodeShimDatagram } from './shim-datagram';
import { ProgramAssociation, closeProxy, receiveFromProxy, sendViaProxy, type Upstream } from './udp-association';

export interface UdpRelayDeps {
  config: SockswrapConfig;
  log: Logger;
  fakeDns: FakeDnsTable;
  policy: RoutePolicy;
}

export type UdpRoute = { direct: true } | { id: Buffer } | { errno: number };

/** The one UDP-capable shape of chain: a single SOCKS5 hop. */
export function udpCapableProxy(config: Pick<SockswrapConfig, 'proxies'>): ProxySpec | string {
  const { proxies } = config;
  if (proxies.length !== 1) return `the chain has ${proxies.length} hops, and a SOCKS5 UDP relay can only be reached as the first`;
  if (proxies[0]!.type !== 'socks5') return `${describeHop(proxies[0]!)} cannot carry UDP`;
  return proxies[0]!;
}

/** Where a destination (wire form) goes: direct, or the target the proxy is asked for. */
export function udpTarget(wire: Buffer, fakeDns: FakeDnsTable, policy: RoutePolicy): TargetAddress | 'direct' {
  const { ip, length } = decodeWireIp(wire, 0);
  const port = wire.readUInt16BE(length);
  const host = unmap(ipaddr.parse(ip.host)).toString();
  const name = fakeDns.nameFor(host);
  if (name !== undefined) return { kind: 'domain', host: name, port };
  if (policy.isDirect(host, port)) return 'direct';
  return { kind: ipaddr.parse(host).kind() === 'ipv4' ? 'ipv4' : 'ipv6', host, port };
}

export class UdpRelay {
  private readonly sockets = new Map<4 | 6, dgram.Socket>();
  private readonly associations = new Map<string, ProgramAssociation>();

  constructor(private readonly deps: UdpRelayDeps) {}

  /** Binds 127.0.0.1 and, when the host has it, ::1. Returns the ports (0 = none). */
  async listen(): Promise<{ port4: number; port6: number }> {
    const port4 = await this.bind(4);
    const port6 = await this.bind(6).catch(() => 0);
    return { port4, port6 };
  }

  close(): void {
    for (const a of this.associations.values()) a.close();
    this.associations.clear();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  /**
   * UDP_ROUTE: may the program socket at (relay, port) send to `wire`? Registers the socket on
   * first use and opens its upstream before answering, so the first send already gets the verdict.
   */
  async route(relay: 4 | 6, port: number, wire: Buffer, connecting: boolean, requester: Requester): Promise<UdpRoute> {
    const target = udpTarget(wire, this.deps.fakeDns, this.deps.policy);
    if (target === 'direct') return { direct: true };
    if (!this.sockets.has(relay)) return { errno: constants.errno.ENETUNREACH };
    const key = `${relay}:${port}`;
    let assoc = this.associations.get(key);
    if (!assoc) {
      const created: ProgramAssociation = new ProgramAssociation(relay, port, requester, () => this.openUpstream(created));
      assoc = created;
      this.associations.set(key, assoc);
    }
    const up = await assoc.ready();
    if (assoc.closed) return { errno: constants.errno.EBADF };
    const who = `${requester.name}[${requester.pid}] udp ${formatTarget(target)}`;
    if (up.kind === 'failed') {
      this.refuseOnce(assoc, `${who}: refused: ${up.reason} (nothing is sent direct)`);
      return { errno: up.errno };
    }
    if (up.kind === 'dns-only' && target.port !== 53) {
      this.refuseOnce(assoc, `${who}: refused with ENETUNREACH: ${up.reason}; only DNS (port 53) is carried, as DNS over TCP (nothing is sent direct)`);
      return { errno: constants.errno.ENETUNREACH };
    }
    assoc.peer = connecting ? { wire: Buffer.from(wire), target } : assoc.peer;
    if (up.kind === 'dns-only' && !assoc.refusalLogged) {
      this.deps.log.info(`${who}: ${up.reason}; DNS goes over TCP through the chain`);
    }
    return { id: assoc.id };
  }

  /** UDP_RELEASE: the program disconnected (connect AF_UNSPEC) or closed its socket. */
  release(relay: 4 | 6, port: number, closed: boolean): void {
    const key = `${relay}:${port}`;
    const assoc = this.associations.get(key);
    if (!assoc) return;
    if (!closed) {
      assoc.peer = undefined;
      return;
    }
    this.associations.delete(key);
    assoc.close();
  }

  /** Every control connection of `pid` is gone: so is the process, and its sockets. */
  releasePid(pid: number): void {
    for (const [key, assoc] of this.associations) {
      if (assoc.requester.pid !== pid) continue;
      this.associations.delete(key);
      assoc.close();
    }
  }

  private bind(relay: 4 | 6): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: relay === 6 ? 'udp6' : 'udp4', ipv6Only: relay === 6 });
      socket.once('error', reject);
      socket.bind({ address: relay === 6 ? '::1' : '127.0.0.1', port: 0, exclusive: true }, () => {
        socket.off('error', reject);
        socket.on('error', () => {});
        socket.on('message', (msg, rinfo) => this.fromProgram(relay, msg, rinfo));
        this.sockets.set(relay, socket);
        resolve(socket.address().port);
      });
    });
  }

  private async openUpstream(assoc: ProgramAssociation): Promise<Upstream> {
    const { config, log } = this.deps;
    const proxy = udpCapableProxy(config);
    if (typeof proxy === 'string') return { kind: 'dns-only', reason: proxy };
    const who = `${assoc.requester.name}[${assoc.requester.pid}] udp`;
    let associated;
    try {
      associated = await udpAssociate(proxy, { connectMs: config.tcpConnectTimeoutMs, readMs: config.tcpReadTimeoutMs });
    } catch (err) {
      if (err instanceof ChainError && err.error.replyCode !== undefined && err.error.code !== 'proxy-auth-failed') {
        // The proxy works but will not relay UDP for us (0x07 from microsocks, Tor, ssh -D).
        return { kind: 'dns-only', reason: `${describeHop(proxy)} refused UDP ASSOCIATE (${err.error.message})` };
      }
      const error = err instanceof ChainError ? err.error : new SockswrapError('proxy-protocol', String(err));
      return { kind: 'failed', errno: errnoFor(error.code), reason: `UDP ASSOCIATE via ${describeHop(proxy)}: ${error.message}` };
    }
    if (assoc.closed) {
      closeProxy(associated);
      return { kind: 'failed', errno: constants.errno.EBADF, reason: 'socket closed' };
    }
    const up: Extract<Upstream, { kind: 'socks' }> = { kind: 'socks', proxy: associated, reassembler: new UdpReassembler() };
    log.info(`${who} via ${describeHop(proxy)}: UDP relay at ${associated.relay.host}:${associated.relay.port}`);
    associated.socket.on('message', (msg, rinfo) => {
      const got = receiveFromProxy(up, msg, rinfo, Date.now());
      if (got === undefined) return;
      if (got instanceof SockswrapError) {
        this.refuseOnce(assoc, `${who}: ${got.message}`);
        return;
      }
      const source = assoc.visibleSource(got.address);
      if (source) this.toProgram(assoc, source, got.payload);
    });
    // The association lives as long as the TCP connection (RFC 1928 §7).
    associated.control.on('data', () => {});
    associated.control.resume();
    associated.control.once('close', () => {
      closeProxy(associated);
      if (assoc.closed) return;
      log.error(`${who}: the proxy closed the UDP association; the next datagram opens a new one`);
      assoc.upstreamLost();
    });
    return up;
  }

  private fromProgram(relay: 4 | 6, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const assoc = this.associations.get(`${relay}:${rinfo.port}`);
    if (!assoc) return;
    let wire: Buffer;
    let payload: Buffer;
    if (assoc.peer) {
      wire = assoc.peer.wire;
      payload = msg;
    } else {
      const d = decodeShimDatagram(msg);
      if (!d || !d.id.equals(assoc.id)) return;
      wire = d.address;
      payload = d.payload;
    }
    assoc.programHost = rinfo.address;
    let target: TargetAddress | 'direct';
    try {
      target = udpTarget(wire, this.deps.fakeDns, this.deps.policy);
    } catch {
      return;
    }
    if (target === 'direct') return;
    const up = assoc.upstream;
    if (!up) {
      void assoc.ready();
      return;
    }
    const who = `${assoc.requester.name}[${assoc.requester.pid}] udp ${formatTarget(target)}`;
    if (up.kind === 'socks') {
      assoc.noteDestination(target, wire);
      try {
        sendViaProxy(up, target, payload);
      } catch (err) {
        this.refuseOnce(assoc, `${who}: ${err instanceof Error ? err.message : String(err)}; dropped`);
      }
      return;
    }
    if (up.kind === 'dns-only' && target.port === 53) {
      const { config } = this.deps;
      const open: OpenStream = (t, signal) =>
        connectChain(t, {
          proxies: config.proxies,
          type: config.chainType,
          chainLen: config.chainLen,
          timeouts: { connectMs: config.tcpConnectTimeoutMs, readMs: config.tcpReadTimeoutMs },
          signal,
        });
      const started = Date.now();
      queryDnsOverTcp(open, target, payload, config.tcpConnectTimeoutMs + config.tcpReadTimeoutMs).then(
        (answer) => {
          this.deps.log.info(`${who}: DNS over TCP answered in ${Date.now() - started} ms`);
          if (!assoc.closed) this.toProgram(assoc, wire, answer);
        },
        (err: unknown) => {
          const message = err instanceof ChainError || err instanceof Error ? err.message : String(err);
          this.deps.log.error(`${who}: DNS over TCP failed: ${message}`);
        },
      );
      return;
    }
    this.refuseOnce(assoc, `${who}: dropped: ${up.kind === 'failed' ? up.reason : up.reason}`);
  }

  private toProgram(assoc: ProgramAssociation, source: Buffer, payload: Buffer): void {
    const socket = this.sockets.get(assoc.relay);
    if (!socket) return;
    const msg = assoc.peer ? payload : encodeShimDatagram(assoc.id, source, payload);
    socket.send(msg, assoc.programPort, assoc.programHost, () => {});
  }

  private refuseOnce(assoc: ProgramAssociation, line: string): void {
    if (assoc.refusalLogged) return;
    assoc.refusalLogged = true;
    this.deps.log.error(line);
  }
}
