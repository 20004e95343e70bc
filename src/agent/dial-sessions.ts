import { isIP } from 'node:net';
import { constants } from 'node:os';
import type { SockswrapConfig } from '../config/config-types';
import type { Logger } from '../log/logger';
import { ChainAttempts, ChainHandshake, predictHandshake, streamFailure, type ChainStep, type Expectation } from '../client/chain-driver';
import { ChainError } from '../client/chain-error';
import type { RoundRobinCursor } from '../client/chain-connect';
import { describeHop } from '../client/proxy-hop';
import type { ProxySpec } from '../config/config-types';
import { errnoFor } from '../protocol/errno-map';
import type { TargetAddress } from '../protocol/target-address';
import { labelOf, type Requester } from './connect-broker';
import { PeerTable } from './peer-table';
import type { ProxyRoute } from './routing';
import { DialTemplates, SEND_CHUNK, compileTemplate, proxyWire, type DialTemplate, type SamplePlan } from './dial-templates';
import { ConnectFlag, DialArg, DialEvent, DialState, HEAD_LEN, MAX_BODY, MAX_SCRIPT_ENTRIES, Status, doneInstruction, scriptSize, serializeInstruction, serializeStatus, serializeTemplateResponse, serializeWireAddress, type Instruction, type PlanTemplate, type ScopeException, type StepRequest } from '../wire';
import { isolatesByProcess } from '../client/tor-isolation';
import type { PipelineLedger } from '../client/pipelining';
import { LearnedReplies } from './learned-replies';

/**
 * The dial path (docs/architecture.md): for a blocking connect the shim connects the program's
 * own fd to the first proxy and does every read and write of the handshake; this class decides
 * what to write, how much of what arrived belongs to the handshake, and when it is over. It holds
 * no socket: the chain logic is ChainAttempts + ChainHandshake (src/client/chain-driver.ts), the
 * same as the relay's.
 *
 * The wire forms (CONNECT action 2, STEP, NOTE, RESUME, the instruction and its script) are
 * src/wire's: Instruction, StepRequest, serializeInstruction (docs/wire-protocol.md).
 *
 * DialArg.standing on a CONNECT's DIAL makes it a standing plan: the shim may run this same answer
 * again for the same CONNECT request without asking (session 0), and reports with NOTE or RESUME.
 * Given when the first attempt's answer depends on the destination alone: one proxy, or a strict or
 * dynamic chain (every proxy in list order; dynamic re-picks hops only after a failure, which the agent
 * then sees). Round-robin and random chains change hops from one connection to the next.
 */

/** A session the shim stopped asking about (the process died mid-handshake) is forgotten after this. */
const SESSION_GRACE_MS = 30_000;

const E = constants.errno;
const ERRNO_NAMES = new Map<number, string>(Object.entries(E).map(([name, value]) => [value, name]));
const errnoName = (n: number) => ERRNO_NAMES.get(n) ?? `errno ${n}`;

export interface OpenOptions {
  /** false: the destination's meaning may change (an unnamed fake address): no standing plan. */
  mayStand?: boolean;
  /** When connect() was called (RESUME: before the agent heard of it). */
  started?: number;
  /** A non-blocking connect: only a DIAL whose script is the whole handshake (no `more`), which
   * the shim can run while connect() is in progress; else no session (the relay takes it). */
  scriptedOnly?: boolean;
}

/** Where a session goes: what the program asked for and, after dnat, what the chain is asked for (routing.ts). */
export type RouteTo = Pick<ProxyRoute, 'target' | 'effective'>;

/** Which address families the program's socket can connect to (from the CONNECT flags). */
export interface SocketReach {
  v4: boolean;
  v6: boolean;
}

interface Session {
  id: number;
  /** The connection's name in log lines, built only when a line is written (labelOf). */
  readonly who: string;
  requester: Requester;
  target: TargetAddress;
  started: number;
  effective: TargetAddress;
  originalAddress: Buffer;
  attempts: ChainAttempts;
  hops: readonly ProxySpec[];
  /** Built by dialFresh(); a dial from a template leaves it for handshakeOf() to build if needed. */
  handshake?: ChainHandshake;
  hop: number;
  hopDeadline: number;
  /** Handshake bytes not yet handed to the shim (more than one frame's worth). */
  outbox: Buffer;
  establishedAtConnect: boolean;
  /** The expected replies the shim checks by itself after the DIAL (empty: none). */
  script: Expectation[];
  /** Whether the CONNECT answer may be a standing plan (the destination's meaning is fixed). */
  mayStand: boolean;
  /** Leading hops of this attempt whose SOCKS5 handshakes are pipelined (pipelining.ts). */
  pipelined: number;
  /** RESUME of a standing plan: made before any demotion (PipelineLedger.prefix's `resuming`). */
  resuming: boolean;
  /** The hop whose reply the last STEP data began (a reply that came in one STEP is learned). */
  fedHop: number;
  timer: NodeJS.Timeout;
}

export class DialSessions {
  private readonly sessions = new Map<number, Session>();
  private nextId = 1;
  /** Single-hop dial templates by proxy and destination (dial-templates.ts). */
  private readonly templates = new DialTemplates();
  /** HTTP CONNECT replies as each proxy sent them last (learned-replies.ts), for the script. */
  private readonly learned = new LearnedReplies();
  /** The hops of every standing plan (chainStands()), computed at the first NOTE of one. */
  private standingHops?: readonly ProxySpec[];
  /** isIP() of each proxy the shim may dial first; computed at the first CONNECT. */
  private proxyFamilies?: number[];
  /** TEMPLATE's answer as compiled for what the chain's plans depend on now (`key`); undefined answer: none. */
  private compiled?: { key: string; answer: Buffer | undefined };
  /** Building the sample plans of templates: their DIALs carry no DialArg.templates. */
  private compiling = false;

  constructor(
    private readonly config: SockswrapConfig,
    private readonly log: Logger,
    private readonly roundRobin: RoundRobinCursor,
    /** Whether CONNECT answers may be standing plans (chainStands()); off: diagnostics only. */
    private readonly standingPlans = true,
    /** Where the original destination of each socket whose chain is up is kept (PEER). */
    private readonly peers = new PeerTable(),
    /** Which proxies take pipelined handshakes, learned in this run (shared with the relay path). */
    private readonly pipelining?: PipelineLedger,
    /**
     * The destinations dial templates must not serve (routing.ts, templateScope()); absent: no
     * templates (SOCKSWRAP_TEMPLATES=0), undefined: the rules cannot say (none either).
     */
    private readonly templateScope?: () => ScopeException[] | undefined,
  ) {}

  /**
   * CONNECT for a blocking socket: `session u32 | instruction` (always a DIAL or a DONE), or
   * undefined when this chain must take the relay (a proxy named by host name, which the agent
   * would have to resolve, or of a family the socket cannot connect to). Only a proxy the shim may
   * dial counts: a strict chain's first; any of the others, which a dead hop can make first. A
   * later hop is reached by the one before it (a name goes to that proxy as a name).
   */
  open(route: RouteTo, originalAddress: Buffer, requester: Requester, reach: SocketReach, options: OpenOptions = {}): Buffer | undefined {
    const opened = this.openSession(route, originalAddress, requester, reach, options);
    if (opened && options.scriptedOnly && !wholeScript(opened.instruction)) {
      this.forget(opened.id);
      return undefined;
    }
    return opened && serializeInstruction(opened.instruction, opened.id);
  }

  private openSession(route: RouteTo, originalAddress: Buffer, requester: Requester, reach: SocketReach, { mayStand = true, started = Date.now() }: OpenOptions, resuming = false): { id: number; instruction: Instruction } | undefined {
    const { proxies } = this.config;
    // --isolate=process: credentials differ per pid, which plans shared by every process (and
    // standing plans a forked child inherits) cannot carry; the relay path sends them (docs/tor.md).
    if (proxies.length === 0 || isolatesByProcess(proxies)) return undefined;
    this.proxyFamilies ??= (this.config.chainType === 'strict' ? proxies.slice(0, 1) : proxies).map((proxy) => isIP(proxy.host));
    for (const family of this.proxyFamilies) {
      if (family === 0 || (family === 4 && !reach.v4) || (family === 6 && !reach.v6)) return undefined;
    }
    const { target, effective } = route;
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const attempts = new ChainAttempts({
      proxies,
      type: this.config.chainType,
      chainLen: this.config.chainLen,
      roundRobin: this.roundRobin,
      onDeadHop: (_hop, cause) => this.say(session, `${session.who} ${cause.message}; skipping that hop`),
    });
    let who: string | undefined;
    const session: Session = {
      id,
      get who() {
        return (who ??= labelOf(requester, target, effective));
      },
      requester,
      target,
      started,
      effective,
      originalAddress,
      attempts,
      hops: [],
      hop: -1,
      hopDeadline: 0,
      outbox: Buffer.alloc(0),
      establishedAtConnect: false,
      script: [],
      mayStand,
      pipelined: 0,
      resuming,
      fedHop: -1,
      // The shim may wait a whole connect or read timeout between two steps: never forget a
      // session it is still waiting on (that would turn ETIMEDOUT into ECONNABORTED, unlogged).
      timer: setTimeout(
        () => this.sessions.delete(id),
        // A scripted handshake may take a read timeout per hop without a word to the agent.
        Math.max(SESSION_GRACE_MS, this.config.tcpConnectTimeoutMs + this.config.tcpReadTimeoutMs * proxies.length + 5_000),
      ),
    };
    session.timer.unref();
    this.sessions.set(id, session);
    return { id, instruction: this.dial(session, id) };
  }

  /** STEP: the shim's report on the fd; returns the next instruction. */
  step(request: StepRequest): Buffer {
    return serializeInstruction(this.next(request));
  }

  private next({ session: id, event, errno, localPort, matched, bytes }: StepRequest): Instruction {
    const session = this.sessions.get(id);
    if (!session) return doneInstruction(E.ECONNABORTED);
    session.timer.refresh();
    const handshake = this.handshakeOf(session);
    // The shim matched (and consumed) the first expectations of the script by itself: replay
    // them into the codec, whose answers the shim already sent.
    const script = session.script;
    session.script = [];
    for (let i = 0; i < matched && i < script.length; i++) {
      const step = handshake.receive(script[i]!.sample);
      if (step.outcome) return step.outcome instanceof ChainError ? this.failed(session, step.outcome) : this.established(session, 0, localPort);
      this.trackHop(session, step);
    }
    const hop0 = session.hops[0]!;
    switch (event) {
      case DialEvent.data: {
        if (bytes.length === 0) throw new Error('empty STEP data');
        const hop = session.hop;
        const fresh = session.fedHop !== hop;
        session.fedHop = hop;
        const chunk = Buffer.from(bytes);
        const step = handshake.receive(chunk);
        // The last hop's whole HTTP reply in one STEP: expected, byte for byte, next time.
        if (fresh && step.outcome === 'established' && hop === session.hops.length - 1 && session.hops[hop]!.type === 'http') {
          this.learned.learn(session.hops[hop]!, chunk.subarray(0, step.consumed));
        }
        return this.after(session, step, localPort);
      }
      case DialEvent.sent:
        if (session.establishedAtConnect && session.outbox.length === 0) return this.established(session, 0, localPort);
        return this.flush(session, 0);
      case DialEvent.eof:
        return this.after(session, handshake.fail(streamFailure.closed()), localPort);
      case DialEvent.ioError:
        return this.after(session, handshake.fail(streamFailure.broken(errnoName(errno))), localPort);
      case DialEvent.readTimeout:
        return this.after(session, handshake.fail(streamFailure.readTimeout(this.config.tcpReadTimeoutMs)), localPort);
      case DialEvent.connectFailed:
        return this.failed(session, new ChainError(streamFailure.unreachable(errnoName(errno)), 0, hop0));
      case DialEvent.connectTimeout:
        return this.failed(session, new ChainError(streamFailure.connectTimeout(this.config.tcpConnectTimeoutMs), 0, hop0));
      default:
        throw new Error(`unknown STEP event ${event}`);
    }
  }

  /**
   * RESUME: a standing plan the shim ran for this destination met something other than its script
   * (`step` is a STEP whose session is 0). The session the plan stood for is opened as CONNECT
   * would have (same plan: it depends on the destination alone) and takes the step. Answer:
   * `session u32 | instruction`.
   */
  resume(route: RouteTo, originalAddress: Buffer, requester: Requester, reach: SocketReach, step: StepRequest, elapsedMs = 0): Buffer {
    const started = Date.now() - elapsedMs;
    const opened = this.openSession(route, originalAddress, requester, reach, { started }, true);
    if (!opened || opened.instruction.state !== DialState.dial || (opened.instruction.arg & DialArg.standing) === 0) {
      // The answer would not be a standing plan now: nothing to resume (fails closed).
      if (opened) this.forget(opened.id);
      throw new Error('RESUME of a destination without a standing plan');
    }
    const id = opened.id;
    // The shim has been reading this hop's reply since it dialled: the hop's read deadline runs
    // from then, as for a session opened at CONNECT, not from now.
    const session = this.sessions.get(id);
    if (session) session.hopDeadline = started + this.config.tcpReadTimeoutMs;
    try {
      return serializeInstruction(this.next({ ...step, session: id }), id);
    } catch (err) {
      this.forget(id);
      throw err;
    }
  }

  /** NOTE of a standing plan: the chain is up on `localPort`, `ms` after connect() was called. */
  noteStanding({ target, effective }: RouteTo, originalAddress: Buffer, requester: Requester, localPort: number, ms: number): void {
    if (!this.chainStands()) return;
    // The hops the plan stood for: the first attempt, which for these chains is always the same.
    const hops = this.firstHops();
    if (isIP(hops[0]!.host) === 0) return;
    this.connected(() => labelOf(requester, target, effective), hops, ms, localPort, originalAddress);
  }

  /** NOTE: the shim saw the whole script match; the chain is up on `localPort` (no response). */
  note({ session: id, localPort }: { session: number; localPort: number }): void {
    const session = this.sessions.get(id);
    if (session) this.established(session, 0, localPort);
  }

  /** PEER for a descriptor connected straight to a proxy: by its local port and its real peer. */
  originalAddressFor(localPort: number, proxyWire: Buffer): Buffer | undefined {
    return this.peers.ofDialed(localPort, proxyWire);
  }

  private forget(id: number): void {
    const session = this.sessions.get(id);
    if (!session) return;
    clearTimeout(session.timer);
    this.sessions.delete(id);
  }

  close(): void {
    for (const session of this.sessions.values()) clearTimeout(session.timer);
    this.sessions.clear();
  }

  /**
   * The session's handshake. A dial from a cached template leaves it unbuilt (the happy path never
   * needs it): it is started here as dial() would have, with the same opening bytes.
   */
  private handshakeOf(session: Session): ChainHandshake {
    if (!session.handshake) {
      session.handshake = new ChainHandshake(session.hops, session.effective, session.pipelined);
      session.handshake.start();
    }
    return session.handshake;
  }

  /**
   * Picks the next attempt's hops and tells the shim to connect the fd to its first proxy. `id`: this is
   * the CONNECT answer (which may be a standing plan).
   */
  private dial(session: Session, id?: number): Instruction {
    let hops: readonly ProxySpec[];
    try {
      hops = session.attempts.next();
    } catch (err) {
      return this.finish(session, err);
    }
    return this.dialHops(session, hops, this.pipelining?.prefix(hops, session.resuming) ?? 0, id);
  }

  /** dial() of these hops, with their first `pipelined` handshakes pipelined. */
  private dialHops(session: Session, hops: readonly ProxySpec[], pipelined: number, id?: number): Instruction {
    session.hops = hops;
    session.pipelined = pipelined;
    if (hops.length === 1) {
      const template = this.templates.for(hops[0]!, session.effective, pipelined, this.learned);
      if (template) return this.dialFromTemplate(session, template, id);
    }
    return this.dialFresh(session, hops, id);
  }

  /** dial() from a cached template: the same instruction dialFresh() builds. */
  private dialFromTemplate(session: Session, template: DialTemplate, id: number | undefined): Instruction {
    session.handshake = undefined;
    session.hop = -1;
    session.establishedAtConnect = false;
    this.trackHop(session, { consumed: 0, send: template.opening, hopIndex: template.hopIndex });
    const proxy = proxyWire(session.hops[0]!).wire;
    const chunk = template.opening;
    session.outbox = EMPTY;
    const scriptLength = template.scriptLength;
    const scripted = scriptLength !== undefined && proxy.length + 4 + scriptLength + chunk.length <= SEND_CHUNK + 40;
    session.script = scripted ? template.script : [];
    return {
      state: DialState.dial,
      arg: scripted ? DialArg.script | this.standing(session, id) : 0,
      consume: 0,
      waitMs: this.config.tcpConnectTimeoutMs,
      dial: { proxy, readMs: this.config.tcpReadTimeoutMs, script: scripted ? template.script : undefined },
      send: chunk,
    };
  }

  /**
   * DialArg.standing for a CONNECT's first DIAL (it carries `id`) when the answer may be kept, with
   * DialArg.templates when templates of this chain's plans exist now (the shim then asks TEMPLATE
   * once per image).
   */
  private standing(session: Session, id: number | undefined): number {
    if (id === undefined || !session.mayStand || !this.standingPlans || !this.chainStands()) return 0;
    // A plan made while a hop's pipelining is still being learned would outlive what is learned.
    if (this.pipelining && !this.pipelining.settled(session.hops, session.resuming)) return 0;
    // Without a "connected" line to print, nothing the agent shows waits on the plan's NOTE.
    const standing = this.log.showsInfo === false ? DialArg.standing | DialArg.notesLater : DialArg.standing;
    return this.compiling || session.resuming || this.templateAnswer() === undefined ? standing : standing | DialArg.templates;
  }

  /** The -v line saying a routing rule turned templates off: once per agent. */
  private scopeRefusalSaid = false;

  /**
   * TEMPLATE's answer (a whole frame, id 0), or undefined when there are no templates now:
   * compiled again only when what the plans depend on changed (a learned HTTP reply, a hop's
   * pipelining). Templates exactly when standing plans are given for every destination of the
   * scope: the same chain conditions, and each template checked against the plans it stands for.
   */
  templateAnswer(): Buffer | undefined {
    if (!this.templateScope || !this.standingPlans || !this.chainStands() || isolatesByProcess(this.config.proxies)) return undefined;
    const hops = this.firstHops();
    const key = `${this.learned.version}|${hops.map((hop) => this.pipelining?.state(hop) ?? '').join(',')}`;
    if (this.compiled?.key === key) return this.compiled.answer;
    let answer: Buffer | undefined;
    const settled = !this.pipelining || this.pipelining.settled(hops);
    const scope = settled ? this.templateScope() : undefined;
    // Said once (with -v): a routing rule that cannot list its destinations as ranges turns
    // templates off, and each first connect to a destination then asks the agent.
    if (settled && !scope && !this.scopeRefusalSaid) {
      this.scopeRefusalSaid = true;
      this.log.info('dial templates off: a routing rule cannot list its destinations as address ranges; first connects ask the agent');
    }
    if (scope) {
      this.compiling = true;
      try {
        const templates = ([4, 6] as const).map((family) => compileTemplate(family, 0, (target) => this.samplePlan(target))).filter((t): t is PlanTemplate => t !== undefined);
        const reach = (this.proxyFamilies ?? []).reduce((bits, family) => bits | (family === 6 ? ConnectFlag.reach6 : ConnectFlag.reach4), 0);
        for (const t of templates) t.reach = reach;
        const frame = templates.length > 0 ? serializeTemplateResponse({ status: Status.ok, scope, templates }) : undefined;
        answer = frame && frame.length <= HEAD_LEN + MAX_BODY ? frame : undefined;
      } finally {
        this.compiling = false;
      }
    }
    this.compiled = { key, answer };
    return answer;
  }

  /** TEMPLATE (docs/wire-protocol.md): the templates, or not found. */
  templateResponse(): Buffer {
    return this.templateAnswer() ?? serializeStatus(Status.notFound);
  }

  /** The plan a CONNECT to `target` would be answered with, if a standing one (a template's sample). */
  private samplePlan(target: TargetAddress): SamplePlan | undefined {
    const opened = this.openSession({ target, effective: target }, serializeWireAddress(target.host, target.port), TEMPLATE_SAMPLER, { v4: true, v6: true }, {});
    if (!opened) return undefined;
    this.forget(opened.id);
    const { instruction } = opened;
    if (instruction.state !== DialState.dial || (instruction.arg & DialArg.standing) === 0 || (instruction.arg & DialArg.script) === 0) return undefined;
    return { plan: serializeInstruction(instruction), sendLength: instruction.send.length };
  }

  /** The hops of the first attempt, the same for every connection of a chain that stands (chainStands()). */
  private firstHops(): readonly ProxySpec[] {
    return (this.standingHops ??= new ChainAttempts({ proxies: this.config.proxies, type: this.config.chainType, chainLen: this.config.chainLen, roundRobin: { cursor: 0 } }).next());
  }

  /** Whether the first attempt's hops are the same for every connection (DialArg.standing). */
  private chainStands(): boolean {
    const type = this.config.chainType;
    return this.config.proxies.length === 1 || type === 'strict' || type === 'dynamic';
  }

  private dialFresh(session: Session, hops: readonly ProxySpec[], id?: number): Instruction {
    session.handshake = new ChainHandshake(hops, session.effective, session.pipelined);
    session.hop = -1;
    const first = session.handshake.start();
    if (first.outcome instanceof ChainError) return this.failed(session, first.outcome);
    // A chain of raw hops only: nothing to say, established as soon as TCP is (the shim reports
    // `sent` right after connecting, and is told DONE without reading).
    session.establishedAtConnect = first.outcome === 'established';
    session.outbox = first.send;
    this.trackHop(session, first);
    const chunk = session.outbox.subarray(0, SEND_CHUNK);
    session.outbox = session.outbox.subarray(chunk.length);
    const proxy = proxyWire(hops[0]!).wire;
    const readMs = this.config.tcpReadTimeoutMs;
    const waitMs = this.config.tcpConnectTimeoutMs;
    const more = session.outbox.length > 0 || session.establishedAtConnect ? DialArg.more : 0;
    session.script = more ? [] : predictHandshake(hops, session.effective, MAX_SCRIPT_ENTRIES, session.pipelined, this.learned.get);
    const scriptLength = scriptSize(session.script);
    if (scriptLength === undefined || proxy.length + 4 + scriptLength + chunk.length > SEND_CHUNK + 40) {
      session.script = [];
      return { state: DialState.dial, arg: more, consume: 0, waitMs, dial: { proxy, readMs }, send: chunk };
    }
    return { state: DialState.dial, arg: DialArg.script | this.standing(session, id), consume: 0, waitMs, dial: { proxy, readMs, script: session.script }, send: chunk };
  }

  /** Next piece of the outbox, or READ once it is all out. */
  private flush(session: Session, consume: number): Instruction {
    const chunk = session.outbox.subarray(0, SEND_CHUNK);
    session.outbox = session.outbox.subarray(chunk.length);
    const more = session.outbox.length > 0 ? DialArg.more : 0;
    return { state: DialState.read, arg: more, consume, waitMs: Math.max(1, session.hopDeadline - Date.now()), send: chunk };
  }

  private trackHop(session: Session, step: ChainStep): void {
    if (step.hopIndex === session.hop) return;
    session.hop = step.hopIndex;
    session.hopDeadline = Date.now() + this.config.tcpReadTimeoutMs;
  }

  private after(session: Session, step: ChainStep, localPort: number): Instruction {
    if (step.outcome instanceof ChainError) return this.failed(session, step.outcome);
    if (step.outcome === 'established') return this.established(session, step.consumed, localPort);
    this.trackHop(session, step);
    session.outbox = Buffer.concat([session.outbox, step.send]);
    return this.flush(session, step.consumed);
  }

  private established(session: Session, consume: number, localPort: number): Instruction {
    this.sessions.delete(session.id);
    clearTimeout(session.timer);
    this.connected(() => session.who, session.hops, Date.now() - session.started, localPort, session.originalAddress);
    return doneInstruction(0, consume);
  }

  /** A chain is up: the `-v` line (its label built only if printed) and the PEER entry. */
  private connected(who: () => string, hops: readonly ProxySpec[], ms: number, localPort: number, originalAddress: Buffer): void {
    if (this.log.showsInfo !== false) this.log.info(`${who()} via ${hops.map(describeHop).join(' > ')}: connected in ${ms} ms`);
    this.peers.addDialed(localPort, proxyWire(hops[0]!).hex, originalAddress);
  }

  /** An attempt failed: another attempt (DIAL again: the shim disconnects first), or the end. */
  private failed(session: Session, err: ChainError): Instruction {
    // A pipelined attempt that pipelining may have broken: the same hops once more, unpipelined
    // (DIAL again); only that attempt's outcome reaches the program.
    if (this.pipelining?.fallBack(session.hops, session.pipelined, err)) return this.dialHops(session, session.hops, 0);
    if (session.attempts.failed(err)) return this.dial(session);
    return this.finish(session, err);
  }

  private finish(session: Session, err: unknown): Instruction {
    this.sessions.delete(session.id);
    clearTimeout(session.timer);
    if (err instanceof ChainError) {
      this.say(session, `${session.who} ${err.message}`);
      return doneInstruction(errnoFor(err.error.code));
    }
    this.say(session, `${session.who}: internal error: ${err instanceof Error ? err.message : String(err)}`);
    return doneInstruction(E.ECONNABORTED);
  }

  /** A failure's line; a template's sample only at -v: no program made that connect (a socks4 hop
   * refuses the IPv6 sample at once, and said so at every run). */
  private say(session: Session, line: string): void {
    if (session.requester !== TEMPLATE_SAMPLER) this.log.error(line);
    else this.log.info(`${line} (a dial template's sample destination, no program's)`);
  }

}

const EMPTY = Buffer.alloc(0);
/** Whom a template's sample sessions are for (they are never logged: forgotten at once). */
const TEMPLATE_SAMPLER: Requester = { name: 'template', pid: 0 };

/** A DIAL the shim can finish alone on the happy path: every reply in its script, nothing more to send. */
function wholeScript(instruction: Instruction): boolean {
  return instruction.state === DialState.dial && (instruction.arg & DialArg.script) !== 0 && (instruction.arg & DialArg.more) === 0;
}
