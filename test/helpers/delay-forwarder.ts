// A TCP forwarder that makes a proxy "far away" or holds connections at a gate; run inside a
// lab's proxy namespace (not wrapped), in front of danted:
//   node delay-forwarder.js <listen host> <listen port> <to host> <to port> [delay ms] [gate] [gate timeout ms] [hold ms]
// delay ms: every chunk, each way, is passed on that much later (order kept); 0 = plain pipe.
// gate N > 0: no connection is passed on until N have arrived at once (or the gate timeout ran
//   out); then, after hold ms, all go. On opening it prints {"gate":"open","held":K,"reason":...}:
//   K = how many connections were waiting together. A program whose connect() blocks for the
//   proxy handshake can never get more than one there; an asynchronous one gets all N.
// When listening it prints {"ready":true}.
import * as net from 'node:net';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from './net-lab';

export interface Forwarder {
  child: ChildProcess;
  host: string;
  port: number;
  /** Resolves with the gate's report once it opened. */
  gateOpened: Promise<{ held: number; reason: string }>;
}

export interface ForwarderOptions {
  port: number;
  toHost: string;
  toPort: number;
  delayMs?: number;
  gate?: number;
  gateTimeoutMs?: number;
  holdMs?: number;
  /** Namespace to run in (default: the lab's proxy ns); it listens on the proxy's address. */
  ns?: string;
  host?: string;
}

/** Starts the forwarder in the lab (killed with it) and waits until it listens. */
export async function startDelayForwarder(lab: Lab, o: ForwarderOptions): Promise<Forwarder> {
  const host = o.host ?? lab.proxyIp4;
  const child = lab.spawn(o.ns ?? lab.proxy, [
    process.execPath, join(__dirname, 'delay-forwarder.js'), host, String(o.port), o.toHost, String(o.toPort),
    String(o.delayMs ?? 0), String(o.gate ?? 0), String(o.gateTimeoutMs ?? 15_000), String(o.holdMs ?? 0),
  ]);
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const lines: Array<(line: Record<string, unknown>) => void> = [];
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = JSON.parse(out.slice(0, nl)) as Record<string, unknown>;
      out = out.slice(nl + 1);
      for (const l of lines) l(line);
    }
  });
  const ready = new Promise<void>((res, rej) => {
    lines.push((l) => { if (l.ready) res(); });
    child.once('exit', (c) => rej(new Error(`delay-forwarder exited (${c}): ${err}`)));
  });
  const gateOpened = new Promise<{ held: number; reason: string }>((res) => {
    lines.push((l) => { if (l.gate === 'open') res({ held: Number(l.held), reason: String(l.reason) }); });
  });
  await ready;
  return { child, host, port: o.port, gateOpened };
}

function relay(from: net.Socket, to: net.Socket, delayMs: number): void {
  if (delayMs <= 0) {
    from.pipe(to);
    return;
  }
  from.on('data', (chunk: Buffer) => {
    setTimeout(() => { if (!to.destroyed) to.write(chunk); }, delayMs);
  });
  from.on('end', () => setTimeout(() => { if (!to.destroyed) to.end(); }, delayMs));
}

function main(): void {
  const [listenHost, listenPort, toHost, toPort, delay = '0', gate = '0', gateTimeout = '15000', hold = '0'] = process.argv.slice(2);
  const delayMs = Number(delay);
  const gateCount = Number(gate);
  let open = gateCount <= 0;
  let arrived = 0;
  let gateTimer: NodeJS.Timeout | undefined;
  const waiting: Array<() => void> = [];

  const openGate = (reason: string) => {
    if (open) return;
    open = true;
    if (gateTimer) clearTimeout(gateTimer);
    process.stdout.write(JSON.stringify({ gate: 'open', held: waiting.length, reason }) + '\n');
    setTimeout(() => { for (const go of waiting.splice(0)) go(); }, Number(hold));
  };

  const server = net.createServer({ noDelay: true }, (client) => {
    client.pause();
    client.on('error', () => client.destroy());
    const go = () => {
      const upstream = net.connect({ host: toHost, port: Number(toPort), noDelay: true });
      // A FIN travels (delayed) behind the data by relay(); so does a reset (danted resets after
      // a refusal reply when the client sent more): the reply must reach the client first.
      upstream.on('error', () => setTimeout(() => client.destroySoon(), delayMs));
      client.on('close', () => upstream.destroy());
      relay(client, upstream, delayMs);
      relay(upstream, client, delayMs);
      client.resume();
    };
    if (open) return go();
    arrived++;
    waiting.push(go);
    if (!gateTimer) gateTimer = setTimeout(() => openGate('timeout'), Number(gateTimeout));
    if (arrived >= gateCount) openGate('count');
  });
  server.listen({ host: listenHost, port: Number(listenPort) }, () => {
    process.stdout.write(JSON.stringify({ ready: true }) + '\n');
  });
}

if (require.main === module) main();
