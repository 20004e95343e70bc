/**
 * The program checker's "hookable" verdicts, remembered between runs (docs/shim-reach.md, "One
 * program checker"). Asking the checker means loading ffi-rs and the checker library into Node:
 * ~5 ms of every `sockswrap -- prog` start, for a verdict that changes only when a file it read
 * does. So a verdict is kept with everything it was drawn from — the command, PATH, cwd where PATH
 * or the command is relative, --allow-unhooked, the user, the kernel — and the identity of every
 * file it depends on: each PATH directory (a program put earlier on PATH changes that directory),
 * the file found, each #! interpreter followed, and the checker library itself. Identity is
 * lstat's and stat's device, inode, size, mode, owner, mtime and ctime in nanoseconds: a write,
 * chmod, chown, setcap (an xattr) or rename changes one of them, and ctime cannot be set back.
 *
 * Only "hookable" is kept: a stale one could let a program run unhooked, so the rules are strict —
 * a file whose mtime or ctime is within RECENT_MS of now is not trusted yet (a file being written,
 * a filesystem with coarse timestamps), anything unreadable or unexpected is a miss, and a miss
 * asks the checker, as always. Every other verdict is asked every time (it leads to the supervisor
 * or a refusal, which load the checker anyway).
 *
 * The PATH search is remembered as the checker makes it (core/program-check.c sw_program_search):
 * every DIR/NAME it looked at before the one it took, for the command and for each name a
 * `#!/usr/bin/env NAME` line searched, because a file there that becomes executable (chmod +x, a
 * dangling link's target appearing) changes the answer without changing its directory. Nothing is
 * kept when PATH is unset (the checker's default list is its own) or when this process has
 * no_new_privs: the kernel then ignores set-id bits and file capabilities, so the checker calls a
 * setuid program hookable, which it is not for a process without the flag sharing this cache.
 *
 * Where: $XDG_CACHE_HOME/sockswrap (or ~/.cache/sockswrap), 0700, one small JSON file written
 * whole and renamed into place. SOCKSWRAP_CHECK_CACHE=0 turns it off.
 */
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir, release } from 'node:os';
import { dirname, join } from 'node:path';
import type { ProgramCheck } from './program-check';

/** 2: entries of format 1 lack the PATH search and may have been made under no_new_privs. */
const FORMAT = 2;
const MAX_ENTRIES = 64;
/** Newer than this, a file's identity may still change within one timestamp tick. */
const RECENT_MS = 2_000;

/** What a verdict was asked with. */
export interface VerdictQuestion {
  /** The command as the checker gets it (absolute when it has a '/'). */
  target: string;
  /** PATH (null or undefined: unset). */
  path: string | null | undefined;
  allowed: boolean;
  /** The checker library. */
  library: string;
  /** Where a relative PATH entry is taken from. */
  cwd: string;
}

interface Entry {
  key: string;
  /** [path, identity] of every file and directory the verdict depends on. */
  files: [string, string][];
  check: ProgramCheck;
}

interface CacheFile {
  format: number;
  entries: Entry[];
}

function identity(path: string): string {
  // lstat and stat: a symlink re-pointed is a change, and so is the file it points to.
  const link = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  if (!link) return 'none';
  const parts = (s: typeof link) => `${s.dev}:${s.ino}:${s.size}:${s.mode}:${s.uid}:${s.gid}:${s.mtimeNs}:${s.ctimeNs}`;
  if (!link.isSymbolicLink()) return parts(link);
  const target = statSync(path, { bigint: true, throwIfNoEntry: false });
  return `${parts(link)}>${target ? parts(target) : 'none'}`;
}

function isRecent(path: string, now: number): boolean {
  const s = statSync(path, { throwIfNoEntry: false });
  const l = lstatSync(path, { throwIfNoEntry: false });
  return [s, l].some((st) => st !== undefined && (st.mtimeMs > now - RECENT_MS || st.ctimeMs > now - RECENT_MS));
}

function pathDirs(path: string | null | undefined): string[] {
  if (path === null || path === undefined) return [];
  return path.split(':').map((d) => (d === '' ? '.' : d));
}

/** The key: everything but file identities. The cwd counts only where something is relative. */
function keyOf(q: VerdictQuestion): string {
  const dirs = pathDirs(q.path);
  const relative = !q.target.startsWith('/') && dirs.some((d) => !d.startsWith('/'));
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  const euid = process.geteuid?.() ?? -1;
  const groups = process.getgroups?.().join(',') ?? '';
  return JSON.stringify([q.target, q.path ?? null, q.allowed, q.library, relative ? q.cwd : '', uid, gid, euid, groups, release(), process.arch]);
}

/**
 * The files sw_program_search looked at for `name` on `path`, up to and including `found`: "DIR/NAME",
 * or NAME alone for an empty entry (the cwd). All of them when none matched `found`.
 */
function searched(name: string, path: string, found: string): string[] {
  const looked: string[] = [];
  for (const dir of path.split(':')) {
    const candidate = dir === '' ? name : `${dir}/${name}`;
    looked.push(candidate);
    if (candidate === found) break;
  }
  return looked;
}

function dependsOn(q: VerdictQuestion, path: string, check: ProgramCheck): string[] {
  const files = [q.library, ...pathDirs(path), ...check.interpreters];
  if (check.resolved !== undefined) files.push(check.resolved);
  if (!q.target.includes('/') && check.resolved !== undefined) files.push(...searched(q.target, path, check.resolved));
  // `#!/usr/bin/env NAME`: env searched PATH for NAME, and the checker with it.
  check.interpreters.forEach((interp, i) => {
    const before = i > 0 ? check.interpreters[i - 1] : undefined;
    if (before !== undefined && /(^|\/)env$/.test(before)) files.push(...searched(interp.slice(interp.lastIndexOf('/') + 1), path, interp));
  });
  return [...new Set(files)];
}

/** Whether this process has no_new_privs (/proc/self/status); undefined when that cannot be read. */
export function hasNoNewPrivs(): boolean | undefined {
  try {
    const m = /^NoNewPrivs:\s*([01])$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? m[1] === '1' : undefined;
  } catch {
    return undefined;
  }
}

export class VerdictCache {
  private read?: CacheFile;

  constructor(
    private readonly file: string,
    private readonly now: () => number = Date.now,
    private readonly noNewPrivs: () => boolean | undefined = hasNoNewPrivs,
  ) {}

  /** The remembered verdict, when every file it depends on is as it was; otherwise undefined. */
  get(q: VerdictQuestion): ProgramCheck | undefined {
    try {
      const key = keyOf(q);
      const entry = this.load().entries.find((e) => e.key === key);
      if (!entry || entry.check.kind !== 'hookable') return undefined;
      for (const [path, was] of entry.files) if (identity(path) !== was) return undefined;
      return { kind: 'hookable', interpreters: [...entry.check.interpreters], ...(entry.check.resolved !== undefined ? { resolved: entry.check.resolved } : {}) };
    } catch {
      return undefined;
    }
  }

  /** Remembers a hookable verdict whose files have all settled. Never throws. */
  put(q: VerdictQuestion, check: ProgramCheck): void {
    if (check.kind !== 'hookable' || check.resolved === undefined) return;
    if (q.path === null || q.path === undefined || this.noNewPrivs() !== false) return;
    try {
      const now = this.now();
      const paths = dependsOn(q, q.path, check);
      if (paths.some((p) => isRecent(p, now))) return;
      const entry: Entry = { key: keyOf(q), files: paths.map((p) => [p, identity(p)]), check: { kind: 'hookable', interpreters: check.interpreters, resolved: check.resolved } };
      const entries = this.load().entries.filter((e) => e.key !== entry.key);
      entries.push(entry);
      const kept: CacheFile = { format: FORMAT, entries: entries.slice(-MAX_ENTRIES) };
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify(kept), { mode: 0o600 });
      renameSync(tmp, this.file);
      this.read = kept;
    } catch {
      // a read-only home: every run asks the checker
    }
  }

  private load(): CacheFile {
    if (this.read) return this.read;
    let parsed: CacheFile = { format: FORMAT, entries: [] };
    try {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as CacheFile;
      if (raw && raw.format === FORMAT && Array.isArray(raw.entries)) parsed = { format: FORMAT, entries: raw.entries.filter(wellFormed) };
    } catch {
      // none yet, or unreadable: empty
    }
    return (this.read = parsed);
  }
}

function wellFormed(e: Entry): boolean {
  return (
    typeof e === 'object' && e !== null && typeof e.key === 'string' && Array.isArray(e.files) &&
    e.files.every((f) => Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' && typeof f[1] === 'string') &&
    typeof e.check === 'object' && e.check !== null && e.check.kind === 'hookable' && Array.isArray(e.check.interpreters) &&
    e.check.interpreters.every((i) => typeof i === 'string') && (e.check.resolved === undefined || typeof e.check.resolved === 'string')
  );
}

/** The cache the launcher uses, or undefined when turned off. */
export function defaultVerdictCache(): VerdictCache | undefined {
  if (process.env.SOCKSWRAP_CHECK_CACHE === '0') return undefined;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return new VerdictCache(join(base, 'sockswrap', 'program-verdicts.json'));
}
