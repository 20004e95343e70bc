/**
 * The scope of dial templates (docs/architecture.md, dial path, "Templates"): which destinations the
 * shim may fill into a template and dial without asking. TypeScript decides, C applies: the routing
 * rules (routing.ts) that decide a destination before the chain does — agent DNS, fake names,
 * localnet and loopback, dnat — each give their ranges (dns-service.ts, fake-dns-table.ts,
 * route-policy.ts, dnat.ts), compiled here into one table of exceptions (CIDR, and a port or
 * every port) that the shim checks (core/plan-template.c). A destination matching none of them
 * meets rule 5 alone (the chain), where the agent's answer depends on it only through its bytes.
 *
 * Fail closed: anything doubtful is an exception too (unspecified, multicast, broadcast: the
 * agent does not route them specially today, but nothing is lost by asking), a rule that cannot
 * say its ranges makes the whole scope unknown (no templates), and a port of 0 in the table
 * means every port (a wider exception than a rule for port 0 asks for).
 */
import ipaddr from 'ipaddr.js';
import type { ScopeException } from '../wire';
import { unmap } from './route-policy';

/** Destinations one rule decides: `address/prefix`, on `port` only when given. */
export interface ScopeRange {
  address: string;
  prefix: number;
  port?: number;
}

/** Asked of the agent whatever the rules say (when in doubt, out of scope). */
const DOUBT: readonly ScopeRange[] = [
  { address: '0.0.0.0', prefix: 8 },
  { address: '224.0.0.0', prefix: 3 }, // multicast, reserved, broadcast: 224.0.0.0 - 255.255.255.255
  { address: '::', prefix: 128 },
  { address: 'ff00::', prefix: 8 },
  { address: '::ffff:0:0', prefix: 96 }, // the shim unmaps v4-mapped addresses; never as IPv6
];

/** The exceptions of every rule's ranges (undefined in `rules`: that rule cannot say; no scope at all). */
export function compileScope(rules: readonly (readonly ScopeRange[] | undefined)[]): ScopeException[] | undefined {
  const out: ScopeException[] = [];
  for (const ranges of [...rules, DOUBT]) {
    if (!ranges) return undefined;
    for (const range of ranges) {
      if (!ipaddr.isValid(range.address)) return undefined;
      const ip = ipaddr.parse(range.address);
      const v4 = ip.kind() === 'ipv4';
      const bits = v4 ? 32 : 128;
      if (!Number.isInteger(range.prefix) || range.prefix < 0 || range.prefix > bits) return undefined;
      out.push({ family: v4 ? 4 : 6, prefix: range.prefix, address: Buffer.from(ip.toByteArray()), port: range.port ?? 0 });
    }
  }
  return out;
}

/** What the shim decides with the table (core/plan-template.c), for tests: may a template serve this destination? */
export function inTemplateScope(scope: readonly ScopeException[], address: string, port: number): boolean {
  const ip = unmap(ipaddr.parse(address));
  const bytes = ip.toByteArray();
  const family = ip.kind() === 'ipv4' ? 4 : 6;
  return !scope.some((e) => e.family === family && (e.port === 0 || e.port === port) && samePrefix(e.address, bytes, e.prefix));
}

function samePrefix(net: Buffer, bytes: number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit += 8) {
    const mask = prefix - bit >= 8 ? 0xff : (0xff << (8 - (prefix - bit))) & 0xff;
    if (((net[bit >> 3]! ^ bytes[bit >> 3]!) & mask) !== 0) return false;
  }
  return true;
}
