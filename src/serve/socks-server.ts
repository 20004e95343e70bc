/**
 * The listener of `sockswrap serve`: accepts connections and hands each to serve-connection.ts.
 * Everything a connection opens (its sockets, BIND listeners, UDP relays) is tracked, so close()
 * ends them all and a stop leaves nothing behind.
 */
import { createServer, type Server } from 'node:net';
import type { Logger } from '../log/logger';
import { handleConnection } from './serve-connection';
import type { ServeConfig } from './serve-options';

type Closable = { destroy(): void } | { close(): void };

export class SocksServer {
  private readonly open = new Set<Closable>();
  private clients = 0;

  private constructor(private readonly server: Server, readonly host: string, readonly port: number) {}

  /** Listens; rejects with the listen error (EADDRINUSE, EACCES, EADDRNOTAVAIL) as Node gives it. */
  static listen(config: ServeConfig, log: Logger): Promise<SocksServer> {
    return new Promise((resolve, reject) => {
      // allowHalfOpen: a client's FIN after its request must reach the target as a FIN, not end
      // the reply direction (`printf 'GET ...' | ncat` waits for the answer after its EOF).
      const server = createServer({ allowHalfOpen: true, noDelay: true });
      let self: SocksServer | undefined;
      const track = (c: Closable) => {
        self!.open.add(c);
        return () => self!.open.delete(c);
      };
      server.on('connection', (socket) => {
        self!.clients++;
        socket.once('close', () => self!.clients--);
        try {
          handleConnection(socket, { config, log, track });
        } catch (err) {
          log.error(`serve: internal error: ${err instanceof Error ? err.message : String(err)}`);
          socket.destroy();
        }
      });
      server.once('error', reject);
      server.listen({ host: config.host, port: config.port, backlog: 1024 }, () => {
        server.off('error', reject);
        server.on('error', (err) => log.error(`serve: ${err.message}`));
        const a = server.address();
        const port = a && typeof a === 'object' ? a.port : config.port;
        self = new SocksServer(server, config.host, port);
        resolve(self);
      });
    });
  }

  /** Client connections open now. */
  get connections(): number {
    return this.clients;
  }

  /** Stops listening and ends every connection, relay and listener it opened. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const c of [...this.open]) {
        try {
          if ('destroy' in c) c.destroy();
          else c.close();
        } catch { /* already closed */ }
      }
      this.open.clear();
    });
  }
}
