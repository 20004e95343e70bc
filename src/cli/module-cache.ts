/**
 * Start-up without the module system's per-run work (docs/benchmarks.md, "Start-up"): every run
 * of sockswrap loads the same ~120 CommonJS files, and Node spends a third of its start-up beyond
 * `node -e 0` resolving their names (a stat or more per require) and compiling them. So the first
 * run records, per file, V8's code cache (after start-up, so the functions that ran are in it) and
 * where each require resolved; later runs take both from one file, read once. What v8-compile-cache
 * does, in ~100 lines, for our own package only.
 *
 * The cache is keyed by the Node version and by dist/ as built (the mtime of main.js: a build
 * empties dist/), and checked per file (size, mtime); anything unexpected — a rejected code
 * cache, an unreadable or foreign file — falls back to Node's own loading. Where it lives:
 * $XDG_CACHE_HOME/sockswrap (or ~/.cache/sockswrap), 0700; SOCKSWRAP_MODULE_CACHE=0 turns it off.
 */
import Module from 'node:module';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { Script } from 'node:vm';

interface Entry {
  size: number;
  mtimeMs: number;
  data: Buffer;
}
interface CacheFile {
  key: string;
  code: Record<string, Entry>;
  resolved: Record<string, string>;
}

type Internal = typeof Module & {
  _resolveFilename(request: string, parent: Module | undefined, isMain: boolean, options?: unknown): string;
  wrap(code: string): string;
  prototype: { _compile(content: string, filename: string): unknown };
};

/**
 * Installs the hooks for modules under `root`; `mainFile` dates the build. `kind` names the cache
 * file: a start from the start-up snapshot loads only what is outside it (ffi-rs), and keeps its
 * own file, so the two kinds of start never overwrite each other's. Never throws.
 */
export function useModuleCache(root: string, mainFile: string, kind: 'modules' | 'outside-snapshot' = 'modules'): void {
  if (process.env.SOCKSWRAP_MODULE_CACHE === '0') return;
  // Read on the first require of one of our modules, not before: a start from the snapshot that
  // loads nothing outside it (the usual run, docs/benchmarks.md "Start-up") pays nothing here.
  let state: { key: string; file: string; cache: CacheFile } | null | undefined;
  const open = (): typeof state => {
    if (state !== undefined) return state;
    try {
      const key = `${process.version} ${process.arch} ${statSync(mainFile).mtimeMs}`;
      const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
      // One file per installed copy (its path hashed): two checkouts never overwrite each other's.
      const file = join(base, 'sockswrap', `${kind}-${process.version}-${fnv1a(root)}.bin`);
      let cache: CacheFile = { key, code: {}, resolved: {} };
      try {
        const read = decode(readFileSync(file));
        if (read.key === key) {
          cache = read;
          // Used: pruning (pruneCacheFiles) goes by the time of last use.
          try { utimesSync(file, new Date(), new Date()); } catch { /* read-only: still used */ }
        }
      } catch {
        // no cache yet, or an unreadable one: this run writes a new one
      }
      state = { key, file, cache };
    } catch {
      state = null;
    }
    return state;
  };
  let dirty = false;
  const scripts: [string, Script, Entry | undefined][] = [];
  const M = Module as Internal;
  const within = (f: string | undefined) => f !== undefined && f.startsWith(root + sep);

  // Written once start-up is over (the program is running): the code cache then holds the
  // functions start-up compiled. Only when something was new.
  const save = () => {
    if (!dirty || !state) return;
    dirty = false;
    try {
      const code: Record<string, Entry> = {};
      for (const [name, script, entry] of scripts) code[name] = { size: entry!.size, mtimeMs: entry!.mtimeMs, data: script.createCachedData() };
      mkdirSync(dirname(state.file), { recursive: true, mode: 0o700 });
      const tmp = `${state.file}.${process.pid}`;
      writeFileSync(tmp, encode({ key: state.key, code, resolved: state.cache.resolved }), { mode: 0o600 });
      renameSync(tmp, state.file);
      pruneCacheFiles(dirname(state.file), state.file);
    } catch {
      // a read-only home: every run loads as Node does
    }
  };
  let saveScheduled = false;
  const changed = () => {
    dirty = true;
    if (saveScheduled) return;
    saveScheduled = true;
    setTimeout(save, 200).unref();
    process.once('exit', save);
  };

  const resolve = M._resolveFilename;
  M._resolveFilename = function (request, parent, isMain, options) {
    if (!within(parent?.filename) || options !== undefined || request.startsWith('node:')) return resolve.call(this, request, parent, isMain, options);
    const st = open();
    if (!st) return resolve.call(this, request, parent, isMain, options);
    const at = `${dirname(parent!.filename)}\0${request}`;
    const known = st.cache.resolved[at];
    if (known !== undefined) return known;
    const found = resolve.call(this, request, parent, isMain, options);
    st.cache.resolved[at] = found;
    changed();
    return found;
  };

  const compile = M.prototype._compile;
  M.prototype._compile = function (this: Module, content: string, filename: string) {
    if (!within(filename)) return compile.call(this, content, filename);
    const st = open();
    if (!st) return compile.call(this, content, filename);
    let stat;
    try {
      stat = statSync(filename);
    } catch {
      return compile.call(this, content, filename);
    }
    const old = st.cache.code[filename];
    const usable = old && old.size === stat.size && old.mtimeMs === stat.mtimeMs ? old : undefined;
    const script = new Script(M.wrap(content), { filename, cachedData: usable?.data });
    if (!usable || script.cachedDataRejected) changed();
    scripts.push([filename, script, usable && !script.cachedDataRejected ? usable : { size: stat.size, mtimeMs: stat.mtimeMs, data: Buffer.alloc(0) }]);
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const mod = this;
    const req = ((id: string) => mod.require(id)) as NodeJS.Require;
    req.resolve = ((request: string, options?: { paths?: string[] }) => M._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
    req.main = require.main;
    req.cache = require.cache;
    return fn.call(mod.exports, mod.exports, req, mod, filename, dirname(filename));
  };
}

/** Cache files kept: one is written per installed copy and Node version, never read by another. */
export const KEPT_CACHE_FILES = 8;

/**
 * Removes all but the KEPT_CACHE_FILES most recently used cache files of `dir` (a file is touched
 * when a run reads it): copies that were removed, or upgraded, or test runs' temporary copies,
 * would otherwise leave theirs for ever (a few hundred kB each). One dropped too soon costs its
 * copy one start without the cache.
 */
export function pruneCacheFiles(dir: string, keep: string): void {
  try {
    const files = readdirSync(dir)
      .filter((name) => /^(modules|outside-snapshot)-.*\.bin$/.test(name))
      .map((name) => join(dir, name))
      .filter((file) => file !== keep)
      .map((file) => ({ file, mtimeMs: statSync(file).mtimeMs }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { file } of files.slice(KEPT_CACHE_FILES - 1)) unlinkSync(file);
  } catch {
    // another run pruning at the same time, or a read-only directory: left as it is
  }
}

/** `index length u32be | index (JSON) | code caches`: plain, so reading it loads no module. */
function encode(c: CacheFile): Buffer {
  const blobs: Buffer[] = [];
  const files: [string, number, number, number][] = [];
  for (const [name, e] of Object.entries(c.code)) {
    files.push([name, e.size, e.mtimeMs, e.data.length]);
    blobs.push(e.data);
  }
  const index = Buffer.from(JSON.stringify({ key: c.key, resolved: c.resolved, files }));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(index.length);
  return Buffer.concat([head, index, ...blobs]);
}

function decode(buf: Buffer): CacheFile {
  const length = buf.readUInt32BE(0);
  const index = JSON.parse(buf.subarray(4, 4 + length).toString()) as { key: string; resolved: Record<string, string>; files: [string, number, number, number][] };
  const code: Record<string, Entry> = {};
  let at = 4 + length;
  for (const [name, size, mtimeMs, n] of index.files) {
    code[name] = { size, mtimeMs, data: buf.subarray(at, at + n) };
    at += n;
  }
  if (at !== buf.length) throw new Error('truncated module cache');
  return { key: index.key, code, resolved: index.resolved };
}

/** A short stable name for a path (FNV-1a, 32 bits, hex): no crypto module at start-up. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
