// Shared by the codec unit tests: byte vectors written like the RFCs' field tables, events in a
// comparable form, and a seeded generator for the randomized tests.
import { SockswrapError, type ErrorCode } from '../../src/protocol/sockswrap-error';
import type { TargetAddress } from '../../src/protocol/target-address';

/** Hex with spaces and inline byte arrays, so vectors read like the spec's field tables. */
export function h(...parts: Array<string | number[]>): Buffer {
  return Buffer.concat(parts.map((p) => (Array.isArray(p) ? Buffer.from(p) : Buffer.from(p.replace(/\s+/g, ''), 'hex'))));
}

export const ascii = (s: string): number[] => Array.from(Buffer.from(s, 'utf8'));

/** A SOCKS codec's events (socks4-codec, socks5-codec) as plain values deepEqual can compare. */
export type Norm =
  | { type: 'send'; bytes: string }
  | { type: 'bound'; bound: TargetAddress }
  | { type: 'established'; bound: TargetAddress; rest: string }
  | { type: 'failed'; code: ErrorCode; message: string; replyCode?: number; isSockswrap: boolean };

type SocksEvent =
  | { type: 'send'; bytes: Buffer }
  | { type: 'bound'; bound: TargetAddress }
  | { type: 'established'; bound: TargetAddress; rest: Buffer }
  | { type: 'failed'; error: SockswrapError };

export function norm(events: readonly SocksEvent[]): Norm[] {
  return events.map((e): Norm => {
    switch (e.type) {
      case 'send':
        return { type: 'send', bytes: e.bytes.toString('hex') };
      case 'bound':
        return { type: 'bound', bound: e.bound };
      case 'established':
        return { type: 'established', bound: e.bound, rest: e.rest.toString('hex') };
      case 'failed':
        return { type: 'failed', code: e.error.code, message: e.error.message, replyCode: e.error.replyCode, isSockswrap: e.error instanceof SockswrapError };
    }
  });
}

/** mulberry32: small, seeded, reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- Whole exchanges, read by both sides -------------------------------------------------------
// Each is one conversation byte for byte: the client codec must send `client[i]` after receiving
// `server[i - 1]`, and the server codec must answer `client[i]` with `server[i]`
// (test/unit/socks-exchanges.test.ts drives both from these same vectors).

export interface SocksExchange {
  name: string;
  target: TargetAddress;
  command?: 'connect' | 'udp-associate';
  credentials?: { username: string; password: string };
  /** SOCKS4 USERID. */
  userId?: string;
  /** What the server's caller answers the request with: success and BND, or a reply code. */
  outcome: { bound: TargetAddress } | { refuse: number };
  client: Buffer[];
  server: Buffer[];
}

const V_T4: TargetAddress = { kind: 'ipv4', host: '1.2.3.4', port: 80 };
const V_TD: TargetAddress = { kind: 'domain', host: 'example.com', port: 443 };
const V_T6: TargetAddress = { kind: 'ipv6', host: '2001:db8::1', port: 22 };
const V_BOUND: TargetAddress = { kind: 'ipv4', host: '127.0.0.1', port: 1080 };

export const SOCKS5_EXCHANGES: SocksExchange[] = [
  {
    name: 'CONNECT IPv4, no auth', target: V_T4, outcome: { bound: V_BOUND },
    client: [h('05 01 00'), h('05 01 00 01 01020304 0050')],
    server: [h('05 00'), h('05 00 00 01 7f000001 0438')],
  },
  {
    name: 'CONNECT domain, no auth', target: V_TD, outcome: { bound: V_BOUND },
    client: [h('05 01 00'), h('05 01 00 03 0b', ascii('example.com'), '01bb')],
    server: [h('05 00'), h('05 00 00 01 7f000001 0438')],
  },
  {
    name: 'CONNECT IPv6, IPv6 BND', target: V_T6, outcome: { bound: { kind: 'ipv6', host: '2001:db8::2', port: 40000 } },
    client: [h('05 01 00'), h('05 01 00 04 20010db8000000000000000000000001 0016')],
    server: [h('05 00'), h('05 00 00 04 20010db8000000000000000000000002 9c40')],
  },
  {
    name: 'CONNECT with RFC 1929 login', target: V_T4, credentials: { username: 'user', password: 'pass' }, outcome: { bound: V_BOUND },
    client: [h('05 02 00 02'), h('01 04', ascii('user'), '04', ascii('pass')), h('05 01 00 01 01020304 0050')],
    server: [h('05 02'), h('01 00'), h('05 00 00 01 7f000001 0438')],
  },
  {
    name: 'UDP ASSOCIATE, address not known yet', target: { kind: 'ipv4', host: '0.0.0.0', port: 0 }, command: 'udp-associate',
    outcome: { bound: { kind: 'ipv4', host: '10.0.0.1', port: 58000 } },
    client: [h('05 01 00'), h('05 03 00 01 00000000 0000')],
    server: [h('05 00'), h('05 00 00 01 0a000001 e290')],
  },
  {
    name: 'CONNECT refused (0x05)', target: V_TD, outcome: { refuse: 0x05 },
    client: [h('05 01 00'), h('05 01 00 03 0b', ascii('example.com'), '01bb')],
    server: [h('05 00'), h('05 05 00 01 00000000 0000')],
  },
  {
    name: 'CONNECT host unreachable (0x04)', target: V_T4, outcome: { refuse: 0x04 },
    client: [h('05 01 00'), h('05 01 00 01 01020304 0050')],
    server: [h('05 00'), h('05 04 00 01 00000000 0000')],
  },
  {
    name: 'CONNECT network unreachable (0x03)', target: V_T6, outcome: { refuse: 0x03 },
    client: [h('05 01 00'), h('05 01 00 04 20010db8000000000000000000000001 0016')],
    server: [h('05 00'), h('05 03 00 01 00000000 0000')],
  },
];

/** Exchanges that end before a request: the server's answer is the last word. */
export const SOCKS5_LOGIN_FAILURES: Array<{ name: string; serverCredentials?: { username: string; password: string }; clientCredentials?: { username: string; password: string }; client: Buffer[]; server: Buffer[] }> = [
  {
    name: 'wrong password → status 0x01',
    serverCredentials: { username: 'user', password: 'pass' }, clientCredentials: { username: 'user', password: 'nope' },
    client: [h('05 02 00 02'), h('01 04', ascii('user'), '04', ascii('nope'))], server: [h('05 02'), h('01 01')],
  },
  {
    name: 'login required, none offered → method 0xFF',
    serverCredentials: { username: 'user', password: 'pass' },
    client: [h('05 01 00')], server: [h('05 ff')],
  },
];

export const SOCKS4_EXCHANGES: SocksExchange[] = [
  { name: 'SOCKS4 IPv4', target: V_T4, outcome: { bound: V_BOUND }, client: [h('04 01 0050 01020304 00')], server: [h('00 5a 0438 7f000001')] },
  {
    name: 'SOCKS4 IPv4 with USERID', target: V_T4, userId: 'alice', outcome: { bound: V_BOUND },
    client: [h('04 01 0050 01020304', ascii('alice'), '00')], server: [h('00 5a 0438 7f000001')],
  },
  {
    name: 'SOCKS4a name', target: V_TD, outcome: { bound: V_BOUND },
    client: [h('04 01 01bb 00000001 00', ascii('example.com'), '00')], server: [h('00 5a 0438 7f000001')],
  },
  {
    name: 'SOCKS4a name with USERID, rejected', target: V_TD, userId: 'bob', outcome: { refuse: 0x5b },
    client: [h('04 01 01bb 00000001', ascii('bob'), '00', ascii('example.com'), '00')], server: [h('00 5b 0000 00000000')],
  },
];
