/**
 * The original destination of each proxied TCP socket, as the program wrote it (wire form
 * `fam | addr | port`), kept for PEER (docs/wire-protocol.md): getpeername in an image that
 * inherited the socket across exec. The one place it is kept once the connect is up, for both paths:
 *
 * - relay path: by (relay family, the program's local port), while the relayed connection lives
 *   (tcp-relay.ts adds it when the ticket is claimed and forgets it at close);
 * - dial path: by (the program's local port, the first proxy's wire address), added when the chain
 *   is up (dial-sessions.ts). The agent never sees such a socket close, so a reused port to the same
 *   proxy replaces the entry, and beyond the cap the oldest are forgotten.
 */
export class PeerTable {
  private readonly relayed = new Map<string, Buffer>();
  private readonly dialed = new Map<string, Buffer>();
  /** The last hop's BND of a relayed connection (wire form), for SOCKNAME (docs/bind.md). */
  private readonly relayedBound = new Map<string, Buffer>();

  constructor(private readonly dialedCap = 4096) {}

  /** A relayed connection from the program's `port` is up: returns what forgets it. */
  addRelayed(relay: 4 | 6, port: number, original: Buffer): () => void {
    const key = `${relay}:${port}`;
    this.relayed.set(key, original);
    return () => {
      // A newer connection may hold the port by now: forget only our own entry.
      if (this.relayed.get(key) === original) {
        this.relayed.delete(key);
        this.relayedBound.delete(key);
      }
    };
  }

  /** Relayed entries: each must go with its connection (agent-leak.test.ts counts them). */
  get size(): number {
    return this.relayed.size;
  }

  /** The chain of the relayed connection from `port` is up, and its last hop said `bound`. */
  setRelayedBound(relay: 4 | 6, port: number, bound: Buffer): void {
    const key = `${relay}:${port}`;
    if (this.relayed.has(key)) this.relayedBound.set(key, bound);
  }

  boundOfRelayed(relay: 4 | 6, port: number): Buffer | undefined {
    return this.relayedBound.get(`${relay}:${port}`);
  }

  ofRelayed(relay: 4 | 6, port: number): Buffer | undefined {
    return this.relayed.get(`${relay}:${port}`);
  }

  /** A dial-path socket on `localPort` is connected to the proxy at `proxyHex` (wire form, hex). */
  addDialed(localPort: number, proxyHex: string, original: Buffer): void {
    if (localPort === 0) return;
    const key = `${localPort}/${proxyHex}`;
    this.dialed.delete(key);
    this.dialed.set(key, original);
    while (this.dialed.size > this.dialedCap) this.dialed.delete(this.dialed.keys().next().value as string);
  }

  ofDialed(localPort: number, proxyWire: Buffer): Buffer | undefined {
    return this.dialed.get(`${localPort}/${proxyWire.toString('hex')}`);
  }
}
