import type { ChainType, ProxyType } from './config-types';

// ---------------------------------------------------------------------------------------------
// THE single place that decides what this version supports. Both parsers read everything
// proxychains-ng 4.16 (and the -x URL schemes) can express, store it in the result, and only
// then reject what is not in these sets. Enabling a feature = adding it here (plus the code
// that acts on it elsewhere); the parsers need no change.
// ---------------------------------------------------------------------------------------------

export const SUPPORTED_PROXY_TYPES: ReadonlySet<ProxyType> = new Set<ProxyType>(['socks5', 'socks4', 'socks4a', 'http', 'https', 'raw']);

export const SUPPORTED_CHAIN_TYPES: ReadonlySet<ChainType> = new Set<ChainType>(['strict', 'dynamic', 'random', 'round_robin']);

/** proxychains.conf directives that are not a chain type. */
export type OptionalDirective = 'chain_len' | 'dnat' | 'proxy_dns_old' | 'proxy_dns_daemon';

export const SUPPORTED_DIRECTIVES: ReadonlySet<OptionalDirective> = new Set<OptionalDirective>(['chain_len', 'dnat']);

// ---------------------------------------------------------------------------------------------

/** "socks5" or "socks5 and http": for messages that tell the user what does work. */
export function supportedProxyTypesText(): string {
  return joinList([...SUPPORTED_PROXY_TYPES]);
}

export function chainDirective(type: ChainType): string {
  return `${type}_chain`;
}

export function supportedChainsText(): string {
  return joinList([...SUPPORTED_CHAIN_TYPES].map(chainDirective));
}

function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
