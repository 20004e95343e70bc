// Real HTTP CONNECT and SOCKS4a servers for the upstream tests, on loopback or in a lab namespace.
//
//   tinyproxy      HTTP CONNECT, optionally with BasicAuth (Debian: tinyproxy)
//   ssh -D + sshd  SOCKS4a (and 4, 5): OpenSSH's dynamic forwarding decodes 0.0.0.x + name, and
//                  sshd resolves the name on its side (Debian: openssh-server, openssh-client).
//                  Dante 1.4.2 does not do 4a: it connect(2)s to 0.0.0.1 and answers 0x5B.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin } from './peer-gate';
import { collectOutput as collect, exitedEarly, stopper } from './peer-process';
import { waitPort } from './port-waiter';

/** Where and how a peer process runs: plain on this host, or inside a lab namespace. */
export interface Spawner {
  spawn(argv: string[]): ChildProcess;
  /** Resolves once host:port accepts TCP connections from where the client will be. */
  waitPort(host: string, port: number): Promise<void>;
  /** Scratch directory for configs and keys. */
  dir: string;
}

export interface UpstreamPeer {
  host: string;
  port: number;
  /** What the peer printed (stdout and stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

let seq = 0;

export interface TinyproxyOptions {
  listen: string;
  port: number;
  /** Client addresses or CIDRs tinyproxy serves. */
  allow: string[];
  /** Ports CONNECT may reach (tinyproxy's ConnectPort); empty: none is allowed. */
  connectPorts: number[];
  basicAuth?: { user: string; pass: string };
}

export async function startTinyproxy(where: Spawner, opts: TinyproxyOptions): Promise<UpstreamPeer> {
  const conf = join(where.dir, `tinyproxy-${opts.port}-${++seq}.conf`);
  const lines = [
    `Port ${opts.port}`,
    `Listen ${opts.listen}`,
    ...opts.allow.map((a) => `Allow ${a}`),
    // Without any ConnectPort line tinyproxy allows every port; with one, only those listed.
    ...(opts.connectPorts.length ? opts.connectPorts : [1]).map((p) => `ConnectPort ${p}`),
    'DisableViaHeader Yes',
    'Timeout 30',
    'MaxClients 50',
    'LogLevel Connect',
  ];
  if (opts.basicAuth) lines.push(`BasicAuth ${opts.basicAuth.user} ${opts.basicAuth.pass}`);
  writeFileSync(conf, lines.join('\n') + '\n');
  const child = where.spawn([bin('tinyproxy'), '-d', '-c', conf]);
  const output = collect(child);
  await Promise.race([where.waitPort(opts.listen, opts.port), exitedEarly(child, 'tinyproxy', output)]);
  return { host: opts.listen, port: opts.port, output, stop: stopper(child) };
}

export interface SshSocksOptions {
  /** Where ssh -D listens (the SOCKS server the client uses). */
  listen: string;
  port: number;
  /** Loopback port for sshd (reached only by the ssh client next to it). */
  sshdPort: number;
}

function keygen(file: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sockswrap-test', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

/**
 * A throwaway sshd setup in dir: host and client keys, the client's key authorized, and an
 * sshd_config for listen:port that allows key logins and TCP forwarding only. Also makes sshd's
 * privilege-separation directory, without which it will not start.
 */
export function sshdFiles(dir: string, listen: string, port: number): { config: string; clientKey: string } {
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      `ListenAddress ${listen}`,
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The key files live in a temp dir: their parents' modes are not sshd's business here.
      'StrictModes no',
      'AllowTcpForwarding yes',
      'UseDNS no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  return { config, clientKey: join(dir, 'client_key') };
}

/** sshd on loopback plus `ssh -N -D listen:port` to it: a SOCKS4/4a/5 server that resolves names where sshd runs. */
export async function startSshSocks(where: Spawner, opts: SshSocksOptions): Promise<UpstreamPeer> {
  const dir = mkdtempSync(join(where.dir, 'ssh-'));
  const files = sshdFiles(dir, '127.0.0.1', opts.sshdPort);
  const sshd = where.spawn([bin('sshd'), '-D', '-e', '-f', files.config]);
  const sshdOut = collect(sshd);
  await Promise.race([where.waitPort('127.0.0.1', opts.sshdPort), exitedEarly(sshd, 'sshd', sshdOut)]);
  const ssh = where.spawn([
    bin('ssh'), '-F', '/dev/null', '-N',
    '-D', `${opts.listen}:${opts.port}`,
    '-i', files.clientKey,
    '-p', String(opts.sshdPort),
    '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'ExitOnForwardFailure=yes', '-o', 'LogLevel=ERROR',
    'root@127.0.0.1',
  ]);
  const sshOut = collect(ssh);
  const output = () => `sshd: ${sshdOut()}\nssh: ${sshOut()}`;
  const stop = stopper(ssh, sshd);
  try {
    await Promise.race([where.waitPort(opts.listen, opts.port), exitedEarly(ssh, 'ssh -D', output)]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { host: opts.listen, port: opts.port, output, stop };
}

/** A Spawner for this host (integration tests): peers on 127.0.0.1. */
export function localSpawner(): Spawner & { stopAll(): void } {
  const children = new Set<ChildProcess>();
  return {
    dir: mkdtempSync(join(tmpdir(), 'sw-upstreams-')),
    waitPort: (host, port) => waitPort(host, port),
    spawn(argv) {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    stopAll() {
      for (const c of children) c.kill('SIGKILL');
    },
  };
}
