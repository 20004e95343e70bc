/**
 * `sockswrap agent [config options]`: a persistent agent in the foreground (a systemd user unit),
 * the same process `sockswrap on` starts in the background; `sockswrap agent stop [--all]`.
 * docs/shell-mode.md.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { Agent } from '../agent/agent';
import { ConfigError } from '../config/config-error';
import type { SockswrapConfig } from '../config/config-types';
import { StderrLogger, type Verbosity } from '../log/logger';
import { escapeControl } from '../log/terminal-text';
import { addConfigOptions, configFromOptions, type ConfigCliOptions } from './config-options';
import { assertShimBuilt, preloadablePath, shimPath } from './launcher';
import { normalizeTorArgs } from './tor-options';
import {
  agentDir, agentEnv, agentKey, listAgentDirs, procStartTime, proxyLabel, readRecord, recordAlive, stateDir, writeRecord,
  type AgentRecord,
} from './agent-state';

export const EXIT_USAGE = 2;
/** Set by `on` for the background agent: its config arguments (JSON), kept out of argv (readable by all). */
export const AGENT_ARGV_ENV = 'SOCKSWRAP_AGENT_ARGV';
const DAEMON_ENV = 'SOCKSWRAP_AGENT_DAEMON';

export function usageError(prefix: string, message: string): never {
  process.stderr.write(`${prefix}: ${escapeControl(message)}\n`);
  process.exit(EXIT_USAGE);
}

/** A command of config options (on, agent, agent stop): commander's definition, also read by completion.ts. */
export function configCommand(name: string, extra?: (c: Command) => void): Command {
  const command = addConfigOptions(new Command().name(name).exitOverride().allowExcessArguments(false).configureOutput({ writeErr: (t) => process.stderr.write(t) }));
  extra?.(command);
  return command;
}

/** `sockswrap agent [options]`. */
export const buildAgentCommand = () => configCommand('sockswrap agent', (c) => c.usage('[options] | stop [--all]').description('a persistent agent in the foreground (systemd), or stop one')
  .addHelpText('after', '\n  sockswrap agent stop [--all]   stop the agent of this configuration (or every agent)'));
/** `sockswrap agent stop [options]`. */
export const buildAgentStopCommand = () => configCommand('sockswrap agent stop', (c) => c.description('stop the agent of this configuration, or every agent')
  .option('--all', 'stop every agent of this user').option('--this-shell', "stop the agent of this shell's $SOCKSWRAP_SOCK"));

/** Parses config options with commander; bad input exits 2 (the usual message first). */
export function parseConfigArgs(command: Command, argv: string[]): ConfigCliOptions & Record<string, unknown> {
  try {
    command.parse(normalizeTorArgs(command, argv), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.code === 'commander.helpDisplayed' ? 0 : EXIT_USAGE);
    throw err;
  }
  return command.opts();
}

/** The configuration, or exit 2 with the config error (file:line, what was expected). */
export function configOrExit(opts: ConfigCliOptions): SockswrapConfig {
  try {
    return configFromOptions(opts);
  } catch (err) {
    if (err instanceof ConfigError) usageError('sockswrap', err.toString());
    throw err;
  }
}

/** The live agent for this key, or undefined (a dead one's directory is removed). */
export function liveAgent(state: string, key: string): AgentRecord | undefined {
  const dir = agentDir(state, key);
  const r = readRecord(dir);
  if (r && recordAlive(r)) return r;
  if (r) rmSync(dir, { recursive: true, force: true });
  return undefined;
}

export async function runAgentCommand(argv: string[]): Promise<void> {
  if (argv[0] === 'stop') return stopCommand(argv.slice(1));
  const daemon = process.env[DAEMON_ENV] === '1';
  let args = argv;
  if (daemon) {
    args = JSON.parse(process.env[AGENT_ARGV_ENV] ?? '[]') as string[];
    delete process.env[AGENT_ARGV_ENV];
    delete process.env[DAEMON_ENV];
  }
  const opts = parseConfigArgs(buildAgentCommand(), args);
  const config = configOrExit(opts);
  const verbosity: Verbosity = opts.verbose ? 'verbose' : opts.quiet || config.quiet ? 'quiet' : 'normal';
  const log = new StderrLogger(verbosity);
  const say = (m: { ready?: AgentRecord; exists?: AgentRecord; error?: string }) => {
    if (daemon && process.send) process.send(m);
  };
  let record: AgentRecord;
  let agent: Agent | undefined;
  try {
    assertShimBuilt();
    const state = stateDir();
    const key = agentKey(config);
    const dir = agentDir(state, key);
    const running = liveAgent(state, key);
    if (running) {
      if (daemon) {
        say({ exists: running });
        process.exit(0);
      }
      process.stderr.write(`sockswrap agent: already running for this configuration (pid ${running.pid}, ${running.controlSocket}); stop it with: sockswrap agent stop\n`);
      process.exit(1);
    }
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      // Another start of the same configuration got there first and is still starting.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const other = await waitForRecord(dir, 5000);
      if (other) {
        say({ exists: other });
        if (daemon) process.exit(0);
        process.stderr.write(`sockswrap agent: already running for this configuration (pid ${other.pid})\n`);
        process.exit(1);
      }
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { mode: 0o700 });
    }
    chmodSync(dir, 0o700);
    agent = await Agent.start(config, log, { dir });
    const preload = preloadablePath(shimPath(), dir);
    const statusSocket = join(dir, 'status.sock');
    const startedAt = Date.now();
    record = {
      key,
      pid: process.pid,
      procStart: procStartTime(process.pid) ?? '',
      startedAt,
      chain: { type: config.chainType, proxies: config.proxies.map((p) => proxyLabel(p, config.proxyDns)) },
      remoteDns: config.proxyDns,
      foreground: !daemon,
      dir,
      controlSocket: agent.env.SOCKSWRAP_SOCK!,
      statusSocket,
      log: daemon ? join(state, `agent-${key}.log`) : undefined,
      env: { ...agent.env, SOCKSWRAP_SHELL: '1' },
      preload,
    };
    const live = agent;
    await listenStatus(statusSocket, () => ({ ...live.counts(), pid: process.pid, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }));
    writeRecord(record);
  } catch (err) {
    agent?.close();
    const message = err instanceof Error ? err.message : String(err);
    say({ error: message });
    process.stderr.write(`sockswrap agent: cannot start: ${escapeControl(message)}\n`);
    process.exit(1);
  }
  const stop = () => {
    agent!.close();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);
  // As a wrapped run does (main.ts): V8's young generation is kept near its start-up size, so
  // memory stays flat over days of connections.
  setTimeout(() => (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--semi-space-growth-factor=1'), 50).unref();
  for (const notice of config.notices ?? []) log.error(notice);
  for (const detail of config.details ?? []) log.info(detail);
  if (daemon) {
    say({ ready: record });
    process.disconnect?.();
  } else if (verbosity !== 'quiet') {
    process.stderr.write(`sockswrap agent: running (pid ${process.pid}) for ${record.chain.proxies.join(' -> ')}; control socket ${record.controlSocket}\n`);
  }
}

async function waitForRecord(dir: string, ms: number): Promise<AgentRecord | undefined> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const r = readRecord(dir);
    if (r && recordAlive(r)) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
  return undefined;
}

/** One JSON line of counts for every connection, then close. Owner-only like the control socket. */
function listenStatus(path: string, counts: () => object): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => s.end(`${JSON.stringify(counts())}\n`));
    server.once('error', reject);
    server.listen(path, () => {
      chmodSync(path, 0o600);
      server.unref();
      resolve();
    });
  });
}

/**
 * `on`'s background agent: `sockswrap agent` detached, its stderr to agent-KEY.log, the config
 * arguments in its environment. Resolves with the record once it listens (or the record of the
 * agent that beat it to it), rejects with the log's last lines if it exits first.
 */
export function startBackgroundAgent(args: string[], key: string): Promise<AgentRecord> {
  const state = stateDir();
  const log = join(state, `agent-${key}.log`);
  const fd = openSync(log, 'a', 0o600);
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'agent'], {
    detached: true,
    stdio: ['ignore', fd, fd, 'ipc'],
    env: agentEnv(process.env, { [AGENT_ARGV_ENV]: JSON.stringify(args), [DAEMON_ENV]: '1' }),
  });
  closeSync(fd);
  return new Promise((resolve, reject) => {
    let settled = false;
    // An agent that neither listens nor exits (it never got its arguments) must not hang the shell.
    const timer = setTimeout(() => {
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`the agent did not say it listens within 30 s (log: ${log})`));
    }, 30_000);
    child.once('message', (m: { ready?: AgentRecord; exists?: AgentRecord; error?: string }) => {
      settled = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      if (child.connected) child.disconnect();
      child.unref();
      if (m.ready ?? m.exists) resolve((m.ready ?? m.exists)!);
      else reject(new Error(m.error ?? 'the agent did not start'));
    });
    child.once('exit', (code, signal) => {
      if (settled) return;
      clearTimeout(timer);
      let tail = '';
      try {
        tail = readFileSync(log, 'utf8').split('\n').filter((l) => l.trim()).slice(-3).join('\n');
      } catch { /* none */ }
      reject(new Error(`the agent exited (${code ?? signal}) before it listened${tail ? `:\n${tail}` : ''}`));
    });
  });
}

/** SIGTERM, then wait (5 s) until the process is gone. */
async function stopAgent(r: AgentRecord): Promise<boolean> {
  if (!recordAlive(r)) {
    rmSync(r.dir, { recursive: true, force: true });
    return false;
  }
  process.kill(r.pid, 'SIGTERM');
  for (let i = 0; i < 100; i++) {
    if (!recordAlive(r)) return true;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`pid ${r.pid} did not stop within 5 s of SIGTERM`);
}

async function stopCommand(argv: string[]): Promise<void> {
  const opts = parseConfigArgs(buildAgentStopCommand(), argv);
  const state = stateDir();
  let targets: AgentRecord[] = [];
  const configGiven = opts.proxy.length > 0 || opts.proxyFile !== undefined || opts.config !== undefined || opts.tor !== undefined;
  if (opts.all) {
    if (configGiven) usageError('sockswrap agent stop', '--all stops every agent: give it without -x, --proxy-file, -f or --tor');
    for (const a of listAgentDirs(state)) {
      if (a.record) targets.push(a.record);
      else rmSync(a.dir, { recursive: true, force: true });
    }
  } else if (opts.thisShell || (!configGiven && process.env.SOCKSWRAP_SHELL === '1' && process.env.SOCKSWRAP_SOCK)) {
    const sock = process.env.SOCKSWRAP_SOCK;
    const found = listAgentDirs(state).find((a) => a.record?.controlSocket === sock);
    if (found?.record) targets = [found.record];
  } else {
    const key = agentKey(configOrExit(opts));
    const r = readRecord(agentDir(state, key));
    if (r) targets = [r];
  }
  let stopped = 0;
  try {
    for (const r of targets) {
      if (await stopAgent(r)) {
        stopped++;
        if (!opts.quiet) process.stderr.write(`sockswrap agent: stopped pid ${r.pid} (${r.chain.proxies.join(' -> ')})\n`);
      }
    }
  } catch (err) {
    process.stderr.write(`sockswrap agent stop: ${escapeControl(err instanceof Error ? err.message : String(err))}\n`);
    process.exit(1);
  }
  if (stopped === 0 && !opts.all) {
    process.stderr.write('sockswrap agent stop: no agent is running for this configuration (sockswrap status lists them)\n');
    process.exit(1);
  }
  process.exit(0);
}
