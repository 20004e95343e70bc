/**
 * Sans-IO HTTP/1.1 CONNECT client handshake (RFC 9110 §9.3.6, message syntax RFC 9112), with
 * Basic proxy authentication (RFC 7617).
 *
 * Same shape as Socks5ClientHandshake: start() gives the request, receive() takes the proxy's
 * bytes and gives 'established' or 'failed'. The reply is consumed exactly up to the end of its
 * header (the empty line); every byte after it is the target's (an SSH or SMTP banner sent right
 * after "200") and is handed back as `rest`. A 2xx response to CONNECT has no body, whatever its
 * Content-Length or Transfer-Encoding say (RFC 9110 §9.3.6), so nothing after the header is read
 * as one.
 *
 * Decisions:
 * - Lines may end in a bare LF (RFC 9112 §2.2 allows a recipient to accept it). Some small proxies
 *   send it, and accepting it cannot misplace the end of the header: the header ends at the first
 *   empty line either way. A bare CR inside a line is refused (RFC 9112 §2.2: invalid).
 * - Interim 1xx responses (100, 102, 103) are skipped and the next response is read; 101 is not
 *   an answer to CONNECT and is refused.
 * - Status → code (the errno the program sees comes from errno-map.ts):
 *     2xx      established
 *     407, 401 proxy-auth-failed when credentials were sent, else proxy-auth-required (EACCES).
 *              401 too: before the tunnel only the proxy can answer, and tinyproxy 1.11 says
 *              "401 Unauthorized" to a wrong password (407 only when none was sent)
 *     403      not-allowed (EACCES): the proxy's rules forbid the target (tinyproxy's ConnectPort)
 *     404      host-unreachable (EHOSTUNREACH): Privoxy and others answer it for a name that does not resolve
 *     405, 501 command-not-supported: the proxy does not do CONNECT
 *     502      connection-refused (ECONNREFUSED): the proxy got an error from the target ("bad gateway")
 *     503      host-unreachable (EHOSTUNREACH): the proxy could not reach the target (Squid's connect failure)
 *     504      ttl-expired (ETIMEDOUT): the proxy timed out reaching the target
 *     other 5xx general-failure (ECONNABORTED): tinyproxy says "500 Unable to connect" for every
 *              failure to reach the target, which tells neither refused nor unreachable
 *     anything else unknown-reply
 *   Codes that describe the target (403, 404, 502-504, 5xx) are destination failures, so a dynamic
 *   chain does not mark the proxy dead for them. Every message quotes the status line.
 * - The header may be at most 16 KiB (MAX_HEADER_BYTES); beyond that it is 'proxy-protocol'.
 */
import ipaddr from 'ipaddr.js';
import { SockswrapError, type ErrorCode } from './sockswrap-error';
import { formatTarget, type TargetAddress } from './target-address';

export interface HttpConnectCredentials {
  username: string;
  password: string;
}

export type HttpConnectEvent =
  | { type: 'send'; bytes: Buffer }
  | { type: 'established'; status: number; rest: Buffer }
  | { type: 'failed'; error: SockswrapError };

export type HttpConnectState = 'status' | 'headers' | 'established' | 'failed';

/** All bytes of the proxy's response header(s) before the tunnel, CRLFs included. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** How much of a status line goes into a message. */
const QUOTE_LIMIT = 200;
const HTTP_PREFIX = Buffer.from('HTTP/', 'latin1');
const LF = 0x0a;
const CR = 0x0d;

/**
 * RFC 3986 reg-name characters (unreserved, sub-delims, '%'). A name comes from the program
 * (through fake DNS), so anything else — spaces, CR, LF — could inject a header or a second request.
 */
const REG_NAME = /^[A-Za-z0-9._~!$&'()*+,;=%-]+$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/s;

const STATUS_CODES: Record<number, ErrorCode> = {
  403: 'not-allowed',
  404: 'host-unreachable',
  405: 'command-not-supported',
  501: 'command-not-supported',
  502: 'connection-refused',
  503: 'host-unreachable',
  504: 'ttl-expired',
};

function codeForStatus(status: number, withCredentials: boolean): ErrorCode {
  if (status === 407 || status === 401) return withCredentials ? 'proxy-auth-failed' : 'proxy-auth-required';
  const known = STATUS_CODES[status];
  if (known) return known;
  if (status >= 500 && status <= 599) return 'general-failure';
  return 'unknown-reply';
}

/** A line from the proxy, printable and bounded, for a message. */
function quote(line: Buffer): string {
  const text = line.subarray(0, QUOTE_LIMIT).toString('latin1');
  // JSON.stringify escapes control characters, so a hostile reply cannot paint the terminal.
  return JSON.stringify(text).slice(0, -1) + (line.length > QUOTE_LIMIT ? '…"' : '"');
}

/**
 * The request-target (authority-form) and Host value: host:port, IPv6 in brackets.
 * Throws SockswrapError('address-not-supported') for what cannot be written there.
 */
export function httpAuthority(target: TargetAddress): string {
  const { port } = target;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new SockswrapError('address-not-supported', `port ${String(port)} is not an integer in 0..65535`);
  }
  switch (target.kind) {
    case 'ipv4':
      if (!ipaddr.IPv4.isValidFourPartDecimal(target.host)) {
        throw new SockswrapError('address-not-supported', `"${target.host}" is not a dotted-decimal IPv4 address`);
      }
      return `${ipaddr.IPv4.parse(target.host).toString()}:${port}`;
    case 'ipv6': {
      if (!ipaddr.IPv6.isValid(target.host)) {
        throw new SockswrapError('address-not-supported', `"${target.host}" is not an IPv6 address`);
      }
      const v6 = ipaddr.IPv6.parse(target.host);
      // A zone is meaningful only on this host; the proxy would reach a different interface.
      if (v6.zoneId) {
        throw new SockswrapError('address-not-supported', `IPv6 address "${target.host}" has a zone, which an HTTP proxy cannot use`);
      }
      return `[${v6.toString()}]:${port}`;
    }
    case 'domain': {
      if (target.host.length === 0) {
        throw new SockswrapError('address-not-supported', 'empty host name cannot be sent to an HTTP proxy');
      }
      if (target.host.length > 255) {
        throw new SockswrapError('address-not-supported', `host name is ${target.host.length} characters; sockswrap sends at most 255`);
      }
      if (!REG_NAME.test(target.host)) {
        throw new SockswrapError(
          'address-not-supported',
          `host name ${JSON.stringify(target.host)} has characters an HTTP request cannot carry (an international name must be in its xn-- form)`,
        );
      }
      return `${target.host}:${port}`;
    }
    default:
      throw new SockswrapError('address-not-supported', `unknown address kind ${String((target as { kind: unknown }).kind)}`);
  }
}

/** The complete CONNECT request. Throws SockswrapError before any byte for a bad target or user. */
export function encodeHttpConnectRequest(target: TargetAddress, credentials?: HttpConnectCredentials): Buffer {
  const authority = httpAuthority(target);
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (credentials) {
    // RFC 7617 §2: the user-id ends at the first ':', so one inside it would shift into the password.
    if (credentials.username.includes(':')) {
      throw new SockswrapError('proxy-auth-failed', 'HTTP Basic authentication cannot carry a user name containing ":"');
    }
    if (/[\0-\x1f\x7f]/.test(credentials.username + credentials.password)) {
      throw new SockswrapError('proxy-auth-failed', 'HTTP Basic user name or password contains a control character');
    }
    const token = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
    lines.push(`Proxy-Authorization: Basic ${token}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

export class HttpConnectClientHandshake {
  private _state: HttpConnectState = 'status';
  private started = false;
  private pending: Buffer = Buffer.alloc(0);
  /** Header bytes consumed so far (all responses), against MAX_HEADER_BYTES. */
  private consumed = 0;
  private status = 0;
  private statusLine: Buffer = Buffer.alloc(0);
  private readonly request: Buffer;
  private readonly withCredentials: boolean;
  private readonly what: string; // "CONNECT example.com:443", for messages

  constructor(opts: { target: TargetAddress; credentials?: HttpConnectCredentials }) {
    // Encoded now so that a target this hop cannot carry fails at construction, before any byte.
    this.request = encodeHttpConnectRequest(opts.target, opts.credentials);
    this.withCredentials = opts.credentials !== undefined;
    this.what = `CONNECT ${formatTarget(opts.target)}`;
  }

  get state(): HttpConnectState {
    return this._state;
  }

  start(): HttpConnectEvent[] {
    if (this.started) throw new Error('HttpConnectClientHandshake.start() called twice');
    this.started = true;
    return [{ type: 'send', bytes: Buffer.from(this.request) }];
  }

  receive(chunk: Buffer): HttpConnectEvent[] {
    if (!this.started) throw new Error('HttpConnectClientHandshake.receive() before start()');
    if (this._state === 'established' || this._state === 'failed') {
      throw new Error(`HttpConnectClientHandshake.receive() after the handshake ${this._state === 'failed' ? 'failed' : 'completed'}`);
    }
    // A copy: the caller may reuse its chunk, and `rest` must not alias it.
    this.pending = Buffer.concat([this.pending, chunk]);
    // One line at a time, each judged once it is complete (or once it cannot fit): the outcome
    // never depends on how the stream was split.
    for (;;) {
      if (this._state === 'status') {
        const bad = this.checkVersionPrefix();
        if (bad) return bad;
      }
      const lf = this.pending.indexOf(LF);
      if (lf < 0) {
        if (this.consumed + this.pending.length >= MAX_HEADER_BYTES) return this.oversize();
        return [];
      }
      if (this.consumed + lf + 1 > MAX_HEADER_BYTES) return this.oversize();
      // Without its CR (RFC 9112 §2.2: a bare LF is accepted as a line end).
      const line = this.pending.subarray(0, lf > 0 && this.pending[lf - 1] === CR ? lf - 1 : lf);
      this.pending = this.pending.subarray(lf + 1);
      this.consumed += lf + 1;
      const events = this._state === 'status' ? this.onStatusLine(line) : this.onHeaderLine(line);
      if (events) return events;
    }
  }

  /**
   * A response starts with "HTTP/": fail as soon as the first bytes say otherwise (a SOCKS proxy
   * answers a few binary bytes and waits), rather than wait for a line end that never comes.
   */
  private checkVersionPrefix(): HttpConnectEvent[] | undefined {
    const n = Math.min(HTTP_PREFIX.length, this.pending.length);
    let i = 0;
    while (i < n && this.pending[i] === HTTP_PREFIX[i]) i++;
    if (i === n) return undefined;
    // Quoted only through the first wrong byte, so the message does not depend on the split.
    const shown = this.pending.subarray(0, i + 1);
    const hint = shown[0] === 0x05 ? 'it looks like a SOCKS5 proxy' : 'is it an HTTP proxy?';
    return this.fail(
      'proxy-protocol',
      `proxy answered the HTTP ${this.what} request with bytes starting ${quote(shown)}, not "HTTP/" (${hint})`,
    );
  }

  private onStatusLine(line: Buffer): HttpConnectEvent[] | undefined {
    const m = line.includes(CR) ? null : STATUS_LINE.exec(line.toString('latin1'));
    if (!m) {
      return this.fail('proxy-protocol', `proxy answered the HTTP ${this.what} request with a malformed status line ${quote(line)}`);
    }
    if (m[1] !== '1') {
      return this.fail('proxy-protocol', `proxy answered the HTTP ${this.what} request with HTTP version ${m[1]}.${m[2]} in ${quote(line)} (expected HTTP/1.x)`);
    }
    const status = Number(m[3]);
    if (status >= 100 && status <= 199) {
      if (status === 101) {
        return this.fail('proxy-protocol', `proxy answered the HTTP ${this.what} request with ${quote(line)}, which is not an answer to CONNECT`);
      }
      // Interim: its header follows, then the real response.
      this.status = status;
      this._state = 'headers';
      return undefined;
    }
    if (status < 200 || status > 299) {
      // Final whatever the header says; no need to read on (and some proxies close right away).
      const code = codeForStatus(status, this.withCredentials);
      let hint = '';
      if (status === 407 || status === 401) {
        hint = this.withCredentials ? ': the user name or password was rejected' : ': the proxy wants a user name and password, and none is configured';
      }
      return this.fail(code, `${this.what} refused by HTTP proxy: ${quote(line)}${hint}`, status);
    }
    this.status = status;
    this.statusLine = Buffer.from(line);
    this._state = 'headers';
    return undefined;
  }

  private onHeaderLine(line: Buffer): HttpConnectEvent[] | undefined {
    if (line.length === 0) {
      if (this.status < 200) {
        this._state = 'status'; // that was an interim response; the real one follows
        return undefined;
      }
      const rest = this.pending;
      this.pending = Buffer.alloc(0);
      this._state = 'established';
      return [{ type: 'established', status: this.status, rest }];
    }
    if (line.includes(CR)) {
      return this.fail('proxy-protocol', `proxy's response to ${this.what} has a bare CR in a header line ${quote(line)}`);
    }
    // obs-fold (a continuation line) is tolerated: its content is not used.
    if (line[0] === 0x20 || line[0] === 0x09) return undefined;
    const colon = line.indexOf(0x3a);
    if (colon <= 0 || !TOKEN.test(line.subarray(0, colon).toString('latin1'))) {
      return this.fail(
        'proxy-protocol',
        `proxy's response to ${this.what} (${quote(this.statusLine)}) has a malformed header line ${quote(line)}`,
      );
    }
    return undefined;
  }

  private oversize(): HttpConnectEvent[] {
    return this.fail('proxy-protocol', `proxy's response header to ${this.what} is longer than ${MAX_HEADER_BYTES} bytes`);
  }

  private fail(code: ErrorCode, message: string, replyCode?: number): HttpConnectEvent[] {
    this._state = 'failed';
    this.pending = Buffer.alloc(0); // the handshake is dead; nothing after this is parsed
    return [{ type: 'failed', error: new SockswrapError(code, message, replyCode) }];
  }
}
