import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { normalizeName } from './fake-dns-table';

/**
 * /etc/hosts, read by the agent so that names the machine itself defines resolve locally (as
 * libc would, from "files", before any DNS) while every other name goes to the proxy.
 */
export class HostsFile {
  private readonly byName = new Map<string, string[]>();
  private readonly byAddress = new Map<string, string>();

  static load(path = '/etc/hosts'): HostsFile {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // No hosts file: only localhost is local.
    }
    return new HostsFile(text);
  }

  constructor(text: string) {
    for (const raw of text.split('\n')) {
      const fields = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
      if (fields.length < 2 || !ipaddr.isValid(fields[0]!)) continue;
      const address = ipaddr.parse(fields[0]!).toString();
      for (const name of fields.slice(1)) {
        const key = normalizeName(name);
        const list = this.byName.get(key) ?? [];
        if (!list.includes(address)) list.push(address);
        this.byName.set(key, list);
      }
      if (!this.byAddress.has(address)) this.byAddress.set(address, fields[1]!);
    }
    // localhost is local whatever the file says (RFC 6761 §6.3).
    if (!this.byName.has('localhost')) this.byName.set('localhost', ['127.0.0.1', '::1']);
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
