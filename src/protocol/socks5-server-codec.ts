/**
 * Sans-IO SOCKS5 server handshake (RFC 1928) with username/password authentication (RFC 1929):
 * the other side of socks5-codec.ts, for `sockswrap serve`.
 *
 * Bytes from the client go in through receive(). When a whole request is in, a 'request' event
 * says what the client asked for; the caller does it (connect, bind, associate) and answers with
 * succeed() or refuse(). Nothing here touches a socket, so every byte sequence a client could send
 * is tested directly (test/unit/socks-server-codec.test.ts, test/unit/codec-fuzz.test.ts).
 *
 * Every failure ends in one 'failed' event, after the 'send' of whatever the RFC lets the server
 * say (05 FF for no method, 01 01 for a bad login, a reply with REP != 0 for a bad request); the
 * caller then closes. Bytes that are not SOCKS5 at all get no answer: there is no language to give
 * one in. Checks run in byte order as bytes arrive, so the outcome never depends on the split.
 */
import { timingSafeEqual } from 'node:crypto';
import { decodeSocks5Address, encodeSocks5Address, socks5ReplyCode, type Socks5Credentials } from './socks5-codec';
import { SockswrapError, type ErrorCode } from './sockswrap-error';
import type { TargetAddress } from './target-address';

export type Socks5ServerCommand = 'connect' | 'bind' | 'udp-associate';

export type Socks5ServerEvent =
  | { type: 'send'; bytes: Buffer }
  /** A whole request: do it, then call succeed() or refuse(). `username` is the RFC 1929 login. */
  | { type: 'request'; command: Socks5ServerCommand; target: TargetAddress; username?: string }
  /** The last success reply went out; `rest` is what the client sent after its request. */
  | { type: 'established'; rest: Buffer }
  | { type: 'failed'; error: SockswrapError };

export type Socks5ServerState = 'greeting' | 'auth' | 'request' | 'reply' | 'bind-wait' | 'established' | 'failed';

export interface Socks5ServerOptions {
  /** When set, RFC 1929 with exactly these credentials is the only method accepted. */
  credentials?: Socks5Credentials;
  /** Commands served; any other gets 0x07 (command not supported). Default: all three. */
  commands?: readonly Socks5ServerCommand[];
}

const VERSION = 0x05;
const AUTH_VERSION = 0x01;
const METHOD_NONE = 0x00;
const METHOD_USERPASS = 0x02;
const METHOD_NO_ACCEPTABLE = 0xff;
const COMMANDS: Record<number, Socks5ServerCommand> = { 0x01: 'connect', 0x02: 'bind', 0x03: 'udp-associate' };
const REPLY_GENERAL_FAILURE = 0x01;
const REPLY_COMMAND_NOT_SUPPORTED = 0x07;
const REPLY_ADDRESS_NOT_SUPPORTED = 0x08;
/** BND for a failure reply: RFC 1928 §6 gives it no meaning, and 0.0.0.0:0 says so. */
const NO_ADDRESS = Buffer.from([0x01, 0, 0, 0, 0, 0, 0]);

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/** VER REP RSV BND.ATYP BND.ADDR BND.PORT. */
export function encodeSocks5Reply(rep: number, bound?: TargetAddress): Buffer {
  return Buffer.concat([Buffer.from([VERSION, rep, 0x00]), bound ? encodeSocks5Address(bound) : NO_ADDRESS]);
}

export class Socks5ServerHandshake {
  private _state: Socks5ServerState = 'greeting';
  private pending: Buffer = Buffer.alloc(0);
  private command: Socks5ServerCommand = 'connect';
  private username: string | undefined;
  private readonly credentials: { user: Buffer; pass: Buffer } | undefined;
  private readonly commands: ReadonlySet<Socks5ServerCommand>;

  constructor(opts: Socks5ServerOptions = {}) {
    this.credentials = opts.credentials
      ? { user: Buffer.from(opts.credentials.username, 'utf8'), pass: Buffer.from(opts.credentials.password, 'utf8') }
      : undefined;
    this.commands = new Set(opts.commands ?? ['connect', 'bind', 'udp-associate']);
  }

  get state(): Socks5ServerState {
    return this._state;
  }

  /** Same shape as the client codecs: the server speaks second, so there is nothing to send yet. */
  start(): Socks5ServerEvent[] {
    return [];
  }

  receive(chunk: Buffer): Socks5ServerEvent[] {
    if (this._state === 'established' || this._state === 'failed') {
      throw new Error(`Socks5ServerHandshake.receive() after the handshake ${this._state === 'failed' ? 'failed' : 'completed'}`);
    }
    // A copy: the caller may reuse its chunk, and `rest` must not alias it.
    this.pending = Buffer.concat([this.pending, chunk]);
    const events: Socks5ServerEvent[] = [];
    // While the caller works on a request ('reply', 'bind-wait') bytes are kept for `rest`.
    while (this._state === 'greeting' || this._state === 'auth' || this._state === 'request') {
      const step = this.step();
      if (step === 'incomplete') break;
      events.push(...step);
    }
    return events;
  }

  /**
   * The request worked. `bound` is BND.ADDR:PORT: for CONNECT the address the server connected
   * from, for UDP ASSOCIATE the relay's address, for BIND first the listening address and then
   * (second call) the peer that connected.
   */
  succeed(bound: TargetAddress): Socks5ServerEvent[] {
    if (this._state !== 'reply' && this._state !== 'bind-wait') {
      throw new Error(`Socks5ServerHandshake.succeed() in state ${this._state}`);
    }
    const bytes = encodeSocks5Reply(0x00, bound);
    if (this.command === 'bind' && this._state === 'reply') {
      // RFC 1928 §4: BIND has two replies; the stream starts after the second.
      this._state = 'bind-wait';
      return [{ type: 'send', bytes }];
    }
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    this._state = 'established';
    return [{ type: 'send', bytes }, { type: 'established', rest }];
  }

  /** The request failed: a reply with the RFC 1928 §6 code for `code` (or the raw REP given). */
  refuse(code: ErrorCode | number, message?: string): Socks5ServerEvent[] {
    if (this._state !== 'reply' && this._state !== 'bind-wait') {
      throw new Error(`Socks5ServerHandshake.refuse() in state ${this._state}`);
    }
    const rep = typeof code === 'number' ? code : socks5ReplyCode(code);
    const error = new SockswrapError(typeof code === 'number' ? 'general-failure' : code, message ?? `refused with reply ${hex(rep)}`, rep);
    return this.fail(error, encodeSocks5Reply(rep));
  }

  private fail(error: SockswrapError, answer?: Buffer): Socks5ServerEvent[] {
    this._state = 'failed';
    this.pending = Buffer.alloc(0);
    const events: Socks5ServerEvent[] = answer ? [{ type: 'send', bytes: answer }] : [];
    events.push({ type: 'failed', error });
    return events;
  }

  private badRequest(rep: number, message: string): Socks5ServerEvent[] {
    return this.fail(new SockswrapError(rep === REPLY_COMMAND_NOT_SUPPORTED ? 'command-not-supported' : rep === REPLY_ADDRESS_NOT_SUPPORTED ? 'address-not-supported' : 'proxy-protocol', message, rep), encodeSocks5Reply(rep));
  }

  private consume(n: number): void {
    this.pending = this.pending.subarray(n);
  }

  private step(): Socks5ServerEvent[] | 'incomplete' {
    const b = this.pending;
    switch (this._state) {
      case 'greeting': {
        if (b.length < 1) return 'incomplete';
        if (b[0] !== VERSION) return this.fail(new SockswrapError('proxy-protocol', `client greeting has version ${hex(b[0])}, not 0x05`));
        if (b.length < 2) return 'incomplete';
        const n = b[1];
        if (b.length < 2 + n) return 'incomplete';
        const methods = b.subarray(2, 2 + n);
        this.consume(2 + n);
        const wanted = this.credentials ? METHOD_USERPASS : METHOD_NONE;
        if (!methods.includes(wanted)) {
          return this.fail(
            new SockswrapError(
              this.credentials ? 'proxy-auth-required' : 'proxy-protocol',
              this.credentials ? 'client did not offer username/password authentication, which this server requires' : 'client did not offer "no authentication"',
            ),
            Buffer.from([VERSION, METHOD_NO_ACCEPTABLE]),
          );
        }
        this._state = this.credentials ? 'auth' : 'request';
        return [{ type: 'send', bytes: Buffer.from([VERSION, wanted]) }];
      }
      case 'auth': {
        const refused = Buffer.from([AUTH_VERSION, 0x01]);
        if (b.length < 1) return 'incomplete';
        if (b[0] !== AUTH_VERSION) {
          return this.fail(new SockswrapError('proxy-protocol', `username/password request has version ${hex(b[0])}, not 0x01`), refused);
        }
        if (b.length < 2) return 'incomplete';
        const ulen = b[1];
        if (b.length < 2 + ulen + 1) return 'incomplete';
        const plen = b[2 + ulen];
        if (b.length < 3 + ulen + plen) return 'incomplete';
        const user = b.subarray(2, 2 + ulen);
        const pass = b.subarray(3 + ulen, 3 + ulen + plen);
        this.consume(3 + ulen + plen);
        if (!sameBytes(user, this.credentials!.user) || !sameBytes(pass, this.credentials!.pass)) {
          // The name may be shown in a log; the password never is.
          return this.fail(new SockswrapError('proxy-auth-failed', `wrong username or password (user "${user.toString('utf8')}")`, 0x01), refused);
        }
        this.username = user.toString('utf8');
        this._state = 'request';
        return [{ type: 'send', bytes: Buffer.from([AUTH_VERSION, 0x00]) }];
      }
      case 'request': {
        if (b.length < 1) return 'incomplete';
        if (b[0] !== VERSION) return this.badRequest(REPLY_GENERAL_FAILURE, `request has version ${hex(b[0])}, not 0x05`);
        if (b.length < 2) return 'incomplete';
        const command = COMMANDS[b[1]];
        if (!command) return this.badRequest(REPLY_COMMAND_NOT_SUPPORTED, `unknown command ${hex(b[1])}`);
        if (!this.commands.has(command)) return this.badRequest(REPLY_COMMAND_NOT_SUPPORTED, `${command} is not enabled on this server`);
        if (b.length < 3) return 'incomplete';
        if (b[2] !== 0x00) return this.badRequest(REPLY_GENERAL_FAILURE, `request has reserved byte ${hex(b[2])}, not 0x00`);
        const decoded = decodeSocks5Address(b, 3);
        if (decoded === 'incomplete') return 'incomplete';
        if (decoded instanceof SockswrapError) {
          // An unknown ATYP is what 0x08 is for (RFC 1928 §6); an empty name is just malformed.
          const unknownType = b[3] !== 0x01 && b[3] !== 0x03 && b[3] !== 0x04;
          return this.badRequest(unknownType ? REPLY_ADDRESS_NOT_SUPPORTED : REPLY_GENERAL_FAILURE, `request: ${decoded.message.replace(/^proxy sent/, 'client sent')}`);
        }
        this.consume(3 + decoded.length);
        this.command = command;
        this._state = 'reply';
        return [{ type: 'request', command, target: decoded.address, ...(this.username !== undefined ? { username: this.username } : {}) }];
      }
      default:
        return 'incomplete';
    }
  }
}

/** Constant time for equal lengths, so a password is not guessed byte by byte from timing. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
