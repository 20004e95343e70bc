import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { Agent } from '../agent/agent';
import { ConfigError } from '../config/config-error';
import { normalizeTorArgs } from './tor-options';
import { addConfigOptions, configFromOptions, type ConfigCliOptions } from './config-options';
import { assertShimBuilt, exitLike, holdIgnoredSignals, preloadablePath, runProgram, shimPath } from './launcher';
import { gateProgram, type Gate, type SeccompMode } from './program-check';
import { StderrLogger, type Verbosity } from '../log/logger';
import { helpExamples } from './help-examples';
import { versionText } from './version-text';
import { escapeControl } from '../log/terminal-text';
import { restoreExtraCaCerts } from '../client/extra-ca-certs';

/** Bad input (options, URLs, config files) exits 2, as the design brief asks. */
const EXIT_USAGE = 2;

function parseSeccompMode(value: string): SeccompMode {
  if (value !== 'auto' && value !== 'never') throw new InvalidArgumentError('expected auto or never');
  return value;
}

export function buildProgram(): Command {
  const program = new Command()
    .name('sockswrap')
    .usage('[options] [--] <program> [args...]')
    .description("Run a program with all of its TCP and UDP traffic and name lookups forced through a proxy chain.");
  addConfigOptions(program)
    .option('--allow-unhooked', 'run programs LD_PRELOAD cannot reach (static, Go, setuid, file capabilities) anyway, unproxied, with a warning')
    .option('--seccomp <when>', "programs LD_PRELOAD cannot reach (static, Go): auto runs them under the seccomp supervisor, never refuses them as before", parseSeccompMode, 'auto')
    .option('--version', "print sockswrap's version and its shim's build identity")
    .on('option:version', () => {
      const { text, ok } = versionText();
      process.stdout.write(text);
      process.exit(ok ? 0 : 1);
    })
    .argument('<program>', 'the program to run')
    .argument('[args...]', "the program's arguments")
    .passThroughOptions()
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .addHelpText('after', '\nCommands:\n  check [options] [host:port]  test the chain hop by hop (sockswrap check --help)')
    .addHelpText('after', '  serve [options]              run a SOCKS5/SOCKS4 proxy here, on 127.0.0.1:1080 (sockswrap serve --help)')
    .addHelpText('after', '  on [options] / off           shell mode: eval "$(sockswrap on -x URL)" proxies every program the shell starts')
    .addHelpText('after', '  status [--json]              the running agents (shell mode)')
    .addHelpText('after', '  agent [options] | stop       a persistent agent in the foreground (systemd), or stop one')
    .addHelpText('after', '  completion bash|zsh|fish     print a completion script for that shell')
    .addHelpText('after', helpExamples());
  return program;
}

/**
 * `check` is the subcommand only as the very first argument. Anywhere else (after options, or
 * after `--`) it is a program's name, as in v0, so `sockswrap -- check` still runs ./check-like
 * programs from $PATH.
 */
async function runCheckCommand(argv: string[]): Promise<void> {
  // Loaded only here: every wrapped run would otherwise pay for compiling it (docs/benchmarks.md, case 1).
  const { buildCheckCommand } = require('./check-command') as typeof import('./check-command');
  try {
    const check = buildCheckCommand();
    await check.parseAsync(normalizeTorArgs(check, argv.slice(1)), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : EXIT_USAGE);
    }
    throw err;
  }
  process.exit(process.exitCode ?? 0);
}

/**
 * Keeps V8's young generation near its start-up size instead of letting it grow to 2 × 16 MiB
 * semi-spaces under a steady stream of connections: that growth, not anything kept per
 * connection, is what made the launcher's RSS climb from ~64 to ~91 MiB over 10,000 connections
 * (docs/benchmarks.md, case 6). The flag is read each time the new space would grow, so it works
 * set at run time (no re-exec with --max-semi-space-size). It is set only after start-up, because
 * changing any V8 flag changes V8's flag hash and Node then rejects the code cache of every
 * built-in module compiled afterwards: set first thing, it cost ~9 ms of CPU per run. 50 ms into
 * a run the new space has barely grown, and from then on it keeps the size it has.
 */
function boundYoungGeneration(): void {
  (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--semi-space-growth-factor=1');
}

/** `completion` is, like `check`, the subcommand only as the very first argument. */
function runCompletionCommand(argv: string[]): void {
  const { completionModel, runCompletion } = require('./completion') as typeof import('./completion');
  const { buildCheckCommand } = require('./check-command') as typeof import('./check-command');
  const { buildServeCommand } = require('../serve/serve-command') as typeof import('../serve/serve-command');
  process.exit(runCompletion(argv.slice(1), () => completionModel(buildProgram(), buildCheckCommand(), buildServeCommand())));
}

export async function main(argv: string[]): Promise<void> {
  // Node opens its inspector on 127.0.0.1:9229 at a SIGUSR1 unless a listener takes the signal:
  // any local user could then run code in this process (the proxies' passwords are in it). The
  // launcher passes SIGUSR1 on to the program; every other mode ignores it.
  process.on('SIGUSR1', () => {});
  holdIgnoredSignals();
  // Before anything reads the environment or starts a child (extra-ca-certs.ts).
  restoreExtraCaCerts();
  if (argv[0] === 'check') return runCheckCommand(argv);
  if (argv[0] === 'completion') return runCompletionCommand(argv);
  // Like `check`: a subcommand only as the first argument, loaded only when used.
  // Shell mode (docs/shell-mode.md): on, off, status, agent; each loaded only when used.
  if (argv[0] === 'on' || argv[0] === 'off' || argv[0] === 'status') {
    const shell = require('./shell-commands') as typeof import('./shell-commands');
    return argv[0] === 'on' ? shell.runOn(argv.slice(1)) : argv[0] === 'off' ? shell.runOff(argv.slice(1)) : shell.runStatus(argv.slice(1));
  }
  if (argv[0] === 'agent') return (require('./agent-command') as typeof import('./agent-command')).runAgentCommand(argv.slice(1));
  if (argv[0] === 'serve') return (require('../serve/serve-command') as typeof import('../serve/serve-command')).runServe(argv.slice(1));
  const program = buildProgram();
  try {
    program.parse(normalizeTorArgs(program, argv), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : EXIT_USAGE);
    }
    throw err;
  }
  const opts = program.opts<ConfigCliOptions & { allowUnhooked?: boolean; seccomp: SeccompMode }>();
  const [command, args] = program.processedArgs as [string, string[]];

  let config;
  try {
    config = configFromOptions(opts);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sockswrap: ${escapeControl(err.toString())}\n`);
      process.exit(EXIT_USAGE);
    }
    throw err;
  }
  const verbosity: Verbosity = opts.verbose ? 'verbose' : opts.quiet || config.quiet ? 'quiet' : 'normal';
  const log = new StderrLogger(verbosity);
  // Once per run, from the launcher only: remote DNS off, a doubtful URL (docs/fake-dns.md).
  for (const notice of config.notices ?? []) log.error(notice);
  for (const detail of config.details ?? []) log.info(detail);

  let gate: Gate = { env: {} };
  let agent: Agent | undefined;
  let preload: string;
  try {
    assertShimBuilt();
    // After the shim is known to be there: the program checker is built and packed next to it.
    gate = gateProgram(command, opts.allowUnhooked === true, shimPath(), opts.seccomp);
    agent = await Agent.start(config, log);
    preload = preloadablePath(shimPath(), agent.dir);
  } catch (err) {
    agent?.close();
    process.stderr.write(`sockswrap: cannot start: ${escapeControl(err instanceof Error ? err.message : String(err))}\n`);
    process.exit(1);
  }
  const exiting = runProgram(command, args ?? [], { ...agent.env, ...gate.env }, preload, gate.supervise, gate.resolved);
  for (const dir of agent.tidy()) log.info(`removed ${dir}, left behind by a run that was killed`);
  // Off the start-up path (see boundYoungGeneration): a program done within 50 ms never pays for it.
  setTimeout(boundYoungGeneration, 50).unref();
  const exit = await exiting;
  agent.close();
  exitLike(exit);
}
