/**
 * Sans-IO SOCKS4 and SOCKS4a server handshake, CONNECT only: the other side of socks4-codec.ts,
 * for `sockswrap serve`. Same shape as Socks5ServerHandshake: receive() gives 'request' once the
 * whole request is in; the caller answers with succeed() or refuse().
 *
 *   request  VN=4 | CD=1 | DSTPORT u16be | DSTIP 4 bytes | USERID | NUL [| HOSTNAME | NUL]
 *   reply    VN=0 | CD (0x5A granted, 0x5B rejected) | DSTPORT | DSTIP          (always 8 bytes)
 *
 * USERID and HOSTNAME end at a NUL; each may be at most 255 bytes (what socks4-codec.ts sends), so
 * a client that never sends the NUL cannot make the server buffer without bound.
 */
import { SockswrapError } from './sockswrap-error';
import type { TargetAddress } from './target-address';

export type Socks4ServerEvent =
  | { type: 'send'; bytes: Buffer }
  | { type: 'request'; command: 'connect'; target: TargetAddress; userId: string }
  | { type: 'established'; rest: Buffer }
  | { type: 'failed'; error: SockswrapError };

export type Socks4ServerState = 'request' | 'reply' | 'established' | 'failed';

const VERSION = 0x04;
const COMMAND_CONNECT = 0x01;
const GRANTED = 0x5a;
const REJECTED = 0x5b;
const MAX_FIELD = 255;

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/** VN=0 CD DSTPORT DSTIP; `bound` only when it is IPv4 (SOCKS4 has no other), else zeros. */
export function encodeSocks4Reply(cd: number, bound?: TargetAddress): Buffer {
  const out = Buffer.alloc(8);
  out[1] = cd;
  if (bound?.kind === 'ipv4') {
    out.writeUInt16BE(bound.port, 2);
    Buffer.from(bound.host.split('.').map(Number)).copy(out, 4);
  }
  return out;
}

export class Socks4ServerHandshake {
  private _state: Socks4ServerState = 'request';
  private pending: Buffer = Buffer.alloc(0);

  get state(): Socks4ServerState {
    return this._state;
  }

  start(): Socks4ServerEvent[] {
    return [];
  }

  receive(chunk: Buffer): Socks4ServerEvent[] {
    if (this._state === 'established' || this._state === 'failed') {
      throw new Error(`Socks4ServerHandshake.receive() after the handshake ${this._state === 'failed' ? 'failed' : 'completed'}`);
    }
    this.pending = Buffer.concat([this.pending, chunk]);
    if (this._state !== 'request') return []; // kept for `rest` while the caller connects
    const b = this.pending;
    if (b.length < 1) return [];
    // Not SOCKS4: no reply, there is no way to say it in a protocol the client does not speak.
    if (b[0] !== VERSION) return this.fail(`request has version ${hex(b[0])}, not 0x04`, false);
    if (b.length < 2) return [];
    if (b[1] !== COMMAND_CONNECT) return this.fail(`command ${hex(b[1])} is not served (CONNECT only)`, true);
    if (b.length < 8) return [];
    const user = this.field(8);
    if (user === 'too-long') return this.fail(`USERID longer than ${MAX_FIELD} bytes`, true);
    if (user === 'incomplete') return [];
    const port = b.readUInt16BE(2);
    const ip = b.subarray(4, 8);
    let target: TargetAddress;
    let end = 8 + user.length + 1;
    if (ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0) {
      // SOCKS4a: 0.0.0.x (x != 0) says a name follows USERID.
      const name = this.field(end);
      if (name === 'too-long') return this.fail(`SOCKS4a host name longer than ${MAX_FIELD} bytes`, true);
      if (name === 'incomplete') return [];
      if (name.length === 0) return this.fail('SOCKS4a host name is empty', true);
      target = { kind: 'domain', host: name.toString('utf8'), port };
      end += name.length + 1;
    } else {
      target = { kind: 'ipv4', host: Array.from(ip).join('.'), port };
    }
    this.pending = b.subarray(end);
    this._state = 'reply';
    return [{ type: 'request', command: 'connect', target, userId: user.toString('utf8') }];
  }

  succeed(bound: TargetAddress): Socks4ServerEvent[] {
    if (this._state !== 'reply') throw new Error(`Socks4ServerHandshake.succeed() in state ${this._state}`);
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    this._state = 'established';
    return [{ type: 'send', bytes: encodeSocks4Reply(GRANTED, bound) }, { type: 'established', rest }];
  }

  /** SOCKS4 has one code for every failure, 0x5B; the message is for the server's log. */
  refuse(message = 'request rejected or failed'): Socks4ServerEvent[] {
    if (this._state !== 'reply') throw new Error(`Socks4ServerHandshake.refuse() in state ${this._state}`);
    this._state = 'failed';
    this.pending = Buffer.alloc(0);
    return [{ type: 'send', bytes: encodeSocks4Reply(REJECTED) }, { type: 'failed', error: new SockswrapError('connection-refused', message, REJECTED) }];
  }

  /** The NUL-terminated field at `at` (without its NUL). */
  private field(at: number): Buffer | 'incomplete' | 'too-long' {
    const b = this.pending;
    const nul = b.indexOf(0, at);
    if (nul === -1) return b.length - at > MAX_FIELD ? 'too-long' : 'incomplete';
    if (nul - at > MAX_FIELD) return 'too-long';
    return b.subarray(at, nul);
  }

  private fail(message: string, answer: boolean): Socks4ServerEvent[] {
    this._state = 'failed';
    this.pending = Buffer.alloc(0);
    const error = new SockswrapError('proxy-protocol', message, answer ? REJECTED : undefined);
    return answer ? [{ type: 'send', bytes: encodeSocks4Reply(REJECTED) }, { type: 'failed', error }] : [{ type: 'failed', error }];
  }
}
