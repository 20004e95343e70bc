/**
 * The agent's loopback UDP relay (docs/udp.md): 127.0.0.1 and ::1, one socket each. Program
 * sockets send here — with the 27-byte shim header when unconnected, bare when the shim
 * connected them here — and get replies the same way. Each program socket is known by
 * (relay, its port) once the control socket registered it (UDP_ROUTE); datagrams from any other
 * port, or with another association id, are dropped.
 */
import { randomBytes, timingSafeEqual } from '../native/lazy-crypto';
import { literalLookup } from './loopback-literal';
import dgram from 'node:dgram';
import { closeSync, constants as fsConstants, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { constants, endianness, networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import type { SockswrapConfig, ProxySpec } from '../config/config-types';
import type { Logger } from '../log/logger';
import { ChainError, connectChain, type RoundRobinCursor } from '../client/chain-connect';
import { describeHop } from '../client/proxy-hop';
import { udpAssociate, udpAssociateFor } from '../client/udp-associate';
import { errnoFor } from '../protocol/errno-map';
import { SockswrapError } from '../protocol/sockswrap-error';
import { formatTarget, type TargetAddress } from '../protocol/target-address';
import { UdpReassembler } from '../protocol/udp-reassembly';
import type { Requester } from './connect-broker';
import { UdpHops } from './udp-hops';
import { fitDnsAnswerToUdp, queryDnsOverTcp, type OpenStream } from './dns-over-tcp';
import { wireTarget, type DnsService } from './dns-service';
import { onionRefusal } from './dns-responder';
import { unmap } from './route-policy';
import type { ProxyRoute, Route, Router } from './routing';
import { ConnectFlag, parseUdpDatagram, serializeUdpReply, type UdpFastGuard } from '../wire';
import { ProgramAssociation, closeProxy, receiveFromProxy, sendViaProxy, wireOf, type FastUpstream, type Upstream } from './udp-association';
import { UdpCapability, UDP_SILENCE_MS, noUdpFinding } from './udp-capability';

export interface UdpRelayDeps {
  config: SockswrapConfig;
  log: Logger;
  /** Where each datagram goes (routing.ts), the same decision as for TCP connects. */
  router: Router;
  /** round_robin's position, shared with TCP connects (the broker's), so both rotate together. */
  roundRobin?: RoundRobinCursor;
  /** Uniform in [0, 1) for random chains; Math.random when absent. */
  random?: () => number;
  /** With remote DNS on: the resolv.conf nameservers the agent answers for (dns-service.ts). */
  dns?: DnsService;
  /** false (SOCKSWRAP_UDP_FAST=0): no fast path, every UDP_FAST is answered as UDP_ROUTE. */
  fast?: boolean;
  /**
   * `udp-epoch` in the agent's private directory (beside the control socket, where the shim looks):
   * the route epoch, bumped when verdicts given may no longer hold (docs/udp.md, "Verdicts the
   * agent takes back"). Absent (unit tests): no file, nothing taken back.
   */
  epochFile?: string;
}

/** The epoch file's size: the page the shim maps (core/agent-epoch.c); the counter is its first 4 bytes. */
const EPOCH_FILE_SIZE = 4096;

export type UdpRoute = { direct: true } | { id: Buffer; replyKey: Buffer } | { errno: number };
/** UDP_FAST's answers: UDP_ROUTE's, or the proxy's relay for the program to speak to itself. */
export type UdpFastRoute = UdpRoute | { id: Buffer; replyKey: Buffer; proxyRelay: Buffer; guard?: UdpFastGuard };

/**
 * Whether `host` is an address of this host (loopback, or one of its interfaces' in this network
 * namespace): a relay there has a port any local user may bind once the proxy frees it.
 */
export function isOwnAddress(host: string): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = unmap(ipaddr.parse(host));
  } catch {
    return false;
  }
  if (ip.range() === 'loopback' || ip.range() === 'unspecified') return true;
  const text = ip.toString();
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => {
    try {
      return unmap(ipaddr.parse(i.address.replace(/%.*$/, ''))).toString() === text;
    } catch {
      return false;
    }
  }));
}

/** Alive and not a zombie (a zombie holds no sockets). Without /proc, kill(pid, 0). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X' && state !== 'x';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

/** DNS queries per association that may wait on an unproven relay at once (each holds a timer). */
const SILENCE_WATCHED = 16;

/** How often a process whose control connections are all gone is checked for having exited. */
const PROCESS_POLL_MS = 300;

/** `curl[4121] udp 1.2.3.4:53` (and the dnat destination): an association's name in log lines. */
function udpLabel(requester: Requester, route: ProxyRoute): string {
  const { target, effective } = route;
  return `${requester.name}[${requester.pid}] udp ${formatTarget(target)}` + (effective === target ? '' : ` (dnat to ${formatTarget(effective)})`);
}

/**
 * A fast association's guard (docs/udp.md, "A relay on this host"): for a relay at an address of
 * this host, its TCP connection as our socket has it, which the shim checks with the kernel before
 * each datagram it sends to or takes from the relay. None for a relay elsewhere.
 */
function guardOf(up: Extract<FastUpstream, { kind: 'fast' }>): UdpFastGuard | undefined {
  const { control, relay } = up.proxy;
  if (!isOwnAddress(relay.host)) return undefined;
  const end = (host: string | undefined, port: number | undefined) => {
    if (host === undefined || port === undefined) return undefined;
    const ip = unmap(ipaddr.parse(host));
    return wireOf({ kind: ip.kind() === 'ipv4' ? 'ipv4' : 'ipv6', host: ip.toString(), port });
  };
  const local = end(control.localAddress, control.localPort);
  const remote = end(control.remoteAddress, control.remotePort);
  // Without both ends (the connection is already gone) the shim can prove nothing: an empty
  // address it can never find established, so it asks again.
  return { local: local ?? Buffer.from([4, 0, 0, 0, 0, 0, 0]), remote: remote ?? Buffer.from([4, 0, 0, 0, 0, 0, 0]) };
}

export class UdpRelay {
  private readonly sockets = new Map<4 | 6, dgram.Socket>();
  private readonly associations = new Map<string, ProgramAssociation>();
  /** Processes with associations but no control connection left: exited, or exec'd (kept). */
  private readonly watched = new Set<number>();
  private watchTimer: NodeJS.Timeout | undefined;
  /** What this run found about each proxy's UDP (udp-capability.ts). */
  readonly capability = new UdpCapability();
  /** DNS queries waiting on an unproven relay, per association (at most SILENCE_WATCHED each). */
  private readonly silenceWatched = new WeakMap<ProgramAssociation, number>();
  private epoch = 0;
  private epochFd: number | undefined;

  constructor(private readonly deps: UdpRelayDeps) {}

  /** Binds 127.0.0.1 and, when the host has it, ::1. Returns the ports (0 = none). */
  async listen(): Promise<{ port4: number; port6: number }> {
    const { epochFile } = this.deps;
    if (epochFile) {
      // Never truncated (a shim still mapping the file of an agent that ran here before would
      // fault past its end): grown to the page the shim maps, then a random start, so verdicts
      // an earlier agent gave are asked again wherever its file is still mapped.
      const fd = openSync(epochFile, fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW, 0o600);
      if (fstatSync(fd).size < EPOCH_FILE_SIZE) ftruncateSync(fd, EPOCH_FILE_SIZE);
      this.epochFd = fd;
      this.epoch = randomBytes(4).readUInt32LE(0);
      this.writeEpoch();
    }
    const port4 = await this.bind(4);
    const port6 = await this.bind(6).catch(() => 0);
    return { port4, port6 };
  }

  /**
   * Every UDP verdict the shims cached before now is asked again at its next use (their per-thread
   * route caches compare this counter, core/agent-epoch.c): a relay was found silent, or a proxy
   * ended an association. Written in place, so the next datagram any program sends sees it.
   */
  private takeBackVerdicts(): void {
    if (this.epochFd === undefined) return;
    this.epoch = (this.epoch + 1) >>> 0;
    this.writeEpoch();
  }

  private writeEpoch(): void {
    if (this.epochFd === undefined) return;
    const b = Buffer.alloc(4);
    if (endianness() === 'LE') b.writeUInt32LE(this.epoch);
    else b.writeUInt32BE(this.epoch);
    writeSync(this.epochFd, b, 0, 4, 0);
  }

  close(): void {
    // Verdicts this agent gave are asked again where the file is still mapped (a program that
    // outlives its agent): the question then fails, as every connect does, rather than the next
    // datagram going to a relay port that is no longer ours. (kill -9 leaves them: docs/udp.md.)
    try {
      this.takeBackVerdicts();
    } catch {
      // a full disk or a file gone: the close goes on (the run directory must still be removed)
    }
    if (this.epochFd !== undefined) closeSync(this.epochFd);
    this.epochFd = undefined;
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = undefined;
    this.watched.clear();
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
    const route = this.deps.router.routeWire(wire);
    if (route.kind === 'agent-dns') return this.routeToAgentDns(relay, port, wire, connecting, requester);
    if (route.kind === 'direct') return { direct: true };
    if (!this.sockets.has(relay)) return { errno: constants.errno.ENETUNREACH };
    const assoc = this.associationFor(relay, port, requester);
    const up = this.withoutUdpFound(assoc, await assoc.ready());
    if (assoc.closed) return { errno: constants.errno.EBADF };
    return this.answer(assoc, up, route, wire, connecting, requester);
  }

  /** The verdict for a datagram of `assoc` to `route`, once its upstream `up` is known. */
  private answer(assoc: ProgramAssociation, up: Upstream, route: ProxyRoute, wire: Buffer, connecting: boolean, requester: Requester): UdpRoute {
    const { target, effective } = route;
    const who = udpLabel(requester, route);
    if (up.kind === 'failed') {
      this.refuseOnce(assoc, `${who}: refused: ${up.reason} (nothing is sent direct)`);
      return { errno: up.errno };
    }
    if (up.kind === 'dns-only' && target.port !== 53) {
      this.refuseOnce(assoc, `${who}: refused with ENETUNREACH: ${up.reason}; only DNS (port 53) is carried, as DNS over TCP (nothing is sent direct)`);
      return { errno: constants.errno.ENETUNREACH };
    }
    // Replies come from where the datagrams went: the dnat destination, shown as the program's own.
    assoc.peer = connecting ? { wire: Buffer.from(wire), target: effective } : assoc.peer;
    if (up.kind === 'dns-only' && !assoc.refusalLogged) {
      this.deps.log.info(`${who}: ${up.reason}; DNS goes over TCP through the chain`);
    }
    return { id: assoc.id, replyKey: assoc.replyKey };
  }

  /**
   * UDP_FAST: UDP_ROUTE for an unconnected socket bound to the wildcard address that can send to
   * the families in `reach`. A plain IP destination (no name, no dnat, not DNS) through a chain
   * that carries UDP gets the fast path: an ASSOCIATE naming the program's own socket, whose
   * relay address the shim then speaks RFC 1928 §7 to itself (docs/udp.md, "The fast path").
   * Everything else is UDP_ROUTE's answer, through the agent's relay.
   */
  async routeFast(relay: 4 | 6, port: number, wire: Buffer, reach: number, requester: Requester, ended = false): Promise<UdpFastRoute> {
    const route = this.deps.router.routeWire(wire);
    const plain = route.kind === 'proxy' && route.fixed && route.effective === route.target && route.target.kind !== 'domain' && route.target.port !== 53;
    if (!plain || reach === 0 || this.deps.fast === false || !this.sockets.has(relay)) return this.route(relay, port, wire, false, requester);
    const assoc = this.associationFor(relay, port, requester);
    if (assoc.fast === 'unusable') return this.route(relay, port, wire, false, requester);
    // The shim's guard found the association's TCP connection gone before we heard of it.
    if (ended) assoc.fastEnded();
    const up = await assoc.fastReady(() => this.openFast(assoc));
    if (assoc.closed) return { errno: constants.errno.EBADF };
    if (up.kind !== 'fast') return this.answer(assoc, up, route, wire, false, requester);
    const known = this.capability.noUdp(up.hop);
    if (known) return this.answer(assoc, { kind: 'dns-only', reason: `${describeHop(up.hop)} has no UDP (${known})` }, route, wire, false, requester);
    const { relay: at, announced } = up.proxy;
    const reachable = (reach & (at.family === 4 ? ConnectFlag.reach4 : ConnectFlag.reach6)) !== 0;
    const proxyRelay = wireOf({ kind: at.family === 4 ? 'ipv4' : 'ipv6', host: at.host, port: at.port });
    if (!reachable || at.family !== announced.family || !proxyRelay) {
      // This socket cannot send from the address announced: the agent's relay carries it.
      assoc.fastUnusable();
      return this.route(relay, port, wire, false, requester);
    }
    return { id: assoc.id, replyKey: assoc.replyKey, proxyRelay, guard: guardOf(up) };
  }

  /** UDP_FAST_LOOKUP: the proxy's relay of a socket inherited across exec that has the fast path. */
  lookupFast(relay: 4 | 6, port: number): { proxyRelay: Buffer; guard?: UdpFastGuard } | undefined {
    const assoc = this.associations.get(`${relay}:${port}`);
    if (!assoc || assoc.closed || assoc.fast === undefined || assoc.fast === 'unusable' || assoc.fast.kind !== 'fast') return undefined;
    const at = assoc.fast.proxy.relay;
    const proxyRelay = wireOf({ kind: at.family === 4 ? 'ipv4' : 'ipv6', host: at.host, port: at.port });
    return proxyRelay && { proxyRelay, guard: guardOf(assoc.fast) };
  }

  private associationFor(relay: 4 | 6, port: number, requester: Requester): ProgramAssociation {
    const key = `${relay}:${port}`;
    let assoc = this.associations.get(key);
    if (!assoc) {
      const created: ProgramAssociation = new ProgramAssociation(relay, port, requester, () => this.openUpstream(created));
      assoc = created;
      this.associations.set(key, assoc);
    }
    return assoc;
  }

  /** A resolv.conf nameserver, with remote DNS on: the agent answers, so no upstream is opened. */
  private routeToAgentDns(relay: 4 | 6, port: number, wire: Buffer, connecting: boolean, requester: Requester): UdpRoute {
    if (!this.sockets.has(relay)) return { errno: constants.errno.ENETUNREACH };
    const assoc = this.associationFor(relay, port, requester);
    if (connecting) assoc.peer = { wire: Buffer.from(wire), target: wireTarget(wire) };
    return { id: assoc.id, replyKey: assoc.replyKey };
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

  /**
   * Every control connection of `pid` is gone. Its sockets are gone only if the process is: after
   * exec the same process runs a new image that holds the inherited sockets (and reaches them
   * again with UDP_LOOKUP), and threads that exit take only their own connection. So the
   * associations end when the process has exited, checked now and then every PROCESS_POLL_MS.
   */
  releasePid(pid: number): void {
    if (![...this.associations.values()].some((a) => a.requester.pid === pid)) return;
    if (!processAlive(pid)) {
      this.endPid(pid);
      return;
    }
    this.watched.add(pid);
    if (this.watchTimer) return;
    this.watchTimer = setInterval(() => {
      for (const p of this.watched) {
        if (processAlive(p)) continue;
        this.watched.delete(p);
        this.endPid(p);
      }
      if (this.watched.size === 0 && this.watchTimer) {
        clearInterval(this.watchTimer);
        this.watchTimer = undefined;
      }
    }, PROCESS_POLL_MS);
    this.watchTimer.unref();
  }

  private endPid(pid: number): void {
    for (const [key, assoc] of this.associations) {
      if (assoc.requester.pid !== pid) continue;
      this.associations.delete(key);
      assoc.close();
    }
  }

  /**
   * UDP_LOOKUP: the program socket at (relay, port), which a new image inherited across exec and
   * does not know: its id, reply key and (connected) peer address, or undefined.
   */
  lookup(relay: 4 | 6, port: number): { id: Buffer; replyKey: Buffer; peer?: Buffer } | undefined {
    const assoc = this.associations.get(`${relay}:${port}`);
    if (!assoc || assoc.closed) return undefined;
    return { id: assoc.id, replyKey: assoc.replyKey, peer: assoc.peer?.wire };
  }

  private bind(relay: 4 | 6): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: relay === 6 ? 'udp6' : 'udp4', ipv6Only: relay === 6, lookup: literalLookup });
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

  /** The fast path's upstream: an ASSOCIATE for the program's own socket (its port), no socket of ours. */
  private async openFast(assoc: ProgramAssociation): Promise<FastUpstream> {
    const { config, log } = this.deps;
    const who = `${assoc.requester.name}[${assoc.requester.pid}] udp`;
    const got = await this.associateThroughHops(who, (proxy) => udpAssociateFor(proxy, assoc.programPort, { connectMs: config.tcpConnectTimeoutMs, readMs: config.tcpReadTimeoutMs }));
    if (!('associated' in got)) return got;
    const { associated, proxy } = got;
    if (assoc.closed) {
      associated.control.destroy();
      return { kind: 'failed', errno: constants.errno.EBADF, reason: 'socket closed' };
    }
    const up: FastUpstream = { kind: 'fast', proxy: associated, hop: proxy };
    log.info(`${who} via ${describeHop(proxy)}: UDP relay at ${associated.relay.host}:${associated.relay.port}, spoken to by the program itself (fast path)`);
    associated.control.on('data', () => {});
    associated.control.on('error', () => {});
    associated.control.resume();
    associated.control.once('close', () => {
      if (assoc.closed || assoc.fast !== up) return;
      log.error(`${who}: the proxy closed the UDP association; the next datagram opens a new one`);
      assoc.fastLost();
      this.takeBackVerdicts();
    });
    return up;
  }

  /** Picks hops (UdpHops) until one grants `associate`, or says why none will. */
  private async associateThroughHops<T>(who: string, associate: (proxy: ProxySpec) => Promise<T>): Promise<{ associated: T; proxy: ProxySpec } | Exclude<Upstream, { kind: 'socks' }>> {
    const { config, log } = this.deps;
    const hops = new UdpHops(config, {
      roundRobin: this.deps.roundRobin,
      random: this.deps.random,
      onDeadHop: (proxy, cause) => log.error(`${who} ${describeHop(proxy)}: ${cause.error.message}; skipping that hop`),
    });
    let associated: T;
    let proxy: ProxySpec;
    for (let skipped = false; ; skipped = true) {
      const hop = hops.next();
      if ('reason' in hop) {
        if (!hop.noLiveProxy || !skipped) return { kind: 'dns-only', reason: hop.reason };
        return { kind: 'failed', errno: constants.errno.ECONNREFUSED, reason: `no live SOCKS5 proxy left for UDP (${hop.reason})` };
      }
      proxy = hop.proxy;
      const known = this.capability.noUdp(proxy);
      if (known) return { kind: 'dns-only', reason: `${describeHop(proxy)} has no UDP (found earlier in this run: ${known})` };
      try {
        associated = await associate(proxy);
        break;
      } catch (err) {
        const finding = noUdpFinding(err);
        if (finding) {
          // The proxy works but will not relay UDP for us (0x07 from microsocks and Tor; ssh -D hangs up).
          this.foundNoUdp(proxy, finding);
          return { kind: 'dns-only', reason: `${describeHop(proxy)} has no UDP (${finding})` };
        }
        if (err instanceof ChainError && hops.failed(err)) continue;
        const error = err instanceof ChainError ? err.error : new SockswrapError('proxy-protocol', String(err));
        return { kind: 'failed', errno: errnoFor(error.code), reason: `UDP ASSOCIATE via ${describeHop(proxy)}: ${error.message}` };
      }
    }
    return { associated, proxy };
  }

  private async openUpstream(assoc: ProgramAssociation): Promise<Upstream> {
    const { config, log } = this.deps;
    const who = `${assoc.requester.name}[${assoc.requester.pid}] udp`;
    const got = await this.associateThroughHops(who, (proxy) => udpAssociate(proxy, { connectMs: config.tcpConnectTimeoutMs, readMs: config.tcpReadTimeoutMs }));
    if (!('associated' in got)) return got;
    const { associated, proxy } = got;
    if (assoc.closed) {
      closeProxy(associated);
      return { kind: 'failed', errno: constants.errno.EBADF, reason: 'socket closed' };
    }
    const up: Extract<Upstream, { kind: 'socks' }> = { kind: 'socks', proxy: associated, reassembler: new UdpReassembler(), hop: proxy };
    log.info(`${who} via ${describeHop(proxy)}: UDP relay at ${associated.relay.host}:${associated.relay.port}`);
    associated.socket.on('message', (msg, rinfo) => {
      const got = receiveFromProxy(up, msg, rinfo, Date.now());
      if (got === undefined) return;
      if (got instanceof SockswrapError) {
        this.refuseOnce(assoc, `${who}: ${got.message}`);
        return;
      }
      this.capability.prove(proxy);
      const source = assoc.visibleSource(got.address);
      if (source) this.toProgram(assoc, source, got.payload);
    });
    // The association lives as long as the TCP connection (RFC 1928 §7).
    associated.control.on('data', () => {});
    associated.control.resume();
    associated.control.once('close', () => {
      closeProxy(associated);
      if (assoc.closed || assoc.upstream !== up) return;
      log.error(`${who}: the proxy closed the UDP association; the next datagram opens a new one`);
      assoc.upstreamLost();
      // The shim asks again at the next datagram, which then waits for the new association.
      this.takeBackVerdicts();
    });
    return up;
  }

  private fromProgram(relay: 4 | 6, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const assoc = this.associations.get(`${relay}:${rinfo.port}`);
    if (!assoc) return;
    // The port alone is anyone's who binds it on another loopback address (issue 11).
    let wire: Buffer;
    let payload: Buffer;
    if (assoc.peer) {
      // A connected socket's datagrams are bare (the kernel sends them, hooks or not): they are
      // the program's only from its own address, 127.0.0.1 or ::1, which no other user can bind
      // with its port while the program's socket holds it (docs/udp.md).
      if (unmap(ipaddr.parse(rinfo.address)).toString() !== assoc.programHost) return;
      wire = assoc.peer.wire;
      payload = msg;
    } else {
      // An unconnected socket's carry the association's id, which only the control socket told.
      const d = parseUdpDatagram(msg);
      if (!d || !timingSafeEqual(d.id, assoc.id)) return;
      wire = d.address;
      payload = d.payload;
      assoc.programHost = unmap(ipaddr.parse(rinfo.address)).toString();
    }
    let route: Route;
    try {
      route = this.deps.router.routeWire(wire);
    } catch {
      return;
    }
    if (route.kind === 'agent-dns') {
      const who = `${assoc.requester.name}[${assoc.requester.pid}] udp ${formatTarget(wireTarget(wire))}`;
      void this.deps.dns?.answer(payload, 'udp', who).then((answer) => {
        if (answer && !assoc.closed) this.toProgram(assoc, wire, answer);
      });
      return;
    }
    if (route.kind === 'direct') return;
    // Whether a datagram is DNS is what the program meant (its port); where it goes, dnat's.
    const { target, effective } = route;
    if (target.port === 53 && !this.deps.config.proxyDns && this.refusedOnion(assoc, wire, target, payload)) return;
    const up = assoc.upstream && this.withoutUdpFound(assoc, assoc.upstream);
    if (!up) {
      void assoc.ready();
      return;
    }
    const who = udpLabel(assoc.requester, route);
    if (up.kind === 'socks') {
      assoc.noteDestination(effective, wire);
      try {
        sendViaProxy(up, effective, payload);
      } catch (err) {
        this.refuseOnce(assoc, `${who}: ${err instanceof Error ? err.message : String(err)}; dropped`);
        return;
      }
      if (target.port === 53 && !this.capability.proven(up.hop)) this.watchSilence(assoc, up, effective, wire, payload, who);
      return;
    }
    if (up.kind === 'dns-only' && target.port === 53) {
      void this.dnsOverTcp(assoc, effective, wire, payload, who);
      return;
    }
    this.refuseOnce(assoc, `${who}: dropped: ${up.reason}`);
  }

  /**
   * One DNS query as DNS over TCP through the chain (the same chain a TCP connect uses), its
   * answer sent to the program as the server's datagram. Resolves whether it was answered.
   */
  private dnsOverTcp(assoc: ProgramAssociation, target: TargetAddress, wire: Buffer, payload: Buffer, who: string, beforeDelivery?: () => void): Promise<boolean> {
    const { config } = this.deps;
    const open: OpenStream = (t, signal) =>
      connectChain(t, {
        proxies: config.proxies,
        type: config.chainType,
        chainLen: config.chainLen,
        timeouts: { connectMs: config.tcpConnectTimeoutMs, readMs: config.tcpReadTimeoutMs },
        signal,
        roundRobin: this.deps.roundRobin,
        random: this.deps.random,
      });
    const started = Date.now();
    return queryDnsOverTcp(open, target, payload, config.tcpConnectTimeoutMs + config.tcpReadTimeoutMs).then(
      (whole) => {
        // As a server over UDP would: an answer past the client's UDP size is sent truncated
        // (TC set), and the client asks again over TCP, which is proxied like any TCP.
        const answer = fitDnsAnswerToUdp(payload, whole);
        const note = answer === whole ? '' : ` (${whole.length} bytes, more than the client takes over UDP: sent truncated, TC set)`;
        this.deps.log.info(`${who}: DNS over TCP answered in ${Date.now() - started} ms${note}`);
        beforeDelivery?.();
        if (!assoc.closed) this.toProgram(assoc, wire, answer);
        return true;
      },
      (err: unknown) => {
        const message = err instanceof ChainError || err instanceof Error ? err.message : String(err);
        this.deps.log.error(`${who}: DNS over TCP failed: ${message}`);
        return false;
      },
    );
  }

  /**
   * A DNS query went to a relay that has delivered nothing yet. If no datagram comes back from it
   * within UDP_SILENCE_MS, the query is asked over TCP through the chain; answered there, the relay
   * is found to carry no UDP (the server works, the relay drops), once for the run, and the
   * association goes DNS-only. A relay that delivers anything meanwhile is proven and not judged.
   */
  private watchSilence(assoc: ProgramAssociation, up: Extract<Upstream, { kind: 'socks' }>, target: TargetAddress, wire: Buffer, payload: Buffer, who: string): void {
    const waiting = this.silenceWatched.get(assoc) ?? 0;
    if (waiting >= SILENCE_WATCHED) return;
    this.silenceWatched.set(assoc, waiting + 1);
    const timer = setTimeout(() => {
      this.silenceWatched.set(assoc, (this.silenceWatched.get(assoc) ?? 1) - 1);
      if (assoc.closed || this.capability.proven(up.hop)) return;
      // Found before the answer reaches the program, so whatever it sends next meets the finding.
      void this.dnsOverTcp(assoc, target, wire, payload, who, () => {
        if (this.capability.proven(up.hop)) return;
        this.foundNoUdp(up.hop, `it granted UDP ASSOCIATE, but its relay answered no DNS query within ${UDP_SILENCE_MS} ms that the same server answered over TCP through the chain`);
        // Others (and this one, if it has another upstream by now) see the finding at their next datagram.
        if (assoc.upstream === up) this.withoutUdpFound(assoc, up);
      });
    }, UDP_SILENCE_MS);
    timer.unref();
  }

  /** Once per run and proxy: the one-time message of a SOCKS5 hop with no UDP. */
  private foundNoUdp(proxy: ProxySpec, reason: string): void {
    if (!this.capability.record(proxy, reason)) return;
    this.deps.log.error(`${describeHop(proxy)} has no UDP: ${reason}. For the rest of this run DNS (port 53) goes as DNS over TCP through the chain, and other UDP fails with ENETUNREACH`);
    // Destinations the shims had routed to that proxy's relay fail with ENETUNREACH from now on too.
    this.takeBackVerdicts();
  }

  /** A SOCKS upstream whose proxy was since found to have no UDP becomes DNS-only. */
  private withoutUdpFound(assoc: ProgramAssociation, up: Upstream): Upstream {
    if (up.kind !== 'socks') return up;
    const why = this.capability.noUdp(up.hop);
    if (!why) return up;
    const dnsOnly: Upstream = { kind: 'dns-only', reason: `${describeHop(up.hop)} has no UDP (${why})` };
    assoc.replaceUpstream(dnsOnly);
    return dnsOnly;
  }

  /** Remote DNS off: a query for a .onion name is answered REFUSED here (dns-responder.ts). */
  private refusedOnion(assoc: ProgramAssociation, wire: Buffer, target: TargetAddress, payload: Buffer): boolean {
    const refusal = onionRefusal(payload);
    if (!refusal) return false;
    this.deps.log.error(`${assoc.requester.name}[${assoc.requester.pid}] udp ${formatTarget(target)}: DNS ${refusal.name}: REFUSED: a .onion name can only be resolved by Tor, and remote DNS is off (use socks5h:// or proxy_dns); it was not sent`);
    this.toProgram(assoc, wire, refusal.message);
    return true;
  }

  private toProgram(assoc: ProgramAssociation, source: Buffer, payload: Buffer): void {
    const socket = this.sockets.get(assoc.relay);
    if (!socket) return;
    // Bare to a connected socket (it hears only from the relay's port); with the MAC otherwise.
    const msg = assoc.peer ? payload : serializeUdpReply(assoc.replyKey, source, payload);
    socket.send(msg, assoc.programPort, assoc.programHost, () => {});
  }

  private refuseOnce(assoc: ProgramAssociation, line: string): void {
    if (assoc.refusalLogged) return;
    assoc.refusalLogged = true;
    this.deps.log.error(line);
  }
}
