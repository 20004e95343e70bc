import type ipaddr from 'ipaddr.js';
import type { WireIp } from './address';

/**
 * Every op's request and response body as a typed message (docs/wire-protocol.md). Addresses the
 * agent only stores or echoes stay bytes (`fam | addr | port`); numbers are the codes of codes.ts.
 * parse*() and serialize*() in the request/response parser and serializer turn these into bytes
 * and back, byte for byte (test/vectors/wire-frames.json).
 */

// ---- requests (shim → agent) ----

export interface HelloRequest {
  token: Buffer;
  pid: number;
  /** The program's short name (bytes as UTF-8; the agent makes it printable). */
  name: string;
}

export interface ConnectRequest {
  socktype: number;
  /** `fam | addr | port`, as the program gave it (PEER answers with exactly these bytes). */
  address: Buffer;
  /** ConnectFlag bits; absent on the wire when undefined (= 0). */
  flags?: number;
}

/** A parsed CONNECT request also carries its address decoded. */
export interface ParsedConnectRequest extends ConnectRequest {
  ip: ipaddr.IPv4 | ipaddr.IPv6;
  port: number;
}

export interface ResolveRequest {
  /** Family: 0 unspecified, 4, 6. */
  family: number;
  name: string;
}

export interface ReverseRequest {
  ip: WireIp;
}

/** PEER: by the relay's local port, or (relay 0) a dial-path socket's port and real peer. */
export type PeerRequest =
  | { localPort: number; relay: 4 | 6 }
  /** reply (SOCKNAME only): a non-blocking connect the shim dialled, and the last proxy reply its
   * script consumed (empty when the agent took the handshake): its getsockname is the relay's. */
  | { localPort: number; relay: 0; via: Buffer; reply?: Buffer };

export interface UdpRouteRequest {
  connecting: boolean;
  relay: 4 | 6;
  localPort: number;
  address: Buffer;
}

export interface UdpReleaseRequest {
  closed: boolean;
  relay: 4 | 6;
  localPort: number;
}

export interface UdpLookupRequest {
  relay: 4 | 6;
  localPort: number;
}

/** UDP_FAST: UDP_ROUTE for an unconnected socket that could speak to the proxy's relay itself. */
export interface UdpFastRequest {
  /** ConnectFlag.reach4 / reach6: the families the socket can send to from its wildcard address
   * (0: bound to a specific address, so never fast). */
  reach: number;
  relay: 4 | 6;
  localPort: number;
  address: Buffer;
  /** UdpFastFlag.ended: the fast association the shim knew has ended; associate again. */
  ended?: true;
}

export interface UdpFastLookupRequest {
  relay: 4 | 6;
  localPort: number;
}

export interface StepRequest {
  session: number;
  /** DialEvent. */
  event: number;
  errno: number;
  localPort: number;
  /** Script expectations the shim matched and consumed before this event. */
  matched: number;
  bytes: Buffer;
}

/** NOTE: a session's scripted handshake succeeded, or (session 0) a standing plan's did. */
export type NoteRequest = { session: number; localPort: number } | { session: 0; localPort: number; ms: number; connect: ConnectRequest };
export type ParsedNoteRequest = { session: number; localPort: number } | { session: 0; localPort: number; ms: number; connect: ParsedConnectRequest };

export interface ResumeRequest {
  connect: ConnectRequest;
  ms: number;
  /** A STEP with session 0. */
  step: StepRequest;
}
export interface ParsedResumeRequest extends ResumeRequest {
  connect: ParsedConnectRequest;
}

/** SOCKNAME: PEER's body; the answer is the proxy's side of the connection (docs/bind.md). */
export type SocknameRequest = PeerRequest;

export interface BindRequest {
  /** BindFlag bits. */
  flags: number;
  /** `fam | addr | port`: where the agent connects to reach the program's listening socket. */
  listener: Buffer;
}

export interface BindPeerRequest {
  /** `fam | addr | port`: the peer of a connection the program accepted, as the kernel says. */
  peer: Buffer;
}

export interface VerdictRequest {
  ticket: Buffer;
}

// ---- responses (agent → shim) ----

/** Any non-zero status with an empty body (an errno, or the op's not-found / try-again). */
export interface Failure {
  status: number;
}

/** One expected reply of a DIAL's script (the shim matches it by itself). */
export interface ScriptEntry {
  prefix: Buffer;
  total: number;
  then: Buffer;
  endsHop: boolean;
}

/** What the shim does next on the dial path (CONNECT execute, STEP, RESUME). */
export interface Instruction {
  /** DialState. */
  state: number;
  /** DialArg bits, or DONE's errno. */
  arg: number;
  consume: number;
  waitMs: number;
  /** DIAL only: the proxy, its reply timeout, and (arg DialArg.script) the script. */
  dial?: { proxy: Buffer; readMs: number; script?: readonly ScriptEntry[] };
  send: Buffer;
}

export type ConnectResponse =
  | Failure
  | { status: 0; action: 0 }
  | { status: 0; action: 1; ticket: Buffer }
  | { status: 0; action: 2; session: number; instruction: Instruction };

/** Addresses in text form (the wire carries `fam | 4 or 16 bytes` each, no port). */
export type ResolveResponse = Failure | { status: 0; addresses: string[] };
export type ReverseResponse = Failure | { status: 0; name: string };
export type PeerResponse = Failure | { status: 0; address: Buffer };
export type UdpRouteResponse = Failure | { status: 0; action: 0 } | { status: 0; action: 1; id: Buffer; replyKey: Buffer };
/** UDP_ROUTE's answers, or (action fast) the association and the proxy's relay (`fam | addr | port`). */
export type UdpFastResponse = UdpRouteResponse | { status: 0; action: 3; id: Buffer; replyKey: Buffer; proxyRelay: Buffer; guard?: UdpFastGuard };
export type UdpFastLookupResponse = Failure | { status: 0; proxyRelay: Buffer; guard?: UdpFastGuard };
/**
 * UdpGuard.tcp (absent: none): the association's TCP connection as the agent's socket has it, its
 * own end and the proxy's (`fam | addr | port` each). The shim takes the relay's datagrams, and
 * sends to it, only while the kernel holds that connection established (docs/udp.md).
 */
export interface UdpFastGuard {
  local: Buffer;
  remote: Buffer;
}
export type UdpLookupResponse = Failure | { status: 0; id: Buffer; replyKey: Buffer; peer?: Buffer };
export interface StepResponse {
  status: 0;
  instruction: Instruction;
}
export interface ResumeResponse {
  status: 0;
  session: number;
  instruction: Instruction;
}
export interface ProxiesResponse {
  status: 0;
  /** `fam | addr | port` each. */
  addresses: Buffer[];
}
export type SocknameResponse = PeerResponse;
/** BIND: an errno (status), listen locally, or the address the proxy listens on (`fam | addr | port`). */
export type BindResponse = Failure | { status: 0; action: 0 } | { status: 0; action: 1; bound: Buffer };
/** BIND_PEER: the peer that connected to the proxy (second reply), or not found (not the agent's). */
export type BindPeerResponse = PeerResponse;
export type VerdictResponse = Failure | { status: 0; errno: number };

/**
 * A destination the templates must not serve (TEMPLATE): `family` 4 or 6, the first `prefix` bits
 * of `address` (4 or 16 bytes), and `port` (0: every port).
 */
export interface ScopeException {
  family: 4 | 6;
  prefix: number;
  address: Buffer;
  port: number;
}
/** Where a template's plan takes the destination: `sampleLength` bytes at `offset`, in the form `kind` (TemplateHole). */
export interface TemplateHoleSpec {
  offset: number;
  kind: number;
  sampleLength: number;
}
/**
 * A dial template: the plan (an instruction, no session) the agent answers a blocking CONNECT to a
 * destination of `family` with, for a socket whose CONNECT flags carry every `reach` bit, with the
 * destination written into its holes.
 */
export interface PlanTemplate {
  family: 4 | 6;
  reach: number;
  plan: Buffer;
  holes: TemplateHoleSpec[];
}
/** TEMPLATE: not found (no templates now), or the scope's exceptions and the templates. */
export type TemplateResponse = Failure | { status: 0; scope: ScopeException[]; templates: PlanTemplate[] };
