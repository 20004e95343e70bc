/**
 * RFC 1928 §7 fragment reassembly, sans-IO: the caller passes each decoded datagram and the
 * current time; whole datagrams come out. No timers here: time is an argument, so every
 * sequence (in order, out of order, timed out, oversized) is tested without waiting.
 *
 * The RFC's rules, as implemented:
 *  - FRAG 0 is a whole datagram and is delivered at once (a sequence in progress is kept).
 *  - FRAG 1..127 is a fragment's position; the high bit (0x80) marks the last fragment.
 *  - The queue is reinitialized (what it held is abandoned) when a fragment arrives whose
 *    position is lower than the highest already queued ("FRAG goes down"), and when the
 *    reassembly timer (5 s from the sequence's first fragment) has expired. Stricter than the
 *    RFC: a repeated position or a gap (1, 3) abandons it too, and a sequence must start at 1,
 *    so a lost or reordered fragment can never produce a datagram that was not sent.
 *  - A sequence whose total length would pass `maxLength` is abandoned.
 * The address and port of the assembled datagram are those of its first fragment.
 */
import type { TargetAddress } from './target-address';
import type { UdpDatagram } from './udp-header-codec';
import { FRAG_END_OF_SEQUENCE } from './udp-header-codec';

export const REASSEMBLY_TIMEOUT_MS = 5_000;
/** The largest UDP payload over IPv4. */
export const DEFAULT_MAX_DATAGRAM = 65_507;

export type ReassemblyResult =
  | { type: 'datagram'; address: TargetAddress; payload: Buffer }
  | { type: 'pending' }
  | { type: 'dropped'; reason: string };

export class UdpReassembler {
  private parts: Buffer[] = [];
  private address: TargetAddress | undefined;
  private highest = 0;
  private length = 0;
  private startedAt = 0;
  /** Sequences abandoned so far (timer, FRAG going down, oversize), for the log. */
  abandoned = 0;

  constructor(
    private readonly maxLength = DEFAULT_MAX_DATAGRAM,
    private readonly timeoutMs = REASSEMBLY_TIMEOUT_MS,
  ) {}

  /** True while fragments wait for the rest of their sequence. */
  get pending(): boolean {
    return this.parts.length > 0;
  }

  /** When the pending sequence expires (ms, the clock of push), or undefined. */
  deadline(): number | undefined {
    return this.pending ? this.startedAt + this.timeoutMs : undefined;
  }

  /** Abandons the pending sequence if its timer has run out by `now`. */
  expire(now: number): boolean {
    if (this.pending && now - this.startedAt >= this.timeoutMs) {
      this.reset(true);
      return true;
    }
    return false;
  }

  push(datagram: UdpDatagram, now: number): ReassemblyResult {
    this.expire(now);
    const { frag } = datagram;
    if (frag === 0) {
      if (datagram.payload.length > this.maxLength) return { type: 'dropped', reason: `datagram of ${datagram.payload.length} bytes is over ${this.maxLength}` };
      return { type: 'datagram', address: datagram.address, payload: datagram.payload };
    }
    const position = frag & ~FRAG_END_OF_SEQUENCE;
    const last = (frag & FRAG_END_OF_SEQUENCE) !== 0;
    if (position === 0) {
      return { type: 'dropped', reason: 'fragment with position 0 (FRAG 0x80)' };
    }
    if (this.pending && position !== this.highest + 1) {
      // "FRAG goes down" (the RFC's rule), a repeat, or a gap: the queue cannot become the
      // datagram that was sent, so it is abandoned.
      this.reset(true);
    }
    if (!this.pending) {
      if (position !== 1) return { type: 'dropped', reason: `fragment ${position} without the start of its sequence` };
      this.startedAt = now;
      this.address = datagram.address;
    }
    if (this.length + datagram.payload.length > this.maxLength) {
      this.reset(true);
      return { type: 'dropped', reason: `reassembled datagram would be over ${this.maxLength} bytes` };
    }
    this.parts.push(Buffer.from(datagram.payload));
    this.length += datagram.payload.length;
    this.highest = position;
    if (!last) return { type: 'pending' };
    const payload = Buffer.concat(this.parts);
    const address = this.address!;
    this.reset(false);
    return { type: 'datagram', address, payload };
  }

  private reset(abandon: boolean): void {
    if (abandon && this.pending) this.abandoned++;
    this.parts = [];
    this.address = undefined;
    this.highest = 0;
    this.length = 0;
  }
}
