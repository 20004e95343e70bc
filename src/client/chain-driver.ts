// The proxy chain as a sans-IO state machine: no sockets, no timers. Two drivers run it:
//   - connectThroughChain / connectChain (chain-connect.ts), over a net.Socket in the agent — the
//     relay path, used for non-blocking connects;
//   - DialSessions (src/agent/dial-sessions.ts), where the shim does the I/O on the program's
//     own fd and the agent only decides (docs/architecture.md, "dial path").
// Both get the same hop order, the same dead-hop rules, the same error values and messages.
import type { ChainType, ProxySpec } from '../config/config-types';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { ChainError } from './chain-error';
import { selectHops } from './hop-selection';
import { createHandshake, type ClientHandshake, type HandshakeEvent } from './hop-codec';
import { proxyAsTarget } from './proxy-hop';

/** What one input did to the chain's handshake. */
export interface ChainStep {
  /** How many bytes of the input belong to the handshake; the rest is the target's stream. */
  consumed: number;
  /** Bytes to write to the first proxy's connection now, in order. */
  send: Buffer;
  /** The hop whose reply is awaited (or that finished / failed). */
  hopIndex: number;
  /** Set when this step ended the handshake. */
  outcome?: 'established' | ChainError;
}

type HopResult = undefined | { rest: Buffer } | ChainError;

/**
 * Hop after hop over one stream: hop i is asked to connect to hop i+1, the last hop to the target.
 * Never reads past the final reply: bytes after it (a banner the server sent first) are reported
 * as not consumed, so a caller peeking at a socket leaves them there for the program.
 */
export class ChainHandshake {
  private hop = -1;
  private codec?: ClientHandshake;
  private finished = false;
  /** Codecs already started in the first flight (pipelining), by hop index. */
  private readonly early: (ClientHandshake | undefined)[] = [];
  private lastBound?: TargetAddress;

  /**
   * `pipelined`: how many leading hops are SOCKS5 proxies that take a pipelined handshake
   * (pipelining.ts decides). Their whole handshakes, and the opening of the hop after them, go
   * out in the first flight: each such proxy also passes on what came after its request once it
   * reached the next hop, so a chain of pipelining hops costs one round trip.
   */
  constructor(
    readonly hops: readonly ProxySpec[],
    readonly target: TargetAddress,
    readonly pipelined = 0,
  ) {
    if (hops.length === 0) throw new Error('ChainHandshake needs at least one proxy');
  }

  /** The last hop's BND.ADDR:PORT once the chain is up (SOCKS hops): the proxy's side (docs/bind.md). */
  get bound(): TargetAddress | undefined {
    return this.lastBound;
  }

  get hopIndex(): number {
    return Math.max(this.hop, 0);
  }

  /** The first hop's opening bytes (nothing is received yet). */
  start(): ChainStep {
    const sends: Buffer[] = [];
    const result = this.beginHop(0, Buffer.alloc(0), sends);
    if (result === undefined) this.startEarly(sends);
    return this.step(Buffer.alloc(0), sends, result);
  }

  /** Pipelining: the hops after the first whose openings go out with it (none unless pipelined). */
  private startEarly(sends: Buffer[]): void {
    const last = Math.min(this.pipelined, this.hops.length - 1);
    for (let i = 1; i <= last; i++) {
      const hop = this.hops[i]!;
      // A raw hop answers nothing and has nothing to say: it is started in its turn.
      if (hop.type === 'raw') return;
      let codec: ClientHandshake;
      let events: HandshakeEvent[];
      try {
        codec = createHandshake(hop, this.hopTarget(i), i < this.pipelined);
        events = codec.start();
      } catch {
        return;   // fails again, and is reported, when its turn comes
      }
      if (events.some((e) => e.type !== 'send')) return;
      for (const e of events) if (e.type === 'send') sends.push(e.bytes);
      this.early[i] = codec;
    }
  }

  private hopTarget(i: number): TargetAddress {
    return i + 1 < this.hops.length ? proxyAsTarget(this.hops[i + 1]!) : this.target;
  }

  /** Bytes read from the stream (all of what was read, or peeked). */
  receive(chunk: Buffer): ChainStep {
    if (this.finished || !this.codec) throw new Error('ChainHandshake.receive() outside a handshake');
    const sends: Buffer[] = [];
    let result: HopResult;
    try {
      result = this.handle(this.codec.receive(chunk), sends, Buffer.alloc(0));
    } catch (err) {
      result = this.failure(asSockswrapError(err));
    }
    return this.step(chunk, sends, result);
  }

  /** The stream ended or broke, or a timer the driver keeps ran out: the step that fails the chain. */
  fail(error: SockswrapError): ChainStep {
    return this.step(Buffer.alloc(0), [], this.failure(error));
  }

  private step(chunk: Buffer, sends: Buffer[], result: HopResult): ChainStep {
    const step: ChainStep = { consumed: chunk.length, send: Buffer.concat(sends), hopIndex: this.hopIndex };
    if (result instanceof ChainError) {
      this.finished = true;
      step.outcome = result;
    } else if (result) {
      this.finished = true;
      // The final rest is always a suffix of this input: earlier inputs were wholly handshake.
      step.consumed = Math.max(0, chunk.length - result.rest.length);
      step.outcome = 'established';
    }
    return step;
  }

  private failure(error: SockswrapError): ChainError {
    const i = this.hopIndex;
    return new ChainError(error, i, this.hops[i]!);
  }

  /** `carry`: bytes before this hop's own (what the previous hop left), for a hop done at start. */
  private handle(events: HandshakeEvent[], sends: Buffer[], carry: Buffer): HopResult {
    for (const event of events) {
      if (event.type === 'send') sends.push(event.bytes);
      else if (event.type === 'failed') return this.failure(event.error);
      else if (event.type === 'bound') return this.failure(new SockswrapError('proxy-protocol', 'a BIND reply to a CONNECT'));
      else {
        if (this.hop + 1 >= this.hops.length) this.lastBound = event.bound;
        return this.hopDone(carry.length ? Buffer.concat([carry, event.rest]) : event.rest, sends);
      }
    }
    return undefined;
  }

  private hopDone(rest: Buffer, sends: Buffer[]): HopResult {
    if (this.hop + 1 >= this.hops.length) return { rest };
    return this.beginHop(this.hop + 1, rest, sends);
  }

  private beginHop(i: number, pending: Buffer, sends: Buffer[]): HopResult {
    this.hop = i;
    const early = this.early[i];
    if (early) {
      // Started in the first flight: only what the previous hop left over is fed to it.
      this.codec = early;
      this.early[i] = undefined;
      if (pending.length === 0) return undefined;
      try {
        return this.handle(early.receive(pending), sends, Buffer.alloc(0));
      } catch (err) {
        return this.failure(asSockswrapError(err));
      }
    }
    try {
      this.codec = createHandshake(this.hops[i]!, this.hopTarget(i), i < this.pipelined);
      // raw is established at start(), before it was given what the previous hop left over.
      const result = this.handle(this.codec.start(), sends, pending);
      if (result !== undefined || pending.length === 0) return result;
      return this.handle(this.codec.receive(pending), sends, Buffer.alloc(0));
    } catch (err) {
      return this.failure(asSockswrapError(err));
    }
  }
}

/**
 * A reply the driver may check without asking the agent: the bytes must start with `prefix` and
 * the reply is `total` bytes long (anything after the prefix is not checked: a SOCKS reply's bound
 * address, which nothing after it depends on); `then` is what the chain sends next once it matched.
 * `sample` is the reply as the codec was fed it (the prefix, then zeros): a driver that replays a
 * matched expectation feeds it, all `total` bytes. `endsHop`: this is a hop's last reply, so the
 * next one is the next hop's and gets a whole tcp_read_time_out of its own (docs/chains.md).
 */
export interface Expectation {
  prefix: Buffer;
  total: number;
  then: Buffer;
  sample: Buffer;
  endsHop: boolean;
}

/** The replies a proxy of this type almost always gives to a successful handshake. */
function likelyReplies(proxy: ProxySpec, target: TargetAddress): { prefix: number[]; total: number }[] {
  switch (proxy.type) {
    case 'socks5': {
      const final = target.kind === 'ipv6' ? { prefix: [5, 0, 0, 4], total: 22 } : { prefix: [5, 0, 0, 1], total: 10 };
      return proxy.username !== undefined
        ? [{ prefix: [5, 2], total: 2 }, { prefix: [1, 0], total: 2 }, final]
        : [{ prefix: [5, 0], total: 2 }, final];
    }
    case 'socks4':
    case 'socks4a':
      return [{ prefix: [0, 0x5a], total: 8 }];
    default:
      return [];
  }
}

/**
 * A proxy's reply as it came last time (its exact bytes), for a hop whose reply has no fixed
 * length (HTTP CONNECT): the dial path's learned replies (src/agent/learned-replies.ts).
 */
export type LearnedReply = (proxy: ProxySpec) => Buffer | undefined;

/**
 * The expected replies of a chain's whole handshake, hop after hop, checked against the codec itself
 * (a scratch ChainHandshake is fed each guess): when the proxies answer as expected, the shim
 * needs no round trip to the agent at all; any other answer goes to the agent as usual. Empty when
 * something cannot be predicted (HTTP CONNECT: the reply's length is not known in advance, unless
 * `learned` has the proxy's reply from last time). A raw
 * hop answers nothing: the next hop's handshake simply follows.
 */
export function predictHandshake(hops: readonly ProxySpec[], target: TargetAddress, maxEntries = Infinity, pipelined = 0, learned?: LearnedReply): Expectation[] {
  // Every hop but a raw one answers at least once: a chain with more such hops than the caller can
  // carry is rejected before any codec is built. Without this the dial path predicted the whole
  // chain at every attempt, to drop it: with 1,000 dynamic hops that was the quadratic part
  // (issue 11). Counting stops at the cap, so this costs O(min(hops, maxEntries)).
  let answering = 0;
  for (let i = 0; i < hops.length && answering <= maxEntries; i++) if (hops[i]!.type !== 'raw') answering++;
  if (answering > maxEntries) return [];
  const scratch = new ChainHandshake(hops, target, pipelined);
  if (scratch.start().outcome) return [];
  const script: Expectation[] = [];
  for (let i = 0; i < hops.length; i++) {
    const hop = hops[i]!;
    if (hop.type === 'raw') continue;
    const known = hop.type === 'http' ? learned?.(hop) : undefined;
    // An HTTP proxy's reply is expected to be the very bytes it sent last time, or nothing is.
    const guesses = known ? [{ prefix: [...known], total: known.length }] : likelyReplies(hop, i + 1 < hops.length ? proxyAsTarget(hops[i + 1]!) : target);
    if (guesses.length === 0) return [];
    for (const [g, guess] of guesses.entries()) {
      if (script.length >= maxEntries) return [];
      const sample = Buffer.alloc(guess.total);
      Buffer.from(guess.prefix).copy(sample);
      const step = scratch.receive(sample);
      if (step.outcome instanceof ChainError || step.consumed !== sample.length) return [];
      script.push({ prefix: Buffer.from(guess.prefix), total: guess.total, then: step.send, sample, endsHop: g === guesses.length - 1 });
      // Established: the last hop answered, or only raw hops (which answer nothing) follow.
      if (step.outcome === 'established') return hops.slice(i + 1).every((h) => h.type === 'raw') ? script : [];
    }
  }
  return [];
}

/** The failures a driver observes on the stream, worded the same on both paths. */
export const streamFailure = {
  unreachable: (code: string) => new SockswrapError('proxy-unreachable', `cannot reach the proxy: ${code}`),
  connectTimeout: (ms: number) => new SockswrapError('proxy-timeout', `no TCP connection to the proxy within ${ms} ms`),
  readTimeout: (ms: number) => new SockswrapError('proxy-timeout', `no complete reply from the proxy within ${ms} ms`),
  closed: () => new SockswrapError('proxy-closed', 'the proxy closed the connection during the handshake'),
  broken: (code: string) => new SockswrapError('proxy-closed', `connection to the proxy failed: ${code}`),
  aborted: () => new SockswrapError('proxy-closed', 'the program gave up on the connection'),
};

export interface AttemptOptions {
  proxies: readonly ProxySpec[];
  type: ChainType;
  chainLen?: number;
  random?: () => number;
  roundRobin?: { cursor: number };
  onDeadHop?(proxy: ProxySpec, cause: ChainError): void;
  /** No chain can be picked any more: why, in hop-selection.ts's words (before next() throws). */
  onExhausted?(reason: string): void;
}

/**
 * Reply codes by which a proxy says it could not reach what it was asked for: the proxy itself
 * works, so when it was asked for the next hop, it is that next hop that is dead.
 */
export const DESTINATION_FAILURES: ReadonlySet<string> = new Set([
  'general-failure',
  'not-allowed',
  'network-unreachable',
  'host-unreachable',
  'connection-refused',
  'ttl-expired',
  // Tor's onion errors (tor-socks-replies.ts): Tor works, the onion service does not.
  'onion-descriptor-not-found',
  'onion-descriptor-invalid',
  'onion-introduction-failed',
  'onion-rendezvous-failed',
  'onion-auth-missing',
  'onion-auth-wrong',
  'onion-address-invalid',
  'onion-introduction-timeout',
]);

/**
 * Which chains a connection tries (docs/chains.md). strict: one attempt through every proxy.
 * dynamic, random, round_robin: a hop that cannot be reached over TCP, or whose handshake fails
 * or times out, is marked dead for this connection and the hops are picked again without it;
 * the connection fails when too few live proxies remain. A failure to reach the target itself
 * (the last proxy answered "refused", say) is final: another chain would meet the same target.
 */
export class ChainAttempts {
  private readonly dead = new Set<number>();
  /**
   * The live indexes in list order, kept up to date as hops die (built at the first failure), so
   * picking again does not scan the whole list for the dead ones again: with n proxies and k dead hops
   * that scan was O(n) per attempt, O(n·k) per connection.
   */
  private alive?: number[];
  /** proxies[alive[i]] for each i (dynamic chains: the next attempt's hops, copied natively). */
  private aliveHops?: ProxySpec[];
  private last?: ChainError;
  private picked: number[] = [];
  private attempts = 0;

  constructor(private readonly options: AttemptOptions) {}

  /** The hops of the next attempt; throws the connection's ChainError when none is left. */
  next(): readonly ProxySpec[] {
    const { proxies, type } = this.options;
    if (type === 'strict' && this.attempts > 0) throw this.last!;
    this.attempts++;
    const cursor = this.options.roundRobin?.cursor;
    const selection = selectHops({ proxies, type, chainLen: this.options.chainLen, dead: this.dead, alive: this.alive, random: this.options.random, cursor });
    if (!selection.ok) {
      this.options.onExhausted?.(selection.reason);
      const last = this.last;
      if (last) {
        throw new ChainError(
          new SockswrapError(last.error.code, `no live proxy chain left (${selection.reason}); last failure: ${last.error.message}`, last.error.replyCode),
          last.hopIndex,
          last.hop,
        );
      }
      throw new ChainError(new SockswrapError('no-proxy', selection.reason), 0, proxies[0] ?? { type: 'socks5', host: '-', port: 0 } as ProxySpec);
    }
    // Advanced before the attempt, synchronously: concurrent connections each get the next slot.
    if (this.options.roundRobin && selection.nextCursor !== undefined) this.options.roundRobin.cursor = selection.nextCursor;
    this.picked = selection.hops;
    if (type === 'dynamic' && this.aliveHops) return this.aliveHops.slice();
    return selection.hops.map((i) => proxies[i]!);
  }

  /** After an attempt failed with err: true when another attempt is worth making (call next()). */
  failed(err: ChainError): boolean {
    this.last = err;
    if (this.options.type === 'strict') return false;
    const position = deadPosition(err, this.picked.length);
    if (position === undefined) return false;
    const index = this.picked[position]!;
    this.dead.add(index);
    this.forgetAlive(index);
    this.options.onDeadHop?.(this.options.proxies[index]!, err);
    return true;
  }

  private forgetAlive(index: number): void {
    const n = this.options.proxies.length;
    if (!this.alive) {
      this.alive = [];
      for (let i = 0; i < n; i++) if (!this.dead.has(i)) this.alive.push(i);
      if (this.options.type === 'dynamic') this.aliveHops = this.alive.map((i) => this.options.proxies[i]!);
      return;
    }
    // Sorted: binary search, then one native move of the tail.
    let lo = 0;
    let hi = this.alive.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.alive[mid]! < index) lo = mid + 1;
      else hi = mid;
    }
    if (this.alive[lo] !== index) return;
    this.alive.splice(lo, 1);
    this.aliveHops?.splice(lo, 1);
  }
}

/** Which hop of the attempt a failure shows to be dead; undefined when it is the target's fault. */
function deadPosition(err: ChainError, hopCount: number): number | undefined {
  if (!DESTINATION_FAILURES.has(err.error.code)) return err.hopIndex;
  return err.hopIndex + 1 < hopCount ? err.hopIndex + 1 : undefined;
}

export function asSockswrapError(err: unknown): SockswrapError {
  if (err instanceof SockswrapError) return err;
  return new SockswrapError('proxy-protocol', err instanceof Error ? err.message : String(err));
}
