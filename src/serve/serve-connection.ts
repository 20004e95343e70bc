/**
 * One client connection of `sockswrap serve`: the first byte picks the codec (0x05 SOCKS5, 0x04
 * SOCKS4/4a), the codec says what was asked, and this file does it over real sockets: CONNECT,
 * BIND (serve-bind.ts), UDP ASSOCIATE (serve-udp.ts). One log line per connection, when its
 * outcome is known: info when it worked, error when it did not.
 *
 * Nothing here may throw out of an event handler (a throw would stop the whole server): every
 * socket has an 'error' listener and every handler runs inside guard().
 */
import { connect, type Socket } from 'node:net';
import { Socks4ServerHandshake, type Socks4ServerEvent } from '../protocol/socks4-server-codec';
import { Socks5ServerHandshake, type Socks5ServerCommand, type Socks5ServerEvent } from '../protocol/socks5-server-codec';
import type { ErrorCode } from '../protocol/sockswrap-error';
import { formatTarget, type TargetAddress } from '../protocol/target-address';
import type { Logger } from '../log/logger';
import { socketAddress } from './bound-address';
import { failureOf, RequestFailure, resolveTarget } from './request-failure';
import { startBind } from './serve-bind';
import type { ServeConfig } from './serve-options';
import { startUdpAssociation } from './serve-udp';

/** A client that has not finished its request by then is dropped (no slow handshakes held open). */
const HANDSHAKE_MS = 30_000;
/** A target that neither accepts nor refuses by then is answered 0x06 (TTL expired), as ETIMEDOUT. */
const CONNECT_MS = 30_000;

export interface ServeDeps {
  config: ServeConfig;
  log: Logger;
  /** Every socket the connection opens, so a stop closes them all. */
  track(closable: { destroy(): void } | { close(): void }): () => void;
}

type Event = Socks5ServerEvent | Socks4ServerEvent;
type Handshake = Socks5ServerHandshake | Socks4ServerHandshake;

export function handleConnection(socket: Socket, deps: ServeDeps): void {
  new ServeConnection(socket, deps);
}

class ServeConnection {
  private hs: Handshake | undefined;
  private readonly who: string;
  private readonly untrack: () => void;
  private readonly handshakeTimer: NodeJS.Timeout;
  private done = false;

  constructor(private readonly socket: Socket, private readonly deps: ServeDeps) {
    this.who = `serve ${formatTarget(socketAddress(socket.remoteAddress, socket.remotePort))}`;
    this.untrack = deps.track(socket);
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    // A client gone before its request is complete: nothing to answer (the socket is half-open).
    socket.once('end', () => {
      if (!this.request) socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(this.handshakeTimer);
      this.untrack();
    });
    this.handshakeTimer = setTimeout(() => this.guard(() => this.drop('no complete request within 30 s')), HANDSHAKE_MS);
    socket.on('data', this.onData);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.guard(() => {
      if (!this.hs) {
        if (chunk[0] === 0x05) this.hs = new Socks5ServerHandshake({ credentials: this.deps.config.credentials, commands: this.commands() });
        else if (chunk[0] === 0x04) this.hs = new Socks4ServerHandshake();
        else return this.drop(`not SOCKS (first byte 0x${chunk[0].toString(16).padStart(2, '0')})`);
      }
      if (this.hs.state === 'failed' || this.hs.state === 'established') return;
      this.events(this.hs.receive(chunk));
    });
  };

  private commands(): Socks5ServerCommand[] {
    const { udp, bind } = this.deps.config;
    return ['connect', ...(udp ? ['udp-associate' as const] : []), ...(bind ? ['bind' as const] : [])];
  }

  /** Runs a handler; anything it throws ends this connection, never the server. */
  private guard(fn: () => void | Promise<void>): void {
    try {
      const p = fn();
      if (p) p.catch((err: unknown) => this.internal(err));
    } catch (err) {
      this.internal(err);
    }
  }

  private internal(err: unknown): void {
    this.deps.log.error(`${this.who}: internal error: ${err instanceof Error ? err.message : String(err)}`);
    this.socket.destroy();
  }

  private events(events: Event[]): void {
    for (const e of events) {
      switch (e.type) {
        case 'send':
          this.socket.write(e.bytes);
          break;
        case 'failed':
          this.finish(false, `${this.what()}${e.error.message}${e.error.replyCode !== undefined ? ` (reply 0x${e.error.replyCode.toString(16).padStart(2, '0')})` : ''}`);
          this.close();
          return;
        case 'request':
          clearTimeout(this.handshakeTimer);
          this.socket.pause(); // bytes sent before our answer stay queued for the target
          this.request = e;
          this.guard(() => this.serve(e));
          return;
        case 'established':
          return; // handled where succeed() is called
      }
    }
  }

  private request: Extract<Event, { type: 'request' }> | undefined;

  private what(): string {
    const r = this.request;
    if (!r) return '';
    const name = r.command === 'connect' ? 'CONNECT' : r.command === 'bind' ? 'BIND' : 'UDP ASSOCIATE';
    const proto = this.hs instanceof Socks4ServerHandshake ? (r.target.kind === 'domain' ? 'SOCKS4a ' : 'SOCKS4 ') : '';
    return `${proto}${name} ${formatTarget(r.target)}${'username' in r && r.username ? ` (user ${r.username})` : ''}: `;
  }

  private async serve(r: Extract<Event, { type: 'request' }>): Promise<void> {
    if (this.hs instanceof Socks4ServerHandshake && this.deps.config.credentials) {
      // SOCKS4 has no password: with a login configured, serving it would bypass the login.
      return this.refuse('not-allowed', 'SOCKS4 has no password and this server requires a login');
    }
    switch (r.command) {
      case 'connect':
        return this.connectTarget(r.target);
      case 'bind':
        return startBind(this.socket, r.target, this.bindHooks());
      case 'udp-associate':
        return startUdpAssociation(this.socket, r.target, {
          track: this.deps.track,
          ready: (relay) => {
            this.reply(relay);
            this.finish(true, `${this.what()}relay at ${formatTarget(relay)}`);
            this.socket.resume(); // the control connection: read (and discard) until it closes
          },
          fail: (f) => this.refuse(f.code, f.reason),
        });
    }
  }

  private bindHooks() {
    return {
      track: this.deps.track,
      listening: (at: TargetAddress) => {
        this.reply(at);
        this.socket.resume(); // EOF while waiting must be seen; data before the peer is discarded
      },
      connected: (peer: Socket) => {
        const from = socketAddress(peer.remoteAddress, peer.remotePort);
        this.socket.pause();
        // Bytes the client sent while waiting were kept by the codec: they are the peer's.
        const events = this.reply(from);
        const rest = events.find((e): e is Extract<Event, { type: 'established' }> => e.type === 'established')?.rest ?? Buffer.alloc(0);
        this.finish(true, `${this.what()}${formatTarget(from)} connected`);
        this.relay(peer, rest);
      },
      fail: (f: RequestFailure) => this.refuse(f.code, f.reason),
    };
  }

  private async connectTarget(target: TargetAddress): Promise<void> {
    const started = Date.now();
    let ip: string;
    try {
      ip = await resolveTarget(target);
    } catch (err) {
      if (err instanceof RequestFailure) return this.refuse(err.code, err.reason);
      throw err;
    }
    if (this.socket.destroyed) return;
    const out = connect({ host: ip, port: target.port, allowHalfOpen: true, autoSelectFamily: false });
    const untrack = this.deps.track(out);
    out.on('close', untrack);
    const timer = setTimeout(() => out.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), CONNECT_MS);
    // The client gone before the target answered: nothing to wait for.
    const abandon = () => out.destroy();
    this.socket.once('close', abandon);
    out.once('error', (err) => {
      clearTimeout(timer);
      if (this.done) return;
      const f = failureOf(err, `connect to ${ip}:${target.port}`);
      this.refuse(f.code, f.reason);
    });
    out.once('connect', () => {
      clearTimeout(timer);
      this.socket.off('close', abandon);
      const via = target.kind === 'domain' ? ` (${ip})` : '';
      const events = this.reply(socketAddress(out.localAddress, out.localPort));
      const rest = events.find((e): e is Extract<Event, { type: 'established' }> => e.type === 'established')?.rest ?? Buffer.alloc(0);
      this.finish(true, `${this.what().slice(0, -2)}${via}: connected in ${Date.now() - started} ms`);
      this.relay(out, rest);
    });
  }

  /** The success reply; for BIND the first of two. */
  private reply(bound: TargetAddress): Event[] {
    const hs = this.hs!;
    const events: Event[] = hs.succeed(bound);
    this.writeSends(events);
    return events;
  }

  private writeSends(events: Event[] | false): void {
    if (!events) return;
    for (const e of events) if (e.type === 'send') this.socket.write(e.bytes);
  }

  private refuse(code: ErrorCode, reason: string): void {
    if (this.done || this.socket.destroyed) return;
    const hs = this.hs!;
    const events: Event[] = hs instanceof Socks5ServerHandshake ? hs.refuse(code, reason) : hs.refuse(reason);
    this.writeSends(events);
    const failed = events.find((e) => e.type === 'failed');
    const rep = failed && failed.type === 'failed' ? failed.error.replyCode : undefined;
    this.finish(false, `${this.what()}${reason}${rep !== undefined ? ` (reply 0x${rep.toString(16).padStart(2, '0')})` : ''}`);
    this.close();
  }

  /** Bytes both ways until both sides are done; half-closes pass through. */
  private relay(other: Socket, rest: Buffer): void {
    const client = this.socket;
    client.off('data', this.onData);
    other.setNoDelay(true);
    // Only an error cuts the other side short. An orderly end travels as a FIN through pipe(),
    // after every byte queued before it: destroying on 'close' would drop what is not yet written.
    other.on('error', () => { other.destroy(); client.destroy(); });
    client.on('error', () => { client.destroy(); other.destroy(); });
    if (rest.length) other.write(rest);
    client.pipe(other);
    other.pipe(client);
    client.resume();
  }

  private finish(ok: boolean, line: string): void {
    if (this.done) return;
    this.done = true;
    if (ok) {
      if (this.deps.log.showsInfo !== false) this.deps.log.info(`${this.who} ${line}`);
    } else {
      this.deps.log.error(`${this.who} ${line}`);
    }
  }

  private drop(reason: string): void {
    this.finish(false, reason);
    this.socket.destroy();
  }

  /** After a refusal: our answer goes out, then the connection ends whatever the client does. */
  private close(): void {
    const s = this.socket;
    s.off('data', this.onData);
    s.on('data', () => {});
    s.resume();
    s.end();
    setTimeout(() => s.destroy(), 2000).unref();
  }
}
