import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { normalizeName } from './fake-dns-table';

/**
 * /etc/hosts, read by the agent so that names the machine itself defines resolve locally (as
 * libc would, from "files", before any DNS) while every other name goes to the proxy.
 */
export class HostsFile {
  private parsed?: { byName: Map<string, string[]>; byAddress: Map<string, string> };

  /** The file is read at the first lookup, as libc reads it then: not on every run's start. */
  static load(path = '/etc/hosts'): HostsFile {
    return new HostsFile(() => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return ''; // No hosts file: only localhost is local.
      }
    });
  }

  constructor(private readonly source: string | (() => string)) {}

  private get byName(): Map<string, string[]> {
    return this.parse().byName;
  }

  private get byAddress(): Map<string, string> {
    return this.parse().byAddress;
  }

  private parse(): { byName: Map<string, string[]>; byAddress: Map<string, string> } {
    if (this.parsed) return this.parsed;
    const byName = new Map<string, string[]>();
    const byAddress = new Map<string, string>();
    const text = typeof this.source === 'string' ? this.source : this.source();
    for (const raw of text.split('\n')) {
      const fields = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
      if (fields.length < 2 || !ipaddr.isValid(fields[0]!)) continue;
      const address = ipaddr.parse(fields[0]!).toString();
      for (const name of fields.slice(1)) {
        const key = normalizeName(name);
        const list = byName.get(key) ?? [];
        if (!list.includes(address)) list.push(address);
        byName.set(key, list);
      }
      if (!byAddress.has(address)) byAddress.set(address, fields[1]!);
    }
    // localhost is local whatever the file says (RFC 6761 §6.3).
    if (!byName.has('localhost')) byName.set('localhost', ['127.0.0.1', '::1']);
    return (this.parsed = { byName, byAddress });
  }

  /** Addresses for a name defined locally, in file order; undefined when the name is not local. */
  lookup(name: string): string[] | undefined {
    const key = normalizeName(name);
    return this.byName.get(key) ?? (key.endsWith('.localhost') ? ['127.0.0.1', '::1'] : undefined);
  }

  /** The first name given for an address, as libc's files backend answers a reverse lookup. */
  reverse(address: string): string | undefined {
    return ipaddr.isValid(address) ? this.byAddress.get(ipaddr.parse(address).toString()) : undefined;
  }
}
