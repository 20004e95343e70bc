import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real peers on 127.0.0.1 for tests of the SOCKS client itself (no shim involved, so loopback
 * targets are fine here). Missing binaries fail under CI and skip elsewhere, naming the package.
 */
export function requireBinary(path: string, debianPackage: string, t?: { skip?(msg: string): void }): boolean {
  if (existsSync(path)) return true;
  const reason = `${path} not found: apt-get install ${debianPackage}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: a missing peer is a failure)`);
  process.stderr.write(`# skipped: ${reason}\n`);
  t?.skip?.(reason);
  return false;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RunningPeer {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** SIGTERM lets danted take its io-children down with it; SIGKILL would orphan them. */
function track(child: ChildProcess, port: number): RunningPeer {
  return {
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      }),
  };
}

export async function startMicrosocks(opts: { user?: string; password?: string } = {}): Promise<RunningPeer> {
  const port = await freePort();
  const args = ['-i', '127.0.0.1', '-p', String(port)];
  if (opts.user) args.push('-u', opts.user, '-P', opts.password ?? '');
  const child = spawn('/usr/bin/microsocks', args, { stdio: 'ignore' });
  await waitForPort(port);
  return track(child, port);
}

export async function startDanted(): Promise<RunningPeer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sw-danted-'));
  const conf = join(dir, 'danted.conf');
  writeFileSync(
    conf,
    [
      `logoutput: ${join(dir, 'danted.log')}`,
      `internal: 127.0.0.1 port = ${port}`,
      'external: 127.0.0.1',
      'socksmethod: none',
      'clientmethod: none',
      'user.privileged: root',
      'user.unprivileged: nobody',
      'client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }',
      'socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }',
      '',
    ].join('\n'),
  );
  const child = spawn('/usr/sbin/danted', ['-f', conf, '-p', join(dir, 'danted.pid')], { stdio: 'ignore' });
  await waitForPort(port);
  return track(child, port);
}

/** A TCP server on 127.0.0.1 whose per-connection behaviour the test gives. */
export interface TestServer {
  port: number;
  /** Stops listening and drops every open connection, so the test process can end. */
  close(): void;
}

export async function startServer(onConnection: (socket: net.Socket) => void): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}
