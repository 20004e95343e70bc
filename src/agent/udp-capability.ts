/**
 * What the agent has learnt, for the whole run, about each SOCKS5 proxy's UDP (docs/udp.md,
 * "A SOCKS5 hop with no UDP"): a proxy is found to have no UDP once — it answered UDP ASSOCIATE
 * with a reply code (0x07), closed or reset the connection on the request, or granted it but its
 * relay answered none of the DNS queries it was given within UDP_SILENCE_MS while the same queries
 * were answered over TCP through the chain — and from then on every association with it is
 * DNS-only without asking again. A relay that delivered any datagram is proven and never judged.
 */
import type { ProxySpec } from '../config/config-types';
import { ChainError } from '../client/chain-error';
import { describeHop } from '../client/proxy-hop';
import { CLOSED_ON_ASSOCIATE } from '../client/udp-associate';

/**
 * How long a DNS query sent through a relay that has delivered nothing yet waits for its answer
 * before the same query is asked over TCP through the chain (and the relay judged by the
 * outcome). 2 s: past any real round trip to a proxy, and well inside the first retry of the
 * resolvers that matter (dig 5 s, glibc 5 s, c-ares 2 s then 4 s), so the program still gets its
 * answer from the first try or the second.
 */
export const UDP_SILENCE_MS = 2000;

type Finding = { noUdp: string } | { proven: true };

export class UdpCapability {
  private readonly findings = new Map<string, Finding>();

  /** Why `proxy` has no UDP, when that was found this run. */
  noUdp(proxy: ProxySpec): string | undefined {
    const f = this.findings.get(keyOf(proxy));
    return f && 'noUdp' in f ? f.noUdp : undefined;
  }

  /** Its relay delivered a datagram: it carries UDP. */
  proven(proxy: ProxySpec): boolean {
    const f = this.findings.get(keyOf(proxy));
    return f !== undefined && 'proven' in f;
  }

  prove(proxy: ProxySpec): void {
    if (!this.findings.has(keyOf(proxy))) this.findings.set(keyOf(proxy), { proven: true });
  }

  /** Records the finding; true the first time (the caller logs it then, once per run). */
  record(proxy: ProxySpec, reason: string): boolean {
    const prior = this.findings.get(keyOf(proxy));
    if (prior && 'noUdp' in prior) return false;
    this.findings.set(keyOf(proxy), { noUdp: reason });
    return true;
  }

  /** Every finding, as `sockswrap check` and logs show them. */
  list(): { hop: string; noUdp?: string }[] {
    return [...this.findings].map(([hop, f]) => ('noUdp' in f ? { hop, noUdp: f.noUdp } : { hop }));
  }
}

/** The same proxy for every association: type, address and the user it logs in as. */
function keyOf(proxy: ProxySpec): string {
  return `${describeHop(proxy)}${proxy.username !== undefined ? ` as ${proxy.username}` : ''}`;
}

/**
 * Whether a failed UDP ASSOCIATE means "this proxy has no UDP" (it works, but not for UDP), and
 * why. Authentication failures and unreachable proxies are not: they fail TCP alike.
 */
export function noUdpFinding(err: unknown): string | undefined {
  if (!(err instanceof ChainError)) return undefined;
  const { error } = err;
  if (error.code === 'proxy-auth-failed' || error.code === 'proxy-auth-required') return undefined;
  if (error.replyCode !== undefined) return `it answered UDP ASSOCIATE with reply 0x${error.replyCode.toString(16).padStart(2, '0')} (${error.message})`;
  if (error.cause === CLOSED_ON_ASSOCIATE) return `it ${error.message}`;
  return undefined;
}
