import { randomBytes } from '../native/lazy-crypto';
import { constants } from 'node:os';
import type { SockswrapConfig } from '../config/config-types';
import type { PipelineLedger } from '../client/pipelining';
import { ChainError, connectChain, type EstablishedChain, type RoundRobinCursor } from '../client/chain-connect';
import { describeHop } from '../client/proxy-hop';
import { errnoFor } from '../protocol/errno-map';
import { formatTarget, type TargetAddress } from '../protocol/target-address';
import type { Logger } from '../log/logger';
import type { ProxyRoute } from './routing';
import { TICKET_LEN } from '../wire';
import { proxiesForPid } from '../client/tor-isolation';

/** Who asked, for log lines: `curl[4121]`. */
export interface Requester {
  name: string;
  pid: number;
}

/** What the relay needs once the program's socket presents its ticket. */
export interface PendingConnect {
  target: TargetAddress;
  requester: Requester;
  /** The destination exactly as the program gave it (wire form), for getpeername. */
  originalAddress: Buffer;
  /** Resolves to the chain, or to an errno for the program. */
  outcome: Promise<EstablishedChain | { errno: number }>;
  /** Abandon the negotiation: the program's socket went away. */
  abort(): void;
  /**
   * The program's socket is non-blocking: no verdict byte in its stream. Success is one urgent
   * (MSG_OOB) byte, failure a reset; the shim reads the errno with VERDICT (docs/async-connect.md).
   */
  outOfBand: boolean;
  /** The relay could not deliver a success out of band: VERDICT must say this errno instead. */
  overrideVerdict?(errno: number): void;
}

const TICKET_TTL_MS = 30_000;
/** How long after it is known an out-of-band outcome can still be asked for. */
const VERDICT_KEEP_MS = 30_000;

/**
 * `curl[4121] 1.2.3.4:80` (and the dnat destination): the name of a connection in log lines, the
 * same on the relay and the dial path.
 */
export function labelOf(requester: Requester, target: TargetAddress, effective: TargetAddress): string {
  return `${requester.name}[${requester.pid}] ${formatTarget(target)}` + (effective === target ? '' : ` (dnat to ${formatTarget(effective)})`);
}

/**
 * Starts a chain negotiation when the shim asks to connect, and hands it over to the relay
 * connection that presents the ticket. A ticket is random, single-use and short-lived; an
 * unclaimed negotiation is torn down when its ticket expires.
 */
export class ConnectBroker {
  private readonly pending = new Map<string, { connect: PendingConnect; timer: NodeJS.Timeout }>();
  /** Outcomes of out-of-band connects (errno, 0 = connected), by ticket, until asked once or expired. */
  private readonly verdicts = new Map<string, () => Promise<number>>();
  /**
   * round_robin_chain's position, one for the whole run: every process of the run asks this agent,
   * so concurrent programs really rotate (proxychains keeps it per process, unlocked).
   */
  readonly roundRobin: RoundRobinCursor = { cursor: 0 };

  constructor(
    private readonly config: SockswrapConfig,
    private readonly log: Logger,
    /** Which proxies take pipelined handshakes, learned in this run (shared with the dial path). */
    readonly pipelining?: PipelineLedger,
  ) {}

  /** A negotiation for `route` (routing.ts: dnat already applied), and the ticket that claims it. */
  open(route: ProxyRoute, originalAddress: Buffer, requester: Requester, outOfBand = false): Buffer {
    const ticket = randomBytes(TICKET_LEN);
    const controller = new AbortController();
    const started = Date.now();
    const { target, effective } = route;
    const who = labelOf(requester, target, effective);
    const outcome = connectChain(effective, {
      // --isolate=process: the Tor hops' credentials of this pid (tor-isolation.ts).
      proxies: proxiesForPid(this.config.proxies, requester.pid),
      type: this.config.chainType,
      chainLen: this.config.chainLen,
      timeouts: { connectMs: this.config.tcpConnectTimeoutMs, readMs: this.config.tcpReadTimeoutMs },
      signal: controller.signal,
      roundRobin: this.roundRobin,
      onDeadHop: (_hop, cause) => this.log.error(`${who} ${cause.message}; skipping that hop`),
      pipelining: this.pipelining,
    }).then(
      (chain) => {
        const hops = chain.hops ?? this.config.proxies;
        this.log.info(`${who} via ${hops.map(describeHop).join(' > ')}: connected in ${Date.now() - started} ms`);
        return chain;
      },
      (err: unknown) => {
        if (controller.signal.aborted) return { errno: constants.errno.ECONNABORTED };
        if (err instanceof ChainError) {
          this.log.error(`${who} ${err.message}`);
          return { errno: errnoFor(err.error.code) };
        }
        this.log.error(`${who}: internal error: ${err instanceof Error ? err.message : String(err)}`);
        return { errno: constants.errno.ECONNABORTED };
      },
    );
    return this.register(ticket, { target, requester, originalAddress, outcome, abort: () => controller.abort(), outOfBand });
  }

  /**
   * A ticket for a connect the agent serves itself instead of through the chain (DNS to a
   * resolv.conf nameserver: dns-stream-server.ts); `stream` stands where the chain would.
   */
  openLocal(target: TargetAddress, originalAddress: Buffer, requester: Requester, stream: Promise<EstablishedChain>, outOfBand = false): Buffer {
    const outcome = stream.catch(() => ({ errno: constants.errno.ECONNREFUSED }));
    return this.register(randomBytes(TICKET_LEN), { target, requester, originalAddress, outcome, abort: () => {}, outOfBand });
  }

  private register(ticket: Buffer, connect: PendingConnect): Buffer {
    const { outcome } = connect;
    const key = ticket.toString('hex');
    if (connect.outOfBand) {
      let override: number | undefined;
      connect.overrideVerdict = (errno) => { override = errno; };
      // Read when asked (after the reset), so an override the relay made meanwhile counts.
      this.verdicts.set(key, () => outcome.then((result) => override ?? ('socket' in result ? 0 : result.errno)));
      // Asked only after a reset (or an end the shim cannot explain): kept a while once known.
      void outcome.then(() => setTimeout(() => this.verdicts.delete(key), VERDICT_KEEP_MS).unref());
    }
    const timer = setTimeout(() => {
      this.pending.delete(key);
      connect.abort();
      void outcome.then((result) => {
        if ('socket' in result) result.socket.destroy();
      });
    }, TICKET_TTL_MS);
    timer.unref();
    this.pending.set(key, { connect, timer });
    return ticket;
  }

  /** An out-of-band connect's outcome (0 or the errno), once; undefined for an unknown ticket. */
  verdictOf(ticket: Buffer): Promise<number> | undefined {
    const key = ticket.toString('hex');
    const verdict = this.verdicts.get(key);
    this.verdicts.delete(key);
    return verdict?.();
  }

  /** The negotiation behind a ticket, once; undefined for an unknown or used ticket. */
  claim(ticket: Buffer): PendingConnect | undefined {
    const key = ticket.toString('hex');
    const entry = this.pending.get(key);
    if (!entry) return undefined;
    this.pending.delete(key);
    clearTimeout(entry.timer);
    return entry.connect;
  }

  close(): void {
    for (const { connect, timer } of this.pending.values()) {
      clearTimeout(timer);
      connect.abort();
    }
    this.pending.clear();
    this.verdicts.clear();
  }
}
