import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from '../agent/agent';
import { ConfigError } from '../config/config-error';
import { addChainOptions, applyChainOptions } from './chain-options';
import { buildCheckCommand } from './check-command';
import { loadConfig } from './load-config';
import { assertShimBuilt, exitLike, runProgram, shimPath } from './launcher';
import { gateProgram } from './program-check';
import { StderrLogger, type Verbosity } from './logger';

/** Bad input (options, URLs, config files) exits 2, as the design brief asks. */
const EXIT_USAGE = 2;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function buildProgram(): Command {
  const program = new Command()
    .name('sockswrap')
    .usage('[options] [--] <program> [args...]')
    .description("Run a program with all of its TCP and UDP traffic and name lookups forced through a proxy chain.")
    .option('-x, --proxy <url>', 'proxy URL, repeatable in chain order: socks5://, socks5h:// (names resolved by the proxy), socks4://, socks4a://, http:// — [user:pass@]host[:port]', (url: string, all: string[]) => [...all, url], [] as string[])
    .option('-f, --config <file>', 'proxychains.conf to read (default: $SOCKSWRAP_CONF, $PROXYCHAINS_CONF_FILE, ./proxychains.conf, ~/.proxychains/proxychains.conf, /etc/proxychains4.conf, /etc/proxychains.conf)')
    .option('-q, --quiet', 'print nothing but fatal launcher errors')
    .option('-v, --verbose', 'print a line for every connection')
    .option('--allow-unhooked', 'run programs LD_PRELOAD cannot reach (static, Go, setuid, file capabilities) anyway, unproxied, with a warning')
    .version(version(), '--version')
    .argument('<program>', 'the program to run')
    .argument('[args...]', "the program's arguments")
    .passThroughOptions()
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .addHelpText('after', '\nCommands:\n  check [options] [host:port]  test the chain hop by hop (sockswrap check --help)');
  return addChainOptions(program);
}

/**
 * `check` is the subcommand only as the very first argument. Anywhere else (after options, or
 * after `--`) it is a program's name, as in v0, so `sockswrap -- check` still runs ./check-like
 * programs from $PATH.
 */
async function runCheckCommand(argv: string[]): Promise<void> {
  try {
    await buildCheckCommand().parseAsync(argv.slice(1), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : EXIT_USAGE);
    }
    throw err;
  }
  process.exit(process.exitCode ?? 0);
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'check') return runCheckCommand(argv);
  const program = buildProgram();
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : EXIT_USAGE);
    }
    throw err;
  }
  const opts = program.opts<{ proxy: string[]; config?: string; quiet?: boolean; verbose?: boolean; chain?: string; chainLen?: number; allowUnhooked?: boolean }>();
  const [command, args] = program.processedArgs as [string, string[]];

  let config;
  try {
    config = applyChainOptions(loadConfig({ proxyUrls: opts.proxy, configFile: opts.config }), opts);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sockswrap: ${err.toString()}\n`);
      process.exit(EXIT_USAGE);
    }
    throw err;
  }
  const verbosity: Verbosity = opts.verbose ? 'verbose' : opts.quiet || config.quiet ? 'quiet' : 'normal';
  const log = new StderrLogger(verbosity);

  const gateEnv = gateProgram(command, opts.allowUnhooked === true, shimPath());
  let agent: Agent;
  try {
    assertShimBuilt();
    agent = await Agent.start(config, log);
  } catch (err) {
    process.stderr.write(`sockswrap: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const exit = await runProgram(command, args ?? [], { ...agent.env, ...gateEnv });
  agent.close();
  exitLike(exit);
}
