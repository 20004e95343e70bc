/**
 * Can LD_PRELOAD reach this program? Decided before the launcher execs it, from the file itself:
 *
 *   - statically linked (an ELF without PT_INTERP): no dynamic loader, so no preload at all;
 *   - Go (a `.go.buildinfo` / `.note.go.buildid` section or a "Go" build-ID note): Go makes its
 *     system calls itself, even when dynamically linked;
 *   - setuid / setgid to someone else, or file capabilities (for a caller other than root): the
 *     kernel marks the exec secure and the loader drops LD_PRELOAD;
 *   - an ELF for another architecture or word size: the shim cannot be loaded into it;
 *   - executable but unreadable: cannot be inspected, so fail closed.
 *
 * Scripts are judged by their `#!` interpreter (following `/usr/bin/env NAME` through PATH).
 * native-shims/exec-guard.c makes the same checks, in C, for every later exec of the process
 * tree. Node cannot read extended attributes, so for file capabilities this asks the shim's
 * small checker (build/sockswrap-exec-check), and only when the caller is not root: for root,
 * file capabilities do not make an exec secure.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { escapeControl } from '../log/terminal-text';

export type UnhookedKind = 'static' | 'go' | 'setuid' | 'setgid' | 'caps' | 'foreign' | 'unreadable';

export interface Unhooked {
  kind: UnhookedKind;
  /** The file the verdict is about: the program, or the interpreter of a script. */
  file: string;
  /** Why LD_PRELOAD cannot reach it, as a phrase: "is statically linked: ...". */
  why: string;
}

export interface ProgramCheck {
  /** The file that will be executed; undefined when it is not found (spawn then reports 127). */
  resolved?: string;
  /** Set when sockswrap cannot proxy it. */
  unhooked?: Unhooked;
  /** The script interpreters followed, outermost first. */
  interpreters: string[];
}

export interface CheckOptions {
  /** PATH used to find a bare command name (default: process.env.PATH). */
  path?: string;
  cwd?: string;
  /** The sockswrap-exec-check program, for file capabilities; skipped when missing. */
  execCheck?: string;
}

const WHY: Record<UnhookedKind, string> = {
  static: 'is statically linked: it makes system calls without the dynamic loader, so LD_PRELOAD never reaches it',
  go: 'is a Go program: Go makes its network system calls directly, not through libc',
  setuid: 'is setuid: the dynamic loader ignores LD_PRELOAD for it',
  setgid: 'is setgid: the dynamic loader ignores LD_PRELOAD for it',
  caps: 'has file capabilities: the dynamic loader ignores LD_PRELOAD for it',
  foreign: 'is built for another architecture or word size: the shim cannot be loaded into it',
  unreadable: 'cannot be read, so sockswrap cannot tell whether LD_PRELOAD would reach it',
};

const MAX_INTERPRETER_DEPTH = 4; // the kernel's own limit on nested #!
const MAX_HEADERS = 4096;
const PT_INTERP = 3;
const PT_NOTE = 4;
const NT_GO_BUILD_ID = 4;

/** ELF e_machine of the architecture this Node (and so the shim built next to it) runs on. */
const MACHINE_BY_ARCH: Record<string, number> = {
  x64: 62, arm64: 183, ia32: 3, arm: 40, riscv64: 243, ppc64: 21, s390x: 22, loong64: 258, mips64el: 8,
};
const BITS64 = new Set(['x64', 'arm64', 'riscv64', 'ppc64', 's390x', 'loong64', 'mips64el']);

/** The PATH search of execvp: the first executable regular file. */
export function resolveProgram(command: string, opts: CheckOptions = {}): string | undefined {
  const cwd = opts.cwd ?? process.cwd();
  if (command.includes('/')) return resolve(cwd, command);
  const dirs = (opts.path ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter);
  for (const dir of dirs) {
    const candidate = resolve(cwd, dir === '' ? '.' : dir, command);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next entry
    }
  }
  return undefined;
}

export function checkProgram(command: string, opts: CheckOptions = {}): ProgramCheck {
  const resolved = resolveProgram(command, opts);
  const result: ProgramCheck = { resolved, interpreters: [] };
  if (resolved !== undefined) result.unhooked = checkFile(resolved, 0, opts, result.interpreters);
  return result;
}

/** One line for the user: what the program is, why it cannot be proxied, what happens now. */
export function describeUnhooked(command: string, check: ProgramCheck, allowed: boolean): string {
  const u = check.unhooked!;
  const what =
    u.file === check.resolved
      ? `${command}${check.resolved !== command ? ` (${check.resolved})` : ''} ${u.why}`
      : `${command} is a script run by ${u.file}, which ${u.why}`;
  return allowed
    ? `sockswrap: warning: ${what}; running it anyway (--allow-unhooked): its traffic is NOT proxied`
    : `sockswrap: ${what}. Not running it: its traffic could not be forced through the proxy (--allow-unhooked runs it anyway, unproxied)`;
}

function unhooked(kind: UnhookedKind, file: string): Unhooked {
  return { kind, file, why: WHY[kind] };
}

function checkFile(file: string, depth: number, opts: CheckOptions, interpreters: string[]): Unhooked | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' && executable(file)) return unhooked('unreadable', file);
    return undefined; // the exec fails with its own error
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const head = Buffer.alloc(256);
    let got: number;
    try {
      got = readSync(fd, head, 0, head.length, 0);
    } catch {
      return unhooked('unreadable', file);
    }
    if (got >= 2 && head[0] === 0x23 && head[1] === 0x21) {
      if (depth >= MAX_INTERPRETER_DEPTH) return undefined; // ELOOP from the kernel
      const interpreter = scriptInterpreter(head.subarray(0, got), opts);
      if (interpreter === undefined) return undefined;
      interpreters.push(interpreter);
      return checkFile(interpreter, depth + 1, opts, interpreters);
    }
    if (got >= 4 && head.readUInt32BE(0) === 0x7f454c46) return checkElf(fd, file, head.subarray(0, got), st, opts);
    return undefined; // not ELF, not #!: ENOEXEC, or a shell runs it (and the shim checks that)
  } finally {
    closeSync(fd);
  }
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The program a `#!` line runs. The kernel takes the first word after `#!` as a path (relative
 * to the cwd when not absolute); `/usr/bin/env [-opts] [VAR=x] NAME` then looks NAME up in PATH.
 */
function scriptInterpreter(head: Buffer, opts: CheckOptions): string | undefined {
  let end = head.indexOf(0x0a);
  if (end < 0) end = head.length;
  const words = head.subarray(2, end).toString('latin1').replace(/\0.*$/s, '').trim().split(/[ \t]+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const interpreter = isAbsolute(words[0]) ? words[0] : resolve(opts.cwd ?? process.cwd(), words[0]);
  if (!/(^|\/)env$/.test(interpreter) || words.length < 2) return interpreter;
  // env's own options and VAR=value assignments come before the program; -S splits the rest.
  const rest = words.slice(1).filter((w) => !w.startsWith('-') && !w.includes('='));
  if (rest.length === 0) return interpreter;
  return resolveProgram(rest[0], opts) ?? interpreter;
}

/** Reads fixed-width unsigned integers in the file's byte order. */
class ElfReader {
  constructor(
    private readonly fd: number,
    readonly is64: boolean,
    private readonly le: boolean,
  ) {}

  read(position: number, length: number): Buffer | undefined {
    if (!Number.isSafeInteger(position) || position < 0) return undefined;
    const buf = Buffer.alloc(length);
    try {
      return readSync(this.fd, buf, 0, length, position) === length ? buf : undefined;
    } catch {
      return undefined;
    }
  }

  u16(b: Buffer, at: number): number {
    return this.le ? b.readUInt16LE(at) : b.readUInt16BE(at);
  }

  u32(b: Buffer, at: number): number {
    return this.le ? b.readUInt32LE(at) : b.readUInt32BE(at);
  }

  /** A word: 4 bytes in ELFCLASS32, 8 in ELFCLASS64 (as a Number; file offsets fit). */
  word(b: Buffer, at: number): number {
    if (!this.is64) return this.u32(b, at);
    return Number(this.le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
  }
}

function checkElf(
  fd: number,
  file: string,
  head: Buffer,
  st: { mode: number; uid: number; gid: number; dev: number; ino: number },
  opts: CheckOptions,
): Unhooked | undefined {
  const klass = head[4]; // 1: 32-bit, 2: 64-bit
  const data = head[5]; // 1: little-endian, 2: big-endian
  const wantClass = BITS64.has(process.arch) ? 2 : 1;
  const wantData = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 2;
  if (klass !== wantClass || data !== wantData) return unhooked('foreign', file);
  const is64 = klass === 2;
  if (head.length < (is64 ? 64 : 52)) return unhooked('foreign', file);
  const r = new ElfReader(fd, is64, data === 1);
  const type = r.u16(head, 16);
  if (type !== 2 && type !== 3) return undefined; // not ET_EXEC/ET_DYN: the kernel refuses it
  const machine = r.u16(head, 18);
  const native = MACHINE_BY_ARCH[process.arch];
  if (native !== undefined && machine !== native) return unhooked('foreign', file);

  const privileged = privilegeVerdict(file, st, opts);
  if (privileged) return privileged;

  const phoff = r.word(head, is64 ? 32 : 28);
  const shoff = r.word(head, is64 ? 40 : 32);
  const phentsize = r.u16(head, is64 ? 54 : 42);
  const phnum = r.u16(head, is64 ? 56 : 44);
  const shentsize = r.u16(head, is64 ? 58 : 46);
  const shnum = r.u16(head, is64 ? 60 : 48);
  const shstrndx = r.u16(head, is64 ? 62 : 50);
  if (phentsize !== (is64 ? 56 : 32)) return undefined; // not loadable; execve says so

  let interp = false;
  let go = false;
  const table = r.read(phoff, Math.min(phnum, MAX_HEADERS) * phentsize);
  if (table) {
    for (let i = 0; i < Math.min(phnum, MAX_HEADERS); i++) {
      const at = i * phentsize;
      const ptype = r.u32(table, at);
      if (ptype === PT_INTERP) interp = true;
      if (ptype === PT_NOTE && !go) {
        const offset = r.word(table, at + (is64 ? 8 : 4));
        const filesz = r.word(table, at + (is64 ? 32 : 16));
        const notes = r.read(offset, Math.min(filesz, 512));
        if (notes && hasGoNote(r, notes)) go = true;
      }
    }
  }
  if (!interp && !isDynamicLoader(st)) return unhooked('static', file);
  if (go || hasGoSection(r, shoff, shentsize, shnum, shstrndx)) return unhooked('go', file);
  return undefined;
}

function hasGoNote(r: ElfReader, notes: Buffer): boolean {
  let at = 0;
  while (at + 12 <= notes.length) {
    const namesz = r.u32(notes, at);
    const descsz = r.u32(notes, at + 4);
    const type = r.u32(notes, at + 8);
    if (namesz > notes.length || descsz > notes.length) return false;
    const name = notes.subarray(at + 12, at + 12 + namesz);
    if (type === NT_GO_BUILD_ID && name.length === namesz && name.toString('latin1').replace(/\0+$/, '') === 'Go') return true;
    at += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3);
  }
  return false;
}

function hasGoSection(r: ElfReader, shoff: number, shentsize: number, shnum: number, shstrndx: number): boolean {
  const size = r.is64 ? 64 : 40;
  if (shoff === 0 || shentsize !== size || shstrndx >= shnum) return false;
  const count = Math.min(shnum, MAX_HEADERS);
  const table = r.read(shoff, count * size);
  if (!table || shstrndx >= count) return false;
  const strOffset = r.word(table, shstrndx * size + (r.is64 ? 24 : 16));
  const strSize = r.word(table, shstrndx * size + (r.is64 ? 32 : 20));
  const names = r.read(strOffset, Math.min(strSize, 1 << 20));
  if (!names) return false;
  for (let i = 0; i < count; i++) {
    const nameAt = r.u32(table, i * size);
    if (nameAt >= names.length) continue;
    let end = names.indexOf(0, nameAt);
    if (end < 0) end = names.length;
    const name = names.toString('latin1', nameAt, end);
    if (name === '.go.buildinfo' || name === '.note.go.buildid') return true;
  }
  return false;
}

/** As the kernel decides AT_SECURE, simplified: another effective id, or capabilities for a non-root caller. */
function privilegeVerdict(
  file: string,
  st: { mode: number; uid: number; gid: number },
  opts: CheckOptions,
): Unhooked | undefined {
  if (noNewPrivs()) return undefined; // the kernel ignores set-id bits and file capabilities
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (st.mode & 0o4000 && st.uid !== uid) return unhooked('setuid', file);
  if (st.mode & 0o2000 && st.mode & constants.S_IXGRP && st.gid !== gid) return unhooked('setgid', file);
  if (uid !== 0 && opts.execCheck && existsSync(opts.execCheck)) {
    const r = spawnSync(opts.execCheck, [file], { encoding: 'utf8', timeout: 5000 });
    if (r.stdout?.startsWith('caps\t')) return unhooked('caps', file);
  }
  return undefined;
}

let cachedNoNewPrivs: boolean | undefined;
function noNewPrivs(): boolean {
  if (cachedNoNewPrivs === undefined) {
    try {
      cachedNoNewPrivs = /^NoNewPrivs:\s*1$/m.test(readFileSync('/proc/self/status', 'utf8'));
    } catch {
      cachedNoNewPrivs = false;
    }
  }
  return cachedNoNewPrivs;
}

/** The dynamic loader has no PT_INTERP, but as a program (ld.so ./prog) it honours LD_PRELOAD. */
let loaderId: string | null | undefined;
function isDynamicLoader(st: { dev: number; ino: number }): boolean {
  if (loaderId === undefined) {
    loaderId = null;
    for (const candidate of ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1', '/lib/ld-linux-armhf.so.3', '/lib/ld-linux.so.2', '/lib/ld-linux-riscv64-lp64d.so.1', '/lib64/ld64.so.2', '/lib/ld64.so.1']) {
      try {
        const l = statSync(candidate);
        loaderId = `${l.dev}:${l.ino}`;
        break;
      } catch {
        // not this architecture
      }
    }
  }
  return loaderId === `${st.dev}:${st.ino}`;
}

/** Where the built checker lives, next to the shim. */
export function execCheckPath(shim: string): string {
  return join(shim, '..', 'sockswrap-exec-check');
}

/**
 * The launcher's gate: prints why and exits 126 (as a shell does for a program it cannot run)
 * when the program cannot be proxied, unless allowed; then only warns. Returns the variables the
 * program's environment needs so the shim's exec guard makes the same choice for its children.
 */
export function gateProgram(command: string, allowUnhooked: boolean, shim: string): Record<string, string> {
  const check = checkProgram(command, { execCheck: execCheckPath(shim) });
  if (check.unhooked) {
    process.stderr.write(escapeControl(describeUnhooked(command, check, allowUnhooked)) + '\n');
    if (!allowUnhooked) process.exit(126);
  }
  return allowUnhooked ? { SOCKSWRAP_ALLOW_UNHOOKED: '1' } : {};
}
