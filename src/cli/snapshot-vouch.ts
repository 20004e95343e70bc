/**
 * Vouching for the start-up snapshot on this machine (docs/packaging.md, "Start-up snapshot").
 * bin/sockswrap starts node from dist/snapshot/sockswrap.blob only when dist/snapshot/node-path
 * names the node it would run and the blob is newer than that node. `npm run build` writes both;
 * a packed install has the blob (built by the packing machine's Node, dated 1985 by npm) but no
 * node-path, so its normal starts run this, once the program has exited: if node.json says the
 * blob is of this Node's version and arch, one trial start from it (`--version`) must print what
 * this process prints; then node-path is written and the blob's date set to now. Anything else —
 * another Node, a failed trial, a read-only install — leaves the normal start in place.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SnapshotFiles {
  blob: string;
  nodeJson: string;
  nodePath: string;
  /** bin/sockswrap.js, the argv[1] a snapshot start is given. */
  bin: string;
}

export function snapshotFiles(root: string): SnapshotFiles {
  const dir = join(root, 'dist', 'snapshot');
  return { blob: join(dir, 'sockswrap.blob'), nodeJson: join(dir, 'node.json'), nodePath: join(dir, 'node-path'), bin: join(root, 'bin', 'sockswrap.js') };
}

/**
 * Whether bin/sockswrap would start `node` from the blob (its test, in TypeScript): node-path
 * names the same file, the blob is newer than that node and not newer than node-path (a blob
 * changed since it was vouched for, say a truncated or corrupt one, is not taken).
 */
export function snapshotVouched(files: SnapshotFiles, node: string): boolean {
  try {
    const built = readFileSync(files.nodePath, 'utf8').split('\n')[0];
    const a = statSync(node);
    const b = statSync(built);
    const blob = statSync(files.blob).mtimeMs;
    return a.dev === b.dev && a.ino === b.ino && blob > b.mtimeMs && blob <= statSync(files.nodePath).mtimeMs;
  } catch {
    return false;
  }
}

export type VouchOutcome = 'already' | 'vouched' | 'no blob' | 'other node' | 'trial failed' | 'not writable' | 'off';

/** `expected`: what `sockswrap --version` prints and its status, from this (normal) start. Never throws. */
export function vouchForSnapshot(root: string, expected: () => { text: string; ok: boolean }): VouchOutcome {
  if (process.env.SOCKSWRAP_SNAPSHOT === '0' || process.env.NODE_OPTIONS) return 'off';
  const files = snapshotFiles(root);
  let node: string;
  try {
    node = realpathSync(process.execPath);
    if (snapshotVouched(files, node)) return 'already';
    const built = JSON.parse(readFileSync(files.nodeJson, 'utf8')) as { version?: string; arch?: string };
    if (built.version !== process.version || built.arch !== process.arch) return 'other node';
    statSync(files.blob);
  } catch {
    return 'no blob';
  }
  let want;
  try {
    want = expected();
  } catch {
    return 'trial failed';
  }
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const trial = spawnSync(node, ['--snapshot-blob', files.blob, files.bin, '--version'], { encoding: 'utf8', env, timeout: 30_000 });
  if (trial.status !== (want.ok ? 0 : 1) || trial.stdout !== want.text) return 'trial failed';
  try {
    // node-path first, then the blob dated as node-path (the kernel's file clock is coarser than
    // Date's: a blob dated "now" could be newer than a node-path written after it).
    const tmp = `${files.nodePath}.${process.pid}`;
    writeFileSync(tmp, `${node}\n`);
    renameSync(tmp, files.nodePath);
    // In whole milliseconds, rounded down: never later than node-path.
    const seconds = Math.floor(statSync(files.nodePath).mtimeMs) / 1000;
    utimesSync(files.blob, seconds, seconds);
  } catch {
    return 'not writable';
  }
  return snapshotVouched(files, node) ? 'vouched' : 'not writable';
}
