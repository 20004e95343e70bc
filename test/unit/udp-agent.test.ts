import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UDP_HEADER_LEN, parseUdpDatagram, serializeUdpDatagram, serializeWireAddress } from '../../src/wire';
import { DnsStreamReader, dnsUdpLimit, fitDnsAnswerToUdp, frameDnsMessage } from '../../src/agent/dns-over-tcp';
import { processAlive } from '../../src/agent/udp-relay';
import { UdpHops, udpCapableProxy } from '../../src/agent/udp-hops';
import { ChainError } from '../../src/client/chain-error';
import { streamFailure } from '../../src/client/chain-driver';
import { FakeDnsTable } from '../../src/agent/fake-dns-table';
import { RoutePolicy } from '../../src/agent/route-policy';
import { Router } from '../../src/agent/routing';

const id = Buffer.from('0102030405060708', 'hex');
const wire = (host: string, port: number) => serializeWireAddress(host, port);
/** Where the UDP relay sends a datagram to `w` (routing.ts, the same decision as for TCP). */
function udpTarget(w: Buffer, fakeDns: FakeDnsTable, policy: RoutePolicy) {
  const route = new Router({ fakeDns, policy }).routeWire(w);
  return route.kind === 'proxy' ? route.target : route.kind;
}

describe('shim datagram header (27 bytes, fixed)', () => {
  it('round-trips IPv4 and IPv6 sources with the payload', () => {
    for (const a of [wire('198.19.1.1', 7007), wire('2001:db8::1', 53)]) {
      const msg = serializeUdpDatagram(id, a, Buffer.from('payload'));
      assert.equal(msg.length, UDP_HEADER_LEN + 7);
      const d = parseUdpDatagram(msg)!;
      assert.ok(d.id.equals(id));
      assert.ok(d.address.equals(a));
      assert.equal(d.payload.toString(), 'payload');
    }
    assert.equal(serializeUdpDatagram(id, wire('10.0.0.1', 1), Buffer.alloc(0)).toString('hex'), '0102030405060708' + '04' + '0a000001' + '00'.repeat(12) + '0001');
  });

  it('rejects short datagrams and unknown families', () => {
    assert.equal(parseUdpDatagram(Buffer.alloc(26)), undefined);
    const bad = serializeUdpDatagram(id, wire('10.0.0.1', 1), Buffer.alloc(0));
    bad[8] = 5;
    assert.equal(parseUdpDatagram(bad), undefined);
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

// DNS messages built by hand: header, one question, records; `opt` adds an OPT record (RFC 6891).
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const qname = (name: string) => Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
const optRecord = (size: number) => Buffer.concat([Buffer.from([0]), u16(41), u16(size), Buffer.from([0, 0, 0, 0]), u16(0)]);
function dnsMessage(opts: { id?: number; flags: number; answers?: Buffer[]; opt?: number }): Buffer {
  const question = Buffer.concat([qname('big.x.test'), u16(16), u16(1)]);
  const answers = opts.answers ?? [];
  const additional = opts.opt === undefined ? [] : [optRecord(opts.opt)];
  return Buffer.concat([
    u16(opts.id ?? 0x1234), u16(opts.flags), u16(1), u16(answers.length), u16(0), u16(additional.length),
    question, ...answers, ...additional,
  ]);
}
// A TXT record whose owner is a compression pointer to the question name (offset 12).
const txt = (text: string) => Buffer.concat([Buffer.from([0xc0, 12]), u16(16), u16(1), Buffer.from([0, 0, 0, 60]), u16(text.length + 1), Buffer.from([text.length]), Buffer.from(text)]);

describe('DNS answers over TCP fitted to the client\'s UDP size', () => {
  const big = Array.from({ length: 8 }, (_, i) => txt(String(i).repeat(200)));
  it('reads the limit: 512 without EDNS, the OPT size with it, never under 512', () => {
    assert.equal(dnsUdpLimit(dnsMessage({ flags: 0x0100 })), 512);
    assert.equal(dnsUdpLimit(dnsMessage({ flags: 0x0100, opt: 1232 })), 1232);
    assert.equal(dnsUdpLimit(dnsMessage({ flags: 0x0100, opt: 100 })), 512);
    assert.equal(dnsUdpLimit(Buffer.from('not dns')), 512);
  });

  it('returns an answer that fits unchanged', () => {
    const answer = dnsMessage({ flags: 0x8180, answers: big.slice(0, 2) });
    assert.equal(fitDnsAnswerToUdp(dnsMessage({ flags: 0x0100 }), answer), answer);
    const large = dnsMessage({ flags: 0x8180, answers: big, opt: 4096 });
    assert.equal(fitDnsAnswerToUdp(dnsMessage({ flags: 0x0100, opt: 4096 }), large), large);
  });

  it('truncates a bigger one as a server would: TC set, question kept, no records, the OPT echoed', () => {
    const query = dnsMessage({ flags: 0x0100, opt: 1232 });
    const answer = dnsMessage({ flags: 0x8180, answers: big, opt: 4096 });
    assert.ok(answer.length > 1232);
    const fitted = fitDnsAnswerToUdp(query, answer);
    assert.ok(fitted.length <= 1232);
    assert.equal(fitted.readUInt16BE(0), 0x1234, 'same id');
    assert.equal(fitted.readUInt16BE(2), 0x8180 | 0x0200, 'flags kept, TC added');
    assert.deepEqual([4, 6, 8, 10].map((o) => fitted.readUInt16BE(o)), [1, 0, 0, 1]);
    const question = Buffer.concat([qname('big.x.test'), u16(16), u16(1)]);
    assert.ok(fitted.subarray(12, 12 + question.length).equals(question));
    assert.ok(fitted.subarray(12 + question.length).equals(optRecord(4096)));
    // Without EDNS: 512, and no OPT to echo.
    const plain = fitDnsAnswerToUdp(dnsMessage({ flags: 0x0100 }), dnsMessage({ flags: 0x8580, answers: big }));
    assert.equal(plain.length, 12 + question.length);
    assert.equal(plain.readUInt16BE(2), 0x8580 | 0x0200);
    assert.deepEqual([4, 6, 8, 10].map((o) => plain.readUInt16BE(o)), [1, 0, 0, 0]);
  });

  it('survives malformed answers: header only, TC set', () => {
    const junk = Buffer.concat([dnsMessage({ flags: 0x8180 }).subarray(0, 12), Buffer.alloc(600, 0x3f)]);
    const fitted = fitDnsAnswerToUdp(dnsMessage({ flags: 0x0100 }), junk);
    assert.equal(fitted.length, 12);
    assert.equal(fitted.readUInt16BE(2) & 0x0200, 0x0200);
    assert.equal(fitted.readUInt16BE(4), 0);
  });
});

describe('the hop that carries an association\'s UDP', () => {
  const a = { type: 'socks5' as const, host: '10.0.0.1', port: 1080 };
  const b = { type: 'socks5' as const, host: '10.0.0.2', port: 1080 };
  const h = { type: 'http' as const, host: '10.0.0.3', port: 8080 };
  it('strict and dynamic: only a lone SOCKS5 proxy', () => {
    assert.deepEqual(new UdpHops({ proxies: [a], chainType: 'strict' }).next(), { proxy: a });
    assert.match((new UdpHops({ proxies: [a, b], chainType: 'dynamic' }).next() as { reason: string }).reason, /2 hops/);
  });
  it('round_robin with chain_len 1: one SOCKS5 proxy per association, the shared cursor moving on', () => {
    const roundRobin = { cursor: 0 };
    const config = { proxies: [a, h, b], chainType: 'round_robin' as const, chainLen: 1 };
    assert.deepEqual(new UdpHops(config, { roundRobin }).next(), { proxy: a });
    assert.match((new UdpHops(config, { roundRobin }).next() as { reason: string }).reason, /picked by the round_robin chain\) cannot carry UDP/);
    assert.deepEqual(new UdpHops(config, { roundRobin }).next(), { proxy: b });
    assert.equal(roundRobin.cursor, 0);
    assert.match((new UdpHops({ ...config, chainLen: 2 }, { roundRobin }).next() as { reason: string }).reason, /2 hops per connection/);
  });
  it('a hop that cannot be reached is skipped (ChainAttempts), as for TCP; then none is left', () => {
    const roundRobin = { cursor: 0 };
    const skipped: string[] = [];
    const hops = new UdpHops({ proxies: [a, b], chainType: 'round_robin', chainLen: 1 }, { roundRobin, onDeadHop: (p) => skipped.push(p.host) });
    const unreachable = (p: typeof a) => new ChainError(streamFailure.unreachable('ECONNREFUSED'), 0, p);
    assert.deepEqual(hops.next(), { proxy: a });
    assert.equal(hops.failed(unreachable(a)), true);
    assert.deepEqual(hops.next(), { proxy: b }, 'dead hops are skipped');
    assert.equal(hops.failed(unreachable(b)), true);
    assert.deepEqual(hops.next(), { reason: 'chain_len 1 needs 1 live proxy, 0 of 2 are alive', noLiveProxy: true });
    assert.deepEqual(skipped, ['10.0.0.1', '10.0.0.2']);
    const lone = new UdpHops({ proxies: [a], chainType: 'dynamic' });
    lone.next();
    assert.equal(lone.failed(unreachable(a)), false, 'a lone proxy\'s failure is the association\'s');
  });
  it('random with chain_len 1: the proxy the random source picks', () => {
    const config = { proxies: [a, b], chainType: 'random' as const };
    assert.deepEqual(new UdpHops(config, { random: () => 0.9 }).next(), { proxy: b });
    assert.deepEqual(new UdpHops(config, { random: () => 0 }).next(), { proxy: a });
  });
  it('knows a live process from a gone one', () => {
    assert.equal(processAlive(process.pid), true);
    assert.equal(processAlive(0x3ffffff), false);
  });
});
