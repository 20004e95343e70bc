import ipaddr from 'ipaddr.js';
import type { TargetAddress } from '../protocol/target-address';

/**
 * A socket's address as SOCKS carries it: an IPv4-mapped IPv6 address (a dual-stack socket's
 * view of an IPv4 peer) is the IPv4 address it stands for, so a SOCKS4 client gets it too.
 */
export function socketAddress(host: string | undefined, port: number | undefined): TargetAddress {
  if (!host || !ipaddr.isValid(host)) return { kind: 'ipv4', host: '0.0.0.0', port: port ?? 0 };
  const addr = ipaddr.process(host);
  return addr.kind() === 'ipv4' ? { kind: 'ipv4', host: addr.toString(), port: port ?? 0 } : { kind: 'ipv6', host: addr.toString(), port: port ?? 0 };
}

/** The same address in the form ipaddr gives, for comparing a peer with the one expected. */
export function sameHost(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !ipaddr.isValid(a) || !ipaddr.isValid(b)) return false;
  return ipaddr.process(a).toString() === ipaddr.process(b).toString();
}

export function isUnspecified(host: string): boolean {
  return ipaddr.isValid(host) && ipaddr.process(host).range() === 'unspecified';
}
