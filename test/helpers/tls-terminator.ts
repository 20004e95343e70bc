// The TLS front of the https proxy the tests use (the "TLS terminator" a company runs in front of
// its HTTP proxy): TLS on <listen>:<port> with <cert> and <key>, every decrypted byte passed to the
// real HTTP proxy (tinyproxy) at <backend>:<backendPort> and back. Node's tls, nothing else.
//   node tls-terminator.js <listen> <port> <cert.pem> <key.pem> <backend> <backendPort>
// Prints "ready" once listening, and "tls <n>" for each TLS session that completed its handshake.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

function main(): void {
  const [listen, port, cert, key, backend, backendPort] = process.argv.slice(2);
  if (!backendPort) throw new Error('usage: tls-terminator <listen> <port> <cert.pem> <key.pem> <backend> <backendPort>');
  let sessions = 0;
  const server = tls.createServer({ cert: readFileSync(cert!), key: readFileSync(key!) }, (client) => {
    console.log(`tls ${++sessions}`);
    const up = net.connect({ host: backend!, port: Number(backendPort) });
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
    client.pipe(up);
    up.pipe(client);
  });
  server.on('tlsClientError', () => { /* a client that refused our certificate: its business */ });
  server.listen({ host: listen!, port: Number(port), exclusive: true }, () => console.log('ready'));
}

if (require.main === module) main();
