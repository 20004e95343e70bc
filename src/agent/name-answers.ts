/**
 * What the shim's lookups hear (docs/fake-dns.md): the answer policy of RESOLVE (getaddrinfo,
 * gethostbyname) and REVERSE (getnameinfo, gethostbyaddr), apart from the control socket that
 * carries them. Names resolve by routing.ts's lookup rule: /etc/hosts first, then a fake pair.
 */
import ipaddr from 'ipaddr.js';
import type { FakeDnsTable } from './fake-dns-table';
import type { HostsFile } from './hosts-file';
import { lookupName, nameOfAddress } from './routing';

/** At most this many addresses in one answer, so it always fits one control frame. */
const MAX_ANSWER_ADDRESSES = 32;

export type ResolveAnswer =
  | { kind: 'addresses'; addresses: string[] }
  /** Not a name the agent answers for (remote DNS off, a bad name, none of the family asked). */
  | { kind: 'not-found' }
  /** The fake-address table is full. */
  | { kind: 'full' }
  /** --tor-real-addresses: ask Tor for the real address instead of giving a fake (tor-names.ts). */
  | { kind: 'through-tor' }
  /** A .onion name with remote DNS off: refused, never sent to any resolver (the caller logs it). */
  | { kind: 'onion-refused' };

export class NameAnswers {
  constructor(private readonly deps: { fakeDns: FakeDnsTable; hosts: HostsFile; remoteDns: boolean; torRealAddresses?: boolean }) {}

  /** RESOLVE: `family` 0 (either, IPv4 first), 4 or 6. */
  resolve(family: number, name: string): ResolveAnswer {
    const { fakeDns, hosts, remoteDns } = this.deps;
    // The shim asks about .onion names even with remote DNS off (dns-hooks.c): only Tor can
    // resolve them, and a local resolver would see the name.
    if (!remoteDns && isOnionName(name)) return { kind: 'onion-refused' };
    if (name.length === 0 || name.length > 253 || !remoteDns) return { kind: 'not-found' };
    const found = lookupName(fakeDns, hosts, name);
    // Not for .onion: only a connect reaches those.
    if (found.from !== 'hosts' && this.deps.torRealAddresses && !isOnionName(name)) return { kind: 'through-tor' };
    if (found.from === 'full') return { kind: 'full' };
    // Unspecified family gets both, IPv4 first, so a program that keeps only IPv6 answers
    // (curl -6, an AF_INET6-only filter) finds one (docs/fake-dns.md).
    const addresses = found.from === 'hosts' ? found.addresses : [found.fake.ipv4, found.fake.ipv6];
    const wanted = addresses.filter((a) => {
      const kind = ipaddr.parse(a).kind();
      return family === 0 || (family === 4 && kind === 'ipv4') || (family === 6 && kind === 'ipv6');
    });
    if (wanted.length === 0) return { kind: 'not-found' };
    return { kind: 'addresses', addresses: wanted.slice(0, MAX_ANSWER_ADDRESSES) };
  }

  /** REVERSE: the name behind an address, or undefined. */
  reverse(address: string): string | undefined {
    return nameOfAddress(this.deps.fakeDns, this.deps.hosts, address);
  }
}

/** A name under .onion (RFC 7686), which only Tor resolves. */
export function isOnionName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === 'onion' || n.endsWith('.onion');
}
