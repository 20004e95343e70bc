// A lab of two network namespaces for end-to-end tests.
//
//   client ns  (sockswrap and the wrapped program run here)
//     veth0: 198.18.N.2/24, 2001:db8:N::2/64        no default route, no other address
//     /etc/netns/<client>/resolv.conf -> 198.18.N.53 (exists nowhere); hosts: localhost only
//   proxy ns   (danted, microsocks and the target servers run here)
//     veth1: 198.18.N.1/24, 2001:db8:N::1/64
//     lo:    198.19.N.1/32, 2001:db8:ff:N::1/128     "the targets": the client has no route to them
//     /etc/netns/<proxy>/hosts: target.test -> 198.19.N.1, target6.test -> 2001:db8:ff:N::1
//
// So a target can only be reached through a proxy, and its name only resolved by the proxy.
//
// Each lab takes a number N (1..250) by creating /run/sockswrap-e2e/<N> atomically; the directory
// records the owner pid, so labs left behind by a dead test process are removed by the next one.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REGISTRY = '/run/sockswrap-e2e';
const NS_RE = /^sw[cp]-(\d+)-(\d+)$/;

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Environment variables that would make a program pick a proxy or a preload by itself. */
const SCRUB = [
  'http_proxy', 'https_proxy', 'ftp_proxy', 'all_proxy', 'no_proxy', 'socks_proxy',
  'HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'ALL_PROXY', 'NO_PROXY', 'SOCKS_PROXY',
  'LD_PRELOAD', 'SOCKSWRAP_CONF', 'SOCKSWRAP_PROXY', 'PROXYCHAINS_CONF_FILE', 'PROXYCHAINS_QUIET_MODE', 'PROXYCHAINS_SOCKS5',
  'NODE_OPTIONS', 'NODE_TEST_CONTEXT',
];

export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of SCRUB) delete env[k];
  return { ...env, ...extra };
}

/** Run argv (as given; no shell) and collect its result. Never rejects. */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: opts.env ?? cleanEnv(),
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.stdin!.on('error', () => { /* program may not read its input */ });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ status: null, signal: null, stdout: Buffer.alloc(0), stderr: String(e), timedOut });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({
        status, signal, timedOut,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Run argv inside network namespace ns (`ip netns exec` execs, so status and signal are argv's). */
export function runIn(ns: string, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(['ip', 'netns', 'exec', ns, ...argv], opts);
}

/** Start argv in ns and leave it running; the returned child's pid is argv's own pid. */
export function spawnIn(ns: string, argv: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, ...argv], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

function sh(argv: string[], check = true): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  if (check && r.status !== 0) {
    throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.error}`);
  }
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Batched `ip` commands (one process for the whole setup). */
function ipBatch(global: string[], lines: string[]): void {
  const r = spawnSync('ip', [...global, '-batch', '-'], { input: lines.join('\n') + '\n', encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr}\n${lines.join('\n')}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILL every process inside ns (only processes our own tests started live there). */
function killNsProcesses(ns: string): void {
  const r = sh(['ip', 'netns', 'pids', ns], false);
  for (const line of r.stdout.split('\n')) {
    const pid = Number(line.trim());
    if (pid > 0 && pid !== process.pid) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
    }
  }
}

function deleteNs(ns: string): void {
  killNsProcesses(ns);
  sh(['ip', 'netns', 'del', ns], false);
  rmSync(join('/etc/netns', ns), { recursive: true, force: true });
}

/** Remove labs whose owning test process is gone. */
export function cleanStaleLabs(): void {
  const listed = sh(['ip', 'netns', 'list'], false).stdout;
  for (const line of listed.split('\n')) {
    const name = line.split(/\s/)[0];
    const m = NS_RE.exec(name ?? '');
    if (m && !alive(Number(m[1]))) deleteNs(name);
  }
  let entries: string[] = [];
  try { entries = readdirSync('/etc/netns'); } catch { /* none */ }
  for (const name of entries) {
    const m = NS_RE.exec(name);
    if (m && !alive(Number(m[1]))) rmSync(join('/etc/netns', name), { recursive: true, force: true });
  }
  try { entries = readdirSync(REGISTRY); } catch { entries = []; }
  for (const n of entries) {
    let owner = 0;
    try { owner = Number(readFileSync(join(REGISTRY, n, 'pid'), 'utf8')); } catch { /* half made */ }
    if (!owner || !alive(owner)) rmSync(join(REGISTRY, n), { recursive: true, force: true });
  }
}

function claimNumber(): number {
  mkdirSync(REGISTRY, { recursive: true });
  // Start from a pid-derived slot so parallel files rarely contend; mkdir is the lock.
  const start = process.pid % 250;
  for (let i = 0; i < 250; i++) {
    const n = ((start + i) % 250) + 1;
    try {
      mkdirSync(join(REGISTRY, String(n)));
    } catch {
      continue;
    }
    writeFileSync(join(REGISTRY, String(n), 'pid'), String(process.pid));
    return n;
  }
  throw new Error('no free lab number in 1..250');
}

let counter = 0;
const liveLabs = new Set<Lab>();

export class Lab {
  readonly n: number;
  readonly client: string;
  readonly proxy: string;
  readonly clientIp4: string;
  readonly clientIp6: string;
  readonly proxyIp4: string;
  readonly proxyIp6: string;
  /** Target addresses, on the proxy ns's lo; unreachable from the client ns. */
  readonly targetIp4: string;
  readonly targetIp6: string;
  /** An address the client ns does not resolve and cannot reach (used as a DNS server there). */
  readonly nowhereDns: string;
  /** Scratch directory for configs and logs, removed with the lab. */
  readonly dir: string;
  private destroyed = false;
  private children = new Set<ChildProcess>();

  constructor(n: number) {
    this.n = n;
    const k = ++counter;
    this.client = `swc-${process.pid}-${k}`;
    this.proxy = `swp-${process.pid}-${k}`;
    this.clientIp4 = `198.18.${n}.2`;
    this.proxyIp4 = `198.18.${n}.1`;
    this.clientIp6 = `2001:db8:${n}::2`;
    this.proxyIp6 = `2001:db8:${n}::1`;
    this.targetIp4 = `198.19.${n}.1`;
    this.targetIp6 = `2001:db8:ff:${n}::1`;
    this.nowhereDns = `198.18.${n}.53`;
    this.dir = mkdtempSync(join(tmpdir(), `sockswrap-e2e-${n}-`));
    writeFileSync(join(REGISTRY, String(n), 'dir'), this.dir);
  }

  setUp(): void {
    const { client, proxy, n } = this;
    // Name files first: `ip netns exec` bind-mounts /etc/netns/NAME/* over /etc/*.
    mkdirSync(join('/etc/netns', client), { recursive: true });
    mkdirSync(join('/etc/netns', proxy), { recursive: true });
    writeFileSync(join('/etc/netns', client, 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
    writeFileSync(join('/etc/netns', client, 'resolv.conf'), `nameserver ${this.nowhereDns}\noptions timeout:1 attempts:1\n`);
    writeFileSync(
      join('/etc/netns', proxy, 'hosts'),
      '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' +
        `${this.targetIp4}\ttarget.test\n${this.targetIp6}\ttarget6.test\n`,
    );
    writeFileSync(join('/etc/netns', proxy, 'resolv.conf'), `nameserver ${this.nowhereDns}\noptions timeout:1 attempts:1\n`);
    ipBatch([], [`netns add ${client}`, `netns add ${proxy}`]);
    ipBatch(['-n', client], [
      'link set lo up',
      `link add veth0 type veth peer name veth1 netns ${proxy}`,
      `addr add ${this.clientIp4}/24 dev veth0`,
      `addr add ${this.clientIp6}/64 dev veth0 nodad`,
      'link set veth0 up',
    ]);
    ipBatch(['-n', proxy], [
      'link set lo up',
      `addr add ${this.proxyIp4}/24 dev veth1`,
      `addr add ${this.proxyIp6}/64 dev veth1 nodad`,
      `addr add ${this.targetIp4}/32 dev lo`,
      `addr add ${this.targetIp6}/128 dev lo`,
      'link set veth1 up',
    ]);
    // The proxy ns does not forward, so even a route in the client could not reach a target.
    sh(['ip', 'netns', 'exec', proxy, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=0', 'net.ipv6.conf.all.forwarding=0']);
    void n;
  }

  /** Start a long-running process in ns; it is killed when the lab is destroyed. */
  spawn(ns: string, argv: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawnIn(ns, argv, opts);
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  run(ns: string, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    return runIn(ns, argv, { cwd: this.dir, ...opts });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    liveLabs.delete(this);
    for (const c of this.children) {
      try { c.kill('SIGKILL'); } catch { /* gone */ }
    }
    deleteNs(this.client);
    deleteNs(this.proxy);
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(join(REGISTRY, String(this.n)), { recursive: true, force: true });
  }
}

/** Create a lab (cleaning up stale ones first). Call lab.destroy() in `after`. */
export function createLab(): Lab {
  cleanStaleLabs();
  const n = claimNumber();
  let lab: Lab | undefined;
  try {
    lab = new Lab(n);
    liveLabs.add(lab);
    lab.setUp();
    return lab;
  } catch (e) {
    if (lab) lab.destroy();
    else rmSync(join(REGISTRY, String(n)), { recursive: true, force: true });
    throw e;
  }
}

// Last resort when `after` did not run (uncaught error, process.exit, a signal): tear down
// synchronously. A SIGKILLed test process leaves its lab to cleanStaleLabs() of the next run.
function destroyAll(): void {
  for (const lab of [...liveLabs]) {
    try { lab.destroy(); } catch { /* best effort */ }
  }
}
process.on('exit', destroyAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    destroyAll();
    process.kill(process.pid, sig);
  });
}
