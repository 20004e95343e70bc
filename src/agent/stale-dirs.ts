// The private 0700 directory of each run (control socket, shim link) is removed when the run
// ends, but kill -9 of the launcher leaves it behind. Each directory records its owner (pid, the
// process's start time and its pid namespace) in OWNER_FILE, and the next start removes those
// whose owner is verifiably gone. Verifiably: same uid, a real directory (not a link), an owner
// file that parses, our pid namespace (a pid from another namespace, a container sharing /tmp,
// says nothing here), and the pid either absent or now a different process (another start time).
// Anything else is left alone: a live run's directory must never go.
import { lstatSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DIR_PREFIX = 'sockswrap-';
export const OWNER_FILE = 'owner';

interface Owner {
  pid: number;
  startTime: string;
  pidNamespace: string;
}

/** Writes this process's owner record into its private directory (0600, like the rest of it). */
export function writeOwner(dir: string): void {
  const me = ownerOf(process.pid);
  if (me) writeFileSync(join(dir, OWNER_FILE), `${me.pid} ${me.startTime} ${me.pidNamespace}\n`, { mode: 0o600, flag: 'wx' });
}

/**
 * Removes the stale run directories in `parent`; returns the paths removed. Never throws: a
 * directory that cannot be checked or removed is left as it is.
 */
export function removeStaleDirs(parent: string, keep?: string): string[] {
  const uid = process.getuid?.();
  const myNamespace = pidNamespace('self');
  if (uid === undefined || myNamespace === undefined) return [];
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(parent, name);
    if (dir === keep) continue;
    try {
      const st = lstatSync(dir);
      if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o777) !== 0o700) continue;
      const recorded = readOwner(join(dir, OWNER_FILE), uid);
      if (!recorded || recorded.pidNamespace !== myNamespace) continue;
      const now = ownerOf(recorded.pid);
      if (now && now.startTime === recorded.startTime) continue; // alive
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Raced with its owner's own cleanup, or unreadable: not ours to judge.
    }
  }
  return removed;
}

function readOwner(file: string, uid: number): Owner | undefined {
  const st = lstatSync(file);
  if (!st.isFile() || st.uid !== uid || st.size > 256) return undefined;
  const m = /^([1-9][0-9]{0,9}) ([0-9]{1,20}) (pid:\[[0-9]+\])\n$/.exec(readFileSync(file, 'utf8'));
  return m ? { pid: Number(m[1]), startTime: m[2]!, pidNamespace: m[3]! } : undefined;
}

/** A live process's identity, or undefined when no process has this pid. */
function ownerOf(pid: number): Owner | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 22 (starttime); fields are counted after the command name, which may hold spaces and ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTime = fields[19];
  const ns = pidNamespace(String(pid));
  if (startTime === undefined || !/^[0-9]+$/.test(startTime) || ns === undefined) return undefined;
  return { pid, startTime, pidNamespace: ns };
}

function pidNamespace(pid: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}
