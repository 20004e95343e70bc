import type { ProxySpec } from '../config/config-types';
import { MAX_SCRIPT_PREFIX } from '../wire';

/**
 * HTTP CONNECT replies as each proxy sent them last time (issue 18). An HTTP reply has no fixed
 * length, so the dial path's script could not expect one and every connect through an HTTP hop
 * took a STEP round trip to the agent. Most proxies send the same bytes for every successful
 * CONNECT (tinyproxy: `HTTP/1.0 200 Connection established` and a Proxy-agent line), so the
 * last one the codec accepted is expected again, whole: the shim consumes it only if every byte
 * matches, and anything else (a Date header, a refusal) goes to the agent as before.
 */
export class LearnedReplies {
  private readonly replies = new Map<string, Buffer>();
  /** Bumped on every change: dial templates built with an older reply are not used again. */
  version = 0;

  readonly get = (proxy: ProxySpec): Buffer | undefined => this.replies.get(keyOf(proxy));

  /** A 2xx reply the HTTP codec accepted, exactly its bytes. */
  learn(proxy: ProxySpec, reply: Buffer): void {
    if (reply.length === 0 || reply.length > MAX_SCRIPT_PREFIX) return;
    const key = keyOf(proxy);
    const known = this.replies.get(key);
    if (known?.equals(reply)) return;
    this.replies.set(key, Buffer.from(reply));
    this.version++;
  }
}

const keyOf = (p: ProxySpec) => `${p.type}|${p.host}|${p.port}|${p.username ?? ''}`;
