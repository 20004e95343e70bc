// Target servers, run inside the proxy namespace (not wrapped):
//   node target-server.js <addr>[,<addr>...]
// On every address it listens on:
//   HTTP_PORT   GET /big -> makeBody() (≥ 8 MB); /whoami -> the peer's address; /hello -> a line
//   ECHO_PORT   echoes every byte back
//   BANNER_PORT writes BANNER as soon as it accepts, then echoes the first line it reads and closes
// When all listeners are up it prints one JSON line {"ready":true,...} on stdout.
import * as http from 'node:http';
import * as net from 'node:net';
import { makeBody, BANNER } from './body';

export const HTTP_PORT = 8080;
export const ECHO_PORT = 7007;
export const BANNER_PORT = 2222;
/** Nothing listens here in the fresh proxy namespace: connections are refused (RST). */
export const CLOSED_PORT = 9;

function main(): void {
  const addrs = (process.argv[2] ?? '').split(',').filter(Boolean);
  if (addrs.length === 0) throw new Error('usage: target-server <addr>[,<addr>...]');
  const big = makeBody();
  const waits: Promise<void>[] = [];
  const listen = (srv: net.Server, port: number, host: string) =>
    waits.push(new Promise((res, rej) => {
      srv.once('error', rej);
      srv.listen({ port, host, exclusive: true }, () => res());
    }));

  for (const host of addrs) {
    const h = http.createServer((req, res) => {
      const peer = req.socket.remoteAddress ?? '';
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length });
        res.end(big);
      } else if (req.url === '/whoami') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(peer + '\n');
      } else if (req.url === '/hello') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('hello from target\n');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    h.keepAliveTimeout = 1000;
    listen(h, HTTP_PORT, host);
    listen(net.createServer((s) => { s.on('error', () => s.destroy()); s.pipe(s); }), ECHO_PORT, host);
    listen(net.createServer((s) => {
      s.on('error', () => s.destroy());
      // Speaks first; then echoes the first line it gets back and closes.
      s.write(BANNER);
      let got = Buffer.alloc(0);
      s.on('data', (b: Buffer) => {
        got = Buffer.concat([got, b]);
        const nl = got.indexOf(10);
        if (nl >= 0) s.end(got.subarray(0, nl + 1));
      });
    }), BANNER_PORT, host);
  }
  Promise.all(waits).then(
    () => process.stdout.write(JSON.stringify({ ready: true, pid: process.pid, addrs }) + '\n'),
    (e) => { process.stderr.write(`target-server: ${e}\n`); process.exit(1); },
  );
}

if (require.main === module) main();
