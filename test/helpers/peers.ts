// Real peers started inside a lab's proxy namespace: danted, microsocks and the target servers.
import { type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bin } from './peer-gate';
import { collectOutput as collect, exitedEarly, stopper } from './peer-process';
import * as ports from './port-waiter';
// Kept for tests landing from other branches (see peer-gate.ts); new code imports them from there.
export { bin, which } from './peer-gate';

/** @deprecated waitPort(host, port, { ns }) of port-waiter.ts. */
export function waitPort(_lab: Lab, ns: string, host: string, port: number, timeoutMs = 10_000): Promise<void> {
  return ports.waitPort(host, port, { ns, timeoutMs });
}
import type { Spawner } from './upstream-peers';
import type { Lab } from './net-lab';
import { HTTP_PORT, ECHO_PORT, BANNER_PORT, CLOSED_PORT } from './target-server';

export { HTTP_PORT, ECHO_PORT, BANNER_PORT, CLOSED_PORT };

// ---------------------------------------------------------------------------------------------

export interface Peer {
  child: ChildProcess;
  host: string;
  port: number;
  stderr(): string;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Target servers

export interface Targets {
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startTargets(lab: Lab, extraAddrs: string[] = []): Promise<Targets> {
  const script = join(__dirname, 'target-server.js');
  const child = lab.spawn(lab.proxy, [process.execPath, script, [lab.targetIp4, lab.targetIp6, ...extraAddrs].join(',')]);
  const out = collect(child);
  const ready = new Promise<void>((res) => {
    let buf = '';
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      if (buf.includes('"ready":true')) res();
    });
  });
  await Promise.race([ready, exitedEarly(child, 'target-server', out)]);
  return { child, stop: stopper(child) };
}

// ---------------------------------------------------------------------------------------------
// danted

export interface Danted extends Peer {
  /** Also listening on the target address (reachable only from inside the proxy ns). */
  innerHost: string;
  logFile: string;
  log(): string;
}

export async function startDanted(lab: Lab, port = 1080): Promise<Danted> {
  const logFile = join(lab.dir, `danted-${port}.log`);
  const conf = join(lab.dir, `danted-${port}.conf`);
  writeFileSync(logFile, '');
  writeFileSync(conf, `# written by test/helpers/peers.ts
logoutput: ${logFile}
internal: ${lab.proxyIp4} port = ${port}
internal: ${lab.proxyIp6} port = ${port}
internal: ${lab.targetIp4} port = ${port}
external: ${lab.targetIp4}
external: ${lab.targetIp6}
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {
  from: 0/0 to: 0/0
  log: error
}
socks pass {
  from: 0/0 to: 0/0
  command: connect
  log: connect disconnect error
}
socks pass {
  from: 0/0 to: 0/0
  command: udpassociate
  log: connect disconnect error
}
socks pass {
  from: 0/0 to: 0/0
  command: udpreply
  log: connect disconnect error
}
`);
  const child = lab.spawn(lab.proxy, [bin('danted'), '-f', conf, '-p', join(lab.dir, `danted-${port}.pid`), '-N', '2']);
  const out = collect(child);
  await Promise.race([
    (async () => {
      await ports.waitPort(lab.proxyIp4, port, { ns: lab.client });
      await ports.waitPort(lab.proxyIp6, port, { ns: lab.client });
    })(),
    exitedEarly(child, 'danted', () => out() + readLog(logFile)),
  ]);
  return {
    child, host: lab.proxyIp4, port, innerHost: lab.targetIp4, logFile,
    stderr: out,
    log: () => readLog(logFile),
    stop: stopper(child),
  };
}

function readLog(f: string): string {
  try { return readFileSync(f, 'utf8'); } catch { return ''; }
}

// ---------------------------------------------------------------------------------------------
// microsocks

export interface MicrosocksOptions {
  host?: string;
  port: number;
  user?: string;
  pass?: string;
}

export async function startMicrosocks(lab: Lab, opts: MicrosocksOptions): Promise<Peer> {
  const host = opts.host ?? lab.proxyIp4;
  const argv = [bin('microsocks'), '-i', host, '-p', String(opts.port)];
  if (opts.user !== undefined) argv.push('-u', opts.user, '-P', opts.pass ?? '');
  const child = lab.spawn(lab.proxy, argv);
  const out = collect(child);
  await Promise.race([ports.waitPort(host, opts.port, { ns: lab.client }), exitedEarly(child, 'microsocks', out)]);
  return { child, host, port: opts.port, stderr: out, stop: stopper(child) };
}

/** Wait (bounded) until a peer's log text matches re; returns the text. Waits on an event, asserts nothing. */
export async function waitForLog(read: () => string, re: RegExp, timeoutMs = 3000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = read();
    if (re.test(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** As waitForLog, but a timeout is a failure that shows what was read: for waits that gate a test's next step. */
export async function untilLog(read: () => string, re: RegExp, timeoutMs = 3000, what = `${re}`): Promise<string> {
  const text = await waitForLog(read, re, timeoutMs);
  if (!re.test(text)) throw new Error(`${what}: not seen within ${timeoutMs} ms; read so far:\n${text.slice(-3000)}`);
  return text;
}

/**
 * Peers of upstream-peers.ts (tinyproxy, ssh -D) in the lab: run in the proxy ns, waited for from
 * the client's side, except loopback listeners (sshd), which only the proxy ns itself can reach.
 */
export function labSpawner(lab: Lab): Spawner {
  return {
    dir: lab.dir,
    spawn: (argv) => lab.spawn(lab.proxy, argv),
    waitPort: (host, port) => ports.waitPort(host, port, { ns: host === '127.0.0.1' ? lab.proxy : lab.client }),
  };
}

/** Escape a string for use inside a RegExp. */
export function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
