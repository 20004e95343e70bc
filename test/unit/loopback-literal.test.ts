// src/agent/loopback-literal.ts: the relay's listeners skip dns.lookup for our two loopback
// literals. Differential: its answers are dns.lookup's own, anything else still goes to
// dns.lookup, and the listening helper leaves dns.lookup as it found it, also when listen throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import net from 'node:net';
import dgram from 'node:dgram';
import { literalLookup, withLiteralLookup } from '../../src/agent/loopback-literal';

type Answer = [NodeJS.ErrnoException | null, string, number];
const ask = (lookup: (...args: unknown[]) => void, ...args: unknown[]) =>
  new Promise<Answer>((resolve) => lookup(...args, (err: NodeJS.ErrnoException | null, address: string, family: number) => resolve([err, address, family])));

test('loopback literal: the same answers as dns.lookup, with and without options; other names pass through', async () => {
  const ours = literalLookup as unknown as (...args: unknown[]) => void;
  const real = dns.lookup as unknown as (...args: unknown[]) => void;
  for (const host of ['127.0.0.1', '::1', 'localhost', '192.0.2.7', '2001:db8::1', 'no-such-name.invalid']) {
    const expected = await ask(real, host, {});
    const got = await ask(ours, host, {});
    assert.deepEqual([got[0]?.code, got[1], got[2]], [expected[0]?.code, expected[1], expected[2]], host);
    const got2 = await ask(ours, host);
    assert.deepEqual([got2[0]?.code, got2[1], got2[2]], [expected[0]?.code, expected[1], expected[2]], `${host}, no options`);
  }
});

test('loopback literal: net and dgram listen where they would have, and dns.lookup is restored (also after a throw)', async (t) => {
  const before = dns.lookup;
  for (const host of ['127.0.0.1', '::1']) {
    const server = net.createServer();
    t.after(() => server.close());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      withLiteralLookup(() => server.listen({ host, port: 0, ipv6Only: host === '::1' }, resolve));
    });
    assert.equal((server.address() as net.AddressInfo).address, host);
    assert.equal(dns.lookup, before);
    const udp = dgram.createSocket({ type: host === '::1' ? 'udp6' : 'udp4', lookup: literalLookup });
    t.after(() => udp.close());
    await new Promise<void>((resolve) => udp.bind({ address: host, port: 0 }, resolve));
    assert.equal(udp.address().address, host);
  }
  assert.throws(() => withLiteralLookup(() => { throw new Error('listen failed'); }), /listen failed/);
  assert.equal(dns.lookup, before);
});
