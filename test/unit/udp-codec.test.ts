import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUdpDatagram, encodeUdpDatagram, encodeUdpHeader, type UdpDatagram } from '../../src/protocol/udp-header-codec';
import { UdpReassembler, REASSEMBLY_TIMEOUT_MS } from '../../src/protocol/udp-reassembly';
import { SockswrapError } from '../../src/protocol/sockswrap-error';
import type { TargetAddress } from '../../src/protocol/target-address';

const A: TargetAddress = { kind: 'ipv4', host: '198.19.1.1', port: 7 };

describe('RFC 1928 §7 UDP header codec', () => {
  it('encodes IPv4, IPv6 and a name with FRAG 0', () => {
    assert.equal(encodeUdpHeader(A).toString('hex'), '000000' + '01' + 'c6130101' + '0007');
    assert.equal(
      encodeUdpHeader({ kind: 'ipv6', host: '2001:db8::1', port: 53 }).toString('hex'),
      '000000' + '04' + '20010db8000000000000000000000001' + '0035',
    );
    assert.equal(
      encodeUdpHeader({ kind: 'domain', host: 'x.test', port: 53 }).toString('hex'),
      '000000' + '03' + '06' + Buffer.from('x.test').toString('hex') + '0035',
    );
  });

  it('round-trips header and payload, payload byte-exact (including an empty one)', () => {
    for (const payload of [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(65000, 0xab)]) {
      const d = decodeUdpDatagram(encodeUdpDatagram(A, payload));
      assert.ok(!(d instanceof SockswrapError));
      assert.deepEqual(d.address, A);
      assert.equal(d.frag, 0);
      assert.ok(d.payload.equals(payload));
    }
  });

  it('rejects short, non-zero RSV, truncated and unknown-ATYP datagrams without throwing', () => {
    for (const hex of ['', '0000', '000000', '010000010a000001 0007', '000000010a00', '0000000500', '00000003000035']) {
      const d = decodeUdpDatagram(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
      assert.ok(d instanceof SockswrapError, hex);
      assert.equal(d.code, 'proxy-protocol');
    }
  });

  it('reports FRAG as sent', () => {
    const b = encodeUdpDatagram(A, Buffer.from('x'));
    b[2] = 0x81;
    const d = decodeUdpDatagram(b) as UdpDatagram;
    assert.equal(d.frag, 0x81);
  });
});

function frag(n: number, text: string, address: TargetAddress = A): UdpDatagram {
  return { frag: n, address, payload: Buffer.from(text) };
}

describe('UDP fragment reassembly (sans-IO)', () => {
  it('FRAG 0 is delivered at once', () => {
    const r = new UdpReassembler();
    assert.deepEqual(r.push(frag(0, 'whole'), 0), { type: 'datagram', address: A, payload: Buffer.from('whole') });
  });

  it('in order: 1, 2, 3|end gives one datagram with the first fragment\'s address', () => {
    const r = new UdpReassembler();
    const other: TargetAddress = { kind: 'ipv4', host: '10.0.0.9', port: 9 };
    assert.equal(r.push(frag(1, 'ab'), 0).type, 'pending');
    assert.equal(r.push(frag(2, 'cd', other), 10).type, 'pending');
    const out = r.push(frag(0x83, 'ef', other), 20);
    assert.deepEqual(out, { type: 'datagram', address: A, payload: Buffer.from('abcdef') });
    assert.equal(r.pending, false);
    assert.equal(r.abandoned, 0);
    // and the queue is ready for the next sequence
    assert.equal(r.push(frag(1, 'x'), 30).type, 'pending');
    assert.equal((r.push(frag(0x82, 'y'), 31) as { payload: Buffer }).payload.toString(), 'xy');
  });

  it('a single fragment that is also the last (0x81) is a datagram', () => {
    const r = new UdpReassembler();
    assert.equal((r.push(frag(0x81, 'solo'), 0) as { payload: Buffer }).payload.toString(), 'solo');
  });

  it('out of order: FRAG going down abandons the sequence; nothing wrong is ever delivered', () => {
    const r = new UdpReassembler();
    assert.equal(r.push(frag(1, 'a'), 0).type, 'pending');
    assert.equal(r.push(frag(2, 'b'), 1).type, 'pending');
    // 1 again (FRAG went down): the old queue is abandoned and a new sequence starts
    assert.equal(r.push(frag(1, 'A'), 2).type, 'pending');
    assert.equal(r.abandoned, 1);
    assert.equal((r.push(frag(0x82, 'B'), 3) as { payload: Buffer }).payload.toString(), 'AB');

    const s = new UdpReassembler();
    assert.equal(s.push(frag(2, 'b'), 0).type, 'dropped'); // no start
    assert.equal(s.push(frag(1, 'a'), 1).type, 'pending');
    assert.equal(s.push(frag(0x83, 'c'), 2).type, 'dropped'); // gap: 2 missing → abandoned, and 3 cannot start
    assert.equal(s.pending, false);
    assert.equal(s.abandoned, 1);

    const t = new UdpReassembler();
    t.push(frag(1, 'a'), 0);
    t.push(frag(3, 'c'), 1);
    assert.equal(t.pending, false, 'a gap abandons the queue');
  });

  it('timed out: a sequence older than 5 s is abandoned, at push or at expire()', () => {
    const r = new UdpReassembler();
    r.push(frag(1, 'a'), 1000);
    assert.equal(r.deadline(), 1000 + REASSEMBLY_TIMEOUT_MS);
    assert.equal(r.expire(1000 + REASSEMBLY_TIMEOUT_MS - 1), false);
    // the end arrives too late: the first part is gone, so the end alone cannot start a sequence
    const late = r.push(frag(0x82, 'b'), 1000 + REASSEMBLY_TIMEOUT_MS);
    assert.equal(late.type, 'dropped');
    assert.equal(r.abandoned, 1);

    const s = new UdpReassembler();
    s.push(frag(1, 'a'), 0);
    assert.equal(s.expire(REASSEMBLY_TIMEOUT_MS), true);
    assert.equal(s.pending, false);
    assert.equal(s.deadline(), undefined);
  });

  it('oversized: a sequence past the limit is abandoned, and so is a whole datagram over it', () => {
    const r = new UdpReassembler(10);
    assert.equal(r.push(frag(1, '123456'), 0).type, 'pending');
    const out = r.push(frag(0x82, '7890X'), 1);
    assert.equal(out.type, 'dropped');
    assert.equal(r.pending, false);
    assert.equal(r.abandoned, 1);
    assert.equal(r.push(frag(0, '12345678901'), 2).type, 'dropped');
    assert.equal(r.push(frag(0, '1234567890'), 3).type, 'datagram');
  });

  it('FRAG 0x80 (end, position 0) is malformed', () => {
    assert.equal(new UdpReassembler().push(frag(0x80, 'x'), 0).type, 'dropped');
  });
});
