import ipaddr from 'ipaddr.js';
import type { ScopeRange } from './template-scope';

/** The fake IPv6 range: fd73:6f63:6b73::/96 ("socks" in ASCII, a ULA prefix), index in the low 32 bits. */
export const FAKE_IPV6_PREFIX = 'fd73:6f63:6b73::';
const FAKE_IPV6_PREFIX_BYTES = ipaddr.IPv6.parse(FAKE_IPV6_PREFIX).toByteArray().slice(0, 12);
/** Indexes fit the low 24 bits of an IPv4 /8; 0 and the all-ones host are never handed out. */
const MAX_INDEX = 0xfffffe;

export interface FakeAddresses {
  ipv4: string;
  ipv6: string;
}

/**
 * How many names the table holds at most, and how long an entry must have been unused before it
 * may be dropped to make room (docs/fake-dns.md, "A bounded table"). A persistent agent (shell
 * mode) lives for days; a name costs about 200 bytes, so 65,536 names are ~13 MB at most.
 */
export interface FakeDnsLimits {
  maxNames?: number;
  minIdleMs?: number;
  /** Tests: the highest index handed out (the /8 has 2^24 - 2), and the clock. */
  maxIndex?: number;
  now?: () => number;
}

export const FAKE_DNS_MAX_NAMES = 65_536;
export const FAKE_DNS_MIN_IDLE_MS = 10 * 60_000;
/** A touch within this long of the last one does not reorder (one Map delete+set per connect saved). */
const TOUCH_GRANULARITY_MS = 1000;

interface Entry {
  name: string;
  lastUsed: number;
}

/**
 * Names handed to the program as fake addresses, so that the proxy, not this machine, resolves
 * them. One table per agent, so every process of the tree agrees on what an address means. Each
 * name gets one index, which gives both its IPv4 (N.x.y.z in the configured /8) and
 * its IPv6 (in FAKE_IPV6_PREFIX/96) address.
 *
 * Bounded: at most maxNames entries. A new name when the table is full drops the entry used
 * least recently (a lookup, a connect to its address, a reverse lookup: each is a use), if it has
 * been idle for minIdleMs; else the lookup fails (EAI_AGAIN) rather than take an address in use.
 * Indexes are handed out in order around the whole /8, so a dropped entry's address is given to
 * another name only after 2^24 - 2 new names (and never while still held).
 */
export class FakeDnsTable {
  private readonly indexByName = new Map<string, number>();
  /** In use order: the first is the least recently used. */
  private readonly byIndex = new Map<number, Entry>();
  private next = 1;
  private readonly maxNames: number;
  private readonly minIdleMs: number;
  private readonly maxIndex: number;
  private readonly now: () => number;

  constructor(private readonly firstOctet: number, limits: FakeDnsLimits = {}) {
    if (!Number.isInteger(firstOctet) || firstOctet < 0 || firstOctet > 255) throw new RangeError(`bad subnet ${firstOctet}`);
    this.maxIndex = Math.min(limits.maxIndex ?? MAX_INDEX, MAX_INDEX);
    this.maxNames = Math.min(limits.maxNames ?? FAKE_DNS_MAX_NAMES, this.maxIndex);
    this.minIdleMs = limits.minIdleMs ?? FAKE_DNS_MIN_IDLE_MS;
    this.now = limits.now ?? Date.now;
  }

  /** Names held now. */
  get size(): number {
    return this.byIndex.size;
  }

  /** The fake addresses for a name, allocating them on first use. Undefined when the table is full. */
  addressesFor(name: string): FakeAddresses | undefined {
    const key = normalizeName(name);
    let index = this.indexByName.get(key);
    if (index !== undefined) {
      this.touch(index);
    } else {
      if (this.byIndex.size >= this.maxNames && !this.dropOldest()) return undefined;
      index = this.allocate();
      this.byIndex.set(index, { name: key, lastUsed: this.now() });
      this.indexByName.set(key, index);
    }
    return { ipv4: this.ipv4For(index), ipv6: ipv6For(index) };
  }

  private touch(index: number): void {
    const entry = this.byIndex.get(index);
    if (!entry) return;
    const now = this.now();
    if (now - entry.lastUsed < TOUCH_GRANULARITY_MS) return;
    entry.lastUsed = now;
    this.byIndex.delete(index);
    this.byIndex.set(index, entry);
  }

  /** Drops the least recently used entry if it has been idle long enough. */
  private dropOldest(): boolean {
    const first = this.byIndex.entries().next();
    if (first.done) return false;
    const [index, entry] = first.value;
    if (this.now() - entry.lastUsed < this.minIdleMs) return false;
    this.byIndex.delete(index);
    this.indexByName.delete(entry.name);
    return true;
  }

  /** The next free index, in order around the range (a free one exists: size < maxNames <= maxIndex). */
  private allocate(): number {
    for (;;) {
      const index = this.next;
      this.next = index >= this.maxIndex ? 1 : index + 1;
      if (!this.byIndex.has(index)) return index;
    }
  }

  /** The name behind a fake address (IPv4, IPv6 or v4-mapped text), or undefined if it is not one of ours. */
  nameFor(address: string): string | undefined {
    return this.nameOfIndex(this.indexOf(address));
  }

  /** nameFor() of an address already parsed (the CONNECT hot path parses it once). */
  nameForIp(ip: ipaddr.IPv4 | ipaddr.IPv6): string | undefined {
    return this.nameOfIndex(this.indexOfIp(ip));
  }

  /** The fake ranges, whole (dial templates' scope, template-scope.ts): what inRange() says yes to. */
  ranges(): ScopeRange[] {
    return [{ address: `${this.firstOctet}.0.0.0`, prefix: 8 }, { address: FAKE_IPV6_PREFIX, prefix: 96 }];
  }

  /**
   * Whether an address lies in the fake ranges at all, named yet or not. An unnamed one may be
   * handed to a name later, so no answer about it may be kept (standing plans).
   */
  inRange(ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    let parsed = ip;
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    const bytes = parsed.toByteArray();
    if (parsed.kind() === 'ipv4') return bytes[0] === this.firstOctet;
    for (let i = 0; i < 12; i++) if (bytes[i] !== FAKE_IPV6_PREFIX_BYTES[i]) return false;
    return true;
  }

  private nameOfIndex(index: number | undefined): string | undefined {
    if (index === undefined) return undefined;
    const entry = this.byIndex.get(index);
    if (entry) this.touch(index);
    return entry?.name;
  }

  private indexOf(address: string): number | undefined {
    if (!ipaddr.isValid(address)) return undefined;
    return this.indexOfIp(ipaddr.parse(address));
  }

  private indexOfIp(ip: ipaddr.IPv4 | ipaddr.IPv6): number | undefined {
    let parsed = ip;
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
      parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    }
    const bytes = parsed.toByteArray();
    let index: number;
    if (parsed.kind() === 'ipv4') {
      if (bytes[0] !== this.firstOctet) return undefined;
      index = (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!;
    } else {
      for (let i = 0; i < 12; i++) if (bytes[i] !== FAKE_IPV6_PREFIX_BYTES[i]) return undefined;
      index = ((bytes[12]! << 24) | (bytes[13]! << 16) | (bytes[14]! << 8) | bytes[15]!) >>> 0;
    }
    return this.byIndex.has(index) ? index : undefined;
  }

  private ipv4For(index: number): string {
    return `${this.firstOctet}.${(index >> 16) & 0xff}.${(index >> 8) & 0xff}.${index & 0xff}`;
  }
}

function ipv6For(index: number): string {
  const bytes = [...FAKE_IPV6_PREFIX_BYTES, (index >>> 24) & 0xff, (index >> 16) & 0xff, (index >> 8) & 0xff, index & 0xff];
  return ipaddr.fromByteArray(bytes).toString();
}

/** DNS names are case-insensitive, and "name." is "name". */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
