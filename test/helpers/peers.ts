// Real peers started inside a lab's proxy namespace: danted, microsocks and the target servers.
import { type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, accessSync, constants } from 'node:fs';
import { join, delimiter } from 'node:path';
import type { Lab } from './net-lab';
import { HTTP_PORT, ECHO_PORT, BANNER_PORT, CLOSED_PORT } from './target-server';

export { HTTP_PORT, ECHO_PORT, BANNER_PORT, CLOSED_PORT };

// ---------------------------------------------------------------------------------------------
// Peer-missing policy: missing binary → skip with the Debian package to install, unless CI=true,
// where it is a failure.

interface PeerInfo { bins: string[]; pkg: string }
const PEERS: Record<string, PeerInfo> = {
  danted: { bins: ['danted'], pkg: 'dante-server' },
  microsocks: { bins: ['microsocks'], pkg: 'microsocks' },
  curl: { bins: ['curl'], pkg: 'curl' },
  ncat: { bins: ['ncat'], pkg: 'ncat' },
  python3: { bins: ['python3'], pkg: 'python3' },
  nft: { bins: ['nft'], pkg: 'nftables' },
  ip: { bins: ['ip'], pkg: 'iproute2' },
  sh: { bins: ['sh'], pkg: 'dash' },
  dig: { bins: ['dig'], pkg: 'dnsutils' },
  host: { bins: ['host'], pkg: 'bind9-host' },
  nslookup: { bins: ['nslookup'], pkg: 'dnsutils' },
  dnsmasq: { bins: ['dnsmasq'], pkg: 'dnsmasq-base' },
  tinyproxy: { bins: ['tinyproxy'], pkg: 'tinyproxy' },
  setpriv: { bins: ['setpriv'], pkg: 'util-linux' },
  gcc: { bins: ['gcc'], pkg: 'build-essential' },
  ruby: { bins: ['ruby'], pkg: 'ruby' },
  php: { bins: ['php'], pkg: 'php-cli' },
  tor: { bins: ['tor'], pkg: 'tor' },
  'tor-gencert': { bins: ['tor-gencert'], pkg: 'tor' },
};
export type PeerName = keyof typeof PEERS & string;

const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin', '/usr/local/sbin'];

/**
 * For a test's `skip` option: false when the tool is here; otherwise the reason, naming the Debian
 * package. Under CI=true a missing tool is a failure, never a skip, so this throws.
 */
export function needTool(bin: string, debianPackage: string): false | string {
  if (which(bin)) return false;
  const reason = `${bin} not found: apt-get install ${debianPackage}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: a missing peer is a failure)`);
  return reason;
}

/** Absolute path of a program; Debian's own directories first (so pyenv shims are not used). */
export function which(bin: string): string | undefined {
  const dirs = [...SEARCH, ...(process.env.PATH ?? '').split(delimiter)];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

export function bin(name: string): string {
  const p = which(name);
  if (!p) throw new Error(`${name} not found`);
  return p;
}

export interface PeerGate {
  /** Pass as the `skip` option of describe/test: a reason string when peers are missing off CI. */
  skip: string | false;
  /** Call in `before`: throws when peers are missing on CI. */
  check(): void;
}

export function peerGate(names: PeerName[]): PeerGate {
  const missing = names.filter((n) => !PEERS[n].bins.some((b) => which(b)));
  if (process.getuid && process.getuid() !== 0) {
    const why = 'e2e tests need root (ip netns, nft)';
    return process.env.CI === 'true'
      ? { skip: false, check: () => { throw new Error(why); } }
      : { skip: why, check: () => {} };
  }
  if (missing.length === 0) return { skip: false, check: () => {} };
  const why = `missing ${missing.join(', ')}: apt-get install ${[...new Set(missing.map((m) => PEERS[m].pkg))].join(' ')}`;
  if (process.env.CI === 'true') return { skip: false, check: () => { throw new Error(`peer missing on CI: ${why}`); } };
  console.log(`# skipping: ${why}`);
  return { skip: why, check: () => {} };
}

// ---------------------------------------------------------------------------------------------

/** Wait until host:port in ns accepts TCP connections (one polling process, bounded). */
export async function waitPort(lab: Lab, ns: string, host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const script = `
    const net = require('net');
    const deadline = Date.now() + ${timeoutMs};
    (function attempt() {
      const s = net.connect({ host: ${JSON.stringify(host)}, port: ${port} });
      s.once('connect', () => { s.destroy(); process.exit(0); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) process.exit(1);
        setTimeout(attempt, 25);
      });
    })();`;
  const r = await lab.run(ns, [process.execPath, '-e', script], { timeoutMs: timeoutMs + 5000 });
  if (r.status !== 0) throw new Error(`${host}:${port} in ${ns} did not start accepting: ${r.stderr}`);
}

export interface Peer {
  child: ChildProcess;
  host: string;
  port: number;
  stderr(): string;
  stop(): Promise<void>;
}

function collect(child: ChildProcess): () => string {
  let err = '';
  child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  child.stdout?.on('data', (b: Buffer) => { err += b.toString(); });
  return () => err;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () => new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    child.once('exit', () => res());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

function exitedEarly(child: ChildProcess, what: string, out: () => string): Promise<never> {
  return new Promise((_, rej) => {
    child.once('exit', (code, sig) => rej(new Error(`${what} exited early (${code ?? sig}): ${out()}`)));
  });
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
      await waitPort(lab, lab.client, lab.proxyIp4, port);
      await waitPort(lab, lab.client, lab.proxyIp6, port);
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
  await Promise.race([waitPort(lab, lab.client, host, opts.port), exitedEarly(child, 'microsocks', out)]);
  return { child, host, port: opts.port, stderr: out, stop: stopper(child) };
}

export function available(name: string): boolean {
  return existsSync(name) || which(name) !== undefined;
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

/** Escape a string for use inside a RegExp. */
export function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
