// The peers of the BIND tests (docs/bind.md), in a lab's proxy namespace: vsftpd (anonymous,
// read-only) on the target address, which the client namespace cannot reach, and danted with the
// bind and bindreply rules RFC 1928 BIND needs, with or without an RFC 1929 login.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Lab } from './net-lab';
import { bin } from './peer-gate';
import { collectOutput, exitedEarly, stopper } from './peer-process';
import type { Danted, Peer } from './peers';
import * as ports from './port-waiter';

export interface Vsftpd extends Peer {
  /** The files served, by name. */
  files: Record<string, Buffer>;
  log(): string;
}

function readText(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

/** vsftpd on the target address: anonymous, read-only, active and passive mode, standalone. */
export async function startVsftpd(lab: Lab, port: number, files: Record<string, Buffer>): Promise<Vsftpd> {
  const root = join(lab.dir, `ftp-${port}`);
  const empty = join(lab.dir, `ftp-${port}-empty`);
  mkdirSync(root, { recursive: true });
  mkdirSync(empty, { recursive: true });
  // vsftpd refuses an anonymous root the ftp user can write to; lab.dir is private to root.
  chmodSync(lab.dir, 0o755);
  chmodSync(root, 0o755);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(root, name), bytes, { mode: 0o644 });
  const logFile = join(lab.dir, `vsftpd-${port}.log`);
  const conf = join(lab.dir, `vsftpd-${port}.conf`);
  writeFileSync(logFile, '');
  writeFileSync(conf, [
    '# written by test/helpers/ftp-peers.ts',
    'listen=YES',
    'listen_ipv6=NO',
    `listen_address=${lab.targetIp4}`,
    `listen_port=${port}`,
    'background=NO',
    'anonymous_enable=YES',
    'no_anon_password=YES',
    `anon_root=${root}`,
    'local_enable=NO',
    'write_enable=NO',
    'anon_upload_enable=NO',
    'anon_mkdir_write_enable=NO',
    // Active mode: the data connection comes from an ephemeral port, to the address PORT/EPRT
    // named, which must be the control connection's peer (port_promiscuous=NO, the default).
    'port_enable=YES',
    'connect_from_port_20=NO',
    'pasv_enable=YES',
    `pasv_address=${lab.targetIp4}`,
    `secure_chroot_dir=${empty}`,
    'seccomp_sandbox=NO',
    'isolate=NO',
    'isolate_network=NO',
    'xferlog_enable=YES',
    `vsftpd_log_file=${logFile}`,
    'dual_log_enable=YES',
    'log_ftp_protocol=YES',
    '',
  ].join('\n'));
  const child = lab.spawn(lab.proxy, [bin('vsftpd'), conf]);
  const out = collectOutput(child);
  await Promise.race([ports.waitPort(lab.targetIp4, port, { ns: lab.proxy }), exitedEarly(child, 'vsftpd', () => out() + readText(logFile))]);
  return { child, host: lab.targetIp4, port, files, stderr: out, log: () => readText(logFile), stop: stopper(child) };
}

export interface BindDantedOptions {
  /** RFC 1929: this system user and password (created for the test if missing). */
  login?: { username: string; password: string };
  /** SOCKS BIND allowed (default true); false: danted refuses BIND. */
  bind?: boolean;
}

/** A system user danted's username method can check (it reads the shadow file). */
export function ensureLoginUser(username: string, password: string): void {
  if (spawnSync('id', [username]).status !== 0) {
    const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', username], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`useradd ${username}: ${made.stderr}`);
  }
  const set = spawnSync('chpasswd', [], { input: `${username}:${password}\n`, encoding: 'utf8' });
  if (set.status !== 0) throw new Error(`chpasswd ${username}: ${set.stderr}`);
}

/** danted on the proxy's IPv4 address, external address the target's; BIND and its reply allowed. */
export async function startBindDanted(lab: Lab, port: number, opts: BindDantedOptions = {}): Promise<Danted> {
  const logFile = join(lab.dir, `danted-bind-${port}.log`);
  const conf = join(lab.dir, `danted-bind-${port}.conf`);
  writeFileSync(logFile, '');
  if (opts.login) ensureLoginUser(opts.login.username, opts.login.password);
  const rule = (command: string) => `socks pass {\n  from: 0/0 to: 0/0\n  command: ${command}\n  log: connect disconnect error\n}`;
  writeFileSync(conf, [
    '# written by test/helpers/ftp-peers.ts',
    `logoutput: ${logFile}`,
    `internal: ${lab.proxyIp4} port = ${port}`,
    `external: ${lab.targetIp4}`,
    `socksmethod: ${opts.login ? 'username' : 'none'}`,
    'clientmethod: none',
    'user.privileged: root',
    'user.unprivileged: nobody',
    'client pass {\n  from: 0/0 to: 0/0\n  log: error\n}',
    rule('connect'),
    ...(opts.bind === false ? ['socks block {\n  from: 0/0 to: 0/0\n  command: bind\n  log: connect error\n}'] : [rule('bind'), rule('bindreply')]),
    '',
  ].join('\n'));
  const child = lab.spawn(lab.proxy, [bin('danted'), '-f', conf, '-p', join(lab.dir, `danted-bind-${port}.pid`), '-N', '1']);
  const out = collectOutput(child);
  await Promise.race([ports.waitPort(lab.proxyIp4, port, { ns: lab.client }), exitedEarly(child, 'danted', () => out() + readText(logFile))]);
  return { child, host: lab.proxyIp4, port, innerHost: lab.targetIp4, logFile, stderr: out, log: () => readText(logFile), stop: stopper(child) };
}
