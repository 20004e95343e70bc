/**
 * Where a destination goes: the one routing decision of the agent, for the relay path, the dial
 * path and UDP alike (docs/architecture.md, "Routing"). The rules, in the order they apply:
 *
 *   1. agent DNS   a resolv.conf nameserver, with remote DNS on: the agent answers the queries
 *                  itself (dns-service.ts); nothing goes out
 *   2. fake name   an address of the fake-DNS table (fake-dns-table.ts): the proxy is asked for
 *                  the name (ATYP 0x03), never an address
 *   3. localnet    loopback and the `localnet` ranges (route-policy.ts): direct, the shim connects
 *                  or sends by itself
 *   4. dnat        proxychains' dnat (dnat.ts): the chain is asked for the rewritten destination;
 *                  the program keeps seeing its own (getpeername, a reply's source)
 *   5. chain       everything else: through the proxy chain (chain-driver.ts), or refused
 *
 * Names reach step 2 through the lookup rules below (hosts before fake): a name of /etc/hosts
 * gets its real address, which then meets step 3 like any address the program wrote.
 */
import ipaddr from 'ipaddr.js';
import type { DnatRule } from '../config/config-types';
import type { TargetAddress } from '../protocol/target-address';
import { parseWireIpAddr } from '../wire';
import { applyDnat, dnatRanges } from './dnat';
import { compileScope, type ScopeRange } from './template-scope';
import type { ScopeException } from '../wire';
import type { FakeAddresses, FakeDnsTable } from './fake-dns-table';
import type { HostsFile } from './hosts-file';
import { unmap, type RoutePolicy } from './route-policy';

/** Through the chain: what the program asked for, and where the chain is asked to go. */
export interface ProxyRoute {
  kind: 'proxy';
  /** The destination as the program meant it: the name behind a fake address, else the IP. */
  target: TargetAddress;
  /** `target` after dnat (`target` itself when no rule matched): what the chain is asked for. */
  effective: TargetAddress;
  /** What the address means cannot change during the run (it is not an unnamed fake address). */
  fixed: boolean;
}

export type Route = { kind: 'agent-dns' } | { kind: 'direct' } | ProxyRoute;

export interface RouterDeps {
  fakeDns: FakeDnsTable;
  policy: RoutePolicy;
  dnat?: readonly DnatRule[];
  /** Rule 1: whether the agent itself answers DNS sent to this address (dns-service.ts); claimedRanges: the same as ranges. */
  agentDns?: { claims(ip: ipaddr.IPv4 | ipaddr.IPv6, port: number): boolean; claimedRanges?(): ScopeRange[] };
}

export class Router {
  constructor(private readonly deps: RouterDeps) {}

  /** Where a connect or datagram to `ip`:`port` goes (v4-mapped addresses count as IPv4). */
  route(ip: ipaddr.IPv4 | ipaddr.IPv6, port: number): Route {
    if (this.deps.agentDns?.claims(ip, port)) return { kind: 'agent-dns' };
    const address = unmap(ip);
    const { fakeDns } = this.deps;
    const name = fakeDns.nameForIp(address);
    if (name !== undefined) return this.proxied({ kind: 'domain', host: name, port }, true);
    if (this.deps.policy.isDirectIp(address, port)) return { kind: 'direct' };
    const target: TargetAddress = { kind: address.kind() === 'ipv4' ? 'ipv4' : 'ipv6', host: address.toString(), port };
    // A fake address no name owns yet may get one later: what it means now must not be kept.
    return this.proxied(target, !fakeDns.inRange(address));
  }

  /** route() of a wire address `fam | addr | port` (docs/wire-protocol.md); throws when malformed. */
  routeWire(wire: Buffer, offset = 0): Route {
    const { ip, length } = parseWireIpAddr(wire, offset);
    if (wire.length < offset + length + 2) throw new RangeError('wire address without its port');
    return this.route(ip, wire.readUInt16BE(offset + length));
  }

  /**
   * The destinations rules 1-4 decide (or might, for an unnamed fake address) as ranges: what a
   * dial template must never serve (template-scope.ts). Each rule's own module gives its ranges.
   */
  templateScope(): ScopeException[] | undefined {
    const { agentDns, fakeDns, policy, dnat } = this.deps;
    return compileScope([agentDns?.claimedRanges?.() ?? (agentDns ? undefined : []), fakeDns.ranges(), policy.directRanges(), dnatRanges(dnat)]);
  }

  private proxied(target: TargetAddress, fixed: boolean): ProxyRoute {
    return { kind: 'proxy', target, effective: applyDnat(this.deps.dnat, target), fixed };
  }
}

/** What a name resolves to: its /etc/hosts addresses, else its fake pair; 'full' when the table is. */
export type NameAnswer = { from: 'hosts'; addresses: string[] } | { from: 'fake'; fake: FakeAddresses } | { from: 'full' };

/** The lookup rule (hosts before fake), for RESOLVE and the agent's DNS answers alike. */
export function lookupName(fakeDns: FakeDnsTable, hosts: HostsFile, name: string): NameAnswer {
  const local = hosts.lookup(name);
  if (local) return { from: 'hosts', addresses: local };
  const fake = fakeDns.addressesFor(name);
  return fake ? { from: 'fake', fake } : { from: 'full' };
}

/**
 * The name behind an address (REVERSE, PTR): a fake address's name, else the first /etc/hosts
 * name of the address (unmapped), else of the address as written.
 */
export function nameOfAddress(fakeDns: FakeDnsTable, hosts: HostsFile, address: string): string | undefined {
  const host = ipaddr.isValid(address) ? unmap(ipaddr.parse(address)).toString() : address;
  return fakeDns.nameFor(host) ?? hosts.reverse(host) ?? (host === address ? undefined : hosts.reverse(address));
}
