/**
 * Names through Tor for the shim's RESOLVE and REVERSE questions (docs/tor.md), when the chain
 * has a Tor hop that speaks SOCKS5:
 * - reverse: an address that is neither fake nor in /etc/hosts is asked of Tor (RESOLVE_PTR)
 *   instead of answered numerically, as torsocks does; local and private addresses never are.
 * - resolve, with --tor-real-addresses: a name gets the address Tor resolves (RESOLVE) instead of
 *   a fake one.
 * Answers are kept for a minute (failures too), so a program that asks the same thing in a loop
 * does not open a Tor stream each time.
 */
import ipaddr from 'ipaddr.js';
import type { SockswrapConfig } from '../config/config-types';
import type { Logger } from '../log/logger';
import { proxiesForPid } from '../client/tor-isolation';
import { torQuery, torResolveHop } from '../client/tor-resolve';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { Requester } from './connect-broker';

const KEEP_MS = 60_000;
const MAX_KEPT = 4096;
/** Addresses no exit should be asked about: they are this machine's or this network's. */
const LOCAL_RANGES = new Set(['unspecified', 'loopback', 'private', 'linkLocal', 'multicast', 'broadcast', 'uniqueLocal', 'carrierGradeNat']);

/** An answer: the value, 'none' (Tor says no such name or address), or 'failed' (Tor could not be asked). */
export type TorAnswer = { value: string } | 'none' | 'failed';

export class TorNames {
  private readonly kept = new Map<string, { until: number; answer: Promise<TorAnswer> }>();

  private constructor(
    private readonly config: SockswrapConfig,
    private readonly log: Logger,
    /** --tor-real-addresses */
    readonly realAddresses: boolean,
  ) {}

  /** A resolver when the chain has a SOCKS5 Tor hop, else undefined. */
  static for(config: SockswrapConfig, log: Logger): TorNames | undefined {
    return torResolveHop(config.proxies) >= 0 ? new TorNames(config, log, config.torRealAddresses === true) : undefined;
  }

  /** Whether REVERSE may ask Tor about this address (not fake, not local or private). */
  mayReverse(host: string): boolean {
    const ip = ipaddr.parse(host);
    if (LOCAL_RANGES.has(ip.range())) return false;
    if (ip.kind() === 'ipv4' && (ip as ipaddr.IPv4).octets[0] === this.config.remoteDnsSubnet) return false;
    return !(ip.kind() === 'ipv6' && ip.toNormalizedString().startsWith('fd73:6f63:6b73:0:0:0:'));
  }

  reverse(host: string, requester: Requester): Promise<TorAnswer> {
    const kind = ipaddr.parse(host).kind();
    return this.ask(`ptr ${host}`, requester, 'resolve-ptr', { kind, host, port: 0 } as const, (a) => (a.kind === 'domain' ? a.host : undefined));
  }

  resolve(name: string, requester: Requester): Promise<TorAnswer> {
    return this.ask(`a ${name.toLowerCase()}`, requester, 'resolve', { kind: 'domain', host: name, port: 0 }, (a) => (a.kind !== 'domain' ? a.host : undefined));
  }

  private ask(key: string, requester: Requester, command: 'resolve' | 'resolve-ptr', target: Parameters<typeof torQuery>[2], pick: (a: Awaited<ReturnType<typeof torQuery>>) => string | undefined): Promise<TorAnswer> {
    const now = Date.now();
    const kept = this.kept.get(key);
    if (kept && kept.until > now) return kept.answer;
    const who = `${requester.name}[${requester.pid}]`;
    const what = `${command === 'resolve' ? 'RESOLVE' : 'RESOLVE_PTR'} ${target.host}`;
    const answer = torQuery(proxiesForPid(this.config.proxies, requester.pid), command, target, { connectMs: this.config.tcpConnectTimeoutMs, readMs: this.config.tcpReadTimeoutMs }).then(
      (bound): TorAnswer => {
        const value = pick(bound);
        if (value === undefined) {
          this.log.error(`${who} ${what} through Tor: the answer is not a ${command === 'resolve' ? 'address' : 'name'}; ignored`);
          return 'none';
        }
        this.log.info(`${who} ${what} through Tor: ${value}`);
        return { value };
      },
      (err: unknown): TorAnswer => {
        // Tor's "no such name/address" (0x04) is an answer; anything else is a failure, logged.
        if (err instanceof SockswrapError && err.code === 'host-unreachable') return 'none';
        this.log.error(`${who} ${what} through Tor failed: ${err instanceof Error ? err.message : String(err)}`);
        return 'failed';
      },
    );
    this.kept.set(key, { until: now + KEEP_MS, answer });
    if (this.kept.size > MAX_KEPT) this.kept.delete(this.kept.keys().next().value as string);
    return answer;
  }
}
