// The agent's answers to DNS queries a program sends its resolv.conf nameservers (issue 12,
// docs/fake-dns.md): fake A/AAAA from the shared table, /etc/hosts names real, PTR for fake
// addresses, everything else forwarded (or REFUSED); FORMERR, NOTIMP and drops for bad queries.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dnsPacket from 'dns-packet';
import { DnsResponder, onionRefusal, type DnsOutcome } from '../../src/agent/dns-responder';
import { FakeDnsTable } from '../../src/agent/fake-dns-table';
import { HostsFile } from '../../src/agent/hosts-file';
import { DnsFrameReader, dnsUdpLimit, fitDnsAnswerToUdp, frameDnsMessage, reverseNameAddress } from '../../src/protocol/dns-message';
import { h } from '../helpers/codec-vectors';

const hosts = new HostsFile('127.0.0.1 localhost\n::1 localhost\n192.0.2.10 printer.lan printer\n');
function responder(): { r: DnsResponder; fake: FakeDnsTable } {
  const fake = new FakeDnsTable(240);
  return { r: new DnsResponder(fake, hosts), fake };
}

function query(name: string, type: dnsPacket.RecordType, opts: { id?: number; edns?: number; version?: number; flags?: number } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? 0xbeef,
    flags: opts.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals: opts.edns === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns, ednsVersion: opts.version ?? 0, flags: 0, options: [] } as unknown as dnsPacket.Answer],
  });
}

function answered(o: DnsOutcome): dnsPacket.DecodedPacket & { rcode?: string } {
  assert.equal(o.kind, 'answer', JSON.stringify(o));
  return dnsPacket.decode((o as { message: Buffer }).message) as dnsPacket.DecodedPacket & { rcode?: string };
}

describe('DNS responder: A, AAAA and PTR from the fake table and /etc/hosts', () => {
  it('A and AAAA get the name\'s fake addresses, the same getaddrinfo gets; ID, question case, RD echoed', () => {
    const { r, fake } = responder();
    const a = answered(r.respond(query('Target.Test', 'A', { id: 0x1234 })));
    const addrs = fake.addressesFor('target.test')!;
    assert.equal(a.id, 0x1234);
    assert.equal(a.type, 'response');
    assert.equal(a.rcode, 'NOERROR');
    assert.ok(a.flag_rd && a.flag_ra && !a.flag_tc);
    assert.deepEqual(a.questions, [{ name: 'Target.Test', type: 'A', class: 'IN' }]);
    assert.deepEqual(a.answers!.map((x) => [x.type, x.name, (x as { data: string }).data]), [['A', 'Target.Test', addrs.ipv4]]);
    const aaaa = answered(r.respond(query('target.test', 'AAAA')));
    assert.deepEqual(aaaa.answers!.map((x) => (x as { data: string }).data), [addrs.ipv6]);
  });

  it('the question is echoed byte for byte (0x20 case randomisation survives)', () => {
    const { r } = responder();
    const q = query('wWw.ExAmPlE.tEsT', 'A');
    const o = r.respond(q);
    assert.equal(o.kind, 'answer');
    const m = (o as { message: Buffer }).message;
    assert.ok(m.subarray(12, 12 + q.length - 12).equals(q.subarray(12)));
  });

  it('/etc/hosts names and localhost get their real addresses, of the family asked; none of it makes a fake', () => {
    const { r, fake } = responder();
    assert.deepEqual(answered(r.respond(query('printer', 'A'))).answers!.map((x) => (x as { data: string }).data), ['192.0.2.10']);
    const none = answered(r.respond(query('printer.lan', 'AAAA')));
    assert.equal(none.rcode, 'NOERROR');
    assert.deepEqual(none.answers, []);
    assert.deepEqual(answered(r.respond(query('localhost', 'AAAA'))).answers!.map((x) => (x as { data: string }).data), ['::1']);
    assert.equal(fake.nameFor('240.0.0.1'), undefined);
  });

  it('PTR of a fake address gives its name; of an /etc/hosts address its name; of an unused fake NXDOMAIN', () => {
    const { r, fake } = responder();
    const addrs = fake.addressesFor('x.test')!;
    const v4 = answered(r.respond(query(`${addrs.ipv4.split('.').reverse().join('.')}.in-addr.arpa`, 'PTR')));
    assert.deepEqual(v4.answers!.map((x) => (x as { data: string }).data), ['x.test']);
    const nibbles = [...Buffer.from('fd73:6f63:6b73:0000:0000:0000:0000:0001'.replace(/:/g, ''), 'hex').toString('hex')].reverse().join('.');
    const v6 = answered(r.respond(query(`${nibbles}.ip6.arpa`, 'PTR')));
    assert.deepEqual(v6.answers!.map((x) => (x as { data: string }).data), ['x.test']);
    assert.deepEqual(answered(r.respond(query('10.2.0.192.in-addr.arpa', 'PTR'))).answers!.map((x) => (x as { data: string }).data), ['printer.lan']);
    assert.equal(answered(r.respond(query('9.9.0.240.in-addr.arpa', 'PTR'))).rcode, 'NXDOMAIN');
  });

  it('every other type (MX, TXT, SRV, a PTR of a real address, CH class) is for a real resolver: forward, with a REFUSED ready', () => {
    const { r } = responder();
    for (const [name, type] of [['x.test', 'MX'], ['x.test', 'TXT'], ['_sip._udp.x.test', 'SRV'], ['1.2.0.192.in-addr.arpa', 'PTR']] as const) {
      const o = r.respond(query(name, type, { id: 7 }));
      assert.equal(o.kind, 'forward', `${name} ${type}`);
      const refused = dnsPacket.decode((o as { refused: Buffer }).refused) as dnsPacket.DecodedPacket & { rcode?: string };
      assert.equal(refused.rcode, 'REFUSED');
      assert.equal(refused.id, 7);
      assert.deepEqual(refused.questions, [{ name, type, class: 'IN' }]);
    }
    const chaos = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'TXT', name: 'version.bind', class: 'CH' }] });
    assert.equal(r.respond(chaos).kind, 'forward');
  });

  it('EDNS: an OPT record in, ours (1232) out; a version above 0 gets BADVERS', () => {
    const { r } = responder();
    const e = answered(r.respond(query('x.test', 'A', { edns: 4096 })));
    const opt = e.additionals!.find((x) => x.type === 'OPT') as dnsPacket.OptAnswer;
    assert.equal(opt.udpPayloadSize, 1232);
    assert.equal(e.answers!.length, 1);
    const plain = answered(r.respond(query('x.test', 'A')));
    assert.deepEqual(plain.additionals, []);
    const bad = answered(r.respond(query('x.test', 'A', { edns: 1232, version: 1 })));
    const badOpt = bad.additionals!.find((x) => x.type === 'OPT') as dnsPacket.OptAnswer;
    assert.equal(badOpt.extendedRcode, 1, 'BADVERS = 16: upper bits 1 in the OPT, 0 in the header');
    assert.equal(bad.answers!.length, 0);
  });
});

describe('DNS responder: bad input gets FORMERR, NOTIMP, REFUSED or is dropped', () => {
  const { r } = responder();
  it('shorter than a header, or a response: dropped', () => {
    assert.equal(r.respond(Buffer.alloc(11)).kind, 'drop');
    const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'x.test' }] });
    assert.equal(r.respond(response).kind, 'drop');
  });

  it('two questions, none, or an unreadable question: FORMERR with the ID', () => {
    const two = dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name: 'a.test' }, { type: 'A', name: 'b.test' }] });
    for (const bad of [two, h('0009 0100 0000 0000 0000 0000'), h('0009 0100 0001 0000 0000 0000 05 61 62')]) {
      const a = answered(r.respond(bad));
      assert.equal(a.id, 9);
      assert.equal(a.rcode, 'FORMERR');
    }
  });

  it('an opcode other than QUERY: NOTIMP', () => {
    const status = query('x.test', 'A', { flags: 2 << 11 });
    assert.equal(answered(r.respond(status)).rcode, 'NOTIMP');
  });

  it('a name with a dot inside a label, a space, or not UTF-8: REFUSED (it would reach the proxy as another name)', () => {
    const dotted = h('0001 0100 0001 0000 0000 0000', '03 612e62 04 74657374 00', '0001 0001');
    const spaced = h('0001 0100 0001 0000 0000 0000', '03 612062 00', '0001 0001');
    const binary = h('0001 0100 0001 0000 0000 0000', '02 ff61 00', '0001 0001');
    for (const q of [dotted, spaced, binary]) assert.equal(answered(r.respond(q)).rcode, 'REFUSED', q.toString('hex'));
  });
});

describe('DNS messages: names, framing, UDP size', () => {
  it('reverse names: in-addr.arpa and ip6.arpa, strictly', () => {
    assert.equal(reverseNameAddress('4.3.2.1.in-addr.arpa'), '1.2.3.4');
    assert.equal(reverseNameAddress('4.3.2.1.IN-ADDR.ARPA.'), '1.2.3.4');
    assert.equal(reverseNameAddress('04.3.2.1.in-addr.arpa'), undefined);
    assert.equal(reverseNameAddress('256.3.2.1.in-addr.arpa'), undefined);
    assert.equal(reverseNameAddress('3.2.1.in-addr.arpa'), undefined);
    assert.equal(reverseNameAddress(`${'0.'.repeat(31)}1.ip6.arpa`), '1000:0000:0000:0000:0000:0000:0000:0000');
  });

  it('TCP frames: several in one chunk, one split anywhere; a partial one is held', () => {
    const a = frameDnsMessage(Buffer.from('first message'));
    const b = frameDnsMessage(Buffer.from('second'));
    const r = new DnsFrameReader();
    assert.deepEqual(r.push(Buffer.concat([a, b.subarray(0, 1)])).map(String), ['first message']);
    assert.equal(r.pending, 1);
    assert.deepEqual(r.push(b.subarray(1)).map(String), ['second']);
    assert.equal(r.pending, 0);
  });

  it('a local answer too big for the client\'s UDP size goes truncated, TC set, question kept', () => {
    const many = new HostsFile(Array.from({ length: 60 }, (_, i) => `10.0.${i}.1 big.lan`).join('\n'));
    const r = new DnsResponder(new FakeDnsTable(240), many);
    const q = query('big.lan', 'A');
    const o = r.respond(q);
    assert.equal(o.kind, 'answer');
    const whole = (o as { message: Buffer }).message;
    assert.ok(whole.length > 512);
    assert.equal(dnsUdpLimit(q), 512);
    const fitted = dnsPacket.decode(fitDnsAnswerToUdp(q, whole));
    assert.ok(fitted.flag_tc);
    assert.deepEqual(fitted.questions, [{ name: 'big.lan', type: 'A', class: 'IN' }]);
    assert.deepEqual(fitted.answers, []);
  });
});

describe('remote DNS off: .onion queries refused', () => {
  it('a query for a name under .onion gets REFUSED (question echoed); any other message undefined', () => {
    const refused = onionRefusal(query('Abc.ONION.', 'A', { id: 5 }))!;
    assert.equal(refused.name, 'Abc.ONION');
    const d = dnsPacket.decode(refused.message) as dnsPacket.DecodedPacket & { rcode?: string };
    assert.equal(d.rcode, 'REFUSED');
    assert.equal(d.id, 5);
    assert.equal(onionRefusal(query('onion.example', 'A')), undefined);
    assert.equal(onionRefusal(Buffer.from('junk')), undefined);
  });
});
