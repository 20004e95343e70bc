import type { DnatRule } from '../config/config-types';
import type { TargetAddress } from '../protocol/target-address';
import type { ScopeRange } from './template-scope';

/**
 * proxychains-ng 4.16's dnat: an IPv4 destination (v4-mapped already unmapped by the caller) that
 * matches a rule is replaced before the chain is built. A rule with the original port wins over
 * one without, whatever their order in the file; among equals the first one written wins. The new
 * port replaces the program's only when the rule gives one. Names (fake-DNS addresses) and IPv6
 * destinations are never rewritten, as in 4.16. Returns `target` itself when nothing matched.
 */
export function applyDnat(rules: readonly DnatRule[] | undefined, target: TargetAddress): TargetAddress {
  if (!rules || rules.length === 0 || target.kind !== 'ipv4') return target;
  const rule =
    rules.find((r) => r.from.address === target.host && r.from.port !== undefined && r.from.port === target.port) ??
    rules.find((r) => r.from.address === target.host && r.from.port === undefined);
  if (!rule) return target;
  return { kind: 'ipv4', host: rule.to.address, port: rule.to.port ?? target.port };
}

/** The destinations a rule rewrites (dial templates' scope, template-scope.ts): each rule's original address and port. */
export function dnatRanges(rules: readonly DnatRule[] | undefined): ScopeRange[] {
  return (rules ?? []).map((r) => ({ address: r.from.address, prefix: 32, port: r.from.port }));
}
