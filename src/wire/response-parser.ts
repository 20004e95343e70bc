import { parseWireIp, wireAddressLength } from './address';
import { Action, BindAction, DialArg, DialState, SCRIPT_ENDS_HOP, Status, UdpGuard } from './codes';
import type { Frame } from './frame-parser';
import { ASSOC_ID_LEN, INSTRUCTION_HEAD_LEN, REPLY_KEY_LEN, TICKET_LEN } from './layout';
import type {
  ConnectResponse,
  Failure,
  Instruction,
  PeerResponse,
  BindResponse,
  ProxiesResponse,
  ResolveResponse,
  ResumeResponse,
  ReverseResponse,
  ScriptEntry,
  StepResponse,
  TemplateResponse,
  ScopeException,
  PlanTemplate,
  UdpFastGuard,
  UdpFastLookupResponse,
  UdpFastResponse,
  UdpLookupResponse,
  UdpRouteResponse,
  VerdictResponse,
} from './messages';
import { WireError } from './wire-error';

/**
 * Response frames (agent → shim) to typed messages: what the shim reads, in TypeScript for the
 * tests that speak for a shim and for the golden vectors. Each throws WireError on a body the
 * protocol does not allow.
 */

export function parseStatusResponse(frame: Frame): Failure {
  if (frame.body.length !== 0) throw new WireError('a status with a body');
  return { status: frame.kind };
}

export function parseConnectResponse(frame: Frame): ConnectResponse {
  if (frame.kind !== Status.ok) return parseStatusResponse(frame);
  const body = frame.body;
  switch (body[0]) {
    case Action.direct:
      exactly(body, 1);
      return { status: 0, action: Action.direct };
    case Action.proxy:
      exactly(body, 1 + TICKET_LEN);
      return { status: 0, action: Action.proxy, ticket: body.subarray(1) };
    case Action.execute: {
      if (body.length < 5) throw new WireError('short CONNECT execute');
      return { status: 0, action: Action.execute, session: body.readUInt32BE(1), instruction: parseInstruction(body.subarray(5)) };
    }
    default:
      throw new WireError(`unknown CONNECT action ${body[0]}`);
  }
}

export function parseResolveResponse(frame: Frame): ResolveResponse {
  if (frame.kind !== Status.ok) return parseStatusResponse(frame);
  const body = frame.body;
  const count = body[0] ?? 0;
  const addresses: string[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    const { ip, length } = parseWireIp(body, at);
    addresses.push(ip.host);
    at += length;
  }
  exactly(body, at);
  return { status: 0, addresses };
}

export function parseReverseResponse(frame: Frame): ReverseResponse {
  if (frame.kind !== Status.ok) return parseStatusResponse(frame);
  return { status: 0, name: frame.body.toString('utf8') };
}

export function parsePeerResponse(frame: Frame): PeerResponse {
  if (frame.kind !== Status.ok) return parseStatusResponse(frame);
  exactly(frame.body, wireAddressLength(frame.body, 0));
  return { status: 0, address: frame.body };
}

export function parseUdpRouteResponse(frame: Frame): UdpRouteResponse {
  if (frame.kind !== Status.ok) return parseStatusResponse(frame);
  const body = frame.body;
  if (body[0] === Action.direct) {
    exactly(body, 1);
    return { status: 0, action: Action.direct };
  }
  if (body[0] !== Action.proxy) throw new WireError(`unknown UDP_ROUTE action ${body[0]}`);
  exactly(body, 1 + ASSOC_ID_LEN + REPLY_KEY_LEN);
  return { status: 0, action: Action.proxy, id: body.subarray(1, 1 + ASSOC_ID_LEN), replyKey: body.subarray(1 + ASSOC_ID_LEN) };
}

export function parseUdpFastResponse(frame: Frame): UdpFastResponse {
  const body = frame.body;
  if (frame.kind !== Status.ok || body[0] !== Action.fast) return parseUdpRouteResponse(frame);
  const head = 1 + ASSOC_ID_LEN + REPLY_KEY_LEN;
  if (body.length < head + 1) throw new WireError('short UDP_FAST answer');
  const relayEnd = head + wireAddressLength(body, head);
  return { status: 0, action: Action.fast, id: body.subarray(1, 1 + ASSOC_ID_LEN), replyKey: body.subarray(1 + ASSOC_ID_LEN, head), proxyRelay: body.subarray(head, relayEnd), ...parseGuard(body, relayEnd) };
}

export function parseUdpFastLookupResponse(frame: Frame): UdpFastLookupResponse {
  if (frame.kind !== Status.ok) return parseStatusResponse(frame);
  const relayEnd = wireAddressLength(frame.body, 0);
  return { status: 0, proxyRelay: frame.body.subarray(0, relayEnd), ...parseGuard(frame.body, relayEnd) };
}

/** `0` (no guard) or `1 | local address | remote address`, ending the body. */
function parseGuard(body: Buffer, at: number): { guard?: UdpFastGuard } {
  if (body.length <= at) throw new WireError('UDP_FAST answer without its guard');
  if (body[at] === UdpGuard.none) {
    exactly(body, at + 1);
    return {};
  }
  if (body[at] !== UdpGuard.tcp) throw new WireError(`unknown UDP_FAST guard ${body[at]}`);
  const localEnd = at + 1 + wireAddressLength(body, at + 1);
  const remoteEnd = localEnd + wireAddressLength(body, localEnd);
  exactly(body, remoteEnd);
  return { guard: { local: body.subarray(at + 1, localEnd), remote: body.subarray(localEnd, remoteEnd) } };
}

export function parseUdpLookupResponse(frame: Frame): UdpLookupResponse {
  if (frame.kind !== Status.ok) return parseStatusResponse(frame);
  const body = frame.body;
  const head = ASSOC_ID_LEN + REPLY_KEY_LEN;
  if (body.length < head + 1) throw new WireError('short UDP_LOOKUP answer');
  const id = body.subarray(0, ASSOC_ID_LEN);
  const replyKey = body.subarray(ASSOC_ID_LEN, head);
  if (body[head] === 0) {
    exactly(body, head + 1);
    return { status: 0, id, replyKey };
  }
  exactly(body, head + 1 + wireAddressLength(body, head + 1));
  return { status: 0, id, replyKey, peer: body.subarray(head + 1) };
}

export function parseStepResponse(frame: Frame): StepResponse {
  if (frame.kind !== Status.ok) throw new WireError(`STEP answered status ${frame.kind}`);
  return { status: 0, instruction: parseInstruction(frame.body) };
}

export function parseResumeResponse(frame: Frame): ResumeResponse {
  if (frame.kind !== Status.ok || frame.body.length < 4) throw new WireError('bad RESUME answer');
  return { status: 0, session: frame.body.readUInt32BE(0), instruction: parseInstruction(frame.body.subarray(4)) };
}

export function parseProxiesResponse(frame: Frame): ProxiesResponse {
  if (frame.kind !== Status.ok) throw new WireError(`PROXIES answered status ${frame.kind}`);
  const body = frame.body;
  const count = body[0] ?? 0;
  const addresses: Buffer[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    const length = wireAddressLength(body, at);
    addresses.push(body.subarray(at, at + length));
    at += length;
  }
  exactly(body, at);
  return { status: 0, addresses };
}

/** TEMPLATE: `scope_count u16 | {fam | prefix | addr | port u16}… | count u8 | {fam | reach | plan_len u16 | plan | hole_count u8 | {offset u16 | kind | sample_len}…}…`. */
export function parseTemplateResponse(frame: Frame): TemplateResponse {
  if (frame.kind !== Status.ok) return parseStatusResponse(frame);
  const body = frame.body;
  const need = (n: number) => {
    if (at + n > body.length) throw new WireError('TEMPLATE answer cut short');
  };
  let at = 0;
  need(2);
  const scopeCount = body.readUInt16BE(0);
  at = 2;
  const scope: ScopeException[] = [];
  for (let i = 0; i < scopeCount; i++) {
    need(2);
    const family = body[at]!;
    if (family !== 4 && family !== 6) throw new WireError(`TEMPLATE scope family ${family}`);
    const size = family === 4 ? 4 : 16;
    const prefix = body[at + 1]!;
    if (prefix > size * 8) throw new WireError(`TEMPLATE scope prefix ${prefix}`);
    need(2 + size + 2);
    scope.push({ family, prefix, address: body.subarray(at + 2, at + 2 + size), port: body.readUInt16BE(at + 2 + size) });
    at += 2 + size + 2;
  }
  need(1);
  const count = body[at++]!;
  const templates: PlanTemplate[] = [];
  for (let i = 0; i < count; i++) {
    need(4);
    const family = body[at]!;
    if (family !== 4 && family !== 6) throw new WireError(`TEMPLATE family ${family}`);
    const reach = body[at + 1]!;
    const planLength = body.readUInt16BE(at + 2);
    at += 4;
    need(planLength + 1);
    const plan = body.subarray(at, at + planLength);
    at += planLength;
    const holeCount = body[at++]!;
    const holes = [];
    for (let h = 0; h < holeCount; h++) {
      need(4);
      holes.push({ offset: body.readUInt16BE(at), kind: body[at + 2]!, sampleLength: body[at + 3]! });
      at += 4;
    }
    templates.push({ family, reach, plan, holes });
  }
  exactly(body, at);
  return { status: 0, scope, templates };
}

export function parseVerdictResponse(frame: Frame): VerdictResponse {
  if (frame.kind !== Status.ok) return parseStatusResponse(frame);
  exactly(frame.body, 1);
  return { status: 0, errno: frame.body[0]! };
}

/** An instruction (serializeInstruction without the session). */
export function parseInstruction(buf: Buffer): Instruction {
  if (buf.length < INSTRUCTION_HEAD_LEN) throw new WireError('short instruction');
  const state = buf[0]!;
  const arg = buf[1]!;
  const consume = buf.readUInt16BE(2);
  const waitMs = buf.readUInt32BE(4);
  let at = INSTRUCTION_HEAD_LEN;
  if (state !== DialState.dial) return { state, arg, consume, waitMs, send: buf.subarray(at) };
  const length = wireAddressLength(buf, at);
  const proxy = buf.subarray(at, at + length);
  at += length;
  if (buf.length < at + 4) throw new WireError('short DIAL');
  const readMs = buf.readUInt32BE(at);
  at += 4;
  if ((arg & DialArg.script) === 0) return { state, arg, consume, waitMs, dial: { proxy, readMs }, send: buf.subarray(at) };
  if (buf.length < at + 2) throw new WireError('short DIAL script');
  const end = at + 2 + buf.readUInt16BE(at);
  if (buf.length < end) throw new WireError('short DIAL script');
  const script = parseScript(buf.subarray(at + 2, end));
  return { state, arg, consume, waitMs, dial: { proxy, readMs, script }, send: buf.subarray(end) };
}

/** `count u8 | { prefix_len u8 | prefix | total u16be | then_len u16be | then } ...`. */
function parseScript(buf: Buffer): ScriptEntry[] {
  const count = buf[0] ?? 0;
  const entries: ScriptEntry[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    if (buf.length < at + 1) throw new WireError('short script');
    const prefixLength = buf[at]! & ~SCRIPT_ENDS_HOP;
    const endsHop = (buf[at]! & SCRIPT_ENDS_HOP) !== 0;
    at += 1;
    if (buf.length < at + prefixLength + 4) throw new WireError('short script');
    const prefix = buf.subarray(at, at + prefixLength);
    at += prefixLength;
    const total = buf.readUInt16BE(at);
    const thenLength = buf.readUInt16BE(at + 2);
    at += 4;
    if (buf.length < at + thenLength) throw new WireError('short script');
    entries.push({ prefix, total, then: buf.subarray(at, at + thenLength), endsHop });
    at += thenLength;
  }
  exactly(buf, at);
  return entries;
}

function exactly(buf: Buffer, length: number): void {
  if (buf.length !== length) throw new WireError(`a body of ${buf.length} bytes where ${length} were due`);
}

export const parseSocknameResponse = parsePeerResponse;
export const parseBindPeerResponse = parsePeerResponse;

/** `action u8 (0 local, 1 proxy) | address (proxy only)`. */
export function parseBindResponse(frame: Frame): BindResponse {
  if (frame.kind !== Status.ok) return parseStatusResponse(frame);
  const body = frame.body;
  if (body[0] === BindAction.local) {
    exactly(body, 1);
    return { status: 0, action: BindAction.local };
  }
  if (body[0] !== BindAction.proxy) throw new WireError('bad BIND action');
  exactly(body, 1 + wireAddressLength(body, 1));
  return { status: 0, action: BindAction.proxy, bound: body.subarray(1) };
}
