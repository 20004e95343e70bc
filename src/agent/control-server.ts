import net from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { constants } from 'node:os';
import ipaddr from 'ipaddr.js';
import type { Logger } from '../log/logger';
import type { TargetAddress } from '../protocol/target-address';
import { formatTarget } from '../protocol/target-address';
import type { ConnectBroker, Requester } from './connect-broker';
import type { DialSessions } from './dial-sessions';
import { wireTarget, type DnsService } from './dns-service';
import { FrameDecoder, ID_LEN, Op, decodeWireIp, decodeWireIpParsed, encodeFrame, encodeWireIp, stampFrameId, type Frame } from './control-frame';
import type { FakeDnsTable } from './fake-dns-table';
import type { HostsFile } from './hosts-file';
import type { PeerTable } from './peer-table';
import { lookupName, nameOfAddress, type Route, type Router } from './routing';
import type { UdpRelay } from './udp-relay';

const STATUS_OK = 0;
const STATUS_NOT_FOUND = 1;
const ACTION_DIRECT = 0;
const ACTION_PROXY = 1;
const ACTION_EXECUTE = 2;
/** CONNECT flags (docs/wire-protocol.md): blocking socket, may reach IPv4, may reach IPv6, and
 * the verdict travels out of band (docs/async-connect.md). */
const FLAG_BLOCKING = 1;
const FLAG_REACH4 = 2;
const FLAG_REACH6 = 4;
const FLAG_OUT_OF_BAND = 8;
const SOCKTYPE_STREAM = 1;
const HELLO_WAIT_MS = 5_000;
const MAX_REFUSALS_LOGGED_PER_PID = 256;

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
  /** With remote DNS on: the resolv.conf nameservers the agent answers for (dns-service.ts). */
  dns?: DnsService;
  /** First-hop candidates given by IP address, wire form with port (PROXIES). */
  proxyAddresses?: Buffer[];
  log: Logger;
}

/**
 * Answers the shim's questions over the owner-only Unix socket (docs/wire-protocol.md). The first
 * frame must be HELLO with the session token; anything else and the connection is dropped unanswered.
 */
export class ControlServer {
  private server?: net.Server;
  private readonly clients = new Set<net.Socket>();
  /**
   * One refusal line per program and destination, not one per datagram: destinations already
   * logged, by pid, dropped with the pid's last control connection (so a long run that sees many
   * processes does not keep every one it ever refused) and capped per pid.
   */
  private readonly refusalsLogged = new Map<number, Set<string>>();
  /** Open control connections per program pid: when the last closes, the process is gone. */
  private readonly connectionsByPid = new Map<number, number>();

  constructor(private readonly deps: ControlDeps) {}

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

  close(): void {
    this.server?.close();
    for (const socket of this.clients) socket.destroy();
  }

  private accept(socket: net.Socket): void {
    this.clients.add(socket);
    socket.on('close', () => this.clients.delete(socket));
    socket.on('error', () => {});
    const decoder = new FrameDecoder();
    let requester: Requester | undefined;
    // Answers go out in request order even when one must wait (UDP_ROUTE opens an association).
    let queue: Promise<void> = Promise.resolve();
    /** Asynchronous answers not yet written (and answers queued behind them write after them). */
    let waiting = 0;
    socket.on('close', () => {
      if (requester) this.connectionGone(requester.pid);
    });
    const helloTimer = setTimeout(() => socket.destroy(), HELLO_WAIT_MS);
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (socket.destroyed) return;
        if (!requester) {
          requester = this.hello(frame);
          if (!requester) {
            socket.destroy();
            return;
          }
          clearTimeout(helloTimer);
          this.connectionsByPid.set(requester.pid, (this.connectionsByPid.get(requester.pid) ?? 0) + 1);
          socket.write(encodeFrame(STATUS_OK, undefined, frame.id));
          continue;
        }
        // DONE note (dial path): the one request with no response (docs/wire-protocol.md).
        if (frame.kind === Op.note) {
          try {
            this.note(frame.body, requester);
          } catch {
            socket.destroy();
            return;
          }
          continue;
        }
        let answer: Buffer | Promise<Buffer>;
        try {
          answer = this.answer(frame, requester);
        } catch {
          // A malformed request from our own shim is a bug; dropping the connection fails closed.
          socket.destroy();
          return;
        }
        // Every answer carries its request's id, so the shim can tell it from a frame someone
        // else wrote on its connection (docs/wire-protocol.md).
        const id = frame.id;
        if (answer instanceof Buffer) {
          // Nothing waiting before it (the usual case): out now, in this tick, without a promise.
          if (waiting === 0) {
            socket.write(stampFrameId(answer, id));
            continue;
          }
          const ready = stampFrameId(answer, id);
          queue = queue.then(() => {
            if (!socket.destroyed) socket.write(ready);
          });
        } else {
          const pending = answer as Promise<Buffer>;
          waiting++;
          const settled = () => {
            waiting--;
          };
          pending.then(settled, settled);
          queue = queue.then(() =>
            pending.then(
              (bytes) => {
                if (!socket.destroyed) socket.write(stampFrameId(bytes, id));
              },
              () => {
                socket.destroy();
              },
            ),
          );
        }
      }
    });
  }

  private hello(frame: Frame): Requester | undefined {
    const { token } = this.deps;
    if (frame.kind !== Op.hello || frame.body.length < token.length + 4) return undefined;
    if (!timingSafeEqual(frame.body.subarray(0, token.length), token)) return undefined;
    const pid = frame.body.readUInt32BE(token.length);
    const name = frame.body.subarray(token.length + 4).toString('utf8').replace(/[^\x20-\x7e]/g, '?') || '?';
    return { name, pid };
  }

  /** One line per program and key (a destination, a name), not one per attempt. */
  private logRefusalOnce(requester: Requester, key: string, line: string): void {
    let logged = this.refusalsLogged.get(requester.pid);
    if (!logged) this.refusalsLogged.set(requester.pid, (logged = new Set()));
    if (logged.has(key)) return;
    if (logged.size >= MAX_REFUSALS_LOGGED_PER_PID) logged.clear();
    logged.add(key);
    this.deps.log.error(line);
  }

  private connectionGone(pid: number): void {
    const left = (this.connectionsByPid.get(pid) ?? 1) - 1;
    if (left > 0) {
      this.connectionsByPid.set(pid, left);
      return;
    }
    this.connectionsByPid.delete(pid);
    this.refusalsLogged.delete(pid);
    this.deps.udp?.releasePid(pid);
  }

  private answer(frame: Frame, requester: Requester): Buffer | Promise<Buffer> {
    switch (frame.kind) {
      case Op.connect:
        return this.connect(frame.body, requester);
      case Op.resolve:
        return this.resolve(frame.body, requester);
      case Op.reverse:
        return this.reverse(frame.body);
      case Op.peer: {
        const body = frame.body;
        const lookup = (): Buffer | undefined =>
          // relay 0: a socket connected straight to a proxy (dial path): `port | 0 | peer address`.
          body.length > 3 && body[2] === 0
            ? this.deps.peers.ofDialed(body.readUInt16BE(0), body.subarray(3))
            : this.deps.peers.ofRelayed(body.length > 2 && body[2] === 6 ? 6 : 4, body.readUInt16BE(0));
        const address = lookup();
        if (address) return encodeFrame(STATUS_OK, address);
        // Asked by an image exec'd right after its parent connected: the parent's NOTE (or ticket)
        // was written first but may sit on another connection not read yet in this turn of the
        // event loop. Everything readable now is read before setImmediate's callback runs.
        return new Promise((resolve) => setImmediate(() => {
          const later = lookup();
          resolve(later ? encodeFrame(STATUS_OK, later) : encodeFrame(STATUS_NOT_FOUND));
        }));
      }
      case Op.udpRoute:
        return this.udpRoute(frame.body, requester);
      case Op.udpRelease: {
        if (frame.body.length < 4) throw new Error('short UDP_RELEASE');
        const relay = frame.body[1] === 6 ? 6 : 4;
        this.deps.udp?.release(relay, frame.body.readUInt16BE(2), frame.body[0] === 1);
        return encodeFrame(STATUS_OK);
      }
      case Op.udpLookup: {
        // `relay u8 | local port u16be`: a UDP socket a new image inherited across exec.
        if (frame.body.length < 3) throw new Error('short UDP_LOOKUP');
        const known = this.deps.udp?.lookup(frame.body[0] === 6 ? 6 : 4, frame.body.readUInt16BE(1));
        return known ? encodeFrame(STATUS_OK, known) : encodeFrame(STATUS_NOT_FOUND);
      }
      case Op.step:
        if (!this.deps.dial) throw new Error('STEP without a dial path');
        return encodeFrame(STATUS_OK, this.deps.dial.step(frame.body));
      case Op.resume:
        return this.resume(frame.body, requester);
      case Op.verdict: {
        // `ticket (16)`: the outcome of an out-of-band connect, once known (docs/async-connect.md).
        if (frame.body.length !== 16) throw new Error('VERDICT needs a 16-byte ticket');
        const verdict = this.deps.broker.verdictOf(frame.body);
        if (verdict === undefined) return encodeFrame(STATUS_NOT_FOUND);
        return verdict.then((errno) => encodeFrame(STATUS_OK, Buffer.from([errno & 0xff])));
      }
      case Op.proxies: {
        const list = (this.deps.proxyAddresses ?? []).slice(0, 32);
        return encodeFrame(STATUS_OK, Buffer.concat([Buffer.from([list.length]), ...list]));
      }
      default:
        throw new Error(`unknown control operation ${frame.kind}`);
    }
  }

  /** CONNECT's request: `socktype u8 | address | flags u8 (optional)`, and where it goes. */
  private parseConnect(body: Buffer): ParsedConnect {
    const socktype = body[0]!;
    const { ip, length } = decodeWireIpParsed(body, 1);
    const port = body.readUInt16BE(1 + length);
    const flags = body.length > 1 + length + 2 ? body[1 + length + 2]! : 0;
    // The frame body is the decoder's own copy, not shared with anything: no second copy.
    const originalAddress = body.subarray(1, 1 + length + 2);
    return { socktype, flags, originalAddress, route: this.deps.router.route(ip, port) };
  }

  /**
   * NOTE: `session u32 | local port u16`, or for a standing plan the shim ran without asking
   * (session 0) `0 u32 | local port u16 | ms u32 | CONNECT request`.
   */
  private note(body: Buffer, requester: Requester): void {
    const dial = this.deps.dial;
    if (!dial) return;
    if (body.length < 6) throw new Error('short NOTE');
    if (body.readUInt32BE(0) !== 0) {
      dial.note(body);
      return;
    }
    if (body.length < 10 + 1 + 7) throw new Error('short NOTE');
    const request = this.parseConnect(body.subarray(10));
    if (request.route.kind !== 'proxy' || request.socktype !== SOCKTYPE_STREAM) return;
    dial.noteStanding(request.route, request.originalAddress, requester, body.readUInt16BE(4), body.readUInt32BE(6));
  }

  /**
   * RESUME: `request_len u8 | CONNECT request | ms u32 | STEP (session 0)`. A standing plan met
   * something it did not expect `ms` after connect() was called: the session it stood for is
   * opened now and takes the step.
   */
  private resume(body: Buffer, requester: Requester): Buffer {
    const dial = this.deps.dial;
    const requestLength = body[0] ?? 0;
    if (!dial || body.length < 1 + requestLength + 4 + 10) throw new Error('bad RESUME');
    const request = this.parseConnect(body.subarray(1, 1 + requestLength));
    const { route } = request;
    if (route.kind !== 'proxy' || request.socktype !== SOCKTYPE_STREAM || !route.fixed) throw new Error('RESUME for no plan');
    const ms = body.readUInt32BE(1 + requestLength);
    return encodeFrame(STATUS_OK, dial.resume(route, request.originalAddress, requester, reachOf(request.flags), body.subarray(1 + requestLength + 4), ms));
  }

  private connect(body: Buffer, requester: Requester): Buffer {
    const { socktype, flags, originalAddress, route } = this.parseConnect(body);
    // CONNECT carries TCP only (datagrams take UDP_ROUTE): no shim sends another socktype, and
    // one that did is refused, never sent direct.
    if (socktype !== SOCKTYPE_STREAM) return encodeFrame(constants.errno.ENETUNREACH);
    if (route.kind === 'direct') return encodeFrame(STATUS_OK, Buffer.from([ACTION_DIRECT]));
    if (route.kind === 'agent-dns') {
      // DNS over TCP to a resolv.conf nameserver: the agent answers (dns-stream-server.ts).
      const target = wireTarget(originalAddress);
      const outOfBand = (flags & FLAG_OUT_OF_BAND) !== 0;
      const ticket = this.deps.broker.openLocal(target, Buffer.from(originalAddress), requester, this.deps.dns!.openStream(`${requester.name}[${requester.pid}] tcp ${formatTarget(target)}`), outOfBand);
      return encodeFrame(STATUS_OK, Buffer.concat([Buffer.from([ACTION_PROXY]), ticket]));
    }
    if ((flags & FLAG_BLOCKING) !== 0 && this.deps.dial) {
      const execute = this.deps.dial.open(route, originalAddress, requester, reachOf(flags), { mayStand: route.fixed });
      if (execute) return answerFrame(ACTION_EXECUTE, execute);
    }
    const ticket = this.deps.broker.open(route, originalAddress, requester, (flags & FLAG_OUT_OF_BAND) !== 0);
    return encodeFrame(STATUS_OK, Buffer.concat([Buffer.from([ACTION_PROXY]), ticket]));
  }

  /** UDP_ROUTE: `flags u8 | relay u8 | local port u16 | address` (docs/wire-protocol.md). */
  private async udpRoute(body: Buffer, requester: Requester): Promise<Buffer> {
    const connecting = (body[0]! & 1) !== 0;
    const relay = body[1] === 6 ? 6 : 4;
    const port = body.readUInt16BE(2);
    const { length } = decodeWireIp(body, 4);
    const wire = Buffer.from(body.subarray(4, 4 + length + 2));
    if (wire.length !== length + 2) throw new Error('short UDP_ROUTE');
    if (!this.deps.udp) return encodeFrame(constants.errno.ENETUNREACH);
    const route = await this.deps.udp.route(relay, port, wire, connecting, requester);
    if ('direct' in route) return encodeFrame(STATUS_OK, Buffer.from([ACTION_DIRECT]));
    if ('errno' in route) return encodeFrame(route.errno);
    return encodeFrame(STATUS_OK, Buffer.concat([Buffer.from([ACTION_PROXY]), route.id, route.replyKey]));
  }

  private resolve(body: Buffer, requester: Requester): Buffer {
    const family = body[0];
    const name = body.subarray(1).toString('utf8');
    if (!this.deps.remoteDns && isOnionName(name)) {
      // The shim asks about .onion names even with remote DNS off (dns-hooks.c): only Tor can
      // resolve them, and a local resolver would see the name.
      this.logRefusalOnce(requester, `onion:${name}`, `${requester.name}[${requester.pid}] ${name.replace(/[^\x20-\x7e]/g, '?')}: refused: a .onion name can only be resolved by Tor, and remote DNS is off (use socks5h:// or proxy_dns); it was not sent to any resolver`);
      return encodeFrame(STATUS_NOT_FOUND);
    }
    if (name.length === 0 || name.length > 253 || !this.deps.remoteDns) return encodeFrame(STATUS_NOT_FOUND);
    const found = lookupName(this.deps.fakeDns, this.deps.hosts, name);
    if (found.from === 'full') return encodeFrame(2);
    // Unspecified family gets both, IPv4 first, so a program that keeps only IPv6 answers
    // (curl -6, an AF_INET6-only filter) finds one (docs/fake-dns.md).
    const addresses = found.from === 'hosts' ? found.addresses : [found.fake.ipv4, found.fake.ipv6];
    const wanted = addresses.filter((a) => {
      const kind = ipaddr.parse(a).kind();
      return family === 0 || (family === 4 && kind === 'ipv4') || (family === 6 && kind === 'ipv6');
    });
    if (wanted.length === 0) return encodeFrame(STATUS_NOT_FOUND);
    // At most 32 addresses (17 bytes each at most), so the answer always fits one control frame.
    const list = wanted.slice(0, 32).map(encodeWireIp);
    return encodeFrame(STATUS_OK, Buffer.concat([Buffer.from([list.length]), ...list]));
  }

  private reverse(body: Buffer): Buffer {
    const { ip } = decodeWireIp(body, 0);
    const name = nameOfAddress(this.deps.fakeDns, this.deps.hosts, ip.host);
    return name ? encodeFrame(STATUS_OK, Buffer.from(name, 'utf8')) : encodeFrame(STATUS_NOT_FOUND);
  }
}

/** Which families the program's socket can reach, from CONNECT's flags. */
function reachOf(flags: number): { v4: boolean; v6: boolean } {
  return { v4: (flags & FLAG_REACH4) !== 0, v6: (flags & FLAG_REACH6) !== 0 };
}

interface ParsedConnect {
  socktype: number;
  flags: number;
  /** `address` as the shim sent it (the original destination, for PEER). */
  originalAddress: Buffer;
  route: Route;
}

/** `STATUS_OK frame` whose body is `action u8 | rest`, in one allocation (id stamped later). */
function answerFrame(action: number, rest: Buffer): Buffer {
  const out = Buffer.allocUnsafe(3 + ID_LEN + 1 + rest.length);
  out.writeUInt16BE(1 + ID_LEN + 1 + rest.length, 0);
  out[2] = STATUS_OK;
  out.writeUInt32BE(0, 3);
  out[3 + ID_LEN] = action;
  rest.copy(out, 3 + ID_LEN + 1);
  return out;
}

/** A name under .onion (RFC 7686), which only Tor resolves. */
export function isOnionName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === 'onion' || n.endsWith('.onion');
}
