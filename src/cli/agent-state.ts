/**
 * Where persistent agents live (shell mode, docs/shell-mode.md): one directory per configuration,
 * under a directory only this user can use:
 *   $XDG_RUNTIME_DIR/sockswrap/            (else /tmp/sockswrap.UID, 0700, ours alone)
 *     agent-KEY/                           0700, removed when the agent stops
 *       agent.sock                         the shim's control socket, 0600
 *       status.sock                        `sockswrap status` asks here, 0600
 *       agent.json                         this record, 0600: pid, chain, what a shell exports
 *     agent-KEY.log                        the background agent's stderr (kept after it stops)
 * KEY is a hash of the resolved configuration, so the same proxies, chain and options get the
 * same agent whichever file (or -x) they came from.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { ProxySpec, SockswrapConfig } from '../config/config-types';
import type { AgentCounts } from '../agent/agent';
import { leaveMarker } from './leave-marker';

export interface AgentRecord {
  key: string;
  pid: number;
  /** /proc/PID/stat's start time: a pid reused by another process is never taken for the agent. */
  procStart: string;
  startedAt: number;
  chain: { type: string; proxies: string[] };
  remoteDns: boolean;
  foreground: boolean;
  dir: string;
  controlSocket: string;
  statusSocket: string;
  log?: string;
  /** What a shell in shell mode exports: the shim's variables and its path. */
  env: Record<string, string>;
  preload: string;
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  const runtime = env.XDG_RUNTIME_DIR;
  const dir = runtime ? join(runtime, 'sockswrap') : join('/tmp', `sockswrap.${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  // In a shared /tmp someone else could have made it first: use it only if it is ours alone.
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new Error(`${dir} is not a directory owned by uid ${uid} with mode 0700; remove it or set XDG_RUNTIME_DIR`);
  }
  return dir;
}

export function agentDir(state: string, key: string): string {
  return join(state, `agent-${key}`);
}

/**
 * The configuration's identity: everything that changes what the agent does, nothing that only
 * says where it was read from (file name, line numbers, start-up notices). Tor credentials made
 * for stream isolation are random per start and left out; the isolation mode stays in.
 * SOCKSWRAP_DIAL / SOCKSWRAP_STANDING / SOCKSWRAP_ASYNC_DIAL change the agent too (diagnostics), so
 * they count (the last only when 0, so that the default's key stays what it was).
 */
export function agentKey(config: SockswrapConfig, env: NodeJS.ProcessEnv = process.env): string {
  const { source: _source, notices: _notices, details: _details, origin: _origin, proxies, ...rest } = config;
  const hops = proxies.map((p) => (p.isolation ? { ...p, username: undefined, password: undefined } : p));
  const canonical = canonicalJson({ ...rest, proxies: hops, dial: env.SOCKSWRAP_DIAL === '0', standing: env.SOCKSWRAP_STANDING !== '0', ...(env.SOCKSWRAP_TEMPLATES === '0' ? { templates: false } : {}), ...(env.SOCKSWRAP_ASYNC_DIAL === '0' ? { asyncDial: false } : {}) });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A hop as a URL without its password (status output, log lines). */
export function proxyLabel(p: ProxySpec, remoteDns: boolean): string {
  const scheme = p.type === 'socks5' && remoteDns ? 'socks5h' : p.type;
  const host = p.host.includes(':') ? `[${p.host}]` : p.host;
  const user = p.username !== undefined && !p.isolation ? `${encodeURIComponent(p.username)}@` : '';
  return `${scheme}://${user}${host}:${p.port}`;
}

/** This process's start time (field 22 of /proc/PID/stat), or undefined if there is no such pid. */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields counted after the command name, which may hold spaces and ')'. A zombie (killed,
    // its parent not reaping yet) is gone for us: its sockets are closed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export function recordAlive(r: AgentRecord): boolean {
  return procStartTime(r.pid) === r.procStart;
}

export function writeRecord(r: AgentRecord): void {
  const path = join(r.dir, 'agent.json');
  const tmp = `${path}.${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(r, null, 1)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function readRecord(dir: string): AgentRecord | undefined {
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== (process.getuid?.() ?? 0)) return undefined;
    const r = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as AgentRecord;
    return typeof r.pid === 'number' && typeof r.key === 'string' && r.env && typeof r.preload === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Every agent directory in the state directory: its record (undefined while starting or broken). */
export function listAgentDirs(state: string): { dir: string; key: string; record?: AgentRecord }[] {
  let names: string[];
  try {
    names = readdirSync(state);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^agent-[0-9a-f]{16}$/.test(n))
    .sort()
    .map((n) => ({ dir: join(state, n), key: n.slice(6), record: readRecord(join(state, n)) }));
}

/** The counts a running agent reports on its status socket; undefined when it does not answer within 2 s. */
export function askCounts(statusSocket: string): Promise<AgentCounts | undefined> {
  return new Promise((resolve) => {
    let data = '';
    const socket = net.connect(statusSocket);
    const done = (v: AgentCounts | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), 2000);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => { data += d; });
    socket.on('end', () => {
      try {
        done(JSON.parse(data) as AgentCounts);
      } catch {
        done(undefined);
      }
    });
    socket.on('error', () => done(undefined));
  });
}

/** Shim variables a shell in shell mode carries (shell-code.ts), which an agent must not inherit. */
export const SHELL_SAVED_VAR = 'SOCKSWRAP_SHELL_SAVED';
export const SHIM_VARS = ['SOCKSWRAP_SOCK', 'SOCKSWRAP_TOKEN', 'SOCKSWRAP_RELAY_PORT4', 'SOCKSWRAP_RELAY_PORT6', 'SOCKSWRAP_UDP_PORT4', 'SOCKSWRAP_UDP_PORT6', 'SOCKSWRAP_REMOTE_DNS', 'SOCKSWRAP_SHELL'];

/**
 * The environment of an agent started from a shell: without the shim. A shell in shell mode (its
 * agent perhaps dead: `on` is how it is repaired) would otherwise preload it into the new agent,
 * whose own connections to the proxies would then be refused or proxied twice.
 */
export function agentEnv(env: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const k of [...SHIM_VARS, SHELL_SAVED_VAR]) delete out[k];
  const kept = (env.LD_PRELOAD ?? '').split(/[:\s]+/).filter((p) => p !== '' && !/(^|\/)libsockswrap[^/]*\.so$/.test(p));
  if (kept.length > 0) out.LD_PRELOAD = kept.join(':');
  else delete out.LD_PRELOAD;
  // The shim's exec hook (in this process when a shell in shell mode ran us) would put the
  // session's variables and the shim back; the marker says this environment leaves the session
  // (leave-marker.ts). SOCKSWRAP_SOCK empty: "no agent", for a shim in this process that has no
  // session of its own (it then leaves an environment naming an agent as it is).
  return { ...out, SOCKSWRAP_SOCK: '', ...leaveMarker(env), ...extra };
}
