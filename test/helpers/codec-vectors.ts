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
  | { type: 'established'; bound: TargetAddress; rest: string }
  | { type: 'failed'; code: ErrorCode; message: string; replyCode?: number; isSockswrap: boolean };

type SocksEvent =
  | { type: 'send'; bytes: Buffer }
  | { type: 'established'; bound: TargetAddress; rest: Buffer }
  | { type: 'failed'; error: SockswrapError };

export function norm(events: readonly SocksEvent[]): Norm[] {
  return events.map((e): Norm => {
    switch (e.type) {
      case 'send':
        return { type: 'send', bytes: e.bytes.toString('hex') };
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
