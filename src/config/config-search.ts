// Where the config file is looked for: proxychains-ng's order, with SOCKSWRAP_CONF first and
// /etc/proxychains4.conf (Debian's name) before /etc/proxychains.conf.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export interface FindConfigOptions {
  /** -f: returned as given even if missing, so the caller reports that file, not another. */
  explicit?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
  exists?: (p: string) => boolean;
}

/** A readable regular file: a directory or unreadable file named proxychains.conf is skipped. */
function defaultExists(p: string): boolean {
  try {
    accessSync(p, constants.R_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The candidates in search order (for --help / error messages); env values resolved against cwd. */
export function configSearchPath(opts: Omit<FindConfigOptions, 'explicit' | 'exists'>): string[] {
  const out: string[] = [];
  for (const name of ['SOCKSWRAP_CONF', 'PROXYCHAINS_CONF_FILE']) {
    const v = opts.env[name];
    if (v) out.push(path.resolve(opts.cwd, v));
  }
  out.push(path.join(opts.cwd, 'proxychains.conf'));
  if (opts.home) out.push(path.join(opts.home, '.proxychains', 'proxychains.conf'));
  out.push('/etc/proxychains4.conf', '/etc/proxychains.conf');
  return out;
}

export function findConfigFile(opts: FindConfigOptions): string | undefined {
  if (opts.explicit !== undefined) return opts.explicit;
  const exists = opts.exists ?? defaultExists;
  return configSearchPath(opts).find((p) => exists(p));
}
