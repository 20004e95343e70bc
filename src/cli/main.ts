import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { Agent } from '../agent/agent';
import { ConfigError } from '../config/config-error';
import { DNS_SERVER_USAGE, parseDnsServer, type DnsServer } from '../config/dns-server';
import { addChainOptions, applyChainOptions } from './chain-options';
import { addTorOptions, normalizeTorArgs } from './tor-options';
import { applyTorIsolation, torConfig } from '../config/tor-config';
import type { TorIsolation } from '../config/config-types';
import { loadConfig } from './load-config';
import { assertShimBuilt, exitLike, preloadablePath, runProgram, shimPath } from './launcher';
import { gateProgram, type Gate, type SeccompMode } from './program-check';
import { StderrLogger, type Verbosity } from '../log/logger';
import { helpExamples } from './help-examples';
import { versionText } from './version-text';
import { escapeControl } from '../log/terminal-text';

/** Bad input (options, URLs, config files) exits 2, as the design brief asks. */
const EXIT_USAGE = 2;

function parseDnsServerOption(value: string): DnsServer {
  const server = parseDnsServer(value);
  if (!server) throw new InvalidArgumentError(`expected ${DNS_SERVER_USAGE}`);
  return server;
}

function parseSeccompMode(value: string): SeccompMode {
  if (value !== 'auto' && value !== 'never') throw new InvalidArgumentError('expected auto or never');
  return value;
}

export function buildProgram(): Command {
  const program = new Command()
    .name('sockswrap')
    .usage('[options] [--] <program> [args...]')
    .description("Run a program with all of its TCP and UDP traffic and name lookups forced through a proxy chain.")
    .option('-x, --proxy <url>', 'proxy URL, repeatable in chain order: socks5://, socks5h:// (names resolved by the proxy), socks4://, socks4a://, http://, https:// (TLS to the proxy, port 443) — [user:pass@]host[:port]', (url: string, all: string[]) => [...all, url], [] as string[])
    .option('--proxy-file <file>', 'read the proxy URLs from FILE, one a line in chain order, instead of -x: credentials stay out of the command line (or set $SOCKSWRAP_PROXY)')
    .option('-f, --config <file>', 'proxychains.conf to read (default: $SOCKSWRAP_CONF, $PROXYCHAINS_CONF_FILE, ./proxychains.conf, ~/.proxychains/proxychains.conf, /etc/proxychains4.conf, /etc/proxychains.conf)')
    .option('-q, --quiet', 'print nothing but fatal launcher errors')
    .option('-v, --verbose', 'print a line for every connection')
    .option('--dns-server <ip[:port]>', 'with remote DNS: where DNS types sockswrap does not answer itself (MX, TXT, SRV, ...) are asked, over TCP through the chain', parseDnsServerOption)
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
    .addHelpText('after', '  completion bash|zsh|fish     print a completion script for that shell')
    .addHelpText('after', helpExamples());
  return addTorOptions(addChainOptions(program));
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
  if (argv[0] === 'check') return runCheckCommand(argv);
  if (argv[0] === 'completion') return runCompletionCommand(argv);
  // Like `check`: a subcommand only as the first argument, loaded only when used.
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
  const opts = program.opts<{ proxy: string[]; proxyFile?: string; config?: string; quiet?: boolean; verbose?: boolean; chain?: string; chainLen?: number; allowUnhooked?: boolean; seccomp: SeccompMode; dnsServer?: DnsServer; tor?: string | true; isolate?: TorIsolation; torRealAddresses?: boolean }>();
  const [command, args] = program.processedArgs as [string, string[]];

  let config;
  try {
    let loaded;
    if (opts.tor !== undefined) {
      const others = [opts.proxy.length > 0 ? '-x' : '', opts.proxyFile !== undefined ? '--proxy-file' : '', opts.config !== undefined ? '-f' : ''].filter(Boolean);
      if (others.length > 0) throw new ConfigError(`--tor is the whole chain: give it without ${others.join(' and ')} (to use Tor as one hop of a chain, mark its [ProxyList] line with tor_proxy HOST:PORT)`);
      loaded = torConfig(opts.tor === true ? '' : opts.tor);
    } else {
      loaded = loadConfig({ proxyUrls: opts.proxy, configFile: opts.config, proxyFile: opts.proxyFile });
    }
    config = applyChainOptions(applyTorIsolation(loaded, opts.isolate, opts.isolate !== undefined), opts);
    if (opts.torRealAddresses) {
      if (!config.proxies.some((p) => p.tor && p.type === 'socks5')) throw new ConfigError('--tor-real-addresses needs a Tor hop that speaks socks5: use --tor, or mark the hop with tor_proxy HOST:PORT');
      config.torRealAddresses = true;
    }
    if (opts.dnsServer) config.dnsServer = opts.dnsServer;
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
  const exiting = runProgram(command, args ?? [], { ...agent.env, ...gate.env }, preload, gate.supervise);
  // Off the start-up path (see boundYoungGeneration): a program done within 50 ms never pays for it.
  setTimeout(boundYoungGeneration, 50).unref();
  const exit = await exiting;
  agent.close();
  exitLike(exit);
}
