/**
 * What `sockswrap serve` is asked to do, checked before anything listens: the listen address,
 * the login, and the rule that only loopback is served without a login or --allow-open.
 * Bad input is a ServeUsageError (the CLI prints it and exits 2).
 */
import ipaddr from 'ipaddr.js';
import type { Socks5Credentials } from '../protocol/socks5-codec';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 1080;

export class ServeUsageError extends Error {}

export interface ServeConfig {
  host: string;
  port: number;
  credentials?: Socks5Credentials;
  udp: boolean;
  bind: boolean;
  /** Set when the address is not loopback (and --auth or --allow-open allowed it): say so at start. */
  warning?: string;
}

export interface ServeFlags {
  listen?: string;
  auth?: string;
  allowOpen?: boolean;
  udp?: boolean;
  bind?: boolean;
}

/** HOST:PORT, [IPv6]:PORT, HOST, or :PORT; HOST an IP literal or "localhost". */
export function parseListen(text: string): { host: string; port: number } {
  const usage = `--listen expects HOST:PORT, [IPV6]:PORT or :PORT with HOST an IP address (got "${text}")`;
  if (text === '') throw new ServeUsageError(usage);
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else if ((text.match(/:/g) ?? []).length > 1) {
    host = text; // a bare IPv6 address, no port
  } else {
    const at = text.lastIndexOf(':');
    host = at === -1 ? text : text.slice(0, at);
    portText = at === -1 ? undefined : text.slice(at + 1);
  }
  if (host === '') host = DEFAULT_HOST;
  if (host === 'localhost') host = DEFAULT_HOST;
  if (!ipaddr.isValid(host) || (ipaddr.IPv4.isValid(host) && !ipaddr.IPv4.isValidFourPartDecimal(host))) {
    throw new ServeUsageError(usage);
  }
  if (ipaddr.parse(host).kind() === 'ipv6' && host.includes('%')) throw new ServeUsageError(`${usage}: a zone index is not supported`);
  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new ServeUsageError(`${usage}: the port must be 0..65535`);
    port = Number(portText);
  }
  return { host: ipaddr.parse(host).toString(), port };
}

/** USER:PASS, each 1..255 bytes of UTF-8 (RFC 1929); the first ':' separates them. */
export function parseAuth(text: string): Socks5Credentials {
  const at = text.indexOf(':');
  const username = at === -1 ? '' : text.slice(0, at);
  const password = at === -1 ? '' : text.slice(at + 1);
  const ok = (s: string) => Buffer.byteLength(s) >= 1 && Buffer.byteLength(s) <= 255;
  if (at === -1 || !ok(username) || !ok(password)) {
    throw new ServeUsageError('--auth expects USER:PASS, each 1..255 bytes (RFC 1929); the first ":" ends the user name');
  }
  return { username, password };
}

export function isLoopback(host: string): boolean {
  const addr = ipaddr.process(host); // ::ffff:127.0.0.1 is IPv4 loopback
  return addr.range() === 'loopback';
}

export function serveConfig(flags: ServeFlags): ServeConfig {
  const { host, port } = flags.listen !== undefined ? parseListen(flags.listen) : { host: DEFAULT_HOST, port: DEFAULT_PORT };
  const credentials = flags.auth !== undefined ? parseAuth(flags.auth) : undefined;
  const config: ServeConfig = { host, port, credentials, udp: flags.udp === true, bind: flags.bind === true };
  if (!isLoopback(host)) {
    if (!credentials && !flags.allowOpen) {
      throw new ServeUsageError(
        `refusing to listen on ${host}, which is not a loopback address, without a login: anyone who can reach it ` +
          'could use this machine as a proxy. Give --auth USER:PASS, or --allow-open if that is what you want',
      );
    }
    config.warning = credentials
      ? `listening on ${host}, which is not loopback: anyone who can reach it and knows the login can use this proxy; SOCKS4 clients are refused (SOCKS4 has no password)`
      : `listening on ${host}, which is not loopback, with no login (--allow-open): anyone who can reach it can use this proxy`;
  }
  return config;
}
