// The https hop's TLS layer over loopback (src/client/tls-hop.ts), for faults no real proxy gives
// on demand: a proxy that accepts TCP and never answers the ClientHello, and one that hangs up
// on it. Each fails as its own layer, with the hop's index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { connectThroughChain, ChainError } from '../../src/client/chain-connect';
import type { ProxySpec } from '../../src/config/config-types';

async function server(onConnection: (s: net.Socket) => void): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); onConnection(s); });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { port: (srv.address() as net.AddressInfo).port, close: () => { for (const s of sockets) s.destroy(); srv.close(); } };
}

const target = { kind: 'domain' as const, host: 'target.test', port: 80 };

test('an https proxy that never answers the ClientHello: proxy-timeout, "no TLS handshake within" the read timeout', async () => {
  let hello = 0;
  const s = await server((sock) => sock.once('data', () => hello++));
  try {
    const proxy: ProxySpec = { type: 'https', host: '127.0.0.1', port: s.port };
    await assert.rejects(connectThroughChain([proxy], target, { connectMs: 2000, readMs: 300 }), (err: unknown) => {
      assert.ok(err instanceof ChainError);
      assert.equal(err.error.code, 'proxy-timeout');
      assert.equal(err.hopIndex, 0);
      assert.match(err.message, /^via https 127\.0\.0\.1:\d+: TLS with the proxy failed: no TLS handshake within 300 ms$/);
      return true;
    });
    assert.equal(hello, 1, 'a ClientHello was sent');
  } finally {
    s.close();
  }
});

test('an https proxy that hangs up on the ClientHello: proxy-tls, and nothing but the ClientHello reached it', async () => {
  const received: Buffer[] = [];
  const s = await server((sock) => sock.once('data', (b: Buffer) => { received.push(b); sock.destroy(); }));
  try {
    const proxy: ProxySpec = { type: 'https', host: '127.0.0.1', port: s.port, username: 'alice', password: 'secret' };
    await assert.rejects(connectThroughChain([proxy], target, { connectMs: 2000, readMs: 5000 }), (err: unknown) => {
      assert.ok(err instanceof ChainError);
      assert.equal(err.error.code, 'proxy-tls');
      assert.match(err.message, /^via https 127\.0\.0\.1:\d+: TLS with the proxy failed: /);
      return true;
    });
    assert.equal(received.length, 1);
    assert.equal(received[0]![0], 0x16, 'a TLS handshake record');
    assert.ok(!received[0]!.includes('secret'), 'the password never went out');
  } finally {
    s.close();
  }
});
