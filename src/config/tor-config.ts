/**
 * Tor as an upstream (docs/tor.md): `--tor [HOST:PORT]`, the proxychains.conf directives
 * `tor_proxy HOST:PORT` and `tor_isolate MODE`, and stream isolation by SOCKS credentials.
 *
 * A hop marked Tor (ProxySpec.tor) gets, unless it has credentials of its own, credentials that
 * Tor's IsolateSOCKSAuth (on by default) keeps on circuits of their own:
 *   run      one random isolation string per sockswrap run (the default)
 *   process  one per program process: the agent derives it from the run's string and the pid at
 *            each connection (src/client/tor-isolation.ts)
 *   off      nothing is sent; Tor's other isolation flags still apply
 * Over SOCKS5 the username is `<torS0X>0` (Tor's proposal 351: format 0, "the password is the
 * isolation string"; Tor 0.4.9+ checks it, older Tors compare the two fields as opaque text), the
 * password the isolation string. SOCKS4/4a have only a USERID: the isolation string goes there.
 */
import { randomBytes } from '../native/lazy-crypto';
import ipaddr from 'ipaddr.js';
import type { ProxySpec, SockswrapConfig, TorIsolation } from './config-types';
import { ConfigError } from './config-error';
import { configFromProxyUrls } from './proxy-url';

export const TOR_DEFAULT_HOST = '127.0.0.1';
export const TOR_DEFAULT_PORT = 9050;
export const TOR_ENDPOINT_USAGE = 'HOST:PORT, as in 127.0.0.1:9050 or [::1]:9050';
export const TOR_ISOLATION_MODES: readonly TorIsolation[] = ['run', 'process', 'off'];
/** Proposal 351's marker and format 0: the password field is the isolation string. */
export const TOR_SOCKS5_USERNAME = '<torS0X>0';

/** HOST:PORT (IPv6 in brackets); undefined when malformed. */
export function parseTorEndpoint(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  if (m[1] !== undefined) return ipaddr.IPv6.isValid(m[1]) ? { host: ipaddr.parse(m[1]).toString(), port } : undefined;
  const host = m[2]!;
  if (ipaddr.IPv4.isValid(host) && !ipaddr.IPv4.isValidFourPartDecimal(host)) return undefined;
  if (!/^[A-Za-z0-9.-]+$/.test(host)) return undefined;
  return { host, port };
}

/**
 * `--tor` (value '' or undefined: $TOR_SOCKS_HOST / $TOR_SOCKS_PORT, else 127.0.0.1:9050): a
 * one-hop chain to Tor's SocksPort with remote DNS on. Throws ConfigError.
 */
export function torConfig(value: string | undefined, env: NodeJS.ProcessEnv = process.env): SockswrapConfig {
  let host: string;
  let port: number;
  if (value !== undefined && value !== '') {
    const ep = parseTorEndpoint(value);
    if (!ep) throw new ConfigError(`--tor: bad value "${value}" (expected ${TOR_ENDPOINT_USAGE})`);
    ({ host, port } = ep);
  } else {
    host = env.TOR_SOCKS_HOST?.trim() || TOR_DEFAULT_HOST;
    const portText = env.TOR_SOCKS_PORT?.trim() || String(TOR_DEFAULT_PORT);
    const ep = parseTorEndpoint(`${host.includes(':') ? `[${host}]` : host}:${portText}`);
    if (!ep) throw new ConfigError(`$TOR_SOCKS_HOST/$TOR_SOCKS_PORT: bad value "${host}" / "${portText}" (expected a host and a port 1-65535)`);
    ({ host, port } = ep);
  }
  const config = configFromProxyUrls([`socks5h://${host.includes(':') ? `[${host}]` : host}:${port}`], '--tor');
  config.proxies[0]!.tor = true;
  return config;
}

/** `--isolate` / `tor_isolate`: the mode, or undefined when it is none of them. */
export function parseIsolation(value: string): TorIsolation | undefined {
  return (TOR_ISOLATION_MODES as readonly string[]).includes(value) ? (value as TorIsolation) : undefined;
}

function describe(proxy: ProxySpec): string {
  return `${proxy.type} ${proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host}:${proxy.port}`;
}

/**
 * Gives every Tor hop its isolation credentials for `mode`. A hop with credentials of its own
 * keeps them (Tor isolates by them already), and a notice says so. Throws ConfigError when an
 * isolation mode was asked for and no hop is Tor.
 */
export function applyTorIsolation(config: SockswrapConfig, mode: TorIsolation | undefined, explicit: boolean, random: () => Buffer = () => randomBytes(16)): SockswrapConfig {
  const torHops = config.proxies.filter((p) => p.tor);
  if (torHops.length === 0) {
    if (explicit) throw new ConfigError('--isolate applies to Tor hops: use --tor, or mark the hop with "tor_proxy HOST:PORT" in proxychains.conf');
    return config;
  }
  const effective = mode ?? config.torIsolate ?? 'run';
  if (effective === 'off') return config;
  const runId = random().toString('hex');
  for (const hop of torHops) {
    if (hop.username !== undefined) {
      (config.notices ??= []).push(`${describe(hop)} is Tor and has credentials of its own: they are sent as configured, and Tor isolates streams by them (--isolate=${effective} changes nothing for that hop)`);
      continue;
    }
    hop.isolation = effective;
    const isolation = `sockswrap-${runId}`;
    if (hop.type === 'socks5') {
      hop.username = TOR_SOCKS5_USERNAME;
      hop.password = isolation;
    } else {
      hop.username = isolation;
    }
  }
  return config;
}
