import ipaddr from 'ipaddr.js';

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
 * Names handed to the program as fake addresses, so that the proxy, not this machine, resolves
 * them. One table per run (the agent's), so every process of the tree agrees on what an address
 * means. Each name gets one index, which gives both its IPv4 (N.x.y.z in the configured /8) and
 * its IPv6 (in FAKE_IPV6_PREFIX/96) address.
 */
export class FakeDnsTable {
  private readonly indexByName = new Map<string, number>();
  private readonly nameByIndex: string[] = [''];

  constructor(private readonly firstOctet: number) {
    if (!Number.isInteger(firstOctet) || firstOctet < 0 || firstOctet > 255) throw new RangeError(`bad subnet ${firstOctet}`);
  }

  /** The fake addresses for a name, allocating them on first use. Undefined when the table is full. */
  addressesFor(name: string): FakeAddresses | undefined {
    const key = normalizeName(name);
    let index = this.indexByName.get(key);
    if (index === undefined) {
      if (this.nameByIndex.length > MAX_INDEX) return undefined;
      index = this.nameByIndex.length;
      this.nameByIndex.push(key);
      this.indexByName.set(key, index);
    }
    return { ipv4: this.ipv4For(index), ipv6: ipv6For(index) };
  }

  /** The name behind a fake address (IPv4, IPv6 or v4-mapped text), or undefined if it is not one of ours. */
  nameFor(address: string): string | undefined {
    const index = this.indexOf(address);
    return index === undefined ? undefined : this.nameByIndex[index];
  }

  /** nameFor() of an address already parsed (the CONNECT hot path parses it once). */
  nameForIp(ip: ipaddr.IPv4 | ipaddr.IPv6): string | undefined {
    const index = this.indexOfIp(ip);
    return index === undefined ? undefined : this.nameByIndex[index];
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
    return index > 0 && index < this.nameByIndex.length ? index : undefined;
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
