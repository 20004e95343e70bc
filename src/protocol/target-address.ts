/** Where a proxy is asked to connect: an IP literal or a name the proxy resolves. */
export type TargetAddress =
  | { kind: 'ipv4'; host: string; port: number }
  | { kind: 'ipv6'; host: string; port: number }
  | { kind: 'domain'; host: string; port: number };

/** host:port for log lines; IPv6 in brackets. */
export function formatTarget(target: TargetAddress): string {
  return target.kind === 'ipv6' ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}
