// Programs the tests build from source (issue 14: programs LD_PRELOAD cannot reach), built once per
// source and mode and shared by every test file, worktree and run:
//   goProgram('static' | 'cgo')            test/fixtures/go-net/ with Debian's golang-go (stdlib
//                                          only, offline: GOPROXY=off, no GOFLAGS, its own
//                                          GOPATH/GOCACHE), CGO_ENABLED=0 or 1
//   cProgram('tcp-client', 'static' | 'dynamic')   test/fixtures/NAME.c with gcc (-static or not)
// A build lands in /tmp/sockswrap-builds/KEY/ where KEY hashes the sources, the mode and the
// compiler's version; it is made in a scratch directory and renamed into place, so concurrent
// builders never see half a program. elfLinking() says what a file really is (PT_INTERP).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readSync, closeSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bin } from './peer-gate';
import { REPO } from './sockswrap';

export const FIXTURES = join(REPO, 'test', 'fixtures');
const ROOT = process.env.SOCKSWRAP_BUILD_CACHE ?? '/tmp/sockswrap-builds';

export type GoLink = 'static' | 'cgo';
export type CLink = 'static' | 'dynamic';

/** The C fixtures built by cProgram, and what each needs beyond libc. */
const C_FIXTURES = {
  'tcp-client': [],
  'signal-storm': ['-pthread'],
  'bench-echo': ['-pthread'],
  'stall-exit': ['-pthread'],
  'udp-client': [],
  'racing-threads': ['-pthread'],
  'thread-handoff': ['-pthread'],
} as const satisfies Record<string, readonly string[]>;
export type CFixture = keyof typeof C_FIXTURES;

const versions = new Map<string, string>();
function version(tool: string, args: string[]): string {
  let v = versions.get(tool);
  if (v === undefined) {
    const r = spawnSync(bin(tool), args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr}`);
    v = r.stdout.split('\n')[0];
    versions.set(tool, v);
  }
  return v;
}

/** Builds into ROOT/KEY/NAME once: `make(dir)` writes dir/NAME; returns the program's path. */
function cached(key: string, name: string, make: (dir: string) => void): string {
  const final = join(ROOT, key);
  const program = join(final, name);
  if (existsSync(program)) return program;
  mkdirSync(ROOT, { recursive: true });
  const scratch = mkdtempSync(join(ROOT, `.${key}-`));
  try {
    make(scratch);
    try {
      renameSync(scratch, final);
    } catch (e) {
      // Another builder got there first: its program is the same one.
      if (!existsSync(program)) throw e;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return program;
}

function hashFiles(files: string[], extra: string[]): string {
  const h = createHash('sha256');
  for (const f of files.sort()) h.update(f).update('\0').update(readFileSync(f)).update('\0');
  for (const e of extra) h.update(e).update('\0');
  return h.digest('hex').slice(0, 16);
}

function check(r: ReturnType<typeof spawnSync>, what: string): void {
  if (r.error || r.status !== 0) throw new Error(`${what} failed (${r.error?.message ?? `status ${r.status}`}): ${String(r.stderr)}`);
}

/**
 * The go-net fixture (test/fixtures/go-net/main.go lists its commands), built static
 * (CGO_ENABLED=0: Go's own resolver, no libc at all) or with cgo (dynamically linked to libc,
 * libc's resolver; its network system calls are still Go's own).
 */
export function goProgram(link: GoLink): string {
  const src = join(FIXTURES, 'go-net');
  const files = readdirSync(src).filter((f) => f.endsWith('.go') || f === 'go.mod').map((f) => join(src, f));
  const key = `go-net-${link}-${hashFiles(files, [version('go', ['version']), link])}`;
  return cached(key, 'go-net', (dir) => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      GOPATH: join(ROOT, 'gopath'),
      GOCACHE: join(ROOT, 'gocache'),
      GOPROXY: 'off',
      GOSUMDB: 'off',
      GOFLAGS: '',
      GOWORK: 'off',
      GOTOOLCHAIN: 'local',
      GO111MODULE: 'on',
      CGO_ENABLED: link === 'cgo' ? '1' : '0',
    };
    const r = spawnSync(bin('go'), ['build', '-trimpath', '-o', join(dir, 'go-net'), '.'], { cwd: src, env, encoding: 'utf8', timeout: 600_000 });
    check(r, `go build (${link}) of ${src}`);
  });
}

/** A C fixture of test/fixtures/, linked static (gcc -static) or dynamic; -Wall -Wextra -Werror. */
export function cProgram(name: CFixture, link: CLink): string {
  const src = join(FIXTURES, `${name}.c`);
  const flags = ['-O2', '-Wall', '-Wextra', '-Werror', ...(link === 'static' ? ['-static'] : []), ...C_FIXTURES[name]];
  const key = `${name}-${link}-${hashFiles([src], [version('gcc', ['--version']), ...flags])}`;
  return cached(key, name, (dir) => {
    const r = spawnSync(bin('gcc'), [...flags, '-o', join(dir, name), src], { encoding: 'utf8', timeout: 120_000 });
    check(r, `gcc ${flags.join(' ')} ${src}`);
  });
}

/**
 * How an ELF file is linked: 'dynamic' when it names an interpreter (PT_INTERP: the dynamic
 * loader runs first, so LD_PRELOAD can reach it), else 'static'. 64-bit little-endian only.
 */
export function elfLinking(path: string): CLink {
  const fd = openSync(path, 'r');
  try {
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) throw new Error(`${path}: not a 64-bit little-endian ELF file`);
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (ph.readUInt32LE(i * phentsize) === 3 /* PT_INTERP */) return 'dynamic';
    return 'static';
  } finally {
    closeSync(fd);
  }
}
