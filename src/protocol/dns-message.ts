/**
 * DNS messages, sans-IO, parsed and built with dns-packet: the queries a wrapped program sends to
 * its nameservers (answered by the agent, src/agent/dns-responder.ts), RFC 7766 TCP framing, and
 * fitting an answer to the client's UDP size (RFC 2181 §9, RFC 6891 §7). Nothing here throws on
 * bad input: a query that cannot be read is dropped or gets FORMERR, a bad answer is cut down.
 */
import type * as DnsPacket from 'dns-packet';

export const DNS_HEADER_LENGTH = 12;
/** The smallest UDP size a DNS client must take, and its size without EDNS (RFC 1035 §4.2.1). */
export const DNS_UDP_MIN = 512;
/** The UDP size the agent announces in its own OPT record (DNS flag day 2020). */
export const EDNS_UDP_SIZE = 1232;
/** The largest DNS message; a TCP length field cannot say more. */
export const MAX_DNS_MESSAGE = 0xffff;

export const Rcode = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4, refused: 5 } as const;
/** Extended RCODE 16 (RFC 6891 §6.1.3): the upper 8 bits go in the OPT record. */
const BADVERS = 16;

const FLAG_QR = 0x8000;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const FLAG_CD = 0x0010;
const OPCODE_MASK = 0x7800;

type Codecs = typeof DnsPacket & {
  /** dns-packet's question and name codecs, which its type declarations leave out. */
  question: { decode: ((buf: Buffer, offset: number) => unknown) & { bytes: number } };
  name: { encode: (name: string) => Buffer };
};
let loaded: Codecs | undefined;
/** dns-packet, loaded on first use: most runs never see a DNS message, and every run would pay
 * for compiling it at start-up (docs/benchmarks.md, "Start-up"). */
function dnsPacket(): Codecs {
  return (loaded ??= require('dns-packet') as Codecs);
}

export interface DnsQuestion {
  /** As asked, case kept (resolvers that randomise case check the echo), no trailing dot. */
  name: string;
  /** Numeric TYPE and CLASS. */
  type: number;
  class: number;
  /** dns-packet's name for the type: 'A', 'AAAA', 'PTR', 'MX', 'UNKNOWN_65', ... */
  typeName: string;
  /**
   * The name's wire form is exactly what dns-packet's text makes again: false for a label that
   * holds a dot or bytes that are not UTF-8, where the text would stand for another name.
   */
  verbatim: boolean;
}

export interface DnsQuery {
  id: number;
  /** The header's flags word (opcode, RD, CD ...) as received. */
  flags: number;
  question: DnsQuestion;
  /** The question section exactly as received, echoed verbatim in every answer. */
  questionBytes: Buffer;
  /** The client's EDNS0 OPT record, when it sent one. */
  edns?: { udpSize: number; version: number; dnssecOk: boolean };
  raw: Buffer;
}

export type QueryParse =
  | { kind: 'query'; query: DnsQuery }
  /** Answered without looking further: FORMERR or NOTIMP, ID echoed. */
  | { kind: 'error'; reply: Buffer; reason: string }
  /** Not answerable at all (too short for a header, or a response rather than a query). */
  | { kind: 'drop'; reason: string };

/** Reads one query. Never throws. */
export function parseDnsQuery(raw: Buffer): QueryParse {
  if (raw.length < DNS_HEADER_LENGTH) return { kind: 'drop', reason: `${raw.length} bytes, shorter than a DNS header` };
  const id = raw.readUInt16BE(0);
  const flags = raw.readUInt16BE(2);
  // Never answer an answer: two responders could otherwise bounce messages forever.
  if (flags & FLAG_QR) return { kind: 'drop', reason: 'a DNS response, not a query' };
  const header = (rcode: number) => errorReply(id, flags, rcode);
  if ((flags & OPCODE_MASK) !== 0) return { kind: 'error', reply: header(Rcode.notImp), reason: `opcode ${(flags & OPCODE_MASK) >> 11} (only QUERY is answered)` };
  const qdcount = raw.readUInt16BE(4);
  if (qdcount !== 1) return { kind: 'error', reply: header(Rcode.formErr), reason: `${qdcount} questions (exactly one is answered)` };
  let packet: DnsPacket.DecodedPacket;
  let questionLength: number;
  try {
    packet = dnsPacket().decode(raw);
    dnsPacket().question.decode(raw, DNS_HEADER_LENGTH);
    questionLength = dnsPacket().question.decode.bytes;
  } catch (err) {
    return { kind: 'error', reply: header(Rcode.formErr), reason: `malformed query (${err instanceof Error ? err.message : String(err)})` };
  }
  const questionBytes = Buffer.from(raw.subarray(DNS_HEADER_LENGTH, DNS_HEADER_LENGTH + questionLength));
  const q = packet.questions![0]!;
  const question: DnsQuestion = {
    name: q.name === '.' ? '' : q.name,
    type: questionBytes.readUInt16BE(questionLength - 4),
    class: questionBytes.readUInt16BE(questionLength - 2),
    typeName: q.type,
    verbatim: sameBytes(q.name, questionBytes.subarray(0, questionLength - 4)),
  };
  const opts = (packet.additionals ?? []).filter((r) => r.type === 'OPT') as DnsPacket.OptAnswer[];
  if (opts.length > 1) return { kind: 'error', reply: header(Rcode.formErr), reason: 'more than one OPT record (RFC 6891 §6.1.1)' };
  const opt = opts[0];
  const edns = opt ? { udpSize: opt.udpPayloadSize, version: opt.ednsVersion, dnssecOk: opt.flag_do } : undefined;
  return { kind: 'query', query: { id, flags, question, questionBytes, edns, raw } };
}

/** Whether dns-packet writes `name` back as exactly `wire`. */
function sameBytes(name: string, wire: Buffer): boolean {
  try {
    return dnsPacket().name.encode(name).equals(wire);
  } catch {
    return false;
  }
}

export type DnsRecord =
  | { type: 'A' | 'AAAA' | 'PTR'; name: string; ttl: number; data: string };

/**
 * The agent's answer to a query: the question echoed verbatim, RD and CD copied, RA set (the agent
 * stands where a recursive resolver would), and an OPT record when the client sent one (BADVERS
 * for an EDNS version above 0, RFC 6891 §6.1.3).
 */
export function buildDnsReply(query: DnsQuery, rcode: number, answers: readonly DnsRecord[] = []): Buffer {
  const badVersion = query.edns !== undefined && query.edns.version > 0;
  const flags = FLAG_QR | (query.flags & (FLAG_RD | FLAG_CD)) | FLAG_RA | ((badVersion ? BADVERS : rcode) & 0xf);
  const additionals: DnsPacket.Answer[] = [];
  if (query.edns) {
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: EDNS_UDP_SIZE,
      extendedRcode: badVersion ? BADVERS >> 4 : 0,
      ednsVersion: 0,
      flags: 0,
      options: [],
    } as unknown as DnsPacket.Answer);
  }
  const body = dnsPacket().encode({
    type: 'response',
    id: query.id,
    flags,
    questions: [],
    answers: badVersion ? [] : answers.map((a) => ({ type: a.type, name: a.name, ttl: a.ttl, class: 'IN', data: a.data }) as DnsPacket.Answer),
    additionals,
  });
  // dns-packet writes names uncompressed, so no pointer refers to the question's offset: the
  // question as received goes in after the header, and QDCOUNT becomes 1.
  const out = Buffer.concat([body.subarray(0, DNS_HEADER_LENGTH), query.questionBytes, body.subarray(DNS_HEADER_LENGTH)]);
  out.writeUInt16BE(1, 4);
  return out;
}

/** A header-only answer (FORMERR, NOTIMP): ID, opcode and RD echoed, no sections. */
function errorReply(id: number, queryFlags: number, rcode: number): Buffer {
  return dnsPacket().encode({ type: 'response', id, flags: (queryFlags & (OPCODE_MASK | FLAG_RD)) | FLAG_RA | rcode, questions: [] });
}

/** The address a reverse name (in-addr.arpa, ip6.arpa) stands for, or undefined. */
export function reverseNameAddress(name: string): string | undefined {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  if (labels.length === 6 && labels[4] === 'in-addr' && labels[5] === 'arpa') {
    const octets = labels.slice(0, 4).reverse();
    if (!octets.every((o) => /^(0|[1-9][0-9]{0,2})$/.test(o) && Number(o) <= 255)) return undefined;
    return octets.join('.');
  }
  if (labels.length === 34 && labels[32] === 'ip6' && labels[33] === 'arpa') {
    const nibbles = labels.slice(0, 32).reverse();
    if (!nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(nibbles.slice(i, i + 4).join(''));
    return groups.join(':');
  }
  return undefined;
}

/** Frames one message for TCP (RFC 7766 §8: preceded by its length, u16be). */
export function frameDnsMessage(message: Buffer): Buffer {
  if (message.length > MAX_DNS_MESSAGE) throw new RangeError(`DNS message of ${message.length} bytes`);
  const out = Buffer.alloc(2 + message.length);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

/** Sans-IO: collects stream bytes and returns every complete framed message (pipelined queries). */
export class DnsFrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const out: Buffer[] = [];
    while (this.buffer.length >= 2) {
      const len = this.buffer.readUInt16BE(0);
      if (this.buffer.length < 2 + len) break;
      out.push(Buffer.from(this.buffer.subarray(2, 2 + len)));
      this.buffer = this.buffer.subarray(2 + len);
    }
    return out;
  }
  /** Bytes of an incomplete message (a truncated length prefix or body) still held. */
  get pending(): number {
    return this.buffer.length;
  }
}

/** The client's EDNS0 OPT record in a raw message, decoded; undefined without one or unreadable. */
function optOf(message: Buffer): DnsPacket.OptAnswer | undefined {
  try {
    return dnsPacket().decode(message).additionals?.find((r) => r.type === 'OPT') as DnsPacket.OptAnswer | undefined;
  } catch {
    return undefined;
  }
}

/** The largest answer the client takes over UDP: its EDNS0 size (OPT class), else 512. */
export function dnsUdpLimit(query: Buffer): number {
  const opt = optOf(query);
  return opt ? Math.max(DNS_UDP_MIN, opt.udpPayloadSize) : DNS_UDP_MIN;
}

/**
 * The answer as a server would send it over UDP to this query: whole when it fits the client's
 * limit, else truncated (RFC 2181 §9, RFC 6891 §7): the header with TC set and no records, the
 * question, and the server's OPT record when there is room for it. The client then asks again
 * over TCP. An answer dns-packet cannot read is cut to its header (with TC).
 */
export function fitDnsAnswerToUdp(query: Buffer, answer: Buffer): Buffer {
  const limit = dnsUdpLimit(query);
  if (answer.length <= limit || answer.length < DNS_HEADER_LENGTH) return answer;
  let question: Buffer = Buffer.alloc(0);
  let opt: Buffer = Buffer.alloc(0);
  try {
    const packet = dnsPacket().decode(answer);
    if (answer.readUInt16BE(4) === 1) {
      dnsPacket().question.decode(answer, DNS_HEADER_LENGTH);
      question = answer.subarray(DNS_HEADER_LENGTH, DNS_HEADER_LENGTH + dnsPacket().question.decode.bytes);
    }
    const record = packet.additionals?.find((r) => r.type === 'OPT');
    if (record) opt = dnsPacket().encode({ additionals: [record] }).subarray(DNS_HEADER_LENGTH);
  } catch {
    // Unreadable: the header alone tells the client to ask over TCP.
  }
  if (DNS_HEADER_LENGTH + question.length > limit) question = Buffer.alloc(0);
  if (DNS_HEADER_LENGTH + question.length + opt.length > limit) opt = Buffer.alloc(0);
  const header = Buffer.from(answer.subarray(0, DNS_HEADER_LENGTH));
  header.writeUInt16BE(header.readUInt16BE(2) | FLAG_TC, 2);
  header.writeUInt16BE(question.length ? 1 : 0, 4);
  header.writeUInt16BE(0, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(opt.length ? 1 : 0, 10);
  return Buffer.concat([header, question, opt]);
}
