/**
 * Can LD_PRELOAD reach this program? The launcher asks before it spawns the program, and the
 * answer comes from the shim's own checker (native-shims/core/program-check.c), the same code the
 * shim's exec hook runs when a wrapped program execs another: one verdict, one message. It is
 * built into a small library without hooks or constructor, libsockswrap-check.so next to the shim,
 * and called through ffi-rs (one call per launch, ~0.1 ms; docs/shim-reach.md, "One program
 * checker", has the measurements behind this choice).
 */
import { ffi } from '../native/ffi';
import { dirname, join } from 'node:path';
import { escapeControl } from '../log/terminal-text';
import { defaultVerdictCache, type VerdictCache, type VerdictQuestion } from './program-verdict-cache';

export type UnhookedKind = 'static' | 'go' | 'setuid' | 'setgid' | 'caps' | 'foreign' | 'unreadable';
export type ProgramKind = 'hookable' | UnhookedKind;

export interface ProgramCheck {
  /** The file that will be executed; undefined when it is not found (spawn then reports 127). */
  resolved?: string;
  kind: ProgramKind;
  /** The file the verdict is about when not hookable: the program, or the last interpreter. */
  file?: string;
  /** Why LD_PRELOAD cannot reach it, as a phrase: "is statically linked: ...". */
  reason?: string;
  /** The line the user reads, without a prefix: "refusing to run ...: it is ...". */
  message?: string;
  /** The #! interpreters followed (env, then the NAME it runs), outermost first. */
  interpreters: string[];
}

export interface CheckOptions {
  /** PATH for a bare command name and for `#!/usr/bin/env NAME` (default: process.env.PATH; null: unset). */
  path?: string | null;
  /** Directory a relative command is taken from (default: the process's cwd). */
  cwd?: string;
  /** The message's wording: --allow-unhooked warns instead of refusing. */
  allowed?: boolean;
  /** libsockswrap-check.so (default: next to the shim the launcher preloads). */
  library: string;
  /** Remembered verdicts (program-verdict-cache.ts; default: the user's cache; null: none). */
  cache?: VerdictCache | null;
}

/** Why the checker could not be asked: the launcher then refuses (fails closed). */
export class CheckerUnavailable extends Error {}

const RECORD_SIZE = 16384; // native-shims/check/check-entry.c
const KINDS = new Set<string>(['hookable', 'static', 'go', 'setuid', 'setgid', 'caps', 'foreign', 'unreadable']);
/** Libraries opened, by path (ffi-rs keys them by name, and ignores a second open of a name). */
const opened = new Set<string>();

/** Where the checker library lives: next to the shim, built and packed with it. */
export function checkLibraryPath(shim: string): string {
  return join(dirname(shim), 'libsockswrap-check.so');
}

export function checkProgram(command: string, opts: CheckOptions): ProgramCheck {
  const path = opts.path === undefined ? process.env.PATH : opts.path;
  const cwd = opts.cwd ?? process.cwd();
  const target = command.startsWith('/') || !command.includes('/') ? command : fromCwd(cwd, command);
  const question: VerdictQuestion = { target, path, allowed: opts.allowed === true, library: opts.library, cwd };
  const cache = opts.cache === undefined ? defaultVerdictCache() : opts.cache ?? undefined;
  const known = cache?.get(question);
  if (known) return known;
  const check = askChecker(target, path, opts);
  cache?.put(question, check);
  return check;
}

/**
 * A relative command as the kernel finds it from `cwd`: `.` segments and repeated slashes go, `..`
 * stays (path.resolve would take `sub/../tool` apart by its text, where the kernel follows `sub`,
 * which may be a link or missing).
 */
function fromCwd(cwd: string, command: string): string {
  const parts = `${cwd}/${command}`.split('/').filter((p, i) => i === 0 || (p !== '' && p !== '.'));
  return parts.join('/') + (command.endsWith('/') ? '/' : '');
}

function askChecker(target: string, path: string | null | undefined, opts: CheckOptions): ProgramCheck {
  let lib;
  try {
    lib = ffi();
  } catch (err) {
    throw new CheckerUnavailable(`ffi-rs could not be loaded for this platform: ${(err as Error).message}`);
  }
  const { arrayConstructor, DataType, load, open } = lib;
  if (!opened.has(opts.library)) {
    try {
      open({ library: opts.library, path: opts.library });
    } catch (err) {
      throw new CheckerUnavailable(`the program checker could not be loaded: ${(err as Error).message}`);
    }
    opened.add(opts.library);
  }
  const record = load({
    library: opts.library,
    funcName: 'sockswrap_check_program',
    retType: arrayConstructor({ type: DataType.U8Array, length: RECORD_SIZE }),
    paramsType: [DataType.String, DataType.String, DataType.I32, DataType.I32],
    paramsValue: [target, path ?? '', path === null || path === undefined ? 0 : 1, opts.allowed ? 1 : 0],
  }) as unknown as Buffer;
  return parseRecord(record);
}

/** The record check-entry.c fills: NUL-terminated fields, the interpreters last, then "". */
function parseRecord(record: Buffer): ProgramCheck {
  let at = 0;
  const next = (): string => {
    const end = record.indexOf(0, at);
    const stop = end < 0 ? record.length : end;
    const s = record.toString('utf8', at, stop);
    at = stop + 1;
    return s;
  };
  const resolved = next();
  const kind = next();
  const reason = next();
  const message = next();
  const interpreters: string[] = [];
  for (let i = next(); i !== '' && at <= record.length; i = next()) interpreters.push(i);
  if (!KINDS.has(kind)) throw new CheckerUnavailable(`the program checker answered an unknown kind ${JSON.stringify(kind)}`);
  const check: ProgramCheck = { kind: kind as ProgramKind, interpreters };
  if (resolved !== '') check.resolved = resolved;
  if (kind !== 'hookable') {
    check.reason = reason;
    check.message = message;
    check.file = interpreters.length > 0 ? interpreters[interpreters.length - 1] : resolved;
  }
  return check;
}

/** Kinds the seccomp supervisor carries (docs/seccomp.md); set-id and capability programs stay refused. */
export const SUPERVISED_KINDS: ReadonlySet<ProgramKind> = new Set<ProgramKind>(['static', 'go']);

/** `--seccomp`: auto (supervise what LD_PRELOAD cannot reach), never (refuse those, as before). */
export type SeccompMode = 'auto' | 'never';

/**
 * "" when this kernel has what the seccomp supervisor needs, else the missing feature's name
 * (native-shims/core/seccomp-support.c, asked through the checker library).
 */
export function seccompMissing(library: string): string {
  const { DataType, load, open } = ffi();
  if (!opened.has(library)) {
    open({ library, path: library });
    opened.add(library);
  }
  return load({ library, funcName: 'sockswrap_seccomp_missing', retType: DataType.String, paramsType: [], paramsValue: [] }) as string;
}

export interface Gate {
  /** What the program's environment needs so the exec hook makes the same choices for its children. */
  env: Record<string, string>;
  /**
   * For a command found on PATH: the file the checker found hookable, which is what is spawned, so
   * that what runs is what was checked (not a second PATH search). A command with a slash is run
   * as given (no search; the kernel resolves it as the checker did).
   */
  resolved?: string;
  /** Run it under the seccomp supervisor: the exec helper, and the file it is to exec. */
  supervise?: { helper: string; resolved: string };
}

/**
 * The launcher's gate: a program LD_PRELOAD cannot reach runs under the seccomp supervisor when it
 * is of a kind it carries and the kernel has what it needs; otherwise it prints why and exits 126
 * (as a shell does for a program it cannot run), unless allowed; then it only warns. A checker
 * that cannot be asked is a refusal too: never run a program unproxied because the check failed.
 */
export function gateProgram(command: string, allowUnhooked: boolean, shim: string, seccomp: SeccompMode = 'auto'): Gate {
  const env: Record<string, string> = allowUnhooked ? { SOCKSWRAP_ALLOW_UNHOOKED: '1' } : {};
  if (seccomp === 'never') env.SOCKSWRAP_SECCOMP = 'never';
  let check: ProgramCheck;
  try {
    check = checkProgram(command, { library: checkLibraryPath(shim), allowed: allowUnhooked });
  } catch (err) {
    if (!(err instanceof CheckerUnavailable)) throw err;
    const what = `cannot tell whether LD_PRELOAD reaches ${command}: ${err.message}`;
    process.stderr.write(escapeControl(allowUnhooked
      ? `sockswrap: warning: ${what}; running it anyway (--allow-unhooked): its traffic may NOT be proxied`
      : `sockswrap: ${what}. Not running it (--allow-unhooked runs it anyway, maybe unproxied)`) + '\n');
    if (!allowUnhooked) process.exit(126);
    return { env };
  }
  if (check.kind === 'hookable') {
    if (command.includes('/') || check.resolved === undefined) return { env };
    // An empty PATH entry is the cwd: the checker answers the bare name, which spawn would search again.
    return { env, resolved: check.resolved.includes('/') ? check.resolved : `./${check.resolved}` };
  }
  let missing = '';
  if (SUPERVISED_KINDS.has(check.kind) && seccomp === 'auto' && check.resolved !== undefined) {
    try {
      missing = seccompMissing(checkLibraryPath(shim));
    } catch (err) {
      missing = `the seccomp probe (${(err as Error).message})`;
    }
    if (missing === '') return { env, supervise: { helper: execHelperPath(shim), resolved: check.resolved } };
  }
  process.stderr.write(`sockswrap: ${escapeControl(check.message ?? '')}\n`);
  // The same second line as the exec hook's (native-shims/hooks/exec-guard.c, report()).
  if (missing !== '') process.stderr.write(`sockswrap: static and Go programs need the seccomp supervisor, and this kernel lacks ${escapeControl(missing)}\n`);
  if (!allowUnhooked) process.exit(126);
  return { env };
}

/** The exec helper (native-shims/exec/), built and packed next to the shim. */
export function execHelperPath(shim: string): string {
  return join(dirname(shim), 'sockswrap-exec');
}
