import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { closedPort, freePort } from '../helpers/loopback-peers';

/**
 * The refused targets of the loopback tests (docs/testing.md, "Flakes found"). agent-leak's "300
 * dial-path connects" once got errno 0 for a connect danted should have refused: the port came
 * from freePort(), nothing listened there, and danted's outgoing socket, bound to a random port
 * of the ephemeral range, had drawn that very port and connected to itself. The first test shows
 * that such a port can be connected to itself; the second that closedPort()'s cannot, nor be
 * listened on, and that it refuses.
 */

/** Connects a socket bound to 127.0.0.1:localPort to 127.0.0.1:port: the error code, or 'connected' with the peer's port. */
function connectFrom(localPort: number, port: number): Promise<{ result: string; peerPort?: number; echoed?: string }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort });
    s.once('error', (err: NodeJS.ErrnoException) => resolve({ result: err.code ?? String(err) }));
    s.once('connect', () => {
      const peerPort = s.remotePort;
      // Connected to itself: what it writes is what it reads.
      s.once('data', (d: Buffer) => {
        s.destroy();
        resolve({ result: 'connected', peerPort, echoed: d.toString() });
      });
      s.write('self');
    });
  });
}

function listenOn(port: number): Promise<string> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve('listening')));
  });
}

describe('a port for "nothing listens there"', () => {
  test('a port freePort() returned: a socket bound to it connects to itself (what danted\'s outgoing socket did)', async () => {
    const port = await freePort();
    assert.deepEqual(await connectFrom(port, port), { result: 'connected', peerPort: port, echoed: 'self' });
  });

  test('closedPort(): refused, and no socket can take it to listen or to connect to itself', async () => {
    const port = await closedPort();
    assert.deepEqual(await connectFrom(0, port), { result: 'ECONNREFUSED' });
    assert.deepEqual(await connectFrom(port, port), { result: 'EADDRINUSE' });
    assert.equal(await listenOn(port), 'EADDRINUSE');
    assert.deepEqual(await connectFrom(0, port), { result: 'ECONNREFUSED' }, 'still refused');
  });
});
