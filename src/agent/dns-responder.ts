/**
 * What the agent answers, with remote DNS on, to a DNS query a wrapped program sent itself to one
 * of the nameservers of /etc/resolv.conf (docs/fake-dns.md). Sans-IO: bytes in, an outcome out,
 * never a throw.
 *
 * - A / AAAA: the fake addresses of the table getaddrinfo uses, so the next connect reaches the
 *   proxy by name; names of /etc/hosts and localhost: their real addresses.
 * - PTR for a fake address (or an /etc/hosts address): its name.
 * - Everything else is for a real resolver: `forward` (to --dns-server through the chain), or
 *   REFUSED when the user named none.
 */
import ipaddr from 'ipaddr.js';
import { Rcode, buildDnsReply, parseDnsQuery, reverseNameAddress, type DnsQuery, type DnsRecord } from '../protocol/dns-message';
import type { FakeDnsTable } from './fake-dns-table';
import type { HostsFile } from './hosts-file';
import { lookupName, nameOfAddress } from './routing';

const TYPE_A = 1;
const TYPE_PTR = 12;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
/**
 * Fake addresses are fixed for the whole run, but a program may outlive its wish for a name
 * (a stub cache shared with another run): a minute, like the short TTLs of CDNs.
 */
const TTL = 60;

export type DnsOutcome =
  /** Answered here. `what` says how, for log lines. */
  | { kind: 'answer'; message: Buffer; what: string }
  /** A question for a real resolver; `refused` is the answer to give when there is none. */
  | { kind: 'forward'; query: DnsQuery; refused: Buffer }
  /** Nothing can be answered (not a query, shorter than a header). */
  | { kind: 'drop'; reason: string };

export class DnsResponder {
  constructor(
    private readonly fakeDns: FakeDnsTable,
    private readonly hosts: HostsFile,
  ) {}

  respond(raw: Buffer): DnsOutcome {
    const parsed = parseDnsQuery(raw);
    if (parsed.kind === 'drop') return parsed;
    if (parsed.kind === 'error') return { kind: 'answer', message: parsed.reply, what: parsed.reason };
    const query = parsed.query;
    const { name, type } = query.question;
    const answer = (rcode: number, records: DnsRecord[], what: string): DnsOutcome => ({ kind: 'answer', message: buildDnsReply(query, rcode, records), what });
    const forward = (): DnsOutcome => ({ kind: 'forward', query, refused: buildDnsReply(query, Rcode.refused) });
    if (query.question.class !== CLASS_IN) return forward();
    if (type === TYPE_A || type === TYPE_AAAA) {
      const want = type === TYPE_A ? 'ipv4' : 'ipv6';
      const rtype = type === TYPE_A ? 'A' : 'AAAA';
      if (!query.question.verbatim || !carriable(name)) return answer(Rcode.refused, [], `"${printable(name)}" is not a name a proxy can be asked for`);
      const found = lookupName(this.fakeDns, this.hosts, name);
      if (found.from === 'hosts') {
        const records = found.addresses.filter((a) => ipaddr.parse(a).kind() === want).map((data) => ({ type: rtype, name, ttl: TTL, data }) as DnsRecord);
        return answer(Rcode.noError, records, records.length ? `${rtype} from /etc/hosts` : `no ${rtype} in /etc/hosts`);
      }
      if (found.from === 'full') return answer(Rcode.servFail, [], 'the fake-address table is full');
      return answer(Rcode.noError, [{ type: rtype, name, ttl: TTL, data: type === TYPE_A ? found.fake.ipv4 : found.fake.ipv6 }], `fake ${rtype}`);
    }
    if (type === TYPE_PTR) {
      const address = reverseNameAddress(name);
      if (address !== undefined) {
        const own = nameOfAddress(this.fakeDns, this.hosts, address);
        if (own !== undefined) return answer(Rcode.noError, [{ type: 'PTR', name, ttl: TTL, data: own }], 'PTR of a fake or /etc/hosts address');
        // A fake address no name owns: there is nothing behind it anywhere.
        if (this.fakeDns.inRange(ipaddr.parse(address))) return answer(Rcode.nxDomain, [], 'PTR of an unused fake address');
      }
    }
    return forward();
  }
}

/**
 * With remote DNS off, a query a program sends to a server of its choice goes through the chain
 * to it, except one for a name under .onion (RFC 7686): only Tor resolves those, and the server
 * would see the name. The REFUSED answer for such a query, or undefined for any other message.
 */
export function onionRefusal(raw: Buffer): { message: Buffer; name: string } | undefined {
  const parsed = parseDnsQuery(raw);
  if (parsed.kind !== 'query') return undefined;
  const name = parsed.query.question.name.toLowerCase();
  if (name !== 'onion' && !name.endsWith('.onion')) return undefined;
  return { message: buildDnsReply(parsed.query, Rcode.refused), name: printable(parsed.query.question.name) };
}

/**
 * A name the agent may hand a fake address for: printable ASCII labels (what the proxy will be
 * sent as ATYP 0x03), at most 253 characters, not the root. dns-packet joins labels with '.', so a
 * label holding a dot, a space or non-UTF-8 bytes would reach the proxy as another name: refused.
 */
function carriable(name: string): boolean {
  return name.length > 0 && name.length <= 253 && /^[\x21-\x7e]+$/.test(name) && !name.includes('..');
}

function printable(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
}
