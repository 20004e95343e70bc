// SOCKS BIND for the shim's listening sockets (docs/bind.md): which listens go to the proxy, the
// BIND through the chain, the inbound connection brought to the program's own listening socket,
// and what getsockname/getpeername report for them (SOCKNAME, BIND_PEER).
import net from 'node:net';
import { constants } from 'node:os';
import type { SockswrapConfig } from '../config/config-types';
import type { Logger } from '../log/logger';
import { bindThroughChain, type Accepted } from '../client/chain-bind';
import { ChainAttempts } from '../client/chain-driver';
import { ChainError } from '../client/chain-error';
import type { RoundRobinCursor } from '../client/chain-connect';
import { describeHop } from '../client/proxy-hop';
import { proxiesForPid } from '../client/tor-isolation';
import { formatTarget, type TargetAddress } from '../protocol/target-address';
import {
  BindAction,
  Relay,
  Status,
  parseWireIp,
  serializeWireAddress,
  type BindRequest,
  type BindResponse,
  type PeerRequest,
} from '../wire';
import type { Requester } from './connect-broker';
import type { PeerTable } from './peer-table';
import type { ProxyRoute } from './routing';
import { spliceStreams } from './stream-splice';

const EADDRNOTAVAIL = constants.errno.EADDRNOTAVAIL;
/** BINDs waiting for their peer, at most (each holds one proxy connection). */
const MAX_WAITING = 256;

function isIpTarget(t: TargetAddress): boolean {
  return t.kind !== 'domain' && t.host !== '0.0.0.0' && t.host !== '::';
}

/** `fam | addr | port` → host and port. */
function wireToHostPort(address: Buffer): { host: string; port: number } {
  const { ip, length } = parseWireIp(address, 0);
  return { host: ip.host, port: address.readUInt16BE(length) };
}

export class BindBroker {
  /** The most recent proxied TCP destination of each program (what a BIND names). */
  private readonly lastProxied = new Map<number, TargetAddress>();
  /** The most recent address a proxy listened on for each program (SOCKNAME on the dial path). */
  private readonly lastBound = new Map<number, Buffer>();
  /** Relayed inbound connections by the agent's end (`host|port` as the program's accept sees it). */
  private readonly inbound = new Map<string, Buffer>();
  private readonly waiting = new Set<() => void>();
  /** Connects to listening sockets not answered yet: a BIND_PEER may come before their 'connect'. */
  private readonly connecting = new Set<Promise<void>>();
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly config: SockswrapConfig,
    private readonly log: Logger,
    private readonly peers: PeerTable,
    private readonly roundRobin: RoundRobinCursor,
    /** --no-bind, no_bind: every listen stays local, getsockname is the kernel's. */
    readonly enabled: boolean,
  ) {}

  /** A proxied TCP connect of `pid` (CONNECT, or a standing plan's NOTE/RESUME). */
  noteProxied(pid: number, route: ProxyRoute): void {
    this.lastProxied.set(pid, route.effective);
  }

  /** The program's last control connection closed. */
  forgetPid(pid: number): void {
    this.lastProxied.delete(pid);
    this.lastBound.delete(pid);
  }

  /**
   * SOCKNAME: a proxied connection's address on the proxy's side (its CONNECT reply's BND), else
   * (the dial path, whose replies the shim reads itself) where the proxy last listened for this
   * program; undefined: the kernel's answer stands.
   */
  sockname(request: PeerRequest, pid: number): Buffer | undefined {
    if (!this.enabled) return undefined;
    if (request.relay !== Relay.dial) return this.peers.boundOfRelayed(request.relay, request.localPort) ?? this.lastBound.get(pid);
    // A non-blocking connect dialled by the shim answers as the relay it replaces would.
    if (request.reply) return this.sideOfReply(request.reply) ?? this.lastBound.get(pid);
    // The kernel's local address is a real one here; only a program that BINDs is told otherwise.
    return this.lastBound.get(pid);
  }

  /**
   * The proxy's side from the last reply the shim's script consumed, as the relay's proxySide():
   * a SOCKS5 or SOCKS4 reply's BND.ADDR:PORT, or when it says nothing useful (0.0.0.0, a name, an
   * HTTP reply) the last hop's own address, when the chain's last hop is fixed and given as one.
   */
  private sideOfReply(reply: Buffer): Buffer | undefined {
    let bound: { host: string; port: number } | undefined;
    if (reply.length >= 10 && reply[0] === 5 && reply[3] === 1) bound = { host: [...reply.subarray(4, 8)].join('.'), port: reply.readUInt16BE(8) };
    else if (reply.length >= 22 && reply[0] === 5 && reply[3] === 4) bound = wireToHostPort(Buffer.concat([Buffer.from([6]), reply.subarray(4, 22)]));
    else if (reply.length >= 8 && reply[0] === 0 && reply[1] === 0x5a) bound = { host: [...reply.subarray(4, 8)].join('.'), port: reply.readUInt16BE(2) };
    if (bound && bound.host !== '0.0.0.0' && bound.host !== '::') return serializeWireAddress(bound.host, bound.port);
    const proxies = this.config.proxies;
    const last = this.config.chainType === 'strict' || proxies.length === 1 ? proxies.at(-1) : undefined;
    return last && net.isIP(last.host) !== 0 ? serializeWireAddress(last.host, bound?.port ?? 0) : undefined;
  }

  /** BIND_PEER: the peer the proxy saw connect, for the connection the program accepted from `peer`. */
  async peerOf(peer: Buffer): Promise<Buffer | undefined> {
    const { host, port } = wireToHostPort(peer);
    const key = `${host}|${port}`;
    // The program accepts as soon as the kernel completed the handshake, which may be before
    // this process ran the connect's callback: wait for those in flight, then look again.
    if (!this.inbound.has(key) && this.connecting.size > 0) await Promise.all([...this.connecting]);
    return this.inbound.get(key);
  }

  async bind(request: BindRequest, requester: Requester): Promise<BindResponse> {
    if (!this.enabled) return { status: Status.ok, action: BindAction.local };
    const expected = this.lastProxied.get(requester.pid);
    // No proxied connection yet: nothing says this listen is for a server behind the proxy.
    if (!expected) return { status: Status.ok, action: BindAction.local };
    // The peer is expected from the host of the program's last proxied connection, any port.
    const named: TargetAddress = { ...expected, port: 0 };
    const who = `${requester.name}[${requester.pid}] BIND for ${formatTarget(expected)}`;
    if (this.waiting.size >= MAX_WAITING) {
      this.log.error(`${who}: refused: ${MAX_WAITING} BINDs are already waiting for their peer; the listen fails with EADDRNOTAVAIL`);
      return { status: EADDRNOTAVAIL };
    }
    const hops = new ChainAttempts({ proxies: proxiesForPid(this.config.proxies, requester.pid), type: this.config.chainType, chainLen: this.config.chainLen, roundRobin: this.roundRobin }).next();
    const timeouts = { connectMs: this.config.tcpConnectTimeoutMs, readMs: this.config.tcpReadTimeoutMs };
    let chain;
    try {
      chain = await bindThroughChain(hops, named, timeouts);
    } catch (err) {
      const why = err instanceof ChainError ? err.message : err instanceof Error ? err.message : String(err);
      this.log.error(`${who} ${why}; the listen fails with EADDRNOTAVAIL (docs/bind.md)`);
      return { status: EADDRNOTAVAIL };
    }
    if (!isIpTarget(chain.bound)) {
      chain.close();
      this.log.error(`${who}: the proxy listens on ${formatTarget(chain.bound)}, not an address a program can be told; the listen fails with EADDRNOTAVAIL`);
      return { status: EADDRNOTAVAIL };
    }
    const bound = serializeWireAddress(chain.bound.host, chain.bound.port);
    this.lastBound.set(requester.pid, bound);
    this.log.info(`${who} via ${hops.map(describeHop).join(' > ')}: the proxy listens on ${formatTarget(chain.bound)}`);
    const stop = () => chain.close();
    this.waiting.add(stop);
    chain.accepted.then(
      (accepted) => {
        this.waiting.delete(stop);
        this.deliver(accepted, wireToHostPort(request.listener), who);
      },
      (err: unknown) => {
        this.waiting.delete(stop);
        this.log.error(`${who} ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    return { status: Status.ok, action: BindAction.proxy, bound };
  }

  /** The peer is connected at the proxy: connect to the program's listening socket and relay. */
  private deliver({ peer, socket: upstream, rest }: Accepted, listener: { host: string; port: number }, who: string): void {
    if (!isIpTarget(peer)) {
      this.log.error(`${who}: the proxy named the peer ${formatTarget(peer)}, not an address; closed`);
      upstream.destroy();
      return;
    }
    const peerWire = serializeWireAddress(peer.host, peer.port);
    const app = net.connect({ host: listener.host, port: listener.port, allowHalfOpen: true, noDelay: true });
    this.sockets.add(app);
    this.sockets.add(upstream);
    let key: string | undefined;
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.connecting.add(settled);
    const done = () => {
      this.connecting.delete(settled);
      settle();
    };
    app.once('connect', () => {
      done();
      key = `${app.localAddress}|${app.localPort}`;
      this.inbound.set(key, peerWire);
      this.log.info(`${who}: ${formatTarget(peer)} connected; handed to the program's listening socket`);
      if (rest.length > 0) app.write(rest);
      spliceStreams(app, upstream);
      upstream.resume();
    });
    app.once('error', (err: NodeJS.ErrnoException) => {
      done();
      if (key === undefined) {
        this.log.error(`${who}: ${formatTarget(peer)} connected, but the program's listening socket is gone (${err.code ?? err.message}); closed`);
        upstream.destroy();
      }
    });
    app.once('close', () => {
      if (key !== undefined) this.inbound.delete(key);
      this.sockets.delete(app);
    });
    upstream.once('close', () => this.sockets.delete(upstream));
  }

  /** Inbound connections relayed now (tests count them). */
  get size(): number {
    return this.inbound.size;
  }

  close(): void {
    for (const stop of [...this.waiting]) stop();
    this.waiting.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.inbound.clear();
  }
}
