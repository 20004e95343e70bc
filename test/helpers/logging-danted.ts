// danted on 127.0.0.1 with `log: connect`: its own log says which destinations it connected to,
// so tests can tell which proxy of a chain carried what without a fake proxy.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort, type RunningPeer } from './loopback-peers';

export interface LoggingDanted extends RunningPeer {
  /** Destination ports of the CONNECTs it carried, in order. */
  connects(): number[];
}

/** danted with `log: connect`, so its log names every destination it connected to. */
export async function startLoggingDanted(): Promise<LoggingDanted> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sw-danted-log-'));
  const log = join(dir, 'danted.log');
  writeFileSync(
    join(dir, 'danted.conf'),
    [
      `logoutput: ${log}`,
      `internal: 127.0.0.1 port = ${port}`,
      'external: 127.0.0.1',
      'socksmethod: none',
      'clientmethod: none',
      'user.privileged: root',
      'user.unprivileged: nobody',
      'client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }',
      'socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0',
      '  log: connect',
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn('/usr/sbin/danted', ['-f', join(dir, 'danted.conf'), '-p', join(dir, 'danted.pid')], { stdio: 'ignore' });
  await waitForPort(port);
  return {
    port,
    process: child,
    connects: () => {
      let text = '';
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        return [];
      }
      // "pass(1): tcp/connect [: 127.0.0.1.50320 127.0.0.1.31090 -> 127.0.0.1.52645 127.0.0.1.31091"
      return [...text.matchAll(/tcp\/connect \[: \S+ \S+ -> \S+ 127\.0\.0\.1\.(\d+)\s*$/gm)].map((m) => Number(m[1]));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      }),
  };
}

