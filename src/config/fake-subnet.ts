// Which /8 may hold the fake IPv4 addresses of remote DNS (remote_dns_subnet N → N.0.0.0/8).
// A fake address must never be something real: a program connecting to it (or a datagram the
// shim does not catch) must not reach a local server or a host on some network. So only a range
// the Internet reserves and this machine cannot be using is accepted (docs/fake-dns.md):
//   224-239  multicast (224.0.0.0/4): never a unicast peer; 224 is proxychains' stock value
//   240-254  class E (240.0.0.0/4, "reserved for future use"): not routed, not assignable
// Refused: 255 (255.255.255.255 is the limited broadcast), and every unicast /8: 0 ("this
// network"), 10, 100 (CGN), 127 (loopback), 169 (link-local), 172, 192, 198 (benchmarking) and
// all the public ranges real hosts have.
import ipaddr from 'ipaddr.js';
import type { LocalNet } from './config-types';

export const FAKE_SUBNET_MIN = 224;
export const FAKE_SUBNET_MAX = 254;
export const FAKE_SUBNET_RULE = `N ${FAKE_SUBNET_MIN}-${FAKE_SUBNET_MAX}: a reserved range (multicast or class E), as the default 240`;

/**
 * Why N.0.0.0/8 cannot hold fake addresses, or undefined when it can. `localnets` are the
 * configured exclusions (fake addresses there would go direct); `machineAddresses` the IPv4
 * addresses this machine has (a fake one must not be one of them).
 */
export function fakeSubnetProblem(n: number, localnets: readonly LocalNet[] = [], machineAddresses: readonly string[] = []): string | undefined {
  return fakeSubnetCheck(n, localnets, machineAddresses)?.problem;
}

/** fakeSubnetProblem(), with the index of the localnet at fault when one is. */
export function fakeSubnetCheck(n: number, localnets: readonly LocalNet[] = [], machineAddresses: readonly string[] = []): { problem: string; localnet?: number } | undefined {
  const problem = (text: string) => ({ problem: text });
  if (n === 127) return problem(`${n}.0.0.0/8 is loopback: fake addresses would reach local servers`);
  if (n < FAKE_SUBNET_MIN || n > FAKE_SUBNET_MAX) {
    return problem(`${n}.0.0.0/8 is not a reserved range: fake addresses could be real hosts`);
  }
  const range = ipaddr.parseCIDR(`${n}.0.0.0/8`);
  for (const [i, net] of localnets.entries()) {
    const v4 = asIPv4Net(net);
    // Two CIDRs overlap when either contains the other's base address.
    if (v4 && (v4[0].match(range) || (range[0] as ipaddr.IPv4).match(v4))) {
      return { problem: `${n}.0.0.0/8 overlaps localnet ${net.address}/${net.prefixLength}: fake addresses there would go direct`, localnet: i };
    }
  }
  for (const a of machineAddresses) {
    if (ipaddr.IPv4.isValid(a) && ipaddr.IPv4.parse(a).match(range)) return problem(`${n}.0.0.0/8 holds ${a}, an address of this machine`);
  }
  return undefined;
}

/** A localnet as an IPv4 CIDR (a v4-mapped IPv6 one included); undefined for other IPv6 nets. */
function asIPv4Net(net: LocalNet): [ipaddr.IPv4, number] | undefined {
  const addr = ipaddr.parse(net.address);
  if (addr.kind() === 'ipv4') return [addr as ipaddr.IPv4, net.prefixLength];
  const v6 = addr as ipaddr.IPv6;
  if (!v6.isIPv4MappedAddress() || net.prefixLength < 96) return undefined;
  return [v6.toIPv4Address(), net.prefixLength - 96];
}
