import { serializeWireIp } from './address';
import { Action, BindAction, DialState, SCRIPT_ENDS_HOP, Status, UdpGuard } from './codes';
import { serializeFrame, serializeFrameOf } from './frame-serializer';
import { INSTRUCTION_HEAD_LEN, MAX_SCRIPT_ENTRIES, MAX_SCRIPT_PREFIX } from './layout';
import type {
  ConnectResponse,
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
  UdpFastGuard,
  UdpFastLookupResponse,
  UdpFastResponse,
  UdpLookupResponse,
  UdpRouteResponse,
  VerdictResponse,
} from './messages';

/**
 * Typed responses to frames: the agent's side of docs/wire-protocol.md. Each returns the whole
 * frame with id 0, in one allocation where it is on the connect path; the control server stamps
 * the request's id into it (stampFrameId) when it writes it.
 */

/** A status with an empty body: HELLO's and UDP_RELEASE's ok, a not-found, an errno. */
export function serializeStatus(status: number): Buffer {
  return serializeFrame(status);
}

export function serializeConnectResponse(m: ConnectResponse): Buffer {
  if (!('action' in m)) return serializeStatus(m.status);
  switch (m.action) {
    case Action.direct:
      return serializeFrameOf(Status.ok, [Action.direct]);
    case Action.proxy:
      return serializeFrameOf(Status.ok, [Action.proxy], m.ticket);
    case Action.execute:
      return serializeExecuteAnswer(serializeInstruction(m.instruction, m.session));
  }
}

/** CONNECT's execute answer around `session u32 | instruction` (serializeInstruction with a session). */
export function serializeExecuteAnswer(execute: Buffer): Buffer {
  return serializeFrameOf(Status.ok, [Action.execute], execute);
}

export function serializeResolveResponse(m: ResolveResponse): Buffer {
  if (!('addresses' in m)) return serializeStatus(m.status);
  return serializeFrameOf(Status.ok, [m.addresses.length], Buffer.concat(m.addresses.map(serializeWireIp)));
}

export function serializeReverseResponse(m: ReverseResponse): Buffer {
  return 'name' in m ? serializeFrame(Status.ok, Buffer.from(m.name, 'utf8')) : serializeStatus(m.status);
}

export function serializePeerResponse(m: PeerResponse): Buffer {
  return 'address' in m ? serializeFrame(Status.ok, m.address) : serializeStatus(m.status);
}

export function serializeUdpRouteResponse(m: UdpRouteResponse): Buffer {
  if (!('action' in m)) return serializeStatus(m.status);
  if (m.action === Action.direct) return serializeFrameOf(Status.ok, [Action.direct]);
  return serializeFrameOf(Status.ok, [Action.proxy], Buffer.concat([m.id, m.replyKey]));
}

export function serializeUdpFastResponse(m: UdpFastResponse): Buffer {
  if ('action' in m && m.action === Action.fast) return serializeFrameOf(Status.ok, [Action.fast], Buffer.concat([m.id, m.replyKey, m.proxyRelay, guardBytes(m.guard)]));
  return serializeUdpRouteResponse(m);
}

export function serializeUdpFastLookupResponse(m: UdpFastLookupResponse): Buffer {
  return 'proxyRelay' in m ? serializeFrame(Status.ok, Buffer.concat([m.proxyRelay, guardBytes(m.guard)])) : serializeStatus(m.status);
}

function guardBytes(guard: UdpFastGuard | undefined): Buffer {
  return guard ? Buffer.concat([Buffer.from([UdpGuard.tcp]), guard.local, guard.remote]) : Buffer.from([UdpGuard.none]);
}

export function serializeUdpLookupResponse(m: UdpLookupResponse): Buffer {
  if (!('id' in m)) return serializeStatus(m.status);
  return serializeFrame(Status.ok, Buffer.concat([m.id, m.replyKey, Buffer.from([m.peer ? 1 : 0]), m.peer ?? EMPTY]));
}

export function serializeStepResponse(m: StepResponse): Buffer {
  return serializeDialAnswer(serializeInstruction(m.instruction));
}

export function serializeResumeResponse(m: ResumeResponse): Buffer {
  return serializeDialAnswer(serializeInstruction(m.instruction, m.session));
}

/** STEP's answer around a serialized instruction; RESUME's around `session u32 | instruction`. */
export function serializeDialAnswer(body: Buffer): Buffer {
  return serializeFrame(Status.ok, body);
}

export function serializeProxiesResponse(m: ProxiesResponse): Buffer {
  return serializeFrameOf(Status.ok, [m.addresses.length], Buffer.concat(m.addresses));
}

/** TEMPLATE's answer (parseTemplateResponse has the layout). */
export function serializeTemplateResponse(m: TemplateResponse): Buffer {
  if (!('scope' in m)) return serializeStatus(m.status);
  const parts: Buffer[] = [];
  const head = Buffer.allocUnsafe(2);
  head.writeUInt16BE(m.scope.length);
  parts.push(head);
  for (const e of m.scope) {
    const out = Buffer.allocUnsafe(2 + e.address.length + 2);
    out[0] = e.family;
    out[1] = e.prefix;
    e.address.copy(out, 2);
    out.writeUInt16BE(e.port, 2 + e.address.length);
    parts.push(out);
  }
  parts.push(Buffer.from([m.templates.length]));
  for (const t of m.templates) {
    const out = Buffer.allocUnsafe(4);
    out[0] = t.family;
    out[1] = t.reach;
    out.writeUInt16BE(t.plan.length, 2);
    parts.push(out, t.plan, Buffer.from([t.holes.length]));
    for (const h of t.holes) {
      const hole = Buffer.allocUnsafe(4);
      hole.writeUInt16BE(h.offset);
      hole[2] = h.kind;
      hole[3] = h.sampleLength;
      parts.push(hole);
    }
  }
  return serializeFrame(Status.ok, Buffer.concat(parts));
}

export function serializeVerdictResponse(m: VerdictResponse): Buffer {
  return 'errno' in m ? serializeFrameOf(Status.ok, [m.errno & 0xff]) : serializeStatus(m.status);
}

/**
 * `state u8 | arg u8 | consume u16be | wait_ms u32be | (DIAL: address | read_ms u32be)
 *  | (script: len u16be | script) | send (rest)`, after `session u32be` when one is given (the
 * CONNECT and RESUME answers). One allocation: it is on every dial-path connect.
 */
export function serializeInstruction(m: Instruction, session?: number): Buffer {
  const lead = session === undefined ? 0 : 4;
  const dial = m.dial;
  const script = dial?.script;
  const scriptLength = script ? scriptSize(script) : 0;
  if (scriptLength === undefined) throw new Error('a script the wire cannot carry');
  const out = Buffer.allocUnsafe(lead + INSTRUCTION_HEAD_LEN + (dial ? dial.proxy.length + 4 : 0) + scriptLength + m.send.length);
  let at = 0;
  if (session !== undefined) at = out.writeUInt32BE(session >>> 0, 0);
  out[at] = m.state;
  out[at + 1] = m.arg & 0xff;
  out.writeUInt16BE(m.consume, at + 2);
  at = out.writeUInt32BE(clampMs(m.waitMs), at + 4);
  if (dial) {
    at += dial.proxy.copy(out, at);
    at = out.writeUInt32BE(clampMs(dial.readMs), at);
    if (script) at = writeScript(out, at, script, scriptLength);
  }
  m.send.copy(out, at);
  return out;
}

/**
 * The bytes a script takes in a DIAL (`len u16 | count u8 | entries`), or undefined when it cannot
 * be sent: empty, more than MAX_SCRIPT_ENTRIES, or a prefix over 127 bytes.
 */
export function scriptSize(script: readonly ScriptEntry[]): number | undefined {
  if (script.length === 0 || script.length > MAX_SCRIPT_ENTRIES) return undefined;
  let size = 2 + 1;
  for (const e of script) {
    if (e.prefix.length > MAX_SCRIPT_PREFIX) return undefined;
    size += 1 + e.prefix.length + 4 + e.then.length;
  }
  return size;
}

/** `len u16 | count u8 | {prefix_len u8 (top bit: ends a hop) | prefix | total u16 | then_len u16 | then}`. */
function writeScript(out: Buffer, at: number, script: readonly ScriptEntry[], size: number): number {
  at = out.writeUInt16BE(size - 2, at);
  out[at++] = script.length;
  for (const e of script) {
    out[at++] = e.prefix.length | (e.endsHop ? SCRIPT_ENDS_HOP : 0);
    at += e.prefix.copy(out, at);
    at = out.writeUInt16BE(e.total, at);
    at = out.writeUInt16BE(e.then.length, at);
    at += e.then.copy(out, at);
  }
  return at;
}

/** DONE: the handshake is over; `errno` 0 (connected) or connect()'s errno. */
export function doneInstruction(errno: number, consume = 0): Instruction {
  return { state: DialState.done, arg: errno, consume, waitMs: 0, send: EMPTY };
}

function clampMs(ms: number): number {
  return Math.min(Math.max(0, Math.round(ms)), 0xffffffff);
}

const EMPTY = Buffer.alloc(0);

export const serializeSocknameResponse = serializePeerResponse;
export const serializeBindPeerResponse = serializePeerResponse;

export function serializeBindResponse(m: BindResponse): Buffer {
  if (!('action' in m)) return serializeStatus(m.status);
  return m.action === BindAction.local ? serializeFrameOf(Status.ok, [BindAction.local]) : serializeFrameOf(Status.ok, [BindAction.proxy], m.bound);
}
