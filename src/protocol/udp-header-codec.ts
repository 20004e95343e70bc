/**
 * RFC 1928 §7, the header in front of every datagram exchanged with a SOCKS5 UDP relay:
 *
 *   +----+------+------+----------+----------+----------+
 *   |RSV | FRAG | ATYP | DST.ADDR | DST.PORT |   DATA   |
 *   +----+------+------+----------+----------+----------+
 *   | 2  |  1   |  1   | Variable |    2     | Variable |
 *
 * Sans-IO: bytes in, values out. The address is the same ATYP + address + port as in a request,
 * so it is encoded and decoded by socks5-codec.ts.
 */
import { decodeSocks5Address, encodeSocks5Address } from './socks5-codec';
import { SockswrapError } from './sockswrap-error';
import type { TargetAddress } from './target-address';

/** FRAG: 0 is a whole datagram; 1..127 a fragment's position; the high bit ends a sequence. */
export const FRAG_STANDALONE = 0x00;
export const FRAG_END_OF_SEQUENCE = 0x80;

export interface UdpDatagram {
  frag: number;
  address: TargetAddress;
  payload: Buffer;
}

/**
 * The header for a datagram to `target` (sockswrap never fragments, so FRAG is always 0).
 * Throws SockswrapError('address-not-supported') for an address SOCKS5 cannot carry.
 */
export function encodeUdpHeader(target: TargetAddress): Buffer {
  return Buffer.concat([Buffer.from([0x00, 0x00, FRAG_STANDALONE]), encodeSocks5Address(target)]);
}

/** Header and payload in one buffer, ready for one send. */
export function encodeUdpDatagram(target: TargetAddress, payload: Buffer): Buffer {
  return Buffer.concat([encodeUdpHeader(target), payload]);
}

/**
 * Splits a datagram from the relay into header fields and payload (a view, not a copy). A
 * datagram is always whole, so a short one is malformed, never 'incomplete'. Never throws.
 */
export function decodeUdpDatagram(datagram: Buffer): UdpDatagram | SockswrapError {
  if (datagram.length < 4) return new SockswrapError('proxy-protocol', `UDP datagram of ${datagram.length} bytes is shorter than any SOCKS5 header`);
  if (datagram[0] !== 0 || datagram[1] !== 0) {
    return new SockswrapError('proxy-protocol', 'UDP datagram header has a non-zero RSV field');
  }
  const frag = datagram[2]!;
  const decoded = decodeSocks5Address(datagram, 3);
  if (decoded === 'incomplete') return new SockswrapError('proxy-protocol', 'UDP datagram ends inside its SOCKS5 header');
  if (decoded instanceof SockswrapError) return decoded;
  return { frag, address: decoded.address, payload: datagram.subarray(3 + decoded.length) };
}
