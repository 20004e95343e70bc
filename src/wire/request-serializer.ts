import { serializeWireIp } from './address';
import { Relay, UdpFastFlag, UdpRelease, UdpRouteFlag } from './codes';
import { STEP_HEADER_LEN } from './layout';
import type {
  ConnectRequest,
  HelloRequest,
  NoteRequest,
  PeerRequest,
  BindRequest,
  BindPeerRequest,
  ResolveRequest,
  ResumeRequest,
  ReverseRequest,
  StepRequest,
  UdpFastLookupRequest,
  UdpFastRequest,
  UdpLookupRequest,
  UdpReleaseRequest,
  UdpRouteRequest,
  VerdictRequest,
} from './messages';

/**
 * Typed requests to bodies: the shim's side of docs/wire-protocol.md, in TypeScript for the tests
 * that speak for a shim (test/helpers/control-client.ts) and for the golden vectors. The frame
 * around a body is serializeFrame(Op.x, body, id).
 */

export function serializeHelloRequest(m: HelloRequest): Buffer {
  const pid = Buffer.allocUnsafe(4);
  pid.writeUInt32BE(m.pid >>> 0);
  return Buffer.concat([m.token, pid, Buffer.from(m.name, 'utf8')]);
}

export function serializeConnectRequest(m: ConnectRequest): Buffer {
  return Buffer.concat([Buffer.from([m.socktype]), m.address, m.flags === undefined ? EMPTY : Buffer.from([m.flags])]);
}

export function serializeResolveRequest(m: ResolveRequest): Buffer {
  return Buffer.concat([Buffer.from([m.family]), Buffer.from(m.name, 'utf8')]);
}

export function serializeReverseRequest(m: ReverseRequest): Buffer {
  return serializeWireIp(m.ip.host);
}

export function serializePeerRequest(m: PeerRequest): Buffer {
  const head = Buffer.from([m.localPort >> 8, m.localPort & 0xff, m.relay]);
  if (m.relay !== Relay.dial) return head;
  return m.reply ? Buffer.concat([head, m.via, Buffer.from([m.reply.length]), m.reply]) : Buffer.concat([head, m.via]);
}

export function serializeUdpRouteRequest(m: UdpRouteRequest): Buffer {
  return Buffer.concat([Buffer.from([m.connecting ? UdpRouteFlag.connecting : 0, m.relay, m.localPort >> 8, m.localPort & 0xff]), m.address]);
}

export function serializeUdpReleaseRequest(m: UdpReleaseRequest): Buffer {
  return Buffer.from([m.closed ? UdpRelease.closed : UdpRelease.disconnected, m.relay, m.localPort >> 8, m.localPort & 0xff]);
}

export function serializeUdpLookupRequest(m: UdpLookupRequest): Buffer {
  return Buffer.from([m.relay, m.localPort >> 8, m.localPort & 0xff]);
}

export function serializeUdpFastRequest(m: UdpFastRequest): Buffer {
  return Buffer.concat([Buffer.from([m.reach | (m.ended ? UdpFastFlag.ended : 0), m.relay, m.localPort >> 8, m.localPort & 0xff]), m.address]);
}

export function serializeUdpFastLookupRequest(m: UdpFastLookupRequest): Buffer {
  return Buffer.from([m.relay, m.localPort >> 8, m.localPort & 0xff]);
}

export function serializeStepRequest(m: StepRequest): Buffer {
  const out = Buffer.allocUnsafe(STEP_HEADER_LEN + m.bytes.length);
  out.writeUInt32BE(m.session >>> 0, 0);
  out[4] = m.event;
  out.writeUInt16BE(m.errno, 5);
  out.writeUInt16BE(m.localPort, 7);
  out[9] = m.matched;
  m.bytes.copy(out, STEP_HEADER_LEN);
  return out;
}

export function serializeNoteRequest(m: NoteRequest): Buffer {
  const head = Buffer.allocUnsafe(6);
  head.writeUInt32BE(m.session >>> 0, 0);
  head.writeUInt16BE(m.localPort, 4);
  if (!('connect' in m)) return head;
  return Buffer.concat([head, u32(m.ms), serializeConnectRequest(m.connect)]);
}

export function serializeResumeRequest(m: ResumeRequest): Buffer {
  const request = serializeConnectRequest(m.connect);
  return Buffer.concat([Buffer.from([request.length]), request, u32(m.ms), serializeStepRequest(m.step)]);
}

export function serializeVerdictRequest(m: VerdictRequest): Buffer {
  return m.ticket;
}

/** PROXIES asks with an empty body. */
export function serializeProxiesRequest(): Buffer {
  return EMPTY;
}

/** TEMPLATE asks with an empty body. */
export const serializeTemplateRequest = serializeProxiesRequest;

function u32(n: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(n >>> 0);
  return out;
}

const EMPTY = Buffer.alloc(0);

export const serializeSocknameRequest = serializePeerRequest;

export function serializeBindRequest(m: BindRequest): Buffer {
  return Buffer.concat([Buffer.from([m.flags]), m.listener]);
}

export function serializeBindPeerRequest(m: BindPeerRequest): Buffer {
  return Buffer.from(m.peer);
}
