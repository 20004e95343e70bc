import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeShimDatagram, encodeShimDatagram, SHIM_HEADER_LENGTH } from '../../src/agent/shim-datagram';
import { DnsStreamReader, frameDnsMessage } from '../../src/agent/dns-over-tcp';
import { udpCapableProxy, udpTarget } from '../../src/agent/udp-relay';
import { FakeDnsTable } from '../../src/agent/fake-dns-table';
import { RoutePolicy } from '../../src/agent/route-policy';
import { encodeWireIp } from '../../src/agent/control-frame';

const id = Buffer.from('0102030405060708', 'hex');
const wire = (host: string, port: number) => Buffer.concat([encodeWireIp(host), Buffer.from([port >> 8, port & 0xff])]);

describe('shim datagram header (27 bytes, fixed)', () => {
  it('round-trips IPv4 and IPv6 sources with the payload', () => {
    for (const a of [wire('198.19.1.1', 7007), wire('2001:db8::1', 53)]) {
      const msg = encodeShimDatagram(id, a, Buffer.from('payload'));
      assert.equal(msg.length, SHIM_HEADER_LENGTH + 7);
      const d = decodeShimDatagram(msg)!;
      assert.ok(d.id.equals(id));
      assert.ok(d.address.equals(a));
      assert.equal(d.payload.toString(), 'payload');
    }
    assert.equal(encodeShimDatagram(id, wire('10.0.0.1', 1), Buffer.alloc(0)).toString('hex'), '0102030405060708' + '04' + '0a000001' + '00'.repeat(12) + '0001');
  });

  it('rejects short datagrams and unknown families', () => {
    assert.equal(decodeShimDatagram(Buffer.alloc(26)), undefined);
    const bad = encodeShimDatagram(id, wire('10.0.0.1', 1), Buffer.alloc(0));
    bad[8] = 5;
    assert.equal(decodeShimDatagram(bad), undefined);
  });
});

describe('DNS over TCP framing (RFC 7766)', () => {
  it('prefixes the length and reads one message however the stream is split', () => {
    const q = Buffer.from('0123456789abcdef');
    assert.equal(frameDnsMessage(q).readUInt16BE(0), 16);
    const framed = frameDnsMessage(q);
    const r = new DnsStreamReader();
    assert.equal(r.push(framed.subarray(0, 1)), undefined);
    assert.equal(r.push(framed.subarray(1, 9)), undefined);
    assert.ok(r.push(framed.subarray(9))!.equals(q));
  });
});

describe('which chains carry UDP, and where a datagram goes', () => {
  const socks = { type: 'socks5' as const, host: '10.0.0.1', port: 1080 };
  it('exactly one SOCKS5 hop', () => {
    assert.deepEqual(udpCapableProxy({ proxies: [socks] }), socks);
    assert.match(udpCapableProxy({ proxies: [socks, socks] }) as string, /2 hops/);
    assert.match(udpCapableProxy({ proxies: [{ ...socks, type: 'http' }] }) as string, /cannot carry UDP/);
  });

  it('fake addresses become names, localnet is direct, the rest goes by address (v4-mapped unwrapped)', () => {
    const fake = new FakeDnsTable(240);
    const f = fake.addressesFor('x.test')!;
    const policy = new RoutePolicy([{ address: '192.168.0.0', prefixLength: 16 }]);
    assert.deepEqual(udpTarget(wire(f.ipv4, 53), fake, policy), { kind: 'domain', host: 'x.test', port: 53 });
    assert.deepEqual(udpTarget(wire(f.ipv6, 53), fake, policy), { kind: 'domain', host: 'x.test', port: 53 });
    assert.equal(udpTarget(wire('192.168.3.4', 53), fake, policy), 'direct');
    assert.deepEqual(udpTarget(wire('::ffff:198.19.1.1', 7), fake, policy), { kind: 'ipv4', host: '198.19.1.1', port: 7 });
    assert.deepEqual(udpTarget(wire('2001:db8::1', 7), fake, policy), { kind: 'ipv6', host: '2001:db8::1', port: 7 });
  });
});
