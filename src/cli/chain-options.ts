import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ChainType, SockswrapConfig } from '../config/config-types';
import { ConfigError } from '../config/config-error';
import { chainConfigProblem } from '../client/hop-selection';

/** --chain values → chain types (the file's round_robin_chain is --chain round-robin). */
const CHAIN_NAMES: ReadonlyMap<string, ChainType> = new Map<string, ChainType>([
  ['strict', 'strict'],
  ['dynamic', 'dynamic'],
  ['random', 'random'],
  ['round-robin', 'round_robin'],
]);

export interface ChainCliOptions {
  chain?: string;
  chainLen?: number;
  proxyCacert?: string;
  proxyInsecure?: boolean;
}

/** --chain and --chain-len, shared by the run command and `sockswrap check`. */
export function addChainOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--chain <type>', 'chain type, overriding the file (-x URLs default to strict)').choices([...CHAIN_NAMES.keys()]),
    )
    .option('--chain-len <n>', 'hops per connection for random and round-robin chains (default: chain_len, else 1)', parseChainLen)
    .option('--proxy-cacert <file>', 'https proxies: trust the CA certificates in FILE (PEM) instead of the system store, as curl')
    .option('--proxy-insecure', "https proxies: do not check the proxy's certificate (with a warning), as curl");
}

function parseChainLen(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 2147483647) {
    throw new InvalidArgumentError('expected a whole number >= 1');
  }
  return Number(value);
}

/** Applies the options to a loaded config; throws ConfigError when the chain can never be built. */
export function applyChainOptions(config: SockswrapConfig, opts: ChainCliOptions): SockswrapConfig {
  if (opts.chain !== undefined) config.chainType = CHAIN_NAMES.get(opts.chain)!;
  if (opts.chainLen !== undefined) config.chainLen = opts.chainLen;
  applyProxyTlsOptions(config, opts);
  const problem = chainConfigProblem(config.chainType, config.proxies.length, config.chainLen);
  if (problem !== undefined) {
    if (opts.chainLen !== undefined) throw new ConfigError(`--chain-len: ${problem}`);
    // From a file: the chain_len line, else (the default 1 with no proxy at all) the list's.
    const line = config.origin?.chainLen ?? config.origin?.proxyList;
    throw new ConfigError(problem, config.source, line);
  }
  return config;
}

/**
 * --proxy-cacert and --proxy-insecure apply to every https hop (docs/upstreams.md). The CA file is
 * read now, so a missing or empty one is a usage error (exit 2) rather than a failure at the first
 * connection.
 */
function applyProxyTlsOptions(config: SockswrapConfig, opts: ChainCliOptions): void {
  let ca: string | undefined;
  if (opts.proxyCacert !== undefined) {
    try {
      ca = readFileSync(opts.proxyCacert, 'utf8');
    } catch (err) {
      throw new ConfigError(`--proxy-cacert ${opts.proxyCacert}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ConfigError(`--proxy-cacert ${opts.proxyCacert}: no PEM certificate in it (expected "-----BEGIN CERTIFICATE-----")`);
    }
  }
  const https = config.proxies.filter((p) => p.type === 'https');
  for (const proxy of https) {
    if (ca !== undefined) proxy.tls = { ...proxy.tls, ca, caFile: opts.proxyCacert };
    if (opts.proxyInsecure) proxy.tls = { ...proxy.tls, insecure: true };
  }
  if (opts.proxyInsecure && https.length > 0) {
    config.notices = [
      ...(config.notices ?? []),
      "--proxy-insecure: the https proxy's certificate is not checked, so anyone on the way to it can read and change what goes through it, the proxy password too",
    ];
  }
}
