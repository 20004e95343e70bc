/**
 * Which proxy carries one UDP association (docs/udp.md, "Which chains carry UDP"): exactly one
 * SOCKS5 hop. A random or round_robin chain whose chain_len is 1 is one hop per connection, so an
 * association picks its hop as a TCP connection does — ChainAttempts (src/client/chain-driver.ts):
 * the same picks, the same shared round-robin cursor, the same dead-hop rule — and carries UDP
 * when the proxy picked is SOCKS5.
 */
import type { ProxySpec, SockswrapConfig } from '../config/config-types';
import { ChainAttempts } from '../client/chain-driver';
import type { ChainError } from '../client/chain-error';
import type { RoundRobinCursor } from '../client/chain-connect';
import { hopsPerConnection } from '../client/hop-selection';
import { describeHop } from '../client/proxy-hop';

type ChainShape = Pick<SockswrapConfig, 'proxies' | 'chainType' | 'chainLen'>;

/** A Tor hop is never asked for UDP ASSOCIATE: Tor carries only TCP streams (docs/tor.md). */
const torNoUdp = (proxy: ProxySpec): string => `${describeHop(proxy)} is Tor, which carries no UDP`;

/** The one UDP-capable shape of chain: a single SOCKS5 hop (not Tor). */
export function udpCapableProxy(config: Pick<SockswrapConfig, 'proxies'>): ProxySpec | string {
  const { proxies } = config;
  if (proxies.length !== 1) return `the chain has ${proxies.length} hops, and a SOCKS5 UDP relay can only be reached as the first`;
  if (proxies[0]!.type !== 'socks5') return `${describeHop(proxies[0]!)} cannot carry UDP`;
  if (proxies[0]!.tor) return torNoUdp(proxies[0]!);
  return proxies[0]!;
}

/** Whether this chain type draws its hops per connection from a list of several. */
function picksPerConnection(config: ChainShape): boolean {
  return config.proxies.length > 1 && (config.chainType === 'random' || config.chainType === 'round_robin');
}

/** Why no association can ever carry UDP with this chain, or undefined when one may. */
export function udpChainProblem(config: ChainShape): string | undefined {
  const { proxies, chainType: type, chainLen } = config;
  if (!picksPerConnection(config)) {
    const proxy = udpCapableProxy(config);
    return typeof proxy === 'string' ? proxy : undefined;
  }
  const hops = hopsPerConnection(type, proxies.length, chainLen);
  if (hops !== 1) return `the ${type} chain uses ${hops} hops per connection, and a SOCKS5 UDP relay can only be reached as the first`;
  return undefined;
}

export type UdpHop = { proxy: ProxySpec } | { reason: string; noLiveProxy?: true };

/** The hops one association tries, one at a time, until an ASSOCIATE is granted. */
export class UdpHops {
  private readonly attempts: ChainAttempts | undefined;
  private readonly problem: string | undefined;
  /** Why no hop is left, once ChainAttempts said so. */
  private exhausted?: string;

  constructor(
    private readonly config: ChainShape,
    options: { roundRobin?: RoundRobinCursor; random?: () => number; onDeadHop?(proxy: ProxySpec, cause: ChainError): void } = {},
  ) {
    this.problem = udpChainProblem(config);
    if (this.problem !== undefined) return;
    this.attempts = new ChainAttempts({
      proxies: config.proxies,
      type: config.chainType,
      chainLen: config.chainLen,
      roundRobin: options.roundRobin,
      random: options.random,
      onDeadHop: options.onDeadHop,
      onExhausted: (reason) => {
        this.exhausted = reason;
      },
    });
  }

  /** The next hop to ask for UDP ASSOCIATE, or why there is none (noLiveProxy: every pick died). */
  next(): UdpHop {
    if (!this.attempts) return { reason: this.problem! };
    let proxy: ProxySpec;
    try {
      proxy = this.attempts.next()[0]!;
    } catch (err) {
      return { reason: this.exhausted ?? (err instanceof Error ? err.message : String(err)), noLiveProxy: true };
    }
    if (proxy.type !== 'socks5') return { reason: `${describeHop(proxy)} (picked by the ${this.config.chainType} chain) cannot carry UDP` };
    if (proxy.tor) return { reason: torNoUdp(proxy) };
    return { proxy };
  }

  /**
   * The ASSOCIATE through the last hop failed (no reply code: unreachable, timed out, closed):
   * true when another hop is worth trying. As for TCP, a random / round_robin hop that cannot be
   * reached is skipped; a single proxy's failure, or a login refused, is the association's.
   */
  failed(err: ChainError): boolean {
    if (!this.attempts || !picksPerConnection(this.config) || err.error.code === 'proxy-auth-failed') return false;
    return this.attempts.failed(err);
  }
}
