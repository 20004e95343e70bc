import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { timingSafeEqual } from '../native/lazy-crypto';
import { constants } from 'node:os';
import type { Logger } from '../log/logger';
import { formatTarget } from '../protocol/target-address';
import type { BindBroker } from './bind-broker';
import type { ConnectBroker, Requester } from './connect-broker';
import type { TorNames } from './tor-names';
import type { DialSessions } from './dial-sessions';
import { wireTarget, type DnsService } from './dns-service';
import type { FakeDnsTable } from './fake-dns-table';
import type { HostsFile } from './hosts-file';
import type { PeerTable } from './peer-table';
import { serveControlConnection } from './control-connection';
import { NameAnswers } from './name-answers';
import { ProgramTally } from './program-tally';
import { RefusalLog } from './refusal-log';
import type { Route, Router } from './routing';
import { unmap } from './route-policy';
import type { UdpRelay } from './udp-relay';
import {
  Action,
  ConnectFlag,
  MAX_ADDRESSES,
  Op,
  Socktype,
  Status,
  parseBindPeerRequest,
  parseBindRequest,
  parseConnectRequest,
  parseSocknameRequest,
  parseHelloRequest,
  parseNoteRequest,
  parsePeerRequest,
  parseResolveRequest,
  parseResumeRequest,
  parseReverseRequest,
  parseStepRequest,
  parseUdpFastLookupRequest,
  parseUdpFastRequest,
  parseUdpLookupRequest,
  parseUdpReleaseRequest,
  parseUdpRouteRequest,
  parseVerdictRequest,
  serializeBindPeerResponse,
  serializeBindResponse,
  serializeConnectResponse,
  serializeSocknameResponse,
  serializeDialAnswer,
  serializeExecuteAnswer,
  serializePeerResponse,
  serializeProxiesResponse,
  serializeResolveResponse,
  serializeReverseResponse,
  serializeStatus,
  serializeUdpFastLookupResponse,
  serializeUdpFastResponse,
  serializeUdpLookupResponse,
  serializeUdpRouteResponse,
  serializeVerdictResponse,
  type Frame,
  type HelloRequest,
  type ParsedConnectRequest,
} from '../wire';


/** Counted for `sockswrap status` (docs/shell-mode.md): cheap increments, never reset. */
export interface AgentCounts {
  /** Processes that said HELLO (one per process, however many threads and connections: program-tally.ts). */
  programs: number;
  /** Programs with a control connection open now. */
  programsNow: number;
  /** TCP connects asked (CONNECT) or run from a standing plan (NOTE), by where they went. */
  connectsProxied: number;
  connectsDirect: number;
  /** UDP_ROUTE questions, name lookups (RESOLVE). */
  udpRoutes: number;
  lookups: number;
}

export interface ControlDeps {
  token: Buffer;
  broker: ConnectBroker;
  /** Where each destination goes (routing.ts): the one decision for CONNECT, NOTE and RESUME. */
  router: Router;
  fakeDns: FakeDnsTable;
  hosts: HostsFile;
  remoteDns: boolean;
  /** The UDP relay (UDP_ROUTE, UDP_RELEASE); absent: every proxied datagram is refused. */
  udp?: UdpRelay;
  /** Original destinations of proxied TCP sockets, both paths (PEER). */
  peers: PeerTable;
  /** The dial path for blocking connects (CONNECT action 2, STEP); absent: always the relay. */
  dial?: DialSessions;
  /** Non-blocking connects may take the dial path too, when their DIAL's script is the whole
   * handshake (CONNECT flag asyncDial; docs/async-connect.md). false: SOCKSWRAP_ASYNC_DIAL=0. */
  asyncDial?: boolean;
  /** With remote DNS on: the resolv.conf nameservers the agent answers for (dns-service.ts). */
  dns?: DnsService;
  /** Names through Tor (RESOLVE_PTR, and RESOLVE with --tor-real-addresses); absent without a Tor hop. */
  tor?: TorNames;
  /** SOCKS BIND for listening sockets, and SOCKNAME (docs/bind.md); absent: every listen is local. */
  binds?: BindBroker;
  /** First-hop candidates given by IP address, wire form with port (PROXIES). */
  proxyAddresses?: Buffer[];
  log: Logger;
}

/**
 * Answers the shim's questions over the owner-only Unix socket (docs/wire-protocol.md). The first
 * frame must be HELLO with the session token; anything else and the connection is dropped unanswered.
 * What it does not do itself: the transport of a connection (control-connection.ts), the bytes of
 * each message (src/wire), where a destination goes (routing.ts), what a lookup hears
 * (name-answers.ts), one refusal line per program (refusal-log.ts).
 */
export class ControlServer {
  private server?: net.Server;
  private readonly clients = new Set<net.Socket>();
  /** One refusal line per program and key (refusal-log.ts), dropped with the pid's last connection. */
  private readonly refusalsLogged: RefusalLog;
  /** What RESOLVE and REVERSE answer (name-answers.ts). */
  private readonly names: NameAnswers;
  /** Open control connections per program: when the last closes, the process is gone. */
  private readonly programs = new ProgramTally();
  private readonly tally = { connectsProxied: 0, connectsDirect: 0, udpRoutes: 0, lookups: 0 };

  constructor(private readonly deps: ControlDeps) {
    this.refusalsLogged = new RefusalLog(deps.log);
    this.names = new NameAnswers({ ...deps, torRealAddresses: deps.tor?.realAddresses === true });
  }

  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => this.accept(socket));
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        this.server = server;
        resolve();
      });
    });
  }

  counts(): AgentCounts {
    return { ...this.tally, programs: this.programs.programs, programsNow: this.programs.now };
  }

  close(): void {
    this.server?.close();
    for (const socket of this.clients) socket.destroy();
  }

  private accept(socket: net.Socket): void {
    this.clients.add(socket);
    socket.on('close', () => this.clients.delete(socket));
    serveControlConnection(socket, {
      hello: (frame) => {
        const requester = this.hello(frame);
        if (requester) this.programs.opened(requester.pid);
        return requester;
      },
      note: (body, requester) => this.note(body, requester),
      answer: (frame, requester) => this.answer(frame, requester),
      gone: (requester) => this.connectionGone(requester.pid),
    });
  }

  private hello(frame: Frame): Requester | undefined {
    const { token } = this.deps;
    if (frame.kind !== Op.hello) return undefined;
    let hello: HelloRequest;
    try {
      hello = parseHelloRequest(frame.body);
    } catch {
      return undefined;
    }
    if (hello.token.length !== token.length || !timingSafeEqual(hello.token, token)) return undefined;
    return { name: hello.name.replace(/[^\x20-\x7e]/g, '?') || '?', pid: hello.pid };
  }

  private connectionGone(pid: number): void {
    if (!this.programs.closed(pid)) return;
    this.refusalsLogged.forget(pid);
    this.deps.binds?.forgetPid(pid);
    this.deps.udp?.releasePid(pid);
  }

  private answer(frame: Frame, requester: Requester): Buffer | Promise<Buffer> {
    switch (frame.kind) {
      case Op.connect:
        return this.connect(frame.body, requester);
      case Op.resolve:
        return this.resolve(frame.body, requester);
      case Op.reverse:
        return this.reverse(frame.body, requester);
      case Op.peer: {
        const request = parsePeerRequest(frame.body);
        const lookup = (): Buffer | undefined =>
          // relay 0: a socket connected straight to a proxy (dial path): by its port and that proxy.
          request.relay === 0 ? this.deps.peers.ofDialed(request.localPort, request.via) : this.deps.peers.ofRelayed(request.relay, request.localPort);
        const address = lookup();
        if (address) return serializePeerResponse({ status: Status.ok, address });
        // Asked by an image exec'd right after its parent connected: the parent's NOTE (or ticket)
        // was written first but may sit on another connection not read yet in this turn of the
        // event loop. Everything readable now is read before setImmediate's callback runs.
        return new Promise((resolve) => setImmediate(() => {
          const later = lookup();
          resolve(serializePeerResponse(later ? { status: Status.ok, address: later } : { status: Status.notFound }));
        }));
      }
      case Op.udpRoute:
        return this.udpRoute(frame.body, requester);
      case Op.udpRelease: {
        const { relay, localPort, closed } = parseUdpReleaseRequest(frame.body);
        this.deps.udp?.release(relay, localPort, closed);
        return serializeStatus(Status.ok);
      }
      case Op.udpLookup: {
        // A UDP socket a new image inherited across exec.
        const { relay, localPort } = parseUdpLookupRequest(frame.body);
        const known = this.deps.udp?.lookup(relay, localPort);
        return serializeUdpLookupResponse(known ? { status: Status.ok, ...known } : { status: Status.notFound });
      }
      case Op.udpFast:
        return this.udpFast(frame.body, requester);
      case Op.udpFastLookup: {
        // The fast path's relay of a UDP socket a new image inherited across exec.
        const { relay, localPort } = parseUdpFastLookupRequest(frame.body);
        const fast = this.deps.udp?.lookupFast(relay, localPort);
        return serializeUdpFastLookupResponse(fast ? { status: Status.ok, ...fast } : { status: Status.notFound });
      }
      case Op.step:
        if (!this.deps.dial) throw new Error('STEP without a dial path');
        return serializeDialAnswer(this.deps.dial.step(parseStepRequest(frame.body)));
      case Op.resume:
        return this.resume(frame.body, requester);
      case Op.verdict: {
        // The outcome of an out-of-band connect, once known (docs/async-connect.md).
        const verdict = this.deps.broker.verdictOf(parseVerdictRequest(frame.body).ticket);
        if (verdict === undefined) return serializeVerdictResponse({ status: Status.notFound });
        return verdict.then((errno) => serializeVerdictResponse({ status: Status.ok, errno }));
      }
      case Op.sockname: {
        const address = this.deps.binds?.sockname(parseSocknameRequest(frame.body), requester.pid);
        return serializeSocknameResponse(address ? { status: Status.ok, address } : { status: Status.notFound });
      }
      case Op.bind: {
        const request = parseBindRequest(frame.body);
        if (!this.deps.binds) return serializeBindResponse({ status: Status.ok, action: 0 });
        return this.deps.binds.bind(request, requester).then(serializeBindResponse);
      }
      case Op.bindPeer: {
        const request = parseBindPeerRequest(frame.body);
        if (!this.deps.binds) return serializeBindPeerResponse({ status: Status.notFound });
        return this.deps.binds.peerOf(request.peer).then((address) => serializeBindPeerResponse(address ? { status: Status.ok, address } : { status: Status.notFound }));
      }
      case Op.template: {
        // Dial templates and their scope (dial-sessions.ts, template-scope.ts), once per image.
        const answer = this.deps.dial?.templateResponse() ?? serializeStatus(Status.notFound);
        if (answer[2] === Status.ok && this.deps.log.showsInfo !== false) this.deps.log.info(`${requester.name}[${requester.pid}]: dial templates sent (first connects to other destinations ask nothing)`);
        return answer;
      }
      case Op.proxies:
        return serializeProxiesResponse({ status: Status.ok, addresses: (this.deps.proxyAddresses ?? []).slice(0, MAX_ADDRESSES) });
      default:
        throw new Error(`unknown control operation ${frame.kind}`);
    }
  }

  /** A CONNECT request (src/wire) and where it goes. */
  private routeConnect(request: ParsedConnectRequest): ParsedConnect {
    // The address is a view into the decoder's own copy of the frame, not shared: no second copy.
    return { socktype: request.socktype, flags: request.flags ?? 0, originalAddress: request.address, route: this.deps.router.route(request.ip, request.port) };
  }

  /** NOTE: a session's chain is up, or (session 0) a standing plan's the shim ran without asking. */
  private note(body: Buffer, requester: Requester): void {
    const dial = this.deps.dial;
    if (!dial) return;
    const note = parseNoteRequest(body);
    if (!('connect' in note)) {
      dial.note(note);
      return;
    }
    const request = this.routeConnect(note.connect);
    if (request.route.kind !== 'proxy' || request.socktype !== Socktype.stream) return;
    this.tally.connectsProxied++;
    this.deps.binds?.noteProxied(requester.pid, request.route);
    dial.noteStanding(request.route, request.originalAddress, requester, note.localPort, note.ms);
  }

  /**
   * RESUME: a standing plan met something it did not expect `ms` after connect() was called: the
   * session it stood for is opened now and takes the step.
   */
  private resume(body: Buffer, requester: Requester): Buffer {
    const dial = this.deps.dial;
    if (!dial) throw new Error('bad RESUME');
    const resume = parseResumeRequest(body);
    const request = this.routeConnect(resume.connect);
    const { route } = request;
    if (route.kind !== 'proxy' || request.socktype !== Socktype.stream || !route.fixed) throw new Error('RESUME for no plan');
    this.deps.binds?.noteProxied(requester.pid, route);
    return serializeDialAnswer(dial.resume(route, request.originalAddress, requester, reachOf(request.flags), resume.step, resume.ms));
  }

  private connect(body: Buffer, requester: Requester): Buffer {
    const { socktype, flags, originalAddress, route } = this.routeConnect(parseConnectRequest(body));
    // CONNECT carries TCP only (datagrams take UDP_ROUTE): no shim sends another socktype, and
    // one that did is refused, never sent direct.
    if (socktype !== Socktype.stream) return serializeStatus(constants.errno.ENETUNREACH);
    if (route.kind === 'direct') this.tally.connectsDirect++;
    else this.tally.connectsProxied++;
    if (route.kind === 'direct') return serializeConnectResponse({ status: Status.ok, action: Action.direct });
    if (route.kind === 'agent-dns') {
      // DNS over TCP to a resolv.conf nameserver: the agent answers (dns-stream-server.ts).
      const target = wireTarget(originalAddress);
      const outOfBand = (flags & ConnectFlag.outOfBand) !== 0;
      const ticket = this.deps.broker.openLocal(target, Buffer.from(originalAddress), requester, this.deps.dns!.openStream(`${requester.name}[${requester.pid}] tcp ${formatTarget(target)}`), outOfBand);
      return serializeConnectResponse({ status: Status.ok, action: Action.proxy, ticket });
    }
    this.deps.binds?.noteProxied(requester.pid, route);
    const blocking = (flags & ConnectFlag.blocking) !== 0;
    // A non-blocking socket only with a script the shim can run alone (docs/async-connect.md).
    const scriptedOnly = !blocking && (flags & ConnectFlag.asyncDial) !== 0 && this.deps.asyncDial !== false;
    if ((blocking || scriptedOnly) && this.deps.dial) {
      const execute = this.deps.dial.open(route, originalAddress, requester, reachOf(flags), { mayStand: route.fixed, scriptedOnly });
      if (execute) return serializeExecuteAnswer(execute);
    }
    const ticket = this.deps.broker.open(route, originalAddress, requester, (flags & ConnectFlag.outOfBand) !== 0);
    return serializeConnectResponse({ status: Status.ok, action: Action.proxy, ticket });
  }

  /** UDP_ROUTE (docs/wire-protocol.md, docs/udp.md). */
  private async udpRoute(body: Buffer, requester: Requester): Promise<Buffer> {
    const { connecting, relay, localPort, address } = parseUdpRouteRequest(body);
    this.tally.udpRoutes++;
    if (!this.deps.udp) return serializeStatus(constants.errno.ENETUNREACH);
    const route = await this.deps.udp.route(relay, localPort, address, connecting, requester);
    if ('direct' in route) return serializeUdpRouteResponse({ status: Status.ok, action: Action.direct });
    if ('errno' in route) return serializeStatus(route.errno);
    return serializeUdpRouteResponse({ status: Status.ok, action: Action.proxy, id: route.id, replyKey: route.replyKey });
  }

  /** UDP_FAST (docs/wire-protocol.md; docs/udp.md, "The fast path"). */
  private async udpFast(body: Buffer, requester: Requester): Promise<Buffer> {
    const { reach, relay, localPort, address, ended } = parseUdpFastRequest(body);
    if (!this.deps.udp) return serializeStatus(constants.errno.ENETUNREACH);
    const route = await this.deps.udp.routeFast(relay, localPort, address, reach, requester, ended === true);
    if ('direct' in route) return serializeUdpFastResponse({ status: Status.ok, action: Action.direct });
    if ('errno' in route) return serializeStatus(route.errno);
    if ('proxyRelay' in route) return serializeUdpFastResponse({ status: Status.ok, action: Action.fast, id: route.id, replyKey: route.replyKey, proxyRelay: route.proxyRelay, guard: route.guard });
    return serializeUdpFastResponse({ status: Status.ok, action: Action.proxy, id: route.id, replyKey: route.replyKey });
  }

  private resolve(body: Buffer, requester: Requester): Buffer | Promise<Buffer> {
    const { family, name } = parseResolveRequest(body);
    this.tally.lookups++;
    const answer = this.names.resolve(family, name);
    switch (answer.kind) {
      case 'addresses':
        return serializeResolveResponse({ status: Status.ok, addresses: answer.addresses });
      case 'full':
        return serializeStatus(Status.tryAgain);
      case 'through-tor':
        return this.resolveThroughTor(name, family, requester);
      case 'onion-refused':
        this.refusalsLogged.once(requester.pid, `onion:${name}`, `${requester.name}[${requester.pid}] ${name.replace(/[^\x20-\x7e]/g, '?')}: refused: a .onion name can only be resolved by Tor, and remote DNS is off (use socks5h:// or proxy_dns); it was not sent to any resolver`);
        return serializeStatus(Status.notFound);
      case 'not-found':
        return serializeStatus(Status.notFound);
    }
  }

  private reverse(body: Buffer, requester: Requester): Buffer | Promise<Buffer> {
    const { ip } = parseReverseRequest(body);
    const name = this.names.reverse(ip.host);
    if (name) return serializeReverseResponse({ status: Status.ok, name });
    // A real address with a Tor hop: Tor's RESOLVE_PTR, as torsocks does (tor-names.ts).
    const host = ipaddr.isValid(ip.host) ? unmap(ipaddr.parse(ip.host)).toString() : ip.host;
    if (this.deps.tor?.mayReverse(host)) {
      return this.deps.tor.reverse(host, requester).then((a) =>
        typeof a === 'object' && a.value.length > 0 && a.value.length <= 253 && /^[\x21-\x7e]+$/.test(a.value)
          ? serializeReverseResponse({ status: Status.ok, name: a.value })
          : serializeStatus(a === 'failed' ? Status.tryAgain : Status.notFound));
    }
    return serializeStatus(Status.notFound);
  }

  /** RESOLVE with --tor-real-addresses: the address Tor resolves (one, of the family Tor chose). */
  private async resolveThroughTor(name: string, family: number | undefined, requester: Requester): Promise<Buffer> {
    const a = await this.deps.tor!.resolve(name, requester);
    if (a === 'failed') return serializeStatus(Status.tryAgain);
    if (a === 'none') return serializeStatus(Status.notFound);
    const kind = ipaddr.parse(a.value).kind();
    if (!(family === 0 || (family === 4 && kind === 'ipv4') || (family === 6 && kind === 'ipv6'))) return serializeStatus(Status.notFound);
    return serializeResolveResponse({ status: Status.ok, addresses: [a.value] });
  }
}

/** Which families the program's socket can reach, from CONNECT's flags. */
function reachOf(flags: number): { v4: boolean; v6: boolean } {
  return { v4: (flags & ConnectFlag.reach4) !== 0, v6: (flags & ConnectFlag.reach6) !== 0 };
}

interface ParsedConnect {
  socktype: number;
  flags: number;
  /** `address` as the shim sent it (the original destination, for PEER). */
  originalAddress: Buffer;
  route: Route;
}
