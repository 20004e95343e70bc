/**
 * `sockswrap serve --daemon` and `--stop`: the server in the background, found again by a pid
 * file. Files live in a directory only this user can use, $XDG_RUNTIME_DIR/sockswrap-serve (or
 * $TMPDIR/sockswrap-serve-UID), one pid file and one log per listen address:
 *   serve-127.0.0.1-1080.pid   the daemon's pid, written by the daemon once it listens
 *   serve-127.0.0.1-1080.log   its stderr (the log lines; -v for one per connection)
 * The pid file is trusted only while /proc/PID/cmdline is still a `sockswrap serve`, so a pid
 * reused by another program after a crash is never signalled.
 */
import { spawn } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Set in the daemon's environment so it knows to report to its parent and write its pid file. */
export const DAEMON_ENV = 'SOCKSWRAP_SERVE_DAEMON';

export function stateDir(): string {
  const uid = process.getuid?.() ?? 0;
  const runtime = process.env.XDG_RUNTIME_DIR;
  const dir = runtime ? join(runtime, 'sockswrap-serve') : join(tmpdir(), `sockswrap-serve-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  // In a shared /tmp someone else could have made it first: use it only if it is ours alone.
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new Error(`${dir} is not a directory owned by uid ${uid} with mode 0700; remove it or set XDG_RUNTIME_DIR`);
  }
  return dir;
}

function baseName(host: string, port: number): string {
  return `serve-${host.replace(/:/g, '_')}-${port}`;
}

export function pidFile(host: string, port: number): string {
  return join(stateDir(), `${baseName(host, port)}.pid`);
}

export function logFile(host: string, port: number): string {
  return join(stateDir(), `${baseName(host, port)}.log`);
}

/** The running daemon's pid for this address, or undefined (no file, dead, or not ours). */
export function runningDaemon(host: string, port: number): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile(host, port), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!argv.includes('serve') || !argv.some((a) => a.includes('sockswrap'))) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

/** Written by the daemon itself once it listens (atomically: a reader never sees half a pid). */
export function writePidFile(host: string, port: number): () => void {
  const path = pidFile(host, port);
  const tmp = `${path}.${process.pid}`;
  writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch { /* gone already */ }
  };
}

/**
 * Starts `sockswrap serve ARGS` detached and resolves once it listens (the daemon says so over
 * IPC and lets go), or rejects with what it wrote to its log if it exits first.
 */
export function startDaemon(argv: string[], host: string, port: number, extraEnv: Record<string, string> = {}): Promise<{ pid: number; log: string; listening: string }> {
  const log = logFile(host, port);
  const fd = openSync(log, 'a', 0o600);
  const started = Date.now();
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], 'serve', ...argv], {
    detached: true,
    stdio: ['ignore', fd, fd, 'ipc'],
    env: { ...process.env, ...extraEnv, [DAEMON_ENV]: '1' },
  });
  closeSync(fd);
  return new Promise((resolve, reject) => {
    child.once('message', (m: { listening?: string }) => {
      child.disconnect();
      child.unref();
      resolve({ pid: child.pid!, log, listening: String(m.listening) });
    });
    child.once('exit', (code, signal) => {
      let text = '';
      try {
        text = readFileSync(log, 'utf8');
      } catch { /* none */ }
      // Only what this start wrote: the log is appended to across runs.
      const lines = text.split('\n').filter((l) => l.trim());
      const tail = lines.slice(-5).join('\n');
      reject(Object.assign(new Error(`the daemon exited (${code ?? signal}) before listening${tail ? `:\n${tail}` : ''}`), { exitCode: code ?? 1, started }));
    });
  });
}

/** SIGTERM to the daemon for this address; resolves once it is gone. */
export async function stopDaemon(host: string, port: number): Promise<number | undefined> {
  const pid = runningDaemon(host, port);
  if (pid === undefined) return undefined;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return pid;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pid ${pid} did not stop within 5 s of SIGTERM`);
}
