/**
 * `sockswrap on [config options] [--shell NAME]`, `sockswrap off [--shell NAME]`,
 * `sockswrap status [--json]`: shell mode (docs/shell-mode.md).
 */
import { Command, CommanderError, Option } from 'commander';
import { escapeControl } from '../log/terminal-text';
import { EXIT_USAGE, configCommand, configOrExit, liveAgent, parseConfigArgs, startBackgroundAgent, usageError } from './agent-command';
import { agentKey, askCounts, listAgentDirs, recordAlive, stateDir, type AgentRecord } from './agent-state';
import { SHELL_NAMES, detectShell, offCode, onCode, type ShellKind } from './shell-code';
import { shellTrampolines, type Trampolines } from './shell-trampolines';
import { shimPath } from './launcher';

/** Takes `--shell NAME` / `--shell=NAME` out of argv (the rest are config options for the agent too). */
function takeShell(argv: string[], command: string): { kind: ShellKind; rest: string[] } {
  const rest: string[] = [];
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--shell') {
      name = argv[++i];
      if (name === undefined) usageError(`sockswrap ${command}`, '--shell needs a value: bash, zsh, dash, sh or fish');
    } else if (a.startsWith('--shell=')) name = a.slice(8);
    else rest.push(a);
  }
  if (name === undefined) return { kind: detectShell(), rest };
  const kind = SHELL_NAMES[name];
  if (kind === undefined) usageError(`sockswrap ${command}`, `--shell ${name}: expected bash, zsh, dash, sh, ksh or fish`);
  return { kind, rest };
}

/** --shell NAME, as commander would define it (takeShell parses it; help and completion read this). */
const shellOption = () => new Option('--shell <name>', 'the shell to print code for: bash, zsh, dash, sh, ksh, fish (default: the calling shell, else $SHELL)')
  .choices(['bash', 'zsh', 'dash', 'sh', 'ksh', 'fish']);

/** The commander definitions of on, off and status (completion.ts reads them too). */
export const buildOnCommand = () => configCommand('sockswrap on', (c) =>
  c.usage('[options]   (eval "$(sockswrap on -x socks5h://HOST:PORT)"; fish: sockswrap on ... | source)')
    .description('shell mode: print shell code that proxies every program the shell starts').addOption(shellOption()));
export const buildOffCommand = () => new Command().name('sockswrap off').description('end shell mode: print shell code that undoes on').addOption(shellOption());
export const buildStatusCommand = () => new Command().name('sockswrap status').description('the running agents (shell mode)').allowExcessArguments(false)
  .option('--json', 'print one JSON object (fields in docs/shell-mode.md)');

export async function runOn(argv: string[]): Promise<void> {
  const { kind, rest } = takeShell(argv, 'on');
  const opts = parseConfigArgs(buildOnCommand(), rest);
  const config = configOrExit(opts);
  const key = agentKey(config);
  let record: AgentRecord | undefined;
  let how = 'reusing';
  try {
    record = liveAgent(stateDir(), key);
    if (!record) {
      record = await startBackgroundAgent(rest, key);
      how = 'started';
    }
  } catch (err) {
    process.stderr.write(`sockswrap on: cannot start the agent: ${escapeControl(err instanceof Error ? err.message : String(err))}\n`);
    process.exit(1);
  }
  // Static and Go programs the shell would find on PATH: trampolines to the supervisor
  // (shell-trampolines.ts). Said even with -q when it cannot be done: those would go direct.
  let carried: Trampolines = { programs: {} };
  try {
    carried = shellTrampolines(stateDir(), process.env.PATH, shimPath());
  } catch (err) {
    process.stderr.write(`sockswrap on: warning: static and Go programs on PATH will NOT be proxied: ${escapeControl(err instanceof Error ? err.message : String(err))}\n`);
  }
  process.stdout.write(onCode(kind, record.preload, record.env, carried.dir));
  if (!opts.quiet && !config.quiet) {
    const statics = Object.keys(carried.programs).length;
    process.stderr.write(`sockswrap: shell mode on, through ${record.chain.proxies.join(' -> ')} (${how} agent pid ${record.pid}); ${statics > 0 ? `${statics} static or Go program${statics === 1 ? '' : 's'} on PATH run under the supervisor; ` : ''}\`sockswrap off\` ends it\n`);
  }
  process.exit(0);
}

export function runOff(argv: string[]): void {
  const { kind, rest } = takeShell(argv, 'off');
  if (rest.length > 0) usageError('sockswrap off', `unexpected argument ${rest[0]} (off takes only --shell NAME)`);
  process.stdout.write(offCode(kind));
  process.exit(0);
}

/** The documented `status --json` object (docs/shell-mode.md). */
export interface StatusJson {
  agents: {
    key: string;
    pid: number;
    running: boolean;
    foreground: boolean;
    startedAt: string;
    uptimeSeconds: number;
    chain: { type: string; proxies: string[] };
    remoteDns: boolean;
    controlSocket: string;
    log: string | null;
    counts: { programs: number; programsNow: number; connectsProxied: number; connectsDirect: number; udpRoutes: number; lookups: number } | null;
  }[];
}

export async function runStatus(argv: string[]): Promise<void> {
  const command = buildStatusCommand().exitOverride().configureOutput({ writeErr: (t) => process.stderr.write(t) });
  try {
    command.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.code === 'commander.helpDisplayed' ? 0 : EXIT_USAGE);
    throw err;
  }
  const json = command.opts<{ json?: boolean }>().json === true;
  const records = listAgentDirs(stateDir()).flatMap((a) => (a.record ? [a.record] : []));
  const now = Date.now();
  const agents: StatusJson['agents'] = [];
  for (const r of records) {
    const running = recordAlive(r);
    const counts = running ? await askCounts(r.statusSocket) : undefined;
    agents.push({
      key: r.key,
      pid: r.pid,
      running,
      foreground: r.foreground,
      startedAt: new Date(r.startedAt).toISOString(),
      uptimeSeconds: running ? Math.round((now - r.startedAt) / 1000) : 0,
      chain: r.chain,
      remoteDns: r.remoteDns,
      controlSocket: r.controlSocket,
      log: r.log ?? null,
      counts: counts
        ? { programs: counts.programs, programsNow: counts.programsNow, connectsProxied: counts.connectsProxied, connectsDirect: counts.connectsDirect, udpRoutes: counts.udpRoutes, lookups: counts.lookups }
        : null,
    });
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ agents } satisfies StatusJson, null, 2)}\n`);
    process.exit(0);
  }
  if (agents.length === 0) {
    process.stdout.write('no agent running (start one with: eval "$(sockswrap on -x socks5h://HOST:PORT)")\n');
    process.exit(0);
  }
  const mine = process.env.SOCKSWRAP_SOCK;
  for (const a of agents) {
    const state = a.running ? `pid ${a.pid}, up ${uptime(a.uptimeSeconds)}` : `GONE (pid ${a.pid} is not running; \`sockswrap on\` restarts it)`;
    process.stdout.write(`${a.controlSocket === mine ? '* ' : '  '}${a.chain.proxies.join(' -> ')} (${a.chain.type}${a.remoteDns ? ', remote DNS' : ''}): ${state}${a.foreground ? ', foreground' : ''}\n`);
    process.stdout.write(`    control socket ${a.controlSocket}${a.log ? `, log ${a.log}` : ''}\n`);
    if (a.counts) {
      const c = a.counts;
      process.stdout.write(`    programs ${c.programs} (${c.programsNow} now), connections ${c.connectsProxied} proxied and ${c.connectsDirect} direct, UDP ${c.udpRoutes}, lookups ${c.lookups}\n`);
    }
  }
  process.exit(0);
}

function uptime(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}
