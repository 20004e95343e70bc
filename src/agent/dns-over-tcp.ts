/**
 * A DNS query that arrived as a UDP datagram, asked over TCP instead (RFC 7766: each message
 * preceded by its length, u16be), through the same proxy chain a TCP connect would use. For
 * chains that cannot carry UDP: the program still gets its answer, from the server it asked,
 * and nothing is sent outside the proxy.
 */
import type net from 'node:net';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';

export type OpenStream = (target: TargetAddress, signal: AbortSignal) => Promise<{ socket: net.Socket; rest: Buffer }>;

/** The largest DNS message; a length field cannot say more. */
const MAX_DNS_MESSAGE = 0xffff;

/** Frames one message for TCP. */
export function frameDnsMessage(message: Buffer): Buffer {
  if (message.length > MAX_DNS_MESSAGE) throw new RangeError(`DNS message of ${message.length} bytes`);
  const out = Buffer.alloc(2 + message.length);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

/** Sans-IO: collects stream bytes and returns the first complete framed message, once. */
export class DnsStreamReader {
  private buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer | undefined {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length < 2) return undefined;
    const len = this.buffer.readUInt16BE(0);
    if (this.buffer.length < 2 + len) return undefined;
    return Buffer.from(this.buffer.subarray(2, 2 + len));
  }
}

/** The smallest UDP size a DNS client must take, and its size without EDNS (RFC 1035 §4.2.1). */
export const DNS_UDP_MIN = 512;
const HEADER = 12;
const FLAG_TC = 0x0200;
const TYPE_OPT = 41;

/** Past one (possibly compressed) name at `off`: the next offset, or -1 when malformed. */
function skipName(msg: Buffer, off: number): number {
  for (let labels = 0; labels < 128; labels++) {
    if (off >= msg.length) return -1;
    const len = msg[off]!;
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= msg.length ? off + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    off += 1 + len;
  }
  return -1;
}

interface Sections {
  /** End of the question section. */
  questionEnd: number;
  /** The OPT record's bytes (RFC 6891), when the additional section has one. */
  opt?: Buffer;
}

/** Minimal walk: the header, the questions, every record; only OPT is looked into. */
function sections(msg: Buffer): Sections | undefined {
  if (msg.length < HEADER) return undefined;
  const qd = msg.readUInt16BE(4);
  const records = msg.readUInt16BE(6) + msg.readUInt16BE(8);
  const ar = msg.readUInt16BE(10);
  let off = HEADER;
  for (let i = 0; i < qd; i++) {
    off = skipName(msg, off);
    if (off < 0 || off + 4 > msg.length) return undefined;
    off += 4;
  }
  const questionEnd = off;
  let opt: Buffer | undefined;
  for (let i = 0; i < records + ar; i++) {
    const start = off;
    off = skipName(msg, off);
    if (off < 0 || off + 10 > msg.length) return { questionEnd, opt };
    const type = msg.readUInt16BE(off);
    const end = off + 10 + msg.readUInt16BE(off + 8);
    if (end > msg.length) return { questionEnd, opt };
    if (i >= records && type === TYPE_OPT && !opt) opt = msg.subarray(start, end);
    off = end;
  }
  return { questionEnd, opt };
}

/** The largest answer the client takes over UDP: its EDNS0 size (OPT class), else 512. */
export function dnsUdpLimit(query: Buffer): number {
  const opt = sections(query)?.opt;
  if (!opt) return DNS_UDP_MIN;
  // OPT: owner (the root) | TYPE | CLASS = the requestor's UDP payload size | TTL | RDLEN | RDATA.
  const classAt = skipName(opt, 0) + 2;
  return Math.max(DNS_UDP_MIN, opt.readUInt16BE(classAt));
}

/**
 * The answer as a server would send it over UDP to this query: whole when it fits the client's
 * limit, else truncated (RFC 2181 §9, RFC 6891 §7): the header with TC set and no records, the
 * question, and the server's OPT record when there is room for it. The client then asks again
 * over TCP.
 */
export function fitDnsAnswerToUdp(query: Buffer, answer: Buffer): Buffer {
  const limit = dnsUdpLimit(query);
  if (answer.length <= limit || answer.length < HEADER) return answer;
  const parsed = sections(answer);
  const question = parsed && parsed.questionEnd <= limit ? answer.subarray(HEADER, parsed.questionEnd) : Buffer.alloc(0);
  const opt = parsed?.opt && HEADER + question.length + parsed.opt.length <= limit ? parsed.opt : Buffer.alloc(0);
  const header = Buffer.from(answer.subarray(0, HEADER));
  header.writeUInt16BE(header.readUInt16BE(2) | FLAG_TC, 2);
  if (question.length === 0) header.writeUInt16BE(0, 4);
  header.writeUInt16BE(0, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(opt.length ? 1 : 0, 10);
  return Buffer.concat([header, question, opt]);
}

/** One query, one answer, one TCP connection through the chain. Rejects on any failure. */
export async function queryDnsOverTcp(open: OpenStream, server: TargetAddress, query: Buffer, timeoutMs: number): Promise<Buffer> {
  if (query.length < 12) throw new SockswrapError('proxy-protocol', `a ${query.length}-byte datagram to port 53 is not a DNS query`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const { socket, rest } = await open(server, controller.signal);
    return await new Promise<Buffer>((resolve, reject) => {
      const reader = new DnsStreamReader();
      let settled = false;
      const done = (outcome: Buffer | Error) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        controller.signal.removeEventListener('abort', onAbort);
        if (outcome instanceof Buffer) resolve(outcome);
        else reject(outcome);
      };
      const onData = (chunk: Buffer) => {
        const answer = reader.push(chunk);
        if (answer) done(answer);
      };
      const onAbort = () => done(new SockswrapError('proxy-timeout', `no DNS answer over TCP within ${timeoutMs} ms`));
      controller.signal.addEventListener('abort', onAbort, { once: true });
      socket.on('data', onData);
      socket.once('close', () => done(new SockswrapError('proxy-closed', 'the DNS server closed the TCP connection without a whole answer')));
      socket.on('error', () => {});
      if (rest.length) onData(rest);
      socket.write(frameDnsMessage(query));
      socket.resume();
    });
  } finally {
    clearTimeout(timer);
  }
}
