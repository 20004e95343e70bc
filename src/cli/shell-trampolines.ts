/**
 * Static and Go programs on the shell's PATH, in shell mode (docs/shell-mode.md, "Static programs
 * in shell mode"). The shell itself is not hooked, so nothing sees it exec a program LD_PRELOAD
 * cannot reach. `on` therefore looks at every program the shell would find by name on its PATH
 * (the first of each name, as the shell's own search) and, for each one the seccomp supervisor
 * carries (static, Go: program-check.ts, the shim's own checker), writes a trampoline of the same
 * name into a directory the shell code puts first on PATH:
 *
 *     #!/…/sockswrap-exec /usr/bin/busybox
 *
 * The kernel runs it as `sockswrap-exec /usr/bin/busybox /…/busybox ARGS…`: the exec helper under
 * which the launcher and the exec hook run such programs (docs/seccomp.md), with the program's
 * own path as its argv[0]'s file name (busybox applets keep working). A path the #! line cannot
 * carry (a space in the helper's path, a line over 255 bytes) gets `#!/bin/sh` and `exec` instead,
 * which the shim in that sh hands to the helper just the same.
 *
 * The directory's name is a hash of what it holds (state dir, `path-HASH/`), written to a
 * temporary name and renamed, so shells with the same programs share one and two `on`s never see
 * half of one. Verdicts are cached by file identity (device, inode, size, mtime, ctime) in
 * `program-kinds.json` beside it: asking the checker about every file on a PATH takes ~1.4 s for
 * 2,900 files on these machines, a stat each takes ~15 ms for all.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, mkdirSync, type Stats } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { sq } from './shell-code';
import { SUPERVISED_KINDS, checkLibraryPath, checkProgram, execHelperPath, type ProgramKind } from './program-check';

/** Trampoline directories are `path-HASH` in the state directory. */
export const TRAMPOLINE_PREFIX = 'path-';
const CACHE_FILE = 'program-kinds.json';
/** The kernel reads a #! line up to 255 bytes (BINPRM_BUF_SIZE 256 with its newline). */
const SHEBANG_MAX = 255;

export interface Trampolines {
  /** The directory to put first on PATH; undefined when no program on PATH needs one. */
  dir?: string;
  /** The programs it carries, by name: the file each name runs. */
  programs: Record<string, string>;
}

type Cache = Record<string, [number, number, number, number, number, ProgramKind]>;

const identity = (st: Stats): [number, number, number, number, number] => [st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs];


/** The trampoline's text for program, run by helper. */
export function trampolineText(helper: string, program: string): string {
  const line = `#!${helper} ${program}`;
  if (!/[\s]/.test(helper) && !/[\n\r]/.test(program) && !/\s$/.test(program) && Buffer.byteLength(line) <= SHEBANG_MAX) return `${line}\n`;
  return `#!/bin/sh\nexec ${sq(helper)} ${sq(program)} "$0" "$@"\n`;
}

/**
 * The programs the shell would run by name from path that the supervisor carries, and a
 * directory of trampolines for them (made when missing). Directories of earlier `on`s (skip) are
 * not searched. Throws (CheckerUnavailable when the checker cannot be asked, or the exec helper is
 * missing): `on` then warns that those programs will not be proxied.
 */
export function shellTrampolines(state: string, path: string | undefined, shim: string): Trampolines {
  const library = checkLibraryPath(shim);
  const helper = execHelperPath(shim);
  // Without the helper a trampoline would be a #! line to nothing ("bad interpreter"): say why.
  try {
    accessSync(helper, constants.X_OK);
  } catch {
    throw new Error(`the exec helper ${helper} is missing or not executable`);
  }
  const cachePath = join(state, CACHE_FILE);
  let cache: Cache = {};
  try {
    cache = JSON.parse(readFileSync(cachePath, 'utf8')) as Cache;
  } catch { /* none yet, or broken: start again */ }
  const fresh: Cache = {};
  const programs: Record<string, string> = {};
  const seen = new Set<string>();
  const dirs = [...new Set((path ?? '').split(':'))].filter((d) => isAbsolute(d) && !(d.startsWith(join(state, TRAMPOLINE_PREFIX))));
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (seen.has(name)) continue;
      const file = join(dir, name);
      let st: Stats;
      try {
        st = statSync(file);
      } catch {
        continue;
      }
      // What execvp would take: a regular file with an x bit (access(X_OK) for root too).
      if (!st.isFile() || (st.mode & 0o111) === 0) continue;
      seen.add(name);
      const id = identity(st);
      const known = cache[file];
      let kind: ProgramKind;
      if (known && known.slice(0, 5).every((v, i) => v === id[i])) kind = known[5];
      else kind = checkProgram(file, { library, path }).kind;
      fresh[file] = [...id, kind];
      if (SUPERVISED_KINDS.has(kind) && !/[\n\r]/.test(name)) programs[name] = file;
    }
  }
  try {
    const tmp = `${cachePath}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(fresh), { mode: 0o600 });
    renameSync(tmp, cachePath);
  } catch { /* only a cache */ }
  const names = Object.keys(programs).sort();
  if (names.length === 0) return { programs };
  const texts = names.map((n) => [n, trampolineText(helper, programs[n]!)] as const);
  const hash = createHash('sha256').update(JSON.stringify(texts)).digest('hex').slice(0, 16);
  const dir = join(state, `${TRAMPOLINE_PREFIX}${hash}`);
  try {
    if (statSync(dir).isDirectory()) return { dir, programs };
  } catch { /* not made yet */ }
  const tmp = join(state, `.${TRAMPOLINE_PREFIX}${hash}.${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { mode: 0o700 });
  for (const [name, text] of texts) writeFileSync(join(tmp, name), text, { mode: 0o755 });
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // Another `on` made the same directory first: its content is the same (the name is its hash).
    rmSync(tmp, { recursive: true, force: true });
    if (!['EEXIST', 'ENOTEMPTY'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
  return { dir, programs };
}
