/**
 * Sans-IO SOCKS5 client handshake (RFC 1928) with username/password authentication (RFC 1929).
 *
 * Bytes from the proxy go in through receive(); what to write back, and the outcome, come out as
 * events. No sockets, timers or streams here, so every byte sequence a proxy could send can be
 * tested directly, and the caller owns I/O, timeouts and EOF (EOF mid-handshake is 'proxy-closed',
 * decided by the caller since only it sees the socket end).
 */
import ipaddr from 'ipaddr.js';
import { SockswrapError, type ErrorCode } from './sockswrap-error';
import { formatTarget, type TargetAddress } from './target-address';
import { TOR_REPLIES } from './tor-socks-replies';

export interface Socks5Credentials {
  username: string;
  password: string;
}

/** resolve / resolve-ptr: Tor's RESOLVE (0xF0) and RESOLVE_PTR (0xF1) extensions (docs/tor.md). */
export type Socks5Command = 'connect' | 'bind' | 'udp-associate' | 'resolve' | 'resolve-ptr';

export type Socks5Event =
  | { type: 'send'; bytes: Buffer }
  /** BIND's first reply (RFC 1928 §4): where the proxy listens for the inbound connection. */
  | { type: 'bound'; bound: TargetAddress }
  /** For BIND, the second reply: `bound` is then the peer that connected. */
  | { type: 'established'; bound: TargetAddress; rest: Buffer }
  | { type: 'failed'; error: SockswrapError };

/** 'bind-wait': BIND's first reply came; the second comes when the peer connects. */
export type Socks5State = 'greeting' | 'auth' | 'request' | 'bind-wait' | 'established' | 'failed';

const VERSION = 0x05;
const AUTH_VERSION = 0x01; // RFC 1929 sub-negotiation version, not the SOCKS version
const METHOD_NONE = 0x00;
const METHOD_USERPASS = 0x02;
const METHOD_NO_ACCEPTABLE = 0xff;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;
// Tor's extensions: RESOLVE carries a name and answers with its address in BND.ADDR; RESOLVE_PTR
// carries an address and answers with a name (ATYP 0x03) there. Both with port 0.
const COMMAND_BYTE: Record<Socks5Command, number> = { connect: 0x01, bind: 0x02, 'udp-associate': 0x03, resolve: 0xf0, 'resolve-ptr': 0xf1 };
const COMMAND_NAME: Record<Socks5Command, string> = { connect: 'CONNECT', bind: 'BIND', 'udp-associate': 'UDP ASSOCIATE', resolve: 'RESOLVE', 'resolve-ptr': 'RESOLVE_PTR' };

/** RFC 1928 §6 reply codes, with the RFC's wording for the message a user reads. */
const REPLIES: Record<number, [ErrorCode, string]> = {
  0x01: ['general-failure', 'general SOCKS server failure'],
  0x02: ['not-allowed', 'connection not allowed by ruleset'],
  0x03: ['network-unreachable', 'network unreachable'],
  0x04: ['host-unreachable', 'host unreachable'],
  0x05: ['connection-refused', 'connection refused'],
  0x06: ['ttl-expired', 'TTL expired'],
  0x07: ['command-not-supported', 'command not supported'],
  0x08: ['address-not-supported', 'address type not supported'],
  ...TOR_REPLIES,
};

/**
 * The reply code a server sends for a failure (sockswrap serve): the inverse of REPLIES, so a
 * code travels client ← server unchanged. Anything else is 0x01, general failure.
 */
export function socks5ReplyCode(code: ErrorCode): number {
  for (const [rep, [c]] of Object.entries(REPLIES)) if (c === code) return Number(rep);
  return 0x01;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function protocolError(message: string): SockswrapError {
  return new SockswrapError('proxy-protocol', message);
}

/**
 * ATYP + address + port, as in a SOCKS5 request, reply and UDP header.
 * Throws SockswrapError('address-not-supported') for what SOCKS5 cannot carry, so a bad target is
 * caught before any byte is sent.
 */
export function encodeSocks5Address(target: TargetAddress): Buffer {
  const { port } = target;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new SockswrapError('address-not-supported', `port ${String(port)} is not an integer in 0..65535`);
  }
  let head: Buffer;
  switch (target.kind) {
    case 'ipv4':
      // Only plain dotted decimal: ipaddr.parse would also take "0x7f.1", which is not what the user meant.
      if (!ipaddr.IPv4.isValidFourPartDecimal(target.host)) {
        throw new SockswrapError('address-not-supported', `"${target.host}" is not a dotted-decimal IPv4 address`);
      }
      head = Buffer.from([ATYP_IPV4, ...ipaddr.IPv4.parse(target.host).toByteArray()]);
      break;
    case 'ipv6': {
      if (!ipaddr.IPv6.isValid(target.host)) {
        throw new SockswrapError('address-not-supported', `"${target.host}" is not an IPv6 address`);
      }
      const v6 = ipaddr.IPv6.parse(target.host);
      // A zone (%eth0) is meaningful only on this host; the proxy cannot use it, and dropping it
      // silently could reach a different machine.
      if (v6.zoneId) {
        throw new SockswrapError('address-not-supported', `IPv6 address "${target.host}" has a zone, which SOCKS5 cannot carry`);
      }
      head = Buffer.from([ATYP_IPV6, ...v6.toByteArray()]);
      break;
    }
    case 'domain': {
      const name = Buffer.from(target.host, 'utf8');
      if (name.length === 0) {
        throw new SockswrapError('address-not-supported', 'empty host name cannot be sent to a SOCKS5 proxy');
      }
      if (name.length > 255) {
        throw new SockswrapError('address-not-supported', `host name is ${name.length} bytes; SOCKS5 carries at most 255`);
      }
      // A proxy written in C may stop at a NUL and connect somewhere else than the name we checked.
      if (name.includes(0)) {
        throw new SockswrapError('address-not-supported', 'host name contains a NUL byte');
      }
      head = Buffer.concat([Buffer.from([ATYP_DOMAIN, name.length]), name]);
      break;
    }
    default:
      throw new SockswrapError('address-not-supported', `unknown address kind ${String((target as { kind: unknown }).kind)}`);
  }
  const out = Buffer.alloc(head.length + 2);
  head.copy(out, 0);
  out.writeUInt16BE(port, head.length);
  return out;
}

/**
 * Reads ATYP + address + port at `offset`. Returns 'incomplete' when more bytes are needed (never
 * reads past what the address needs), or a SockswrapError('proxy-protocol') for bytes that cannot
 * be an address. Never throws for any input bytes.
 */
export function decodeSocks5Address(
  buf: Buffer,
  offset: number,
): { address: TargetAddress; length: number } | 'incomplete' | SockswrapError {
  if (offset >= buf.length) return 'incomplete';
  const atyp = buf[offset];
  let addrLen: number; // bytes after ATYP, before the port
  let addrStart = offset + 1;
  switch (atyp) {
    case ATYP_IPV4:
      addrLen = 4;
      break;
    case ATYP_IPV6:
      addrLen = 16;
      break;
    case ATYP_DOMAIN:
      if (offset + 1 >= buf.length) return 'incomplete';
      addrLen = buf[offset + 1];
      addrStart = offset + 2;
      // Zero-length names are malformed (RFC 1928 §5 has no empty name) and could not be encoded back.
      if (addrLen === 0) return protocolError('proxy sent an empty domain name as an address');
      break;
    default:
      return protocolError(`proxy sent unknown address type ${hex(atyp)}`);
  }
  const end = addrStart + addrLen + 2;
  if (end > buf.length) return 'incomplete';
  const raw = buf.subarray(addrStart, addrStart + addrLen);
  const port = buf.readUInt16BE(addrStart + addrLen);
  let address: TargetAddress;
  if (atyp === ATYP_IPV4) {
    address = { kind: 'ipv4', host: Array.from(raw).join('.'), port };
  } else if (atyp === ATYP_IPV6) {
    // ipaddr's toString is the compressed form, so equal addresses always compare equal as text.
    address = { kind: 'ipv6', host: ipaddr.fromByteArray(Array.from(raw)).toString(), port };
  } else {
    address = { kind: 'domain', host: raw.toString('utf8'), port };
  }
  return { address, length: end - offset };
}

export function encodeCredentials(creds: Socks5Credentials): Buffer {
  const user = Buffer.from(creds.username, 'utf8');
  const pass = Buffer.from(creds.password, 'utf8');
  // RFC 1929 length fields are one byte and the RFC allows no empty value; say so before connecting
  // rather than let the proxy reject it with no reason given. The password itself is never echoed.
  if (user.length < 1 || user.length > 255) {
    throw new SockswrapError('proxy-auth-failed', `SOCKS5 username must be 1..255 bytes of UTF-8 (is ${user.length})`);
  }
  if (pass.length < 1 || pass.length > 255) {
    throw new SockswrapError('proxy-auth-failed', `SOCKS5 password must be 1..255 bytes of UTF-8 (is ${pass.length})`);
  }
  return Buffer.concat([Buffer.from([AUTH_VERSION, user.length]), user, Buffer.from([pass.length]), pass]);
}

export class Socks5ClientHandshake {
  private _state: Socks5State = 'greeting';
  private started = false;
  private pending: Buffer = Buffer.alloc(0);
  private readonly methods: number[];
  private readonly authRequest: Buffer | undefined;
  private readonly request: Buffer;
  private readonly what: string; // "CONNECT example.com:443", for messages
  private readonly command: Socks5Command;
  /** Pipelined: every message goes out at start(), the replies are only checked (docs/chains.md). */
  readonly pipelined: boolean;

  /**
   * `pipelined`: greeting, RFC 1929 login and request in one write, for a proxy known to read
   * them back to back. With credentials only username/password is then offered, so the proxy
   * cannot pick a method after which the login bytes would be misread as a request.
   */
  constructor(opts: { target: TargetAddress; command?: Socks5Command; credentials?: Socks5Credentials; pipelined?: boolean }) {
    const command = opts.command ?? 'connect';
    if (!Object.hasOwn(COMMAND_BYTE, command)) {
      throw new TypeError(`unknown SOCKS5 command ${String(command)}`);
    }
    this.command = command;
    // Everything is encoded now so that bad input fails at construction, before the greeting.
    this.request = Buffer.concat([Buffer.from([VERSION, COMMAND_BYTE[command], 0x00]), encodeSocks5Address(opts.target)]);
    this.authRequest = opts.credentials ? encodeCredentials(opts.credentials) : undefined;
    this.pipelined = opts.pipelined === true;
    this.methods = this.authRequest ? (this.pipelined ? [METHOD_USERPASS] : [METHOD_NONE, METHOD_USERPASS]) : [METHOD_NONE];
    this.what = `${COMMAND_NAME[command]} ${formatTarget(opts.target)}`;
  }

  get state(): Socks5State {
    return this._state;
  }

  start(): Socks5Event[] {
    if (this.started) throw new Error('Socks5ClientHandshake.start() called twice');
    this.started = true;
    const greeting = Buffer.from([VERSION, this.methods.length, ...this.methods]);
    if (this.pipelined) return [{ type: 'send', bytes: Buffer.concat([greeting, ...(this.authRequest ? [this.authRequest] : []), this.request]) }];
    return [{ type: 'send', bytes: greeting }];
  }

  receive(chunk: Buffer): Socks5Event[] {
    if (!this.started) throw new Error('Socks5ClientHandshake.receive() before start()');
    if (!this.inProgress()) {
      throw new Error(`Socks5ClientHandshake.receive() after the handshake ${this._state === 'failed' ? 'failed' : 'completed'}`);
    }
    // Always a copy: the caller may reuse its chunk after we return, and `rest` must not alias it.
    this.pending = Buffer.concat([this.pending, chunk]);
    const events: Socks5Event[] = [];
    // Each step consumes one whole message and moves to another state, or needs more bytes.
    // Checks run in byte order, each as soon as its byte is here, so the outcome never depends on
    // how the stream was split.
    while (this.inProgress()) {
      const step = this.step();
      if (step === 'incomplete') break;
      events.push(...step);
    }
    return events;
  }

  // A method rather than inline comparisons: TypeScript keeps a narrowed `this._state` across the
  // step() calls that change it.
  private inProgress(): boolean {
    return this._state !== 'established' && this._state !== 'failed';
  }

  private fail(code: ErrorCode, message: string, replyCode?: number): Socks5Event[] {
    this._state = 'failed';
    this.pending = Buffer.alloc(0); // the handshake is dead; nothing after this is parsed
    return [{ type: 'failed', error: new SockswrapError(code, message, replyCode) }];
  }

  private consume(n: number): void {
    this.pending = this.pending.subarray(n);
  }

  private step(): Socks5Event[] | 'incomplete' {
    const b = this.pending;
    switch (this._state) {
      case 'greeting': {
        if (b.length < 1) return 'incomplete';
        if (b[0] !== VERSION) {
          return this.fail('proxy-protocol', `proxy answered the SOCKS5 greeting with version ${hex(b[0])} instead of 0x05 (is it a SOCKS5 proxy?)`);
        }
        if (b.length < 2) return 'incomplete';
        const method = b[1];
        this.consume(2);
        if (method === METHOD_NO_ACCEPTABLE) {
          return this.fail(
            'proxy-auth-required',
            this.authRequest
              ? 'proxy accepts none of our authentication methods (offered: no authentication, username/password)'
              : 'proxy requires authentication, and no credentials were configured for it (offered: no authentication only)',
          );
        }
        if (!this.methods.includes(method)) {
          return this.fail('proxy-protocol', `proxy chose authentication method ${hex(method)}, which we did not offer`);
        }
        if (method === METHOD_USERPASS && this.authRequest) {
          this._state = 'auth';
          return this.pipelined ? [] : [{ type: 'send', bytes: Buffer.from(this.authRequest) }];
        }
        this._state = 'request';
        return this.pipelined ? [] : [{ type: 'send', bytes: Buffer.from(this.request) }];
      }
      case 'auth': {
        if (b.length < 1) return 'incomplete';
        if (b[0] !== AUTH_VERSION) {
          return this.fail('proxy-protocol', `proxy answered username/password authentication with version ${hex(b[0])} instead of 0x01`);
        }
        if (b.length < 2) return 'incomplete';
        const status = b[1];
        this.consume(2);
        if (status !== 0x00) {
          return this.fail('proxy-auth-failed', `proxy rejected the username/password (status ${hex(status)})`, status);
        }
        this._state = 'request';
        return this.pipelined ? [] : [{ type: 'send', bytes: Buffer.from(this.request) }];
      }
      case 'request':
      case 'bind-wait': {
        // BIND's second reply has the first one's format (RFC 1928 §4); only the wording differs.
        const which = this._state === 'bind-wait' ? `second reply to ${this.what}` : `reply to ${this.what}`;
        if (b.length < 1) return 'incomplete';
        if (b[0] !== VERSION) {
          return this.fail('proxy-protocol', `proxy answered the ${this.what} request with version ${hex(b[0])} instead of 0x05`);
        }
        if (b.length < 2) return 'incomplete';
        const rep = b[1];
        // A failure is final whatever follows, and some proxies close before sending BND.ADDR, so
        // report it now: the reply code tells the user more than a truncation would.
        if (rep !== 0x00) {
          const [code, text] = REPLIES[rep] ?? ['unknown-reply', 'unassigned reply code'];
          const refused = this._state === 'bind-wait' ? `${this.what} failed at the proxy before a peer connected` : `${this.what} refused by proxy`;
          if (Object.hasOwn(TOR_REPLIES, rep)) {
            return this.fail(code, `${refused} (reply ${hex(rep)}, Tor's extended error: ${text})`, rep);
          }
          return this.fail(code, `${refused} (reply ${hex(rep)} ${text})`, rep);
        }
        if (b.length < 3) return 'incomplete';
        if (b[2] !== 0x00) {
          return this.fail('proxy-protocol', `proxy ${which} has reserved byte ${hex(b[2])} instead of 0x00`);
        }
        const decoded = decodeSocks5Address(b, 3);
        if (decoded === 'incomplete') return 'incomplete';
        if (decoded instanceof SockswrapError) {
          return this.fail('proxy-protocol', `proxy ${which}: ${decoded.message}`);
        }
        const end = 3 + decoded.length;
        if (this.command === 'bind' && this._state === 'request') {
          this.consume(end);
          this._state = 'bind-wait';
          return [{ type: 'bound', bound: decoded.address }];
        }
        const rest = b.subarray(end);
        this.pending = Buffer.alloc(0);
        this._state = 'established';
        return [{ type: 'established', bound: decoded.address, rest }];
      }
      default:
        return 'incomplete';
    }
  }
}
