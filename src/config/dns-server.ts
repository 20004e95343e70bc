import ipaddr from 'ipaddr.js';

/** The resolver the agent forwards DNS types it does not answer itself to (docs/fake-dns.md). */
export interface DnsServer {
  address: string;
  port: number;
}

export const DNS_SERVER_USAGE = 'IP[:PORT], as in 192.0.2.53, 192.0.2.53:5353, 2001:db8::53 or [2001:db8::53]:53';

/** `--dns-server` / `remote_dns_server`: an IP address (the proxy is asked for it), port 53 by default. Undefined when malformed. */
export function parseDnsServer(value: string): DnsServer | undefined {
  let host = value;
  let port = '53';
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] ?? port;
    if (!ipaddr.IPv6.isValid(host)) return undefined;
  } else if (!ipaddr.IPv6.isValid(value)) {
    const m = /^([^:]+)(?::(\d+))?$/.exec(value);
    if (!m) return undefined;
    host = m[1]!;
    port = m[2] ?? port;
    if (!ipaddr.IPv4.isValidFourPartDecimal(host)) return undefined;
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return undefined;
  return { address: ipaddr.parse(host).toString(), port: Number(port) };
}
