import { constants } from 'node:os';

/**
 * The small numbers inside frames, one table per field (docs/wire-protocol.md). The C shim gets
 * every one of them from the generated native-shims/core/wire-protocol.h (src/wire/c-header.ts).
 */

/**
 * A response frame's `kind`. 0 is ok; 1 and 2 mean what the op says (RESOLVE: no such name,
 * temporary failure; PEER, REVERSE, UDP_LOOKUP, VERDICT: not known). CONNECT and UDP_ROUTE answer
 * an errno (WireErrno) as the status instead.
 */
export const Status = { ok: 0, notFound: 1, tryAgain: 2 } as const;

/** CONNECT's `socktype`. */
export const Socktype = { stream: 1, dgram: 2 } as const;

/** The `action` of a CONNECT, UDP_ROUTE or UDP_FAST answer (UDP_ROUTE's `1` is *relay*; `3`, UDP_FAST
 * only: the shim speaks RFC 1928 §7 to the proxy's relay itself). */
export const Action = { direct: 0, proxy: 1, execute: 2, fast: 3 } as const;

/** CONNECT's `flags` bits. */
export const ConnectFlag = {
  /** No O_NONBLOCK: the agent may answer execute (the dial path). */
  blocking: 1,
  /** AF_INET, or AF_INET6 without IPV6_V6ONLY. */
  reach4: 2,
  /** AF_INET6. */
  reach6: 4,
  /** Non-blocking: the verdict comes as an urgent byte or a reset (docs/async-connect.md). */
  outOfBand: 8,
  /** Non-blocking too (with outOfBand): the agent may answer execute when the DIAL's script holds
   * the whole handshake, which the shim then runs on the fd while connect() is in progress
   * (docs/async-connect.md, "The dial path for non-blocking connects"). */
  asyncDial: 16,
} as const;

/** BIND's `flags` bits. */
export const BindFlag = {
  /** The program bound an address this host does not have (one getsockname reported: the proxy's side). */
  outside: 1,
} as const;

/** The `action` of a BIND answer. */
export const BindAction = { local: 0, proxy: 1 } as const;

/** UDP_FAST's flag bit beside the reach bits: the fast association the shim knew has ended (its
 * guard found the TCP connection gone): associate again before answering. */
export const UdpFastFlag = { ended: 0x80 } as const;

/** How the shim proves a fast association alive (UDP_FAST, UDP_FAST_LOOKUP): none (a relay on another
 * host), or by the association's TCP connection, which the kernel must still hold established. */
export const UdpGuard = { none: 0, tcp: 1 } as const;

/** UDP_ROUTE's `flags` bits. */
export const UdpRouteFlag = { connecting: 1 } as const;

/** UDP_RELEASE's `what`. */
export const UdpRelease = { disconnected: 0, closed: 1 } as const;

/**
 * Which relay listener a socket reaches (PEER, UDP_ROUTE, UDP_RELEASE, UDP_LOOKUP): 4 is
 * 127.0.0.1 (also as ::ffff:127.0.0.1), 6 is ::1; PEER's 0: a socket on the dial path.
 */
export const Relay = { dial: 0, v4: 4, v6: 6 } as const;

/** An address's `fam`, and RESOLVE's `family` (0: unspecified). */
export const Family = { unspec: 0, v4: 4, v6: 6 } as const;

/** An instruction's `state` (the dial path: CONNECT execute, STEP, RESUME). */
export const DialState = { read: 0, done: 2, dial: 3 } as const;

/** A STEP's `event`. */
export const DialEvent = { data: 0, eof: 1, ioError: 2, connectFailed: 3, connectTimeout: 4, readTimeout: 5, sent: 6 } as const;

/** An instruction's `arg` bits (READ and DIAL; DONE's arg is the errno). */
export const DialArg = {
  /** More bytes to write before reading: the shim answers STEP `sent`. */
  more: 1,
  /** DIAL: a script of expected replies follows read_ms. */
  script: 2,
  /** A CONNECT's DIAL: a standing plan the shim may run again without asking. */
  standing: 4,
  /** A standing CONNECT DIAL: the agent has dial templates for this chain; the shim may ask TEMPLATE once. */
  templates: 8,
  /**
   * A standing CONNECT DIAL: this plan's NOTEs may wait. The shim queues them and sends them ahead
   * of its next request, before fork and exec, at exit, or when its queue is full; set when the
   * agent logs no per-connection line, so nothing it shows waits on them.
   */
  notesLater: 16,
} as const;

/**
 * A dial template's hole kinds (TEMPLATE): where the destination goes in a plan, and in what form.
 * The shim writes the destination of the CONNECT request there; `sampleLength` bytes of the plan
 * (the destination the template was compiled with) are replaced.
 */
export const TemplateHole = {
  /** 4 address bytes, then the port big-endian (SOCKS5 ATYP 1's DST.ADDR, DST.PORT). */
  v4AddrPort: 1,
  /** The port big-endian, then 4 address bytes (SOCKS4 / SOCKS4a DSTPORT, DSTIP). */
  portV4Addr: 2,
  /** 16 address bytes, then the port big-endian (SOCKS5 ATYP 4). */
  v6AddrPort: 3,
  /** `a.b.c.d:port` in ASCII (HTTP CONNECT's request line and Host header); only in the bytes to send last. */
  v4Text: 4,
} as const;

/** A script entry's `prefix_len` top bit: the reply ends a hop (re-arm read_ms). */
export const SCRIPT_ENDS_HOP = 0x80;

/** The relay stream's verdict byte: 0 connected, else the errno for connect(). */
export const RELAY_CONNECTED = 0;

/**
 * The errnos the agent puts on the wire (a CONNECT/UDP_ROUTE status, DONE's arg, a relay verdict,
 * VERDICT's body): Linux numbers, the same for Node and the shim on one host. The generated header
 * asserts that errno.h agrees.
 */
const E = constants.errno;
export const WireErrno = {
  ECONNREFUSED: E.ECONNREFUSED,
  ECONNABORTED: E.ECONNABORTED,
  ETIMEDOUT: E.ETIMEDOUT,
  EACCES: E.EACCES,
  ENETUNREACH: E.ENETUNREACH,
  EHOSTUNREACH: E.EHOSTUNREACH,
  EAFNOSUPPORT: E.EAFNOSUPPORT,
  EBADF: E.EBADF,
  EADDRNOTAVAIL: E.EADDRNOTAVAIL,
} as const;
