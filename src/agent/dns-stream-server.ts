/**
 * DNS over TCP to a resolv.conf nameserver (remote DNS on, docs/fake-dns.md), answered by the
 * agent. The program's connect gets a relay ticket like any proxied connect (connect-broker.ts);
 * where another connect's "chain" is a connection through the proxies, this one's is a loopback
 * connection to this server, so the TCP relay carries it unchanged. The server takes only
 * connections that open with a single-use random key the agent itself made for one program
 * connect: nobody else on the host can use it.
 *
 * RFC 7766: queries may be pipelined; each answer is sent as soon as it is ready, framed with
 * its length. A message the responder cannot use is answered FORMERR or skipped; a connection
 * that ends in the middle of a message (a truncated length prefix) is just closed.
 */
import net from 'node:net';
import { randomBytes } from '../native/lazy-crypto';
import type { EstablishedChain } from '../client/chain-connect';
import { DnsFrameReader, frameDnsMessage } from '../protocol/dns-message';

const KEY_LENGTH = 16;
const KEY_TTL_MS = 30_000;
/** An idle DNS connection is closed, as servers do (RFC 7766 §6.2.3 suggests seconds). */
const IDLE_MS = 30_000;
/** At most this many queries answered at once on one connection; the rest wait their turn. */
const MAX_IN_FLIGHT = 64;

export type Answerer = (query: Buffer, who: string) => Promise<Buffer | undefined>;

export class DnsStreamServer {
  private server?: net.Server;
  private port = 0;
  private readonly keys = new Map<string, { who: string; timer: NodeJS.Timeout }>();
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly answer: Answerer) {}

  private listen(): Promise<number> {
    if (this.server) return Promise.resolve(this.port);
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket));
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', () => {});
        this.server = server;
        this.port = (server.address() as net.AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /** A stream to this server for one program connect from `who`, as connectChain would give one. */
  async open(who: string): Promise<EstablishedChain> {
    const port = await this.listen();
    const key = randomBytes(KEY_LENGTH);
    const hex = key.toString('hex');
    const timer = setTimeout(() => this.keys.delete(hex), KEY_TTL_MS);
    timer.unref();
    this.keys.set(hex, { who, timer });
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.write(key);
        socket.pause();
        resolve({ socket, rest: Buffer.alloc(0) });
      });
    });
  }

  close(): void {
    this.server?.close();
    for (const s of this.sockets) s.destroy();
    for (const { timer } of this.keys.values()) clearTimeout(timer);
    this.keys.clear();
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    let head: Buffer = Buffer.alloc(0);
    let who: string | undefined;
    const reader = new DnsFrameReader();
    const queue: Buffer[] = [];
    let inFlight = 0;
    let ended = false;
    const pump = () => {
      while (who !== undefined && inFlight < MAX_IN_FLIGHT && queue.length) {
        const query = queue.shift()!;
        inFlight++;
        void this.answer(query, who).then((answer) => {
          inFlight--;
          if (answer && !socket.destroyed && socket.writable) socket.write(frameDnsMessage(answer));
          pump();
        });
      }
      // The program closed its side: once what it asked is answered, ours closes too.
      if (ended) {
        if (inFlight === 0 && (queue.length === 0 || who === undefined)) socket.end();
        return;
      }
      if (inFlight >= MAX_IN_FLIGHT || queue.length > MAX_IN_FLIGHT) socket.pause();
      else socket.resume();
    };
    socket.on('data', (chunk: Buffer) => {
      let data = chunk;
      if (who === undefined) {
        head = head.length ? Buffer.concat([head, chunk]) : chunk;
        if (head.length < KEY_LENGTH) return;
        const hex = head.subarray(0, KEY_LENGTH).toString('hex');
        const entry = this.keys.get(hex);
        if (!entry) {
          socket.destroy();
          return;
        }
        this.keys.delete(hex);
        clearTimeout(entry.timer);
        who = entry.who;
        data = head.subarray(KEY_LENGTH);
      }
      queue.push(...reader.push(data));
      pump();
    });
    socket.on('end', () => {
      ended = true;
      pump();
    });
  }
}
