import { spawn } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { leaveMarker } from './leave-marker';
import { locateShim } from './shim-locator';
import { escapeControl } from '../log/terminal-text';

/** Signals passed on to the program. SIGINT is not: Ctrl-C already reaches the whole process group. */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

export type ProgramExit = { code: number } | { signal: NodeJS.Signals };

/** Run the program through the exec helper (the seccomp supervisor): the helper, and the file it execs. */
export interface Supervision { helper: string; resolved: string }

/** The shim to preload: built from source in a clone, or the package's prebuilt one (shim-locator.ts). */
export function shimPath(): string {
  return locateShim().path;
}

/**
 * The shim's path as LD_PRELOAD can carry it. ld.so splits LD_PRELOAD on spaces and colons, and a
 * path it cannot use is skipped with a warning while the program runs unhooked: so an install
 * path with either gets a link in the run's private directory instead.
 */
export function preloadablePath(shim: string, privateDir: string): string {
  const unsafe = /[\s:]/;
  if (!unsafe.test(shim)) return shim;
  const link = join(privateDir, 'libsockswrap.so');
  if (unsafe.test(link)) throw new Error(`cannot preload the shim: both ${shim} and ${link} contain a space or colon`);
  symlinkSync(shim, link);
  return link;
}

/** Throws, with one line saying what is missing or wrong, unless the shim is there and of this version. */
export function assertShimBuilt(): void {
  const { problem } = locateShim();
  if (problem !== undefined) throw new Error(problem);
}

/**
 * Runs the program with the shim preloaded and the agent's address in its environment, passing
 * signals on, and reports how it ended. 127/126 as a shell would for a missing or unrunnable program.
 */
export function runProgram(program: string, args: string[], agentEnv: Record<string, string>, preload: string, supervise?: Supervision, resolved?: string): Promise<ProgramExit> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('SOCKSWRAP_')) env[key] = value;
  // Moved aside by bin/sockswrap (node would have started as a cluster worker): back as it was.
  const uniqueId = process.env.SOCKSWRAP_NODE_UNIQUE_ID;
  if (uniqueId !== undefined && env.NODE_UNIQUE_ID === undefined) env.NODE_UNIQUE_ID = uniqueId;
  // Run inside a session (a shell in shell mode), this process is hooked: the marker tells its exec
  // hook that the program belongs to this run's agent, not the session's (leave-marker.ts).
  Object.assign(env, agentEnv, leaveMarker());
  // A supervised program is not preloaded: the exec helper must not be (its own connects would be
  // hooked), and what the program execs stays under the filter (docs/seccomp.md).
  const preloads = [supervise ? undefined : preload, process.env.LD_PRELOAD].filter(Boolean).join(':');
  if (preloads) env.LD_PRELOAD = preloads;
  else delete env.LD_PRELOAD;

  return new Promise((resolve) => {
    const child = supervise
      ? spawn(supervise.helper, [supervise.resolved, program, ...args], { stdio: 'inherit', env, argv0: 'sockswrap-exec' })
      // The file the program check judged (PATH searched as the checker searched it), with the
      // command as argv[0]: not a second search, whose answer could differ.
      : spawn(resolved ?? program, args, { stdio: 'inherit', env, argv0: program });
    const forward = (signal: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const ignoreInterrupt = () => {};
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    process.on('SIGINT', ignoreInterrupt);
    const done = (exit: ProgramExit) => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      process.off('SIGINT', ignoreInterrupt);
      resolve(exit);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return; // spawned; 'exit' follows
      const missing = err.code === 'ENOENT';
      process.stderr.write(`sockswrap: ${escapeControl(program)}: ${missing ? 'command not found' : `cannot execute: ${err.code ?? err.message}`}\n`);
      done({ code: missing ? 127 : 126 });
    });
    child.once('exit', (code, signal) => done(signal ? { signal } : { code: code ?? 1 }));
  });
}

/** Ends this process the way the program ended: same exit code, or death by the same signal. */
export function exitLike(exit: ProgramExit): never | void {
  if ('code' in exit) process.exit(exit.code);
  const { signal } = exit;
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  // Signals Node ignores (SIGPIPE) or that did not kill us: the shell convention.
  setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
}
