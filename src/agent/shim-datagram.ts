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
 * cannot make a reply the shim accepts.
 */
import { createHmac } from 'node:crypto';

export const SHIM_HEADER_LENGTH = 27;
export const ASSOC_ID_LENGTH = 8;
export const REPLY_KEY_LENGTH = 16;
export const TAG_LENGTH = 8;

/** The tag of a reply: HMAC-SHA256(key, header after the tag | payload), first 8 bytes. */
export function replyTag(key: Buffer, headerRest: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(headerRest).update(payload).digest().subarray(0, TAG_LENGTH);
}

/** A reply to the program: `tag | fam | addr | port | payload`. */
export function encodeShimReply(key: Buffer, address: Buffer, payload: Buffer): Buffer {
  const out = encodeShimDatagram(Buffer.alloc(ASSOC_ID_LENGTH), address, payload);
  replyTag(key, out.subarray(ASSOC_ID_LENGTH, SHIM_HEADER_LENGTH), payload).copy(out, 0);
  return out;
}

export interface ShimDatagram {
  id: Buffer;
  /** `fam | 4 or 16 bytes | port`, the control protocol's address form. */
  address: Buffer;
  payload: Buffer;
}

/** undefined for a datagram too short or with an unknown family. */
export function decodeShimDatagram(msg: Buffer): ShimDatagram | undefined {
  if (msg.length < SHIM_HEADER_LENGTH) return undefined;
  const fam = msg[ASSOC_ID_LENGTH];
  if (fam !== 4 && fam !== 6) return undefined;
  const size = fam === 4 ? 4 : 16;
  const address = Buffer.alloc(1 + size + 2);
  address[0] = fam;
  msg.copy(address, 1, ASSOC_ID_LENGTH + 1, ASSOC_ID_LENGTH + 1 + size);
  msg.copy(address, 1 + size, ASSOC_ID_LENGTH + 17, ASSOC_ID_LENGTH + 19);
  return { id: msg.subarray(0, ASSOC_ID_LENGTH), address, payload: msg.subarray(SHIM_HEADER_LENGTH) };
}

/** `address` in the control protocol's form (`fam | 4 or 16 bytes | port`). */
export function encodeShimDatagram(id: Buffer, address: Buffer, payload: Buffer): Buffer {
  const out = Buffer.alloc(SHIM_HEADER_LENGTH + payload.length);
  id.copy(out, 0, 0, ASSOC_ID_LENGTH);
  const fam = address[0]!;
  const size = fam === 4 ? 4 : 16;
  out[ASSOC_ID_LENGTH] = fam;
  address.copy(out, ASSOC_ID_LENGTH + 1, 1, 1 + size);
  address.copy(out, ASSOC_ID_LENGTH + 17, 1 + size, 3 + size);
  payload.copy(out, SHIM_HEADER_LENGTH);
  return out;
}
