import type { ProxySpec } from '../config/config-types';
import type { TargetAddress } from '../protocol/target-address';
import { isIP } from 'node:net';

/** The address a previous hop is asked to connect to in order to reach this proxy. */
export function proxyAsTarget(proxy: ProxySpec): TargetAddress {
  const family = isIP(proxy.host);
  if (family === 4) return { kind: 'ipv4', host: proxy.host, port: proxy.port };
  if (family === 6) return { kind: 'ipv6', host: proxy.host, port: proxy.port };
  return { kind: 'domain', host: proxy.host, port: proxy.port };
}

/** "socks5 127.0.0.1:1080", as log lines name a hop. */
export function describeHop(proxy: ProxySpec): string {
  const host = isIP(proxy.host) === 6 ? `[${proxy.host}]` : proxy.host;
  return `${proxy.type} ${host}:${proxy.port}`;
}
