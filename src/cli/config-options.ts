import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError } from '../config/config-error';
import { DNS_SERVER_USAGE, parseDnsServer, type DnsServer } from '../config/dns-server';
import { applyTorIsolation, torConfig } from '../config/tor-config';
import type { SockswrapConfig, TorIsolation } from '../config/config-types';
import { addChainOptions, applyChainOptions } from './chain-options';
import { addTorOptions } from './tor-options';
import { loadConfig } from './load-config';

/** The options that pick a configuration: shared by a wrapped run, `on` and `agent`. */
export interface ConfigCliOptions {
  proxy: string[];
  proxyFile?: string;
  config?: string;
  quiet?: boolean;
  verbose?: boolean;
  chain?: string;
  chainLen?: number;
  proxyCacert?: string;
  proxyInsecure?: boolean;
  dnsServer?: DnsServer;
  tor?: string | true;
  isolate?: TorIsolation;
  torRealAddresses?: boolean;
  /** --no-bind (commander's negation: false when given). */
  bind?: boolean;
}

function parseDnsServerOption(value: string): DnsServer {
  const server = parseDnsServer(value);
  if (!server) throw new InvalidArgumentError(`expected ${DNS_SERVER_USAGE}`);
  return server;
}

/** -x, --proxy-file, -f, -q, -v, --dns-server, then the chain and Tor options. */
export function addConfigOptions(command: Command): Command {
  command
    .option('-x, --proxy <url>', 'proxy URL, repeatable in chain order: socks5://, socks5h:// (names resolved by the proxy), socks4://, socks4a://, http://, https:// (TLS to the proxy, port 443) — [user:pass@]host[:port]', (url: string, all: string[]) => [...all, url], [] as string[])
    .option('--proxy-file <file>', 'read the proxy URLs from FILE, one a line in chain order, instead of -x: credentials stay out of the command line (or set $SOCKSWRAP_PROXY)')
    .option('-f, --config <file>', 'proxychains.conf to read (default: $SOCKSWRAP_CONF, $PROXYCHAINS_CONF_FILE, ./proxychains.conf, ~/.proxychains/proxychains.conf, /etc/proxychains4.conf, /etc/proxychains.conf)')
    .option('-q, --quiet', 'print nothing but fatal launcher errors')
    .option('-v, --verbose', 'print a line for every connection')
    .option('--dns-server <ip[:port]>', 'with remote DNS: where DNS types sockswrap does not answer itself (MX, TXT, SRV, ...) are asked, over TCP through the chain', parseDnsServerOption)
    .option('--no-bind', 'listening sockets stay local: no SOCKS BIND for them, even after a proxied connection (docs/bind.md; or no_bind in the config file)');
  return addTorOptions(addChainOptions(command));
}

/** The configuration the options resolve to. Throws ConfigError (exit 2 for the caller). */
export function configFromOptions(opts: ConfigCliOptions, env: NodeJS.ProcessEnv = process.env): SockswrapConfig {
  let loaded;
  if (opts.tor !== undefined) {
    const others = [opts.proxy.length > 0 ? '-x' : '', opts.proxyFile !== undefined ? '--proxy-file' : '', opts.config !== undefined ? '-f' : ''].filter(Boolean);
    if (others.length > 0) throw new ConfigError(`--tor is the whole chain: give it without ${others.join(' and ')} (to use Tor as one hop of a chain, mark its [ProxyList] line with tor_proxy HOST:PORT)`);
    loaded = torConfig(opts.tor === true ? '' : opts.tor);
  } else {
    loaded = loadConfig({ proxyUrls: opts.proxy, configFile: opts.config, proxyFile: opts.proxyFile }, env);
  }
  const config = applyChainOptions(applyTorIsolation(loaded, opts.isolate, opts.isolate !== undefined), opts);
  if (opts.torRealAddresses) {
    if (!config.proxies.some((p) => p.tor && p.type === 'socks5')) throw new ConfigError('--tor-real-addresses needs a Tor hop that speaks socks5: use --tor, or mark the hop with tor_proxy HOST:PORT');
    config.torRealAddresses = true;
  }
  if (opts.dnsServer) config.dnsServer = opts.dnsServer;
  if (opts.bind === false) config.noBind = true;
  if (quietFromEnv(env)) config.quiet = true;
  return config;
}

/**
 * PROXYCHAINS_QUIET_MODE, which proxychains4 -q sets for its library: quiet when its first
 * character is "1" ("1", "10"; not "0", "yes" or " 1"), the test libproxychains.c makes.
 */
export function quietFromEnv(env: NodeJS.ProcessEnv): boolean {
  return env.PROXYCHAINS_QUIET_MODE?.startsWith('1') === true;
}
