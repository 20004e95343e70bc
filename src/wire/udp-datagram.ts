/**
 * The header between the shim and the agent's UDP relay (docs/udp.md, docs/wire-protocol.md):
 * fixed-size, so the shim can scatter it into a buffer of its own and the payload straight into
 * the program's buffers with one recvmsg.
 *
 *   program → agent: assoc id (8) | fam u8 (4 or 6) | addr (16; IPv4 in the first 4) | port u16be | payload
 *   agent → program: tag (8)      | fam u8            | addr (16)                      | port u16be | payload
 *
 * Program → agent: the destination, and the association's id, which only the control socket
 * told the shim. Agent → program: the real source of a reply, and a MAC (HMAC-SHA256 truncated to
 * 8 bytes, keyed by the association's reply key, over the rest of the header and the payload) —
 * the key never travels over UDP, so whoever holds the relay's port after the agent is gone
 * cannot make a reply the shim accepts. A connected socket's datagrams carry no header.
 */
import { createHmac } from '../native/lazy-crypto';
import { ASSOC_ID_LEN, TAG_LEN, UDP_ADDR_OFFSET, UDP_FAM_OFFSET, UDP_HEADER_LEN, UDP_PORT_OFFSET } from './layout';

/** The tag of a reply: HMAC-SHA256(key, header after the tag | payload), first 8 bytes. */
export function replyTag(key: Buffer, headerRest: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(headerRest).update(payload).digest().subarray(0, TAG_LEN);
}

/** A reply to the program: `tag | fam | addr | port | payload`. */
export function serializeUdpReply(key: Buffer, address: Buffer, payload: Buffer): Buffer {
  const out = serializeUdpDatagram(Buffer.alloc(ASSOC_ID_LEN), address, payload);
  replyTag(key, out.subarray(TAG_LEN, UDP_HEADER_LEN), payload).copy(out, 0);
  return out;
}

export interface UdpDatagram {
  /** The association id (program → agent) or the tag (agent → program). */
  id: Buffer;
  /** `fam | 4 or 16 bytes | port`, the control protocol's address form. */
  address: Buffer;
  payload: Buffer;
}

/** undefined for a datagram too short or with an unknown family. */
export function parseUdpDatagram(msg: Buffer): UdpDatagram | undefined {
  if (msg.length < UDP_HEADER_LEN) return undefined;
  const fam = msg[UDP_FAM_OFFSET];
  if (fam !== 4 && fam !== 6) return undefined;
  const size = fam === 4 ? 4 : 16;
  const address = Buffer.alloc(1 + size + 2);
  address[0] = fam;
  msg.copy(address, 1, UDP_ADDR_OFFSET, UDP_ADDR_OFFSET + size);
  msg.copy(address, 1 + size, UDP_PORT_OFFSET, UDP_PORT_OFFSET + 2);
  return { id: msg.subarray(0, ASSOC_ID_LEN), address, payload: msg.subarray(UDP_HEADER_LEN) };
}

/** `id | fam | addr (16) | port | payload`, `address` in the control protocol's form. */
export function serializeUdpDatagram(id: Buffer, address: Buffer, payload: Buffer): Buffer {
  const out = Buffer.alloc(UDP_HEADER_LEN + payload.length);
  id.copy(out, 0, 0, ASSOC_ID_LEN);
  const fam = address[0]!;
  const size = fam === 4 ? 4 : 16;
  out[UDP_FAM_OFFSET] = fam;
  address.copy(out, UDP_ADDR_OFFSET, 1, 1 + size);
  address.copy(out, UDP_PORT_OFFSET, 1 + size, 3 + size);
  payload.copy(out, UDP_HEADER_LEN);
  return out;
}
