import net, { isIP } from 'node:net';
import type { EstablishedChain } from '../client/chain-connect';
import { constants } from 'node:os';
import type { ConnectBroker, PendingConnect } from './connect-broker';
import { PeerTable } from './peer-table';
import { sendUrgentByte } from './urgent-byte';
import { RELAY_CONNECTED, TICKET_LEN, serializeWireAddress } from '../wire';
import { spliceStreams } from './stream-splice';
import { withLiteralLookup } from './loopback-literal';

const TICKET_WAIT_MS = 5_000;
const EMPTY: Buffer = Buffer.alloc(0);

/**
 * The loopback listener the program's own sockets are connected to. A connection must open with
 * a live ticket; it then gets its verdict and, on success, becomes a byte-exact pipe to the
 * negotiated chain. The verdict of a blocking connect is one byte in the stream (0, or the errno);
 * that of a non-blocking one is out of band: an urgent byte, or a reset (docs/async-connect.md).
 */
export class TcpRelay {
  private readonly servers: net.Server[] = [];
  readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly broker: ConnectBroker,
    /** Where each live relayed connection's original destination is kept (PEER). */
    private readonly peers = new PeerTable(),
  ) {}

  /** Listens on 127.0.0.1 and, when the host has it, ::1. Returns the ports (0 = none). */
  async listen(): Promise<{ port4: number; port6: number }> {
    const port4 = await this.listenOn('127.0.0.1');
    const port6 = await this.listenOn('::1').catch(() => 0);
    return { port4, port6 };
  }

  close(): void {
    for (const server of this.servers) server.close();
    for (const socket of this.sockets) socket.destroy();
  }

  private listenOn(host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const relay = host === '::1' ? 6 : 4;
      const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket, relay));
      server.once('error', reject);
      withLiteralLookup(() => server.listen({ host, port: 0, ipv6Only: host === '::1' }, () => {
        server.off('error', reject);
        server.on('error', () => {});
        this.servers.push(server);
        resolve((server.address() as net.AddressInfo).port);
      }));
    });
  }

  private accept(app: net.Socket, relay: 4 | 6): void {
    this.sockets.add(app);
    app.on('close', () => this.sockets.delete(app));
    app.on('error', () => {});
    let received: Buffer = EMPTY;
    const timer = setTimeout(() => app.destroy(), TICKET_WAIT_MS);
    // A program that goes before its ticket is in must not leave the timer (and this socket) behind.
    app.once('close', () => clearTimeout(timer));
    const onData = (chunk: Buffer) => {
      // The ticket nearly always arrives in one chunk: copy only when it did not.
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      if (received.length < TICKET_LEN) return;
      clearTimeout(timer);
      app.off('data', onData);
      app.pause();
      // Bytes after the ticket are the program's stream: put them back for the pipe.
      if (received.length > TICKET_LEN) app.unshift(received.subarray(TICKET_LEN));
      const pending = this.broker.claim(received.subarray(0, TICKET_LEN));
      if (!pending) {
        app.destroy();
        return;
      }
      this.bridge(app, pending, relay);
    };
    app.on('data', onData);
    app.once('end', () => {
      if (received.length < TICKET_LEN) app.destroy();
    });
  }

  private bridge(app: net.Socket, pending: PendingConnect, relay: 4 | 6): void {
    const forgetPeer = this.peers.addRelayed(relay, app.remotePort ?? 0, pending.originalAddress);
    let gone = false;
    const onEarlyClose = () => {
      gone = true;
      pending.abort();
    };
    app.once('close', onEarlyClose);
    void pending.outcome.then((result) => {
      app.off('close', onEarlyClose);
      // Already closed: no 'close' event is coming to remove the entry.
      if (gone) forgetPeer();
      else app.once('close', forgetPeer);
      if (!('socket' in result)) {
        // Out of band, a reset leaves the program's socket as a refused connect does (closed,
        // an error pending); the shim tells the program which errno with VERDICT.
        if (!gone) pending.outOfBand ? app.resetAndDestroy() : app.end(Buffer.from([result.errno & 0xff]));
        return;
      }
      const upstream = result.socket;
      if (gone || app.destroyed) {
        upstream.destroy();
        return;
      }
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      if (!pending.outOfBand) app.write(Buffer.from([RELAY_CONNECTED]));
      else if (!sendUrgentByte(app)) {
        pending.overrideVerdict?.(constants.errno.ECONNREFUSED);
        upstream.destroy();
        app.resetAndDestroy();
        return;
      }
      const side = proxySide(result);
      if (side) this.peers.setRelayedBound(relay, app.remotePort ?? 0, side);
      if (result.rest.length > 0) app.write(result.rest);
      spliceStreams(app, upstream);
      app.resume();
      upstream.resume();
    });
  }
}

/**
 * A relayed connection's address on the proxy's side, for getsockname (SOCKNAME, docs/bind.md):
 * the last hop's BND.ADDR:PORT, or when it said nothing useful (0.0.0.0, a name) the last hop's
 * own address, if given as one.
 */
function proxySide(chain: EstablishedChain): Buffer | undefined {
  const bound = chain.bound;
  if (bound && bound.kind !== 'domain' && bound.host !== '0.0.0.0' && bound.host !== '::') return serializeWireAddress(bound.host, bound.port);
  const last = chain.hops?.at(-1);
  return last && isIP(last.host) !== 0 ? serializeWireAddress(last.host, bound?.port ?? 0) : undefined;
}
