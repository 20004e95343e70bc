/**
 * Sizes and offsets of the wire (docs/wire-protocol.md), for the TypeScript side and, through the
 * generated header, for the shim's fixed buffers.
 */

/** Control frame: `len u16be | kind u8 | id u32be | body`; `len` counts kind, id and body. */
export const LEN_SIZE = 2;
export const ID_LEN = 4;
export const HEAD_LEN = LEN_SIZE + 1 + ID_LEN;
/** A body is at most this long, so a frame is at most 1030 bytes on the stream. */
export const MAX_BODY = 1023;
/** The `len` field's limit. */
export const MAX_FRAME = 1 + ID_LEN + MAX_BODY;

/** The session token (HELLO), the relay ticket (CONNECT proxy, the relay stream, VERDICT). */
export const TOKEN_LEN = 16;
export const TICKET_LEN = 16;
/** HELLO's program name, at most (the shim cuts it). */
export const MAX_NAME = 64;

/** UDP_ROUTE relay: the association id and the reply key; the UDP header's tag. */
export const ASSOC_ID_LEN = 8;
export const REPLY_KEY_LEN = 16;
export const TAG_LEN = 8;
/** UDP relay datagram header of an unconnected socket: `id or tag (8) | fam | addr (16) | port`. */
export const UDP_FAM_OFFSET = 8;
export const UDP_ADDR_OFFSET = 9;
export const UDP_PORT_OFFSET = 25;
export const UDP_HEADER_LEN = 27;

/** CONNECT's request, at most: socktype, an IPv6 address with port, flags. */
export const CONNECT_REQUEST_MAX = 1 + 19 + 1;
/** STEP: `session u32 | event u8 | errno u16 | local port u16 | matched u8 | bytes`. */
export const STEP_HEADER_LEN = 10;
/** Instruction: `state u8 | arg u8 | consume u16 | wait_ms u32 | ...`. */
export const INSTRUCTION_HEAD_LEN = 8;
/** Expectations in one DIAL's script, at most (the shim's table). */
export const MAX_SCRIPT_ENTRIES = 8;
/** A script entry's prefix, at most (prefix_len's low 7 bits). */
export const MAX_SCRIPT_PREFIX = 0x7f;
/** PROXIES and RESOLVE answers: addresses, at most. */
export const MAX_ADDRESSES = 32;
