import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, decide } from './peer-gate';
import { waitPort } from './port-waiter';
import { stopper } from './peer-process';
import { ffi } from '../../src/native/ffi';

/**
 * Real peers on 127.0.0.1 for tests of the SOCKS client itself (no shim involved, so loopback
 * targets are fine here). Whether they are here is the skip gate's question (peer-gate.ts).
 */

/** @deprecated skipUnless() of peer-gate.ts (kept while tests using it land from other branches). */
export function missingPeer(path: string, debianPackage: string): false | string {
  return decide(existsSync(path) ? [] : [`${path} not found: apt-get install ${debianPackage}`]);
}

/** @deprecated waitPort(host, port) of port-waiter.ts. */
export function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<void> {
  return waitPort(host, port, { timeoutMs });
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

/**
 * A port of 127.0.0.1 that refuses connections for as long as this process lives, and that no
 * other socket can take: a TCP socket of this process is bound to it and never listens (Node
 * binds a TCP socket only to listen or to connect, hence ffi-rs). A port from freePort() is free
 * for anyone once it is returned, and "nothing listens there" did not hold: danted binds its
 * outgoing socket to a random odd port of the ephemeral range (bind to port 0, as freePort's own
 * listen), so about one connect in 14,000 to such a port chose that very port and connected to
 * itself (TCP simultaneous open): danted said "succeeded" and the refused target came back as
 * errno 0 (docs/testing.md, "Flakes found"). A bound port is skipped by every bind to port 0 and
 * every connect's own choice of a local port, and an explicit bind to it fails (EADDRINUSE).
 */
export async function closedPort(): Promise<number> {
  const lib = ffi();
  const { DataType } = lib;
  if (!libcOpen) {
    lib.open({ library: LIBC, path: '' });
    libcOpen = true;
  }
  const call = (funcName: string, paramsType: unknown[], paramsValue: unknown[]) =>
    lib.load({ library: LIBC, funcName, retType: DataType.I32, paramsType, paramsValue } as Parameters<typeof lib.load>[0]) as number;
  const fd = call('socket', [DataType.I32, DataType.I32, DataType.I32], [AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0]);
  if (fd < 0) throw new Error('closedPort: socket() failed');
  for (let tries = 0; tries < 20; tries++) {
    // A port free a moment ago (another process may take it first: then the bind fails, and the next one is tried).
    const port = await freePort();
    const sin = Buffer.alloc(16);
    sin.writeUInt16LE(AF_INET, 0);
    sin.writeUInt16BE(port, 2);
    Buffer.from([127, 0, 0, 1]).copy(sin, 4);
    if (call('bind', [DataType.I32, DataType.U8Array, DataType.I32], [fd, sin, sin.length]) === 0) return port;   // fd stays open: the port stays taken
  }
  call('close', [DataType.I32], [fd]);
  throw new Error('closedPort: no port could be bound');
}

const LIBC = 'sockswrap-test-libc';
let libcOpen = false;
const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;

export interface RunningPeer {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

function track(child: ChildProcess, port: number): RunningPeer {
  return { port, process: child, stop: stopper(child) };
}

export async function startMicrosocks(opts: { user?: string; password?: string } = {}): Promise<RunningPeer> {
  const port = await freePort();
  const args = ['-i', '127.0.0.1', '-p', String(port)];
  if (opts.user) args.push('-u', opts.user, '-P', opts.password ?? '');
  const child = spawn(bin('microsocks'), args, { stdio: 'ignore' });
  await waitPort('127.0.0.1', port);
  return track(child, port);
}

export interface DantedPeer extends RunningPeer {
  /** With `logConnects`: destination ports of the CONNECTs it carried, in order (from its own log). */
  connects(): number[];
}

/**
 * danted writes a connect's log line after the connection is carried, so a client that is done
 * can be ahead of the log. Waits (bounded) until the peers together logged `count` connects, and
 * returns each one's list; the caller asserts on them (a short count shows in its assertion).
 */
export async function loggedConnects(peers: DantedPeer[], count: number, timeoutMs = 10_000): Promise<number[][]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const logs = peers.map((p) => p.connects());
    if (logs.flat().length >= count || Date.now() > deadline) return logs;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** danted on 127.0.0.1; with `logConnects`, its log names every destination it connected to. */
export async function startDanted(opts: { logConnects?: boolean } = {}): Promise<DantedPeer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sw-danted-'));
  const conf = join(dir, 'danted.conf');
  const log = join(dir, 'danted.log');
  writeFileSync(
    conf,
    [
      `logoutput: ${log}`,
      `internal: 127.0.0.1 port = ${port}`,
      'external: 127.0.0.1',
      'socksmethod: none',
      'clientmethod: none',
      'user.privileged: root',
      'user.unprivileged: nobody',
      'client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }',
      `socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0${opts.logConnects ? ' log: connect' : ''} }`,
      '',
    ].join('\n'),
  );
  const child = spawn(bin('danted'), ['-f', conf, '-p', join(dir, 'danted.pid')], { stdio: 'ignore' });
  await waitPort('127.0.0.1', port);
  return {
    ...track(child, port),
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
  };
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

export interface LoopbackTargets {
  echoPort: number;
  /** Sends `banner` on accept, then echoes what it gets and closes. */
  bannerPort: number;
  /** Nothing listens there, and nothing can (closedPort()). */
  closedPort: number;
  close(): void;
}

/** The targets the SOCKS client tests reach through proxies on loopback. */
export async function startLoopbackTargets(banner: string): Promise<LoopbackTargets> {
  const echo = await startServer((s) => s.pipe(s));
  const speaker = await startServer((s) => {
    s.write(banner);
    s.on('data', (d: Buffer) => s.end(d));
  });
  return {
    echoPort: echo.port,
    bannerPort: speaker.port,
    closedPort: await closedPort(),
    close: () => {
      echo.close();
      speaker.close();
    },
  };
}
