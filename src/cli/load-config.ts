import { homedir, networkInterfaces } from 'node:os';
import type { SockswrapConfig } from '../config/config-types';
import { ConfigError } from '../config/config-error';
import { configFromProxyUrls } from '../config/proxy-url';
import { MAX_LINE_CHARS, readConfigFile } from '../config/read-config-file';

/** Proxy URLs from the environment: every user can read argv (/proc/PID/cmdline), only we can read this. */
export const PROXY_ENV = 'SOCKSWRAP_PROXY';

export interface ConfigChoice {
  proxyUrls: string[];
  configFile?: string;
  /** --proxy-file: proxy URLs, one a line, so credentials stay out of argv. */
  proxyFile?: string;
}

/**
 * Where the proxies come from, first found wins: -x URLs, --proxy-file, -f FILE, $SOCKSWRAP_PROXY,
 * then the proxychains search path. -x, --proxy-file and -f exclude each other. Throws ConfigError.
 */
export function loadConfig(choice: ConfigChoice, env: NodeJS.ProcessEnv = process.env): SockswrapConfig {
  const given = [
    choice.proxyUrls.length > 0 ? '-x URLs' : undefined,
    choice.proxyFile !== undefined ? '--proxy-file' : undefined,
    choice.configFile !== undefined ? '-f FILE' : undefined,
  ].filter((g) => g !== undefined);
  if (given.length > 1) throw new ConfigError(`give one of -x URLs, --proxy-file FILE or -f FILE, not ${given.join(' and ')}`);
  if (choice.proxyUrls.length > 0) return configFromProxyUrls(choice.proxyUrls);
  if (choice.proxyFile !== undefined) return loadProxyFile(choice.proxyFile);
  const fromEnv = env[PROXY_ENV];
  if (choice.configFile === undefined && fromEnv !== undefined && fromEnv.trim() !== '') {
    return configFromProxyUrls(fromEnv.trim().split(/\s+/), PROXY_ENV);
  }
  // The file parser and the search path are loaded only when a file is used: -x runs start faster.
  const { findConfig } = require('../config/config-search') as typeof import('../config/config-search');
  const { parseProxychainsConf } = require('../config/proxychains-conf') as typeof import('../config/proxychains-conf');
  const found = findConfig({ explicit: choice.configFile, env, cwd: process.cwd(), home: homedir() });
  if (found === undefined) {
    throw new ConfigError(
      `no proxy configured: give -x socks5h://HOST:PORT, --proxy-file FILE or -f FILE, or set $${PROXY_ENV} ` +
        '(searched $SOCKSWRAP_CONF, $PROXYCHAINS_CONF_FILE, ./proxychains.conf, ~/.proxychains/proxychains.conf, ' +
        '/etc/proxychains4.conf, /etc/proxychains.conf)',
    );
  }
  const file = found.path;
  const config = parseProxychainsConf(readConfigFile(file), file, { machineAddresses: machineIPv4Addresses() });
  // As proxychains4's "config file found: PATH", but only with -v: which of the candidates it was.
  config.details = [`config file: ${file} (${found.from})`];
  return config;
}

/**
 * --proxy-file: one proxy URL a line, in chain order; blank lines and lines starting with '#'
 * are skipped. Errors name FILE:LINE.
 */
export function loadProxyFile(file: string): SockswrapConfig {
  const text = readConfigFile(file, 'proxy file');
  const urls: string[] = [];
  const lineOf: number[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.length > MAX_LINE_CHARS) throw new ConfigError(`line longer than ${MAX_LINE_CHARS} characters`, file, i + 1);
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (/\s/.test(line)) throw new ConfigError('expected one proxy URL a line (no spaces)', file, i + 1);
    urls.push(line);
    lineOf.push(i + 1);
  });
  if (urls.length === 0) throw new ConfigError('no proxy URL in the file (expected lines like socks5h://USER:PASS@HOST:PORT)', file);
  return configFromProxyUrls(urls, file, (index) => ({ file, line: lineOf[index]! }));
}

/** This machine's IPv4 addresses, which fake ones must never be (fake-subnet.ts). */
function machineIPv4Addresses(): string[] {
  try {
    return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address));
  } catch {
    return [];
  }
}
