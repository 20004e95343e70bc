/**
 * The header between the shim and the agent's UDP relay (docs/udp.md, docs/wire-protocol.md):
 * fixed-size, so the shim can scatter it into a buffer of its own and the payload straight into
 * the program's buffers with one recvmsg.
 *
 *   assoc id (8) | fam u8 (4 or 6) | addr (16; IPv4 in the first 4, rest 0) | port u16be | payload
 *
 * Program → agent: the destination. Agent → program: the real source of a reply.
 */
export const SHIM_HEADER_LENGTH = 27;
export const ASSOC_ID_LENGTH = 8;

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
