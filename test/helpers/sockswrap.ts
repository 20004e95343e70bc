// Running sockswrap (the built CLI) inside a lab's client namespace.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Lab, RunOptions, RunResult } from './net-lab';

export const REPO = join(__dirname, '..', '..', '..');
export const SOCKSWRAP = join(REPO, 'bin', 'sockswrap.js');

/** Why sockswrap cannot run yet (not built), or undefined. */
export function sockswrapMissing(): string | undefined {
  if (!existsSync(join(REPO, 'dist', 'src', 'cli', 'main.js'))) return 'dist/src/cli/main.js missing: run `npm run build`';
  return undefined;
}

/**
 * The command line that runs sockswrap. SOCKSWRAP_E2E_CMD (a program path) replaces
 * `node bin/sockswrap.js`; it exists only to check the tests themselves against a reference
 * implementation (a proxychains4 adapter) and is unset in normal runs.
 */
export function sockswrapArgv(args: string[]): string[] {
  const alt = process.env.SOCKSWRAP_E2E_CMD;
  return alt ? [alt, ...args] : [process.execPath, SOCKSWRAP, ...args];
}

/** `sockswrap args...` in the client ns. */
export function sockswrap(lab: Lab, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return lab.run(lab.client, sockswrapArgv(args), { timeoutMs: 60_000, ...opts });
}

export function spawnSockswrap(lab: Lab, args: string[]): ChildProcess {
  return lab.spawn(lab.client, sockswrapArgv(args), { stdio: ['ignore', 'pipe', 'pipe'], cwd: lab.dir });
}

/** A readable summary of a result for assertion messages. */
export function describe(r: RunResult): string {
  const out = r.stdout.length > 400 ? `${r.stdout.length} bytes` : JSON.stringify(r.stdout.toString('utf8'));
  return `status=${r.status} signal=${r.signal}${r.timedOut ? ' TIMED OUT' : ''} stdout=${out} stderr=${JSON.stringify(r.stderr.slice(0, 2000))}`;
}

/** Lines from a child's stdout, as they come. */
export function lineReader(child: ChildProcess): (pred: (l: string) => boolean, ms?: number) => Promise<string> {
  let buf = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    for (const w of waiters.splice(0)) w();
  });
  return (pred, ms = 20_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching line in ${ms} ms: ${buf}`)), ms);
      const check = () => {
        // Only whole lines: a chunk can end in the middle of one.
        const line = buf.split('\n').slice(0, -1).find((l) => pred(l));
        if (line !== undefined) {
          clearTimeout(timer);
          resolve(line);
        } else waiters.push(check);
      };
      check();
    });
}
