import { ChainHandshake, predictHandshake, type Expectation } from '../client/chain-driver';
import type { ProxySpec } from '../config/config-types';
import type { TargetAddress } from '../protocol/target-address';
import { MAX_SCRIPT_ENTRIES, scriptSize, serializeWireAddress } from '../wire';
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
