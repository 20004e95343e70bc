import ipaddr from 'ipaddr.js';
import type { LocalNet } from '../config/config-types';
import type { ScopeRange } from './template-scope';

/**
 * Decides which destinations bypass the proxy: loopback always, and the configured `localnet`
 * ranges (with their optional port). Everything else is proxied or refused, never sent direct.
 */
export class RoutePolicy {
  private readonly ranges: { range: [ipaddr.IPv4 | ipaddr.IPv6, number]; port?: number }[];

  constructor(localnets: readonly LocalNet[]) {
    this.ranges = localnets.map((net) => ({
      range: [ipaddr.parse(net.address), net.prefixLength] as [ipaddr.IPv4 | ipaddr.IPv6, number],
      port: net.port,
    }));
  }

  /** What isDirectIp() says yes to, as ranges (dial templates' scope, template-scope.ts): loopback, then each localnet. */
  directRanges(): ScopeRange[] {
    return [
      { address: '127.0.0.0', prefix: 8 },
      { address: '::1', prefix: 128 },
      ...this.ranges.map(({ range: [net, prefix], port }) => ({ address: net.toString(), prefix, port })),
    ];
  }

  isDirect(address: string, port: number): boolean {
    return this.isDirectIp(unmap(ipaddr.parse(address)), port);
  }

  /** isDirect() of an unmapped address already parsed. */
  isDirectIp(ip: ipaddr.IPv4 | ipaddr.IPv6, port: number): boolean {
    if (ip.range() === 'loopback' || (ip.kind() === 'ipv6' && ip.toString() === '::1')) return true;
    return this.ranges.some(({ range, port: only }) => {
      if (only !== undefined && only !== port) return false;
      const [net] = range;
      if (net.kind() !== ip.kind()) return false;
      return ip.match(range as [typeof ip, number]);
    });
  }
}

/** ::ffff:a.b.c.d is IPv4 for every decision. */
export function unmap(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}
