import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from '../agent/agent';
import { ConfigError } from '../config/config-error';
import { loadConfig } from './load-config';
import { assertShimBuilt, exitLike, runProgram } from './launcher';
import { StderrLogger, type Verbosity } from './logger';

/** Bad input (options, URLs, config files) exits 2, as the design brief asks. */
const EXIT_USAGE = 2;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function buildProgram(): Command {
  return new Command()
    .name('sockswrap')
    .usage('[options] [--] <program> [args...]')
    .description("Run a program with all of its TCP connections and name lookups forced through a proxy chain.")
    .option('-x, --proxy <url>', 'proxy URL, repeatable in chain order: socks5://[user:pass@]host:port, socks5h:// (names resolved by the proxy)', (url: string, all: string[]) => [...all, url], [] as string[])
    .option('-f, --config <file>', 'proxychains.conf to read (default: $SOCKSWRAP_CONF, $PROXYCHAINS_CONF_FILE, ./proxychains.conf, ~/.proxychains/proxychains.conf, /etc/proxychains4.conf, /etc/proxychains.conf)')
    .option('-q, --quiet', 'print nothing but fatal launcher errors')
    .option('-v, --verbose', 'print a line for every connection')
    .version(version(), '--version')
    .argument('<program>', 'the program to run')
    .argument('[args...]', "the program's arguments")
    .passThroughOptions()
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : EXIT_USAGE);
    }
    throw err;
  }
  const opts = program.opts<{ proxy: string[]; config?: string; quiet?: boolean; verbose?: boolean }>();
  const [command, args] = program.processedArgs as [string, string[]];

  let config;
  try {
    config = loadConfig({ proxyUrls: opts.proxy, configFile: opts.config });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sockswrap: ${err.toString()}\n`);
      process.exit(EXIT_USAGE);
    }
    throw err;
  }
  const verbosity: Verbosity = opts.verbose ? 'verbose' : opts.quiet || config.quiet ? 'quiet' : 'normal';
  const log = new StderrLogger(verbosity);

  let agent: Agent;
  try {
    assertShimBuilt();
    agent = await Agent.start(config, log);
  } catch (err) {
    process.stderr.write(`sockswrap: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const exit = await runProgram(command, args ?? [], agent.env);
  agent.close();
  exitLike(exit);
}
