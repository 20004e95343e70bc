// What every peer starter does with the process it started (peers.ts, upstream-peers.ts,
// loopback-peers.ts): keep its output for failure messages, fail if it exits while being waited
// for, and stop it politely (SIGTERM lets danted take its io-children down; SIGKILL would orphan
// them), by force only if it does not go.
import type { ChildProcess } from 'node:child_process';

/** Everything the child writes (stdout and stderr), for failure messages. */
export function collectOutput(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { out += b.toString(); });
  return () => out;
}

/** Rejects when the child exits: raced against "it is listening" while starting it. */
export function exitedEarly(child: ChildProcess, what: string, out: () => string): Promise<never> {
  return new Promise((_, reject) => {
    child.once('exit', (code, sig) => reject(new Error(`${what} exited early (${code ?? sig}): ${out()}`)));
  });
}

/** Stops the children: SIGTERM, then SIGKILL for one still there after 3 s. Resolves once all exited. */
export function stopper(...children: ChildProcess[]): () => Promise<void> {
  return () =>
    Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 3000).unref();
          }),
      ),
    ).then(() => undefined);
}
