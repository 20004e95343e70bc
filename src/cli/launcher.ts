import { spawn } from 'node:child_process';
import { existsSync, fstatSync, readFileSync, symlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { leaveMarker } from './leave-marker';
import { locateShim } from './shim-locator';
import { escapeControl } from '../log/terminal-text';

/** Signals passed on to the program as they come (proxychains4's program is its own process, so
 * every signal sent to it reaches the program: `kill -USR1` for dd's progress, say). */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGALRM'];
/** Signals a terminal sends its whole foreground process group (Ctrl-C, Ctrl-\, a resize): when
 * sockswrap is in that group the program got them too, so they are passed on only otherwise. */
const TERMINAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGWINCH'];

/** Is this process in its terminal's foreground process group? (/proc/self/stat: pgrp and tpgid,
 * counted from the last ')', since the command name may hold spaces.) */
function inTerminalForeground(): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const [, , pgrp, , , tpgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(tpgid) > 0 && tpgid === pgrp;
  } catch {
    return false;
  }
}

/**
 * The signals sockswrap's own caller ignored (nohup; SIGINT for a script's background job), from
 * SOCKSWRAP_SIGIGN: bin/sockswrap reads them from /proc before node starts, since node sets every
 * signal back to its default, and its children's too. The program gets them ignored again (the
 * shim, or the exec helper, reads the variable: native-shims/core/ignored-signals.h).
 */
function ignoredOnEntry(): { hex?: string; signals: Set<NodeJS.Signals> } {
  const hex = process.env.SOCKSWRAP_SIGIGN;
  const signals = new Set<NodeJS.Signals>();
  if (hex === undefined || !/^[0-9a-f]{8,16}$/.test(hex)) return { signals };
  const low = parseInt(hex.slice(-8), 16);
  for (const [name, number] of Object.entries(constants.signals)) {
    if (number >= 1 && number <= 31 && (low >>> (number - 1)) & 1) signals.add(name as NodeJS.Signals);
  }
  return { hex, signals };
}

/** Above this, an inherited descriptor is not passed on (Node's stdio array has one entry per number). */
const MAX_PASSED_FD = 1023;

/**
 * The program's descriptors: 0-2, and those sockswrap's caller gave it above them, each under its
 * own number. Node marks what it inherited close-on-exec as it starts, so bin/sockswrap lists them
 * first (SOCKSWRAP_FDS); each is passed only if still open.
 */
function programStdio(): Array<'inherit' | 'ignore' | number> {
  const stdio: Array<'inherit' | 'ignore' | number> = ['inherit', 'inherit', 'inherit'];
  for (const word of (process.env.SOCKSWRAP_FDS ?? '').split(' ')) {
    const fd = Number(word);
    if (!Number.isInteger(fd) || fd < 3 || fd > MAX_PASSED_FD) continue;
    try {
      fstatSync(fd);
    } catch {
      continue;
    }
    while (stdio.length < fd) stdio.push('ignore');
    stdio[fd] = fd;
  }
  return stdio;
}

/**
 * From the start of main: a signal sockswrap's caller ignored (a hangup under nohup) must not end
 * this process while it loads its configuration or starts the agent, before runProgram takes it.
 */
export function holdIgnoredSignals(): void {
  const { signals } = ignoredOnEntry();
  for (const signal of [...FORWARDED_SIGNALS, ...TERMINAL_SIGNALS]) if (signals.has(signal)) process.on(signal, () => {});
}

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
  const ignored = ignoredOnEntry();
  if (ignored.hex !== undefined) env.SOCKSWRAP_SIGIGN = ignored.hex;
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

  // As a shell says it (bash: ": command not found", 127); Node's spawn would throw.
  if (program === '') {
    process.stderr.write('sockswrap: : command not found\n');
    return Promise.resolve({ code: 127 });
  }
  return new Promise((resolve) => {
    const stdio = programStdio();
    const child = supervise
      ? spawn(supervise.helper, [supervise.resolved, program, ...args], { stdio, env, argv0: 'sockswrap-exec' })
      // The file the program check judged (PATH searched as the checker searched it), with the
      // command as argv[0]: not a second search, whose answer could differ.
      : spawn(resolved ?? program, args, { stdio, env, argv0: program });
    const forward = (signal: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const forwardUnlessTerminal = (signal: NodeJS.Signals) => {
      if (!inTerminalForeground()) forward(signal);
    };
    // Ignored by the caller: held since the start of main (holdIgnoredSignals) and ignored by the
    // program itself, so not passed on.
    const handlers = [...FORWARDED_SIGNALS, ...TERMINAL_SIGNALS].filter((signal) => !ignored.signals.has(signal))
      .map((signal) => [signal, TERMINAL_SIGNALS.includes(signal) ? forwardUnlessTerminal : forward] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const done = (exit: ProgramExit) => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      resolve(exit);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return; // spawned; 'exit' follows
      const missing = err.code === 'ENOENT';
      // ENOENT for a file that is there: its #! interpreter (or ELF loader) is not (bash's words).
      const file = resolved ?? (program.includes('/') ? program : undefined);
      const why = !missing ? `cannot execute: ${err.code ?? err.message}`
        : file !== undefined && existsSync(file) ? 'cannot execute: required file not found (its #! interpreter or ELF loader is missing)' : 'command not found';
      process.stderr.write(`sockswrap: ${escapeControl(program)}: ${why}\n`);
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
