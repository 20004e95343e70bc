// The one port-waiter of the suite: until host:port accepts a TCP connection (a peer started and
// listening), bounded. On this host it polls in this process; for a lab's namespace the same
// function runs in a node process started there (`ip netns exec`), since a socket cannot be made
// in another namespace from here.
import { spawn } from 'node:child_process';
import { cleanEnv } from './net-lab';

/** Self-contained (it is also sent as source to a process in a namespace): true once host:port accepts. */
function pollPort(host: string, port: number, timeoutMs: number): Promise<boolean> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const net = require('node:net') as typeof import('node:net');
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    (function attempt(): void {
      const s = net.connect({ host, port });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) resolve(false);
        else setTimeout(attempt, 25);
      });
    })();
  });
}

export interface WaitPortOptions {
  /** Network namespace to connect from (default: this process's own). */
  ns?: string;
  timeoutMs?: number;
}

/** Resolves once host:port accepts TCP connections (from ns, when given); rejects after timeoutMs. */
export async function waitPort(host: string, port: number, opts: WaitPortOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const where = opts.ns ? ` in ${opts.ns}` : '';
  let ok: boolean;
  if (!opts.ns) ok = await pollPort(host, port, timeoutMs);
  else {
    const script = `(${pollPort.toString()})(${JSON.stringify(host)}, ${port}, ${timeoutMs}).then((ok) => process.exit(ok ? 0 : 1))`;
    ok = await new Promise<boolean>((resolve) => {
      const child = spawn('ip', ['netns', 'exec', opts.ns!, process.execPath, '-e', script], { env: cleanEnv(), stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('exit', (code) => resolve(code === 0));
    });
  }
  if (!ok) throw new Error(`nothing accepts on ${host}:${port}${where} after ${timeoutMs} ms`);
}
