import { ChainHandshake, predictHandshake, type Expectation } from '../client/chain-driver';
import type { ProxySpec } from '../config/config-types';
import type { TargetAddress } from '../protocol/target-address';
import ipaddr from 'ipaddr.js';
import { MAX_SCRIPT_ENTRIES, TemplateHole, scriptSize, serializeWireAddress, type PlanTemplate, type TemplateHoleSpec } from '../wire';
import type { LearnedReplies } from './learned-replies';

/** Handshake bytes per instruction: a frame is at most 1024 bytes with the address and header. */
export const SEND_CHUNK = 900;
/** Templates kept (by proxy and destination); past this the oldest are forgotten. */
const DIAL_TEMPLATE_CAP = 256;

/**
 * What a dial derives from a single-hop chain and the destination alone (the codec is
 * deterministic): the opening bytes and the script of expected replies, built once per
 * destination and proxy instead of once per connection (two scratch handshakes each).
 */
export interface DialTemplate {
  opening: Buffer;
  hopIndex: number;
  script: Expectation[];
  /** scriptSize(script): the bytes it takes in a DIAL, or undefined when it cannot be sent. */
  scriptLength: number | undefined;
}

/** The dial path's template cache (dial-sessions.ts asks it for every single-hop attempt). */
export class DialTemplates {
  private readonly templates = new Map<string, DialTemplate>();

  /** The template for this proxy and destination, from the cache or built and kept; undefined: build the dial afresh. */
  for(proxy: ProxySpec, target: TargetAddress, pipelined = 0, learned?: LearnedReplies): DialTemplate | undefined {
    const key = `${proxyWire(proxy).id}|${pipelined}|${learned?.version ?? 0}|${target.kind}|${target.host}|${target.port}`;
    let template = this.templates.get(key);
    if (template) return template;
    const hops = [proxy];
    const first = new ChainHandshake(hops, target, pipelined).start();
    // Raw hops (established at connect), failures and long openings take the fresh way.
    if (first.outcome !== undefined || first.send.length > SEND_CHUNK) return undefined;
    const script = predictHandshake(hops, target, MAX_SCRIPT_ENTRIES, pipelined, learned?.get);
    template = { opening: first.send, hopIndex: first.hopIndex, script, scriptLength: scriptSize(script) };
    this.templates.set(key, template);
    if (this.templates.size > DIAL_TEMPLATE_CAP) this.templates.delete(this.templates.keys().next().value as string);
    return template;
  }
}

/** Per proxy: its wire address and that address in hex (PEER keys), computed once. */
const proxyWires = new WeakMap<ProxySpec, { wire: Buffer; hex: string; id: number }>();
let nextProxyId = 1;
export function proxyWire(proxy: ProxySpec): { wire: Buffer; hex: string; id: number } {
  let known = proxyWires.get(proxy);
  if (!known) {
    const wire = serializeWireAddress(proxy.host, proxy.port);
    known = { wire, hex: wire.toString('hex'), id: nextProxyId++ };
    proxyWires.set(proxy, known);
  }
  return known;
}

/**
 * Dial templates (docs/architecture.md, dial path, "Templates"): for a chain whose CONNECT answer
 * is a standing plan, that answer depends on the destination only through its bytes, written at
 * fixed places of the plan (SOCKS5's DST.ADDR and DST.PORT, SOCKS4's DSTPORT and DSTIP, HTTP
 * CONNECT's `host:port`). A template is the plan built for a sample destination with those places
 * marked as holes; the shim writes the CONNECT request's destination into them
 * (core/plan-template.c) and runs the plan as a standing one, so a first connect to a destination
 * asks nothing either. The holes are found by looking for the sample's bytes, and a template is
 * kept only if filling it with other destinations (the shortest and longest text forms among them)
 * gives exactly the plan the agent builds for each: so a plan that depends on the destination in
 * any other way (a credential derived from it, a field this file does not know) gets no template.
 */
export interface SamplePlan {
  /** The instruction, no session. */
  plan: Buffer;
  /** Its last bytes, `send`: text holes (whose length varies) may lie only there. */
  sendLength: number;
}

type Sample = { host: string; port: number };
/** The first is compiled; every one is checked. Documentation ranges; never dialled. */
const SAMPLES: Record<4 | 6, readonly Sample[]> = {
  4: [{ host: '203.0.113.201', port: 43981 }, { host: '1.2.3.4', port: 1 }, { host: '203.113.255.254', port: 65535 }, { host: '198.51.100.7', port: 80 }],
  6: [{ host: '2001:db8:5a5a:1234:abcd:ef01:2345:6789', port: 43981 }, { host: '2001:db8::1', port: 1 }, { host: '2001:db8:ffff:ffff:ffff:ffff:ffff:fffe', port: 65535 }],
};

const targetOf = (family: 4 | 6, s: Sample): TargetAddress => ({ kind: family === 4 ? 'ipv4' : 'ipv6', host: s.host, port: s.port });

/** The bytes of each hole kind for a destination. */
function holeBytes(kind: number, host: string, port: number): Buffer {
  const address = Buffer.from(ipaddr.parse(host).toByteArray());
  const p = Buffer.from([port >> 8, port & 0xff]);
  switch (kind) {
    case TemplateHole.v4AddrPort:
    case TemplateHole.v6AddrPort:
      return Buffer.concat([address, p]);
    case TemplateHole.portV4Addr:
      return Buffer.concat([p, address]);
    case TemplateHole.v4Text:
      return Buffer.from(`${host}:${port}`, 'latin1');
    default:
      throw new Error(`hole kind ${kind}`);
  }
}

const KINDS: Record<4 | 6, readonly number[]> = { 4: [TemplateHole.v4AddrPort, TemplateHole.portV4Addr, TemplateHole.v4Text], 6: [TemplateHole.v6AddrPort] };

/** Where the sample's forms occur in its plan; undefined when two overlap or text lies before `send`. */
function findHoles(family: 4 | 6, sample: Sample, { plan, sendLength }: SamplePlan): TemplateHoleSpec[] | undefined {
  const holes: TemplateHoleSpec[] = [];
  for (const kind of KINDS[family]) {
    const bytes = holeBytes(kind, sample.host, sample.port);
    for (let at = plan.indexOf(bytes); at >= 0; at = plan.indexOf(bytes, at + bytes.length)) {
      if (kind === TemplateHole.v4Text && at < plan.length - sendLength) return undefined;
      holes.push({ offset: at, kind, sampleLength: bytes.length });
    }
  }
  holes.sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < holes.length; i++) if (holes[i - 1]!.offset + holes[i - 1]!.sampleLength > holes[i]!.offset) return undefined;
  return holes;
}

/** The template's plan with this destination written into its holes (what the shim does, in C). */
export function fillTemplate(template: PlanTemplate, host: string, port: number): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (const hole of template.holes) {
    parts.push(template.plan.subarray(from, hole.offset), holeBytes(hole.kind, host, port));
    from = hole.offset + hole.sampleLength;
  }
  parts.push(template.plan.subarray(from));
  return Buffer.concat(parts);
}

/** The template of `family`'s destinations, from `build` (the agent's plan for one), or undefined. */
export function compileTemplate(family: 4 | 6, reach: number, build: (target: TargetAddress) => SamplePlan | undefined): PlanTemplate | undefined {
  const [first, ...others] = SAMPLES[family];
  const base = build(targetOf(family, first!));
  if (!base) return undefined;
  const holes = findHoles(family, first!, base);
  if (!holes || holes.length === 0) return undefined;
  const template: PlanTemplate = { family, reach, plan: base.plan, holes };
  for (const sample of others) {
    const want = build(targetOf(family, sample));
    if (!want || !fillTemplate(template, sample.host, sample.port).equals(want.plan)) return undefined;
  }
  return template;
}
