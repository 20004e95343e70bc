/**
 * `sockswrap serve`: a SOCKS5 (CONNECT, UDP ASSOCIATE, BIND; RFC 1929 login) and SOCKS4/4a
 * (CONNECT) server built on the server side of src/protocol's codecs, so a new user has a proxy to
 * try sockswrap with. Loopback only unless --auth or --allow-open (docs/serve.md).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { StderrLogger, type Verbosity } from '../log/logger';
import { escapeControl } from '../log/terminal-text';
import { formatTarget } from '../protocol/target-address';
import { socketAddress } from './bound-address';
import { DAEMON_ENV, runningDaemon, startDaemon, stopDaemon, writePidFile } from './serve-daemon';
import { ServeUsageError, serveConfig, type ServeFlags } from './serve-options';
import { SocksServer } from './socks-server';

const EXIT_USAGE = 2;

interface ServeOpts extends ServeFlags {
  verbose?: boolean;
  quiet?: boolean;
  daemon?: boolean;
  stop?: boolean;
  authFile?: string;
}

/** The login travels to a daemon in its environment (owner-only /proc/PID/environ), never in argv. */
const AUTH_ENV = 'SOCKSWRAP_SERVE_AUTH';

export function buildServeCommand(): Command {
  return new Command('sockswrap serve')
    .description('run a SOCKS5 and SOCKS4/4a proxy server here (loopback only unless --auth or --allow-open)')
    .usage('[options]')
    .option('--listen <host:port>', 'address to listen on: HOST:PORT, [IPV6]:PORT or :PORT (default 127.0.0.1:1080)')
    .option('--auth <user:pass>', 'require this RFC 1929 username and password (SOCKS4, which has none, is then refused); visible in ps: prefer --auth-file')
    .option('--auth-file <file>', 'read USER:PASS for --auth from the first line of FILE (or set $SOCKSWRAP_SERVE_AUTH), so the password is not in the command line')
    .option('--allow-open', 'allow a non-loopback --listen address without --auth (an open proxy: anyone who can reach it can use it)')
    .option('--udp', 'serve UDP ASSOCIATE (RFC 1928 §7; fragments are dropped)')
    .option('--bind', 'serve BIND (one inbound connection per request)')
    .option('-v, --verbose', 'print a line for every connection')
    .option('-q, --quiet', 'print nothing but fatal errors')
    .option('--daemon', 'run in the background; the pid file and log are in $XDG_RUNTIME_DIR/sockswrap-serve (stop it with --stop)')
    .option('--stop', 'stop the daemon listening on --listen (default 127.0.0.1:1080)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .addHelpText('after', '\nExamples:\n  sockswrap serve -v\n      a proxy on 127.0.0.1:1080, a line per connection\n' +
      '  sockswrap serve --daemon && sockswrap -x socks5h://127.0.0.1:1080 -- curl -sI https://example.com\n      in the background, then used\n' +
      '  sockswrap serve --stop\n      stop that daemon\n');
}

function usage(message: string): never {
  process.stderr.write(`sockswrap serve: ${escapeControl(message)}\n`);
  process.exit(EXIT_USAGE);
}

/** Daemon args: the same options, minus --daemon (the child is the server itself) and the login (see AUTH_ENV). */
function childArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--daemon') continue;
    if (a === '--auth' || a === '--auth-file') { i++; continue; }
    if (a.startsWith('--auth=') || a.startsWith('--auth-file=')) continue;
    out.push(a);
  }
  return out;
}

/** --auth, else the first line of --auth-file, else $SOCKSWRAP_SERVE_AUTH. */
function loginOf(opts: ServeOpts): string | undefined {
  if (opts.auth !== undefined && opts.authFile !== undefined) usage('--auth and --auth-file cannot be used together');
  if (opts.auth !== undefined) return opts.auth;
  if (opts.authFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.authFile, 'utf8');
    } catch (err) {
      usage(`--auth-file ${opts.authFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    return text.split(/\r?\n/)[0] ?? '';
  }
  const fromEnv = process.env[AUTH_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
}

export async function runServe(argv: string[]): Promise<void> {
  const command = buildServeCommand();
  try {
    command.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.code === 'commander.helpDisplayed' ? 0 : EXIT_USAGE);
    throw err;
  }
  if (command.args.length) usage(`unexpected argument "${command.args[0]}" (serve takes only options)`);
  const opts = command.opts<ServeOpts>();
  if (opts.daemon && opts.stop) usage('--daemon and --stop cannot be used together');
  opts.auth = loginOf(opts);
  let config;
  try {
    // --stop only finds a daemon by its address: the rules for listening do not apply.
    config = opts.stop ? { ...serveConfig({ listen: opts.listen, allowOpen: true }), warning: undefined } : serveConfig(opts);
  } catch (err) {
    if (err instanceof ServeUsageError) usage(err.message);
    throw err;
  }
  const where = formatTarget(socketAddress(config.host, config.port));

  if (opts.stop) {
    const pid = await stopDaemon(config.host, config.port);
    if (pid === undefined) {
      process.stderr.write(`sockswrap serve: no daemon is running for ${where}\n`);
      process.exit(1);
    }
    if (!opts.quiet) process.stderr.write(`sockswrap serve: stopped the daemon on ${where} (pid ${pid})\n`);
    process.exit(0);
  }

  if (opts.daemon) {
    if (config.port === 0) usage('--daemon needs a fixed port (--stop finds the daemon by its address)');
    const running = runningDaemon(config.host, config.port);
    if (running !== undefined) {
      // Running the README's first command twice must not fail the second time.
      if (!opts.quiet) process.stderr.write(`sockswrap serve: already running on ${where} (pid ${running}); stop it with: sockswrap serve --stop${config.host === '127.0.0.1' && config.port === 1080 ? '' : ` --listen ${where}`}\n`);
      process.exit(0);
    }
    try {
      const d = await startDaemon(childArgs(argv), config.host, config.port, opts.auth !== undefined ? { [AUTH_ENV]: opts.auth } : {});
      if (!opts.quiet) {
        process.stderr.write(
          `sockswrap serve: listening on ${d.listening} in the background (pid ${d.pid}, log ${d.log}); ` +
            `stop it with: sockswrap serve --stop${config.host === '127.0.0.1' && config.port === 1080 ? '' : ` --listen ${where}`}\n`,
        );
      }
      process.exit(0);
    } catch (err) {
      process.stderr.write(`sockswrap serve: ${escapeControl(err instanceof Error ? err.message : String(err))}\n`);
      process.exit(1);
    }
  }

  const verbosity: Verbosity = opts.verbose ? 'verbose' : opts.quiet ? 'quiet' : 'normal';
  const log = new StderrLogger(verbosity);
  if (config.warning) log.error(`serve: warning: ${config.warning}`);
  let server: SocksServer;
  try {
    server = await SocksServer.listen(config, log);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE' ? ' (something already listens there: another sockswrap serve, microsocks, ssh -D?)' : '';
    process.stderr.write(`sockswrap serve: cannot listen on ${where}: ${e.code ?? e.message}${hint}\n`);
    process.exit(1);
  }
  const at = formatTarget(socketAddress(config.host, server.port));
  const served = ['CONNECT', ...(config.udp ? ['UDP ASSOCIATE'] : []), ...(config.bind ? ['BIND'] : [])].join(', ');
  log.error(`serve: listening on ${at}: SOCKS5 (${served}) and SOCKS4/4a (CONNECT); ${config.credentials ? `login required (user ${config.credentials.username})` : 'no login'}`);
  const removePid = process.env[DAEMON_ENV] ? writePidFile(config.host, server.port) : () => {};
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.error(`serve: ${signal}: stopping (${server.connections} connection${server.connections === 1 ? '' : 's'} open)`);
    removePid();
    server.close().then(() => process.exit(0), () => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('exit', removePid);
  if (process.env[DAEMON_ENV] && process.send) {
    process.send({ listening: at }, () => process.disconnect?.());
  }
}
