import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { SockswrapConfig } from '../config/config-types';
import { ConfigError } from '../config/config-error';
import { configFromProxyUrls } from '../config/proxy-url';

export interface ConfigChoice {
  proxyUrls: string[];
  configFile?: string;
}

/** -x URLs need no file; otherwise the proxychains search path. Throws ConfigError. */
export function loadConfig(choice: ConfigChoice, env: NodeJS.ProcessEnv = process.env): SockswrapConfig {
  if (choice.proxyUrls.length > 0 && choice.configFile !== undefined) {
    throw new ConfigError('give either -x URLs or -f FILE, not both');
  }
  if (choice.proxyUrls.length > 0) return configFromProxyUrls(choice.proxyUrls);
  // The file parser and the search path are loaded only when a file is used: -x runs start faster.
  const { findConfigFile } = require('../config/config-search') as typeof import('../config/config-search');
  const { parseProxychainsConf } = require('../config/proxychains-conf') as typeof import('../config/proxychains-conf');
  const file = findConfigFile({ explicit: choice.configFile, env, cwd: process.cwd(), home: homedir() });
  if (file === undefined) {
    throw new ConfigError(
      'no proxy configured: give -x socks5h://HOST:PORT or -f FILE (searched $SOCKSWRAP_CONF, $PROXYCHAINS_CONF_FILE, ' +
        './proxychains.conf, ~/.proxychains/proxychains.conf, /etc/proxychains4.conf, /etc/proxychains.conf)',
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read config file ${file}: ${code === 'ENOENT' ? 'no such file' : code ?? String(err)}`);
  }
  return parseProxychainsConf(text, file);
}
