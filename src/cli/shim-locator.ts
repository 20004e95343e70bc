/**
 * Which libsockswrap.so the launcher preloads, and whether it may (docs/packaging.md).
 *
 *   1. native-shims/build/libsockswrap.so: built from source, in a clone (`npm install`);
 *   2. prebuilds/linux-<arch>-<libc>/libsockswrap.so: carried by a packed sockswrap.
 *
 * A shim whose build identity (native-shims/core/shim-identity.c) names another version than this
 * launcher's package.json is refused: the wire between them is not versioned, and a mismatch
 * would otherwise show up as odd failures in the wrapped program. No usable shim means the
 * program is not run at all: never unproxied.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readFileHead } from '../native/file-head';
import { hostLibc } from '../native/ffi';
import { join } from 'node:path';

/**
 * The package root: dist/src/cli → ../../.. The start-up snapshot ran this module where it was
 * built, so its main function sets where the package is now (setPackageRoot).
 */
export let PACKAGE_ROOT = join(__dirname, '..', '..', '..');

export function setPackageRoot(root: string): void {
  PACKAGE_ROOT = root;
}

const SHIM = 'libsockswrap.so';
const IDENTITY_MARK = Buffer.from('@(#)sockswrap-shim ');

export interface ShimIdentity {
  version: string;
  /** The compiler's target triple, e.g. x86_64-linux-gnu. */
  target: string;
  compiler: string;
  /** First 12 hex digits of the sha256 of the shim's sources. */
  sources: string;
}

export interface ShimLocation {
  /** The shim to preload; when `problem` is set, the path it was expected at. */
  path: string;
  /** How it got there. */
  kind: 'source build' | 'prebuilt';
  /** linux-x64-gnu and the like: what this machine needs. */
  platform: string;
  /** Why it cannot be used, as one line; undefined when it can. */
  problem?: string;
  identity?: ShimIdentity;
}

export interface LocateOptions {
  root?: string;
  arch?: string;
  libc?: string;
  /** The launcher's own version (default: package.json's). */
  version?: string;
}

/** The launcher's version, from the package it belongs to. */
export function packageVersion(root = PACKAGE_ROOT): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

export { hostLibc } from '../native/ffi';

/** Where the identity is: an ELF note, which the linker puts right after the headers. */
const IDENTITY_WITHIN = 4096;

/**
 * The build identity embedded in a shim file, or undefined when it has none. Its first page, where
 * the note is (core/shim-identity.c); the whole file only when it is not there (a shim built with
 * the identity elsewhere), so that every start does not read 160 kB.
 */
export function readShimIdentity(file: string): ShimIdentity | undefined {
  const first = readFileHead(file, IDENTITY_WITHIN);
  const inHead = first.indexOf(IDENTITY_MARK);
  // Found with its terminating NUL inside the page, or else from the whole file.
  const bytes = inHead >= 0 && first.indexOf(0, inHead) >= 0 ? first : readFileSync(file);
  const at = bytes.indexOf(IDENTITY_MARK);
  if (at < 0) return undefined;
  const end = bytes.indexOf(0, at);
  const text = bytes.subarray(at + IDENTITY_MARK.length, end < 0 ? undefined : end).toString('latin1');
  const m = /^(\S+) (\S+) (.+) src ([0-9a-f]+)$/.exec(text);
  if (!m) return undefined;
  return { version: m[1], target: m[2], compiler: m[3], sources: m[4] };
}

export function describeIdentity(id: ShimIdentity): string {
  return `${id.version} for ${id.target}, built by ${id.compiler} from sources ${id.sources}`;
}

let cached: ShimLocation | undefined;

/** Finds the shim for this machine and checks it (cached for the default options). */
export function locateShim(opts: LocateOptions = {}): ShimLocation {
  const defaults = opts.root === undefined && opts.arch === undefined && opts.libc === undefined && opts.version === undefined;
  if (defaults && cached) return cached;
  const root = opts.root ?? PACKAGE_ROOT;
  // The C library is read off node's binary only when asked (a prebuilt, a message): ~1 ms of a start.
  let libc = opts.libc;
  const platformOf = () => `linux-${opts.arch ?? process.arch}-${(libc ??= hostLibc())}`;
  const built = join(root, 'native-shims', 'build', SHIM);
  let found: ShimLocation;
  if (existsSync(built)) {
    found = {
      path: built,
      kind: 'source build',
      get platform() {
        return platformOf();
      },
    };
  } else {
    const prebuilt = join(root, 'prebuilds', platformOf(), SHIM);
    if (existsSync(prebuilt)) found = { path: prebuilt, kind: 'prebuilt', platform: platformOf() };
    else found = { path: built, kind: 'source build', platform: platformOf(), problem: missingProblem(root, platformOf()) };
  }
  if (found.problem === undefined) found = checkIdentity(found, opts.version ?? packageVersion(root));
  if (defaults) cached = found;
  return found;
}

function missingProblem(root: string, platform: string): string {
  if (existsSync(join(root, 'native-shims', 'Makefile'))) {
    return `the shim is not built (${join(root, 'native-shims', 'build', SHIM)}): run \`npm run build\` (needs gcc and make)`;
  }
  let carried: string[] = [];
  try { carried = readdirSync(join(root, 'prebuilds')).sort(); } catch { /* none at all */ }
  return `no prebuilt shim for ${platform} in this package (it carries ${carried.join(', ') || 'none'}): ` +
    'build sockswrap from a clone of its repository with `npm install` (needs gcc and make) and run its bin/sockswrap.js';
}

function checkIdentity(found: ShimLocation, version: string): ShimLocation {
  let identity: ShimIdentity | undefined;
  try {
    identity = readShimIdentity(found.path);
  } catch (err) {
    return { ...found, problem: `cannot read the shim ${found.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  const rebuild = found.kind === 'source build' ? 'run `npm run build`' : 'reinstall sockswrap';
  if (identity === undefined) {
    return { ...found, problem: `the shim ${found.path} has no build identity (built by another version of sockswrap): ${rebuild}` };
  }
  if (identity.version !== version) {
    return {
      ...found, identity,
      problem: `the shim ${found.path} is version ${identity.version}, this launcher is ${version}: ${rebuild}`,
    };
  }
  // Not a spread: that would read the platform getter (hostLibc) on every start.
  found.identity = identity;
  return found;
}
