import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { unmap } from './route-policy';

/**
 * The nameservers of /etc/resolv.conf, read by the agent at start: with remote DNS on, the DNS
 * queries a wrapped program sends these itself (c-ares, bind9's host and nslookup, Go's resolver)
 * are answered by the agent (docs/fake-dns.md). Only the agent decides which destinations these
 * are; the shim only knows to ask about port 53 on loopback (a stub such as 127.0.0.53).
 */
export class Nameservers {
  private readonly set: ReadonlySet<string>;

  /** Nameserver addresses in file order, normalised (no %scope, v4-mapped unwrapped). */
  readonly list: readonly string[];

  static load(path = '/etc/resolv.conf'): Nameservers {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // No file: libc's default below.
    }
    return new Nameservers(text);
  }

  constructor(text: string) {
    const list: string[] = [];
    for (const raw of text.split('\n')) {
      const fields = raw.replace(/[#;].*/, '').trim().split(/\s+/);
      if (fields[0] !== 'nameserver' || fields.length < 2) continue;
      const bare = fields[1]!.replace(/%.*$/, '');
      if (!ipaddr.isValid(bare)) continue;
      const address = unmap(ipaddr.parse(bare)).toString();
      if (!list.includes(address)) list.push(address);
    }
    // Without a nameserver line, glibc (and Go, and c-ares) ask the local host.
    if (list.length === 0) list.push('127.0.0.1', '::1');
    this.list = list;
    this.set = new Set(list);
  }

  /** Is this (already unmapped) address one of them? */
  has(ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    return this.set.has(ip.toString());
  }
}
