// Which SOCKS5 proxies of the run take a pipelined handshake (docs/chains.md, "Pipelining").
//
// Learned per proxy within the run, never assumed: a proxy is 'unknown' until a probe (a side
// connection, pipeline-probe.ts) saw it answer a pipelined flight; until then, and for ever after a
// 'no', its handshakes go one message per round trip as before. A proxy the probe passed but that
// then fails a pipelined handshake in a way pipelining could explain (it closed, sent what is not
// SOCKS5, said nothing, refused the only method offered) is 'demoted': that connection is tried
// again unpipelined, whose outcome alone the program sees, so pipelining never changes an errno.
import type { ProxySpec } from '../config/config-types';
import type { ChainError } from './chain-error';

export type PipelineState = 'unknown' | 'probing' | 'yes' | 'no' | 'demoted';

/**
 * Probes hops[index] (reached through the hops before it): true or false, the verdict; a rejection
 * (the proxy could not be reached) leaves it unknown, to be probed again by a later connection.
 */
export type PipelineProber = (hops: readonly ProxySpec[], index: number) => Promise<boolean>;

/** Failures a pipelined flight could have caused; any other (a refusal, a login rejected) is the proxy's answer. */
const MAYBE_PIPELINING = new Set(['proxy-closed', 'proxy-protocol', 'proxy-timeout', 'proxy-auth-required']);

const keyOf = (p: ProxySpec) => `${p.host}|${p.port}|${p.username !== undefined ? 'login' : ''}`;

export class PipelineLedger {
  private readonly states = new Map<string, PipelineState>();

  constructor(
    private readonly prober?: PipelineProber,
    /** Told when a probe or a failure settled a proxy (the -v log). */
    private readonly onLearned?: (proxy: ProxySpec, state: PipelineState) => void,
  ) {}

  state(proxy: ProxySpec): PipelineState {
    return this.states.get(keyOf(proxy)) ?? 'unknown';
  }

  /**
   * How many leading hops to pipeline now (ChainHandshake's `pipelined`). Starts the probe of the
   * first hop not known yet, if the hops before it pipeline (it is reached through them).
   * `resuming`: a demoted hop counts as pipelined, because the plan being resumed was made before.
   */
  prefix(hops: readonly ProxySpec[], resuming = false): number {
    let k = 0;
    for (; k < hops.length; k++) {
      const hop = hops[k]!;
      if (hop.type !== 'socks5') break;
      const state = this.state(hop);
      if (state === 'yes' || (resuming && state === 'demoted')) continue;
      if (state === 'unknown' && hop.tor) {
        // Tor's SocksPort reads the messages of a flight back to back (its SOCKS parser works on
        // its input buffer; its spec allows optimistic data), but it gives the probe's request no
        // SOCKS reply (the probe said no within a second in the test network), so a hop known to
        // be Tor (--tor, tor_proxy) is not probed. A failure still demotes it.
        this.set(hop, 'yes');
        continue;
      }
      if (state === 'unknown') this.probe(hops, k);
      break;
    }
    return k;
  }

  /**
   * Whether the pipelining of every hop is decided for good, so a plan made now may be kept
   * (standing plans): no hop still unknown or being probed, none demoted since its plans were made.
   * `resuming`: the plan was made before any demotion (as prefix()).
   */
  settled(hops: readonly ProxySpec[], resuming = false): boolean {
    for (const hop of hops) {
      if (hop.type !== 'socks5') return true;   // hops after a non-SOCKS5 one are never pipelined
      const state = this.state(hop);
      if (resuming && state === 'demoted') continue;
      if (state !== 'yes' && state !== 'no') return false;
      if (state === 'no') return true;
    }
    return true;
  }

  /**
   * An attempt that pipelined its first `pipelined` hops failed with err. True: try the same hops
   * again without pipelining (the hops that may be to blame are demoted first).
   */
  fallBack(hops: readonly ProxySpec[], pipelined: number, err: ChainError): boolean {
    if (pipelined === 0 || !MAYBE_PIPELINING.has(err.error.code)) return false;
    // The failing hop, or the pipelined one before it that passed on its early bytes.
    if (err.hopIndex > pipelined) return false;
    for (let i = Math.max(0, err.hopIndex - 1); i <= Math.min(err.hopIndex, pipelined - 1); i++) this.set(hops[i]!, 'demoted');
    return true;
  }

  private set(proxy: ProxySpec, state: PipelineState): void {
    const key = keyOf(proxy);
    if (this.states.get(key) === state) return;
    this.states.set(key, state);
    if (state !== 'probing') this.onLearned?.(proxy, state);
  }

  private probe(hops: readonly ProxySpec[], index: number): void {
    const proxy = hops[index]!;
    if (!this.prober) return;
    this.set(proxy, 'probing');
    this.prober(hops.slice(0, index + 1), index).then(
      (yes) => {
        if (this.state(proxy) !== 'probing') return;
        this.set(proxy, yes ? 'yes' : 'no');
        // The next hop is reached through this one: probed now, not at the next connection (a
        // program that connects once more, or never, would otherwise leave it unknown for good).
        if (yes) this.prefix(hops);
      },
      () => this.state(proxy) === 'probing' && this.states.delete(keyOf(proxy)),
    );
  }
}
