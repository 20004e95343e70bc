import { parseWireIp, parseWireIpAddr, wireAddressLength } from './address';
import { ConnectFlag, Relay, UdpFastFlag, UdpRelease, UdpRouteFlag } from './codes';
import { STEP_HEADER_LEN, TICKET_LEN, TOKEN_LEN } from './layout';
import type {
  HelloRequest,
  ParsedConnectRequest,
  ParsedNoteRequest,
  ParsedResumeRequest,
  PeerRequest,
  BindRequest,
  BindPeerRequest,
  ResolveRequest,
  ReverseRequest,
  StepRequest,
  UdpFastLookupRequest,
  UdpFastRequest,
  UdpLookupRequest,
  UdpReleaseRequest,
  UdpRouteRequest,
  VerdictRequest,
} from './messages';
import { WireError } from './wire-error';

/**
 * Request bodies (shim → agent) to typed messages: the agent's side of docs/wire-protocol.md.
 * Each throws WireError on a body the protocol does not allow; the agent then drops the
 * connection, so the shim fails closed. Byte fields are views into the frame's body (the
 * frame decoder's own copy) unless said otherwise.
 */

/** `token (16) | pid u32be | name (rest)`. */
export function parseHelloRequest(body: Buffer): HelloRequest {
  if (body.length < TOKEN_LEN + 4) throw new WireError('short HELLO');
  return { token: body.subarray(0, TOKEN_LEN), pid: body.readUInt32BE(TOKEN_LEN), name: body.subarray(TOKEN_LEN + 4).toString('utf8') };
}

/** `socktype u8 | address | flags u8 (optional)`. */
export function parseConnectRequest(body: Buffer): ParsedConnectRequest {
  if (body.length < 1) throw new WireError('empty CONNECT');
  const { ip, length } = parseWireIpAddr(body, 1);
  if (body.length < 1 + length + 2) throw new WireError('short CONNECT');
  const port = body.readUInt16BE(1 + length);
  const flags = body.length > 1 + length + 2 ? body[1 + length + 2] : undefined;
  return { socktype: body[0]!, address: body.subarray(1, 1 + length + 2), flags, ip, port };
}

/** `family u8 | name (rest)`. */
export function parseResolveRequest(body: Buffer): ResolveRequest {
  return { family: body[0] ?? 0, name: body.subarray(1).toString('utf8') };
}

/** `fam u8 | 4 or 16 bytes`. */
export function parseReverseRequest(body: Buffer): ReverseRequest {
  return { ip: parseWireIp(body, 0).ip };
}

/** `local port u16be | relay u8 (4, 6)`, or `local port u16be | 0 | address` (the dial path). */
export function parsePeerRequest(body: Buffer): PeerRequest {
  if (body.length < 2) throw new WireError('short PEER');
  const localPort = body.readUInt16BE(0);
  if (body.length > 3 && body[2] === Relay.dial) {
    const end = 3 + wireAddressLength(body, 3);
    if (body.length === end) return { localPort, relay: Relay.dial, via: body.subarray(3) };
    // SOCKNAME of a non-blocking dialled socket: `reply_len u8 | reply` after the proxy.
    const replyLength = body[end]!;
    if (body.length !== end + 1 + replyLength) throw new WireError('bad SOCKNAME reply length');
    return { localPort, relay: Relay.dial, via: body.subarray(3, end), reply: body.subarray(end + 1) };
  }
  // An agent that read only the port was right for the IPv4 relay: a missing byte means 4.
  return { localPort, relay: body.length > 2 && body[2] === Relay.v6 ? 6 : 4 };
}

/** `flags u8 | relay u8 | local port u16be | address`; the address is copied (it outlives the frame). */
export function parseUdpRouteRequest(body: Buffer): UdpRouteRequest {
  if (body.length < 4) throw new WireError('short UDP_ROUTE');
  const length = wireAddressLength(body, 4);
  return { connecting: (body[0]! & UdpRouteFlag.connecting) !== 0, relay: relayOf(body[1]), localPort: body.readUInt16BE(2), address: Buffer.from(body.subarray(4, 4 + length)) };
}

/** `what u8 | relay u8 | local port u16be`. */
export function parseUdpReleaseRequest(body: Buffer): UdpReleaseRequest {
  if (body.length < 4) throw new WireError('short UDP_RELEASE');
  return { closed: body[0] === UdpRelease.closed, relay: relayOf(body[1]), localPort: body.readUInt16BE(2) };
}

/** `relay u8 | local port u16be`. */
export function parseUdpLookupRequest(body: Buffer): UdpLookupRequest {
  if (body.length < 3) throw new WireError('short UDP_LOOKUP');
  return { relay: relayOf(body[0]), localPort: body.readUInt16BE(1) };
}

/** `reach u8 | relay u8 | local port u16be | address` (UDP_ROUTE's shape, reach for flags). */
export function parseUdpFastRequest(body: Buffer): UdpFastRequest {
  if (body.length < 4) throw new WireError('short UDP_FAST');
  const length = wireAddressLength(body, 4);
  const ended = (body[0]! & UdpFastFlag.ended) !== 0;
  return { reach: body[0]! & (ConnectFlag.reach4 | ConnectFlag.reach6), relay: relayOf(body[1]), localPort: body.readUInt16BE(2), address: Buffer.from(body.subarray(4, 4 + length)), ...(ended ? { ended: true } : {}) };
}

/** `relay u8 | local port u16be` (as UDP_LOOKUP). */
export function parseUdpFastLookupRequest(body: Buffer): UdpFastLookupRequest {
  if (body.length < 3) throw new WireError('short UDP_FAST_LOOKUP');
  return { relay: relayOf(body[0]), localPort: body.readUInt16BE(1) };
}

/** `session u32be | event u8 | errno u16be | local port u16be | matched u8 | bytes (rest)`. */
export function parseStepRequest(body: Buffer): StepRequest {
  if (body.length < STEP_HEADER_LEN) throw new WireError('short STEP');
  return { session: body.readUInt32BE(0), event: body[4]!, errno: body.readUInt16BE(5), localPort: body.readUInt16BE(7), matched: body[9]!, bytes: body.subarray(STEP_HEADER_LEN) };
}

/** `session u32be | local port u16be`, or `0 u32 | local port u16be | ms u32be | CONNECT request`. */
export function parseNoteRequest(body: Buffer): ParsedNoteRequest {
  if (body.length < 6) throw new WireError('short NOTE');
  const session = body.readUInt32BE(0);
  const localPort = body.readUInt16BE(4);
  if (session !== 0) return { session, localPort };
  // The shortest CONNECT request is 8 bytes (socktype, an IPv4 address and port, flags).
  if (body.length < 10 + 1 + 7) throw new WireError('short NOTE');
  return { session: 0, localPort, ms: body.readUInt32BE(6), connect: parseConnectRequest(body.subarray(10)) };
}

/** `request_len u8 | CONNECT request | ms u32be | STEP request (session 0)`. */
export function parseResumeRequest(body: Buffer): ParsedResumeRequest {
  const requestLength = body[0] ?? 0;
  if (body.length < 1 + requestLength + 4 + STEP_HEADER_LEN) throw new WireError('bad RESUME');
  return {
    connect: parseConnectRequest(body.subarray(1, 1 + requestLength)),
    ms: body.readUInt32BE(1 + requestLength),
    step: parseStepRequest(body.subarray(1 + requestLength + 4)),
  };
}

/** `ticket (16)`. */
export function parseVerdictRequest(body: Buffer): VerdictRequest {
  if (body.length !== TICKET_LEN) throw new WireError('VERDICT needs a 16-byte ticket');
  return { ticket: body };
}

/** Which relay listener: anything but 6 is the IPv4 relay's (as the agent always read it). */
function relayOf(byte: number | undefined): 4 | 6 {
  return byte === Relay.v6 ? 6 : 4;
}

/** SOCKNAME: PEER's body. */
export const parseSocknameRequest = parsePeerRequest;

/** `flags u8 | address`. */
export function parseBindRequest(body: Buffer): BindRequest {
  if (body.length < 1) throw new WireError('empty BIND');
  const length = wireAddressLength(body, 1);
  if (body.length !== 1 + length) throw new WireError('bad BIND length');
  return { flags: body[0]!, listener: body.subarray(1) };
}

/** `address`. */
export function parseBindPeerRequest(body: Buffer): BindPeerRequest {
  if (body.length !== wireAddressLength(body, 0)) throw new WireError('bad BIND_PEER length');
  return { peer: body };
}
