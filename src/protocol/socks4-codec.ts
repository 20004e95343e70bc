/**
 * Sans-IO SOCKS4 and SOCKS4a client handshake: CONNECT, and BIND (two replies, below).
 *
 * Same shape as Socks5ClientHandshake: start() gives the request, receive() takes the proxy's
 * bytes and gives 'established' (with `rest`: whatever came after the 8-byte reply, which belongs
 * to the program) or 'failed'. No sockets, timers or streams; EOF is the caller's to report.
 *
 * Protocol (the SOCKS4 and SOCKS4A protocol descriptions, NEC):
 *   request  VN=4 | CD=1 | DSTPORT u16be | DSTIP 4 bytes | USERID | NUL [| HOSTNAME | NUL]
 *   reply    VN=0 | CD | DSTPORT | DSTIP                                       (always 8 bytes)
 * SOCKS4 carries IPv4 only. A name is sent the SOCKS4a way: DSTIP 0.0.0.x (x != 0) and the name
 * after USERID. Both 'socks4' and 'socks4a' proxies use 4a for a name, as proxychains-ng does
 * under "socks4": a name only reaches this codec when remote DNS is on (or a later hop is given by
 * name), and 4a is the only way to send it. So "socks4 + remote DNS" is SOCKS4a.
 *
 * BIND (CD=2): DSTIP/DSTPORT name the application server the inbound connection will come from
 * (the peer of the program's primary connection). The first reply names where the server listens;
 * its DSTIP 0.0.0.0 means "the address of the SOCKS server you are connected to", which only the
 * caller knows (`serverIp`). The second reply comes when the peer connected; its DSTIP/DSTPORT
 * name the peer. Bytes after it are the peer's.
 */
import ipaddr from 'ipaddr.js';
import { SockswrapError, type ErrorCode } from './sockswrap-error';
import { formatTarget, type TargetAddress } from './target-address';

export type Socks4Event =
  | { type: 'send'; bytes: Buffer }
  /** BIND's first reply: where the proxy listens. */
  | { type: 'bound'; bound: TargetAddress }
  /** For BIND, the second reply: `bound` is then the peer that connected. */
  | { type: 'established'; bound: TargetAddress; rest: Buffer }
  | { type: 'failed'; error: SockswrapError };

/** 'bind-wait': BIND's first reply came; the second comes when the peer connects. */
export type Socks4State = 'reply' | 'bind-wait' | 'established' | 'failed';

export type Socks4Command = 'connect' | 'bind';

const VERSION = 0x04;
const COMMAND_BYTE: Record<Socks4Command, number> = { connect: 0x01, bind: 0x02 };
const REPLY_LENGTH = 8;
/** 0.0.0.1: any 0.0.0.x with x != 0 tells a 4a server "the name follows"; 1 is what everyone sends. */
const SOCKS4A_MARKER = [0, 0, 0, 1];
/**
 * Not a protocol limit (4a names are NUL-terminated), but no DNS name is longer than 253 bytes and
 * SOCKS5 stops at 255; refusing longer ones here keeps one rule for every hop type.
 */
const MAX_NAME = 255;

/**
 * Reply codes. 0x5B is "request rejected or failed": the server uses it alike for a target that
 * refused, one it could not reach, a name it could not resolve, and its own rules. It is mapped to
 * 'connection-refused' (ECONNREFUSED) because, through a proxy the user configured, a target that
 * refuses or is down is by far the usual cause, and ECONNREFUSED is what a program would have
 * printed without the proxy; the message says the other possibilities. It is a failure of the
 * destination, not of the proxy, so a dynamic chain does not mark this proxy dead for it.
 * 0x5C/0x5D are identd (RFC 1413) failures: authentication, so EACCES.
 */
const REPLIES: Record<number, [ErrorCode, string]> = {
  0x5b: [
    'connection-refused',
    'request rejected or failed: the target refused or could not be reached, or the proxy\'s rules forbid it; SOCKS4 does not say which',
  ],
  0x5c: [
    'proxy-auth-required',
    'request rejected because the proxy could not reach identd (RFC 1413) on this host to check the user; ' +
      'run an identd here or configure the proxy not to require it',
  ],
  0x5d: [
    'proxy-auth-failed',
    'request rejected because identd on this host reported a different user than the request\'s USERID; ' +
      'set the proxy\'s user name to the local login name',
  ],
};

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * The whole CONNECT request. Throws SockswrapError('address-not-supported') for a target SOCKS4
 * cannot carry (IPv6, a bad name), so it fails before any byte is sent.
 */
export function encodeSocks4Request(target: TargetAddress, userId = '', command: Socks4Command = 'connect'): Buffer {
  const { port } = target;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new SockswrapError('address-not-supported', `port ${String(port)} is not an integer in 0..65535`);
  }
  const user = Buffer.from(userId, 'utf8');
  // USERID ends at the first NUL: a NUL inside would end it early and the rest would be read as a name.
  if (user.includes(0)) {
    throw new SockswrapError('proxy-auth-failed', 'SOCKS4 user name contains a NUL byte, which the protocol cannot carry');
  }
  let ip: number[];
  let name: Buffer | undefined;
  switch (target.kind) {
    case 'ipv4':
      // Only plain dotted decimal: ipaddr.parse would also take "0x7f.1", which is not what the user meant.
      if (!ipaddr.IPv4.isValidFourPartDecimal(target.host)) {
        throw new SockswrapError('address-not-supported', `"${target.host}" is not a dotted-decimal IPv4 address`);
      }
      ip = ipaddr.IPv4.parse(target.host).toByteArray();
      // 0.0.0.x (x != 0) would be read by a 4a server as "a name follows" and there is none.
      if (ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0) {
        throw new SockswrapError('address-not-supported', `${target.host} cannot be sent over SOCKS4: 0.0.0.x means "SOCKS4a name follows"`);
      }
      break;
    case 'ipv6':
      throw new SockswrapError(
        'address-not-supported',
        `SOCKS4 carries only IPv4 addresses and names, not the IPv6 address ${formatTarget(target)}; ` +
          'use a socks5 or http proxy for IPv6 targets',
      );
    case 'domain':
      name = Buffer.from(target.host, 'utf8');
      if (name.length === 0) {
        throw new SockswrapError('address-not-supported', 'empty host name cannot be sent to a SOCKS4a proxy');
      }
      if (name.length > MAX_NAME) {
        throw new SockswrapError('address-not-supported', `host name is ${name.length} bytes; sockswrap sends at most ${MAX_NAME}`);
      }
      // The name is NUL-terminated on the wire: an embedded NUL would make the proxy connect elsewhere.
      if (name.includes(0)) {
        throw new SockswrapError('address-not-supported', 'host name contains a NUL byte');
      }
      ip = SOCKS4A_MARKER;
      break;
    default:
      throw new SockswrapError('address-not-supported', `unknown address kind ${String((target as { kind: unknown }).kind)}`);
  }
  const head = Buffer.alloc(8);
  head[0] = VERSION;
  head[1] = COMMAND_BYTE[command];
  head.writeUInt16BE(port, 2);
  Buffer.from(ip).copy(head, 4);
  const parts: Buffer[] = [head, user, Buffer.from([0])];
  if (name) parts.push(name, Buffer.from([0]));
  return Buffer.concat(parts);
}

export class Socks4ClientHandshake {
  private _state: Socks4State = 'reply';
  private started = false;
  private pending: Buffer = Buffer.alloc(0);
  private readonly request: Buffer;
  private readonly what: string; // "CONNECT example.com:443", for messages
  private readonly protocolName: string;
  private readonly command: Socks4Command;
  private readonly serverIp?: string;

  /**
   * userId: the proxy's configured user name (SOCKS4 USERID); a password has no place in SOCKS4
   * and is not asked for. serverIp (BIND): the IPv4 address of the SOCKS server this stream
   * reaches, put in place of a first reply's DSTIP 0.0.0.0.
   */
  constructor(opts: { target: TargetAddress; userId?: string; command?: Socks4Command; serverIp?: string }) {
    const command = opts.command ?? 'connect';
    if (!Object.hasOwn(COMMAND_BYTE, command)) throw new TypeError(`unknown SOCKS4 command ${String(command)}`);
    this.command = command;
    this.serverIp = opts.serverIp;
    // Encoded now so that a target this hop cannot carry fails at construction, before any byte.
    this.request = encodeSocks4Request(opts.target, opts.userId ?? '', command);
    this.what = `${command === 'bind' ? 'BIND' : 'CONNECT'} ${formatTarget(opts.target)}`;
    this.protocolName = opts.target.kind === 'domain' ? 'SOCKS4a' : 'SOCKS4';
  }

  get state(): Socks4State {
    return this._state;
  }

  start(): Socks4Event[] {
    if (this.started) throw new Error('Socks4ClientHandshake.start() called twice');
    this.started = true;
    return [{ type: 'send', bytes: Buffer.from(this.request) }];
  }

  receive(chunk: Buffer): Socks4Event[] {
    if (!this.started) throw new Error('Socks4ClientHandshake.receive() before start()');
    if (this._state !== 'reply' && this._state !== 'bind-wait') {
      throw new Error(`Socks4ClientHandshake.receive() after the handshake ${this._state === 'failed' ? 'failed' : 'completed'}`);
    }
    // A copy: the caller may reuse its chunk, and `rest` must not alias it.
    this.pending = Buffer.concat([this.pending, chunk]);
    const events: Socks4Event[] = [];
    // BIND's two replies may come in one chunk.
    while (this._state === 'reply' || this._state === 'bind-wait') {
      const step = this.step();
      if (step === 'incomplete') break;
      events.push(...step);
    }
    return events;
  }

  private step(): Socks4Event[] | 'incomplete' {
    const b = this.pending;
    const second = this._state === 'bind-wait';
    // Each check runs as soon as its byte is here, so the outcome never depends on the split.
    if (b.length < 1) return 'incomplete';
    // The spec says VN is 0 in a reply. 0x04 is accepted too: some servers echo the request's
    // version, and nothing else could be meant by it. A 0x05 is a SOCKS5 server.
    if (b[0] !== 0x00 && b[0] !== VERSION) {
      return this.fail(
        'proxy-protocol',
        `proxy answered the ${this.protocolName} ${this.what} request with version ${hex(b[0])} instead of 0x00` +
          (b[0] === 0x05 ? ' (it speaks SOCKS5: use a socks5 proxy type)' : ` (is it a ${this.protocolName} proxy?)`),
      );
    }
    if (b.length < 2) return 'incomplete';
    const cd = b[1];
    // A refusal is final whatever follows; some servers close before the rest of the reply.
    if (cd !== 0x5a) {
      const [code, text] = REPLIES[cd] ?? ['unknown-reply', 'unassigned reply code'];
      const refused = second ? `${this.what} failed at the ${this.protocolName} proxy before a peer connected` : `${this.what} refused by ${this.protocolName} proxy`;
      return this.fail(code, `${refused} (reply ${hex(cd)} ${text})`, cd);
    }
    if (b.length < REPLY_LENGTH) return 'incomplete';
    let host = Array.from(b.subarray(4, 8)).join('.');
    const port = b.readUInt16BE(2);
    if (this.command === 'bind' && !second) {
      if (host === '0.0.0.0' && this.serverIp !== undefined) host = this.serverIp;
      this.pending = b.subarray(REPLY_LENGTH);
      this._state = 'bind-wait';
      return [{ type: 'bound', bound: { kind: 'ipv4', host, port } }];
    }
    const bound: TargetAddress = { kind: 'ipv4', host, port };
    const rest = b.subarray(REPLY_LENGTH);
    this.pending = Buffer.alloc(0);
    this._state = 'established';
    return [{ type: 'established', bound, rest }];
  }

  private fail(code: ErrorCode, message: string, replyCode?: number): Socks4Event[] {
    this._state = 'failed';
    this.pending = Buffer.alloc(0);
    return [{ type: 'failed', error: new SockswrapError(code, message, replyCode) }];
  }
}
