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

/** A file the search may read, and what put it in the search (said at -v). */
export interface ConfigCandidate {
  path: string;
  from: string;
}

/** The candidates in search order; env values resolved against cwd. */
function candidates(opts: Omit<FindConfigOptions, 'explicit' | 'exists'>): ConfigCandidate[] {
  const out: ConfigCandidate[] = [];
  for (const name of ['SOCKSWRAP_CONF', 'PROXYCHAINS_CONF_FILE']) {
    const v = opts.env[name];
    if (v) out.push({ path: path.resolve(opts.cwd, v), from: `from $${name}` });
  }
  const searched = (p: string): ConfigCandidate => ({ path: p, from: 'found on the search path' });
  out.push(searched(path.join(opts.cwd, 'proxychains.conf')));
  if (opts.home) out.push(searched(path.join(opts.home, '.proxychains', 'proxychains.conf')));
  out.push(searched('/etc/proxychains4.conf'), searched('/etc/proxychains.conf'));
  return out;
}

/** The candidates in search order (for --help / error messages); env values resolved against cwd. */
export function configSearchPath(opts: Omit<FindConfigOptions, 'explicit' | 'exists'>): string[] {
  return candidates(opts).map((c) => c.path);
}

/** The file to read, and how it was chosen; undefined when no candidate exists. */
export function findConfig(opts: FindConfigOptions): ConfigCandidate | undefined {
  if (opts.explicit !== undefined) return { path: opts.explicit, from: 'given with -f' };
  const exists = opts.exists ?? defaultExists;
  return candidates(opts).find((c) => exists(c.path));
}

export function findConfigFile(opts: FindConfigOptions): string | undefined {
  return findConfig(opts)?.path;
}
