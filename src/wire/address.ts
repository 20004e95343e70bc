import ipaddr from 'ipaddr.js';
import { WireError } from './wire-error';

/**
 * The wire's address forms (docs/wire-protocol.md): an IP is `fam u8 (4 or 6) | 4 or 16 bytes`,
 * an address is an IP followed by `port u16be`. Kept as bytes where the agent only stores or
 * compares them (PEER answers echo the CONNECT's address exactly).
 */
export interface WireIp {
  family: 4 | 6;
  /** Canonical text form (v4-mapped IPv6 stays IPv6 here; callers unmap where it matters). */
  host: string;
}

function ipSize(buf: Buffer, offset: number): number {
  const fam = buf[offset];
  const size = fam === 4 ? 4 : fam === 6 ? 16 : -1;
  if (size < 0 || buf.length < offset + 1 + size) throw new WireError('bad address in control frame');
  return size;
}

/** `fam | 4 or 16 bytes`, at offset; returns the address and the bytes used. */
export function parseWireIp(buf: Buffer, offset: number): { ip: WireIp; length: number } {
  const size = ipSize(buf, offset);
  const bytes = Array.from(buf.subarray(offset + 1, offset + 1 + size));
  return { ip: { family: size === 4 ? 4 : 6, host: ipaddr.fromByteArray(bytes).toString() }, length: 1 + size };
}

/** parseWireIp() as an ipaddr.js address, with no text form built or parsed. */
export function parseWireIpAddr(buf: Buffer, offset: number): { ip: ipaddr.IPv4 | ipaddr.IPv6; length: number } {
  const size = ipSize(buf, offset);
  const bytes: number[] = new Array(size);
  for (let i = 0; i < size; i++) bytes[i] = buf[offset + 1 + i]!;
  return { ip: ipaddr.fromByteArray(bytes), length: 1 + size };
}

/** The length of the address (`fam | addr | port`) at offset; throws when it is cut short. */
export function wireAddressLength(buf: Buffer, offset: number): number {
  const length = 1 + ipSize(buf, offset) + 2;
  if (buf.length < offset + length) throw new WireError('short address in control frame');
  return length;
}

export function serializeWireIp(host: string): Buffer {
  const bytes = ipaddr.parse(host).toByteArray();
  return Buffer.from([bytes.length === 4 ? 4 : 6, ...bytes]);
}

/** `fam | addr | port` of an IP address and port. */
export function serializeWireAddress(host: string, port: number): Buffer {
  const bytes = ipaddr.parse(host).toByteArray();
  return Buffer.from([bytes.length === 4 ? 4 : 6, ...bytes, (port >> 8) & 0xff, port & 0xff]);
}
