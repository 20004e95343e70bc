// OpenSSH as a user runs it for a SOCKS proxy (issue 20): a real sshd in the lab's proxy
// namespace, and a real `ssh -N -D 127.0.0.1:PORT root@proxy` in the client namespace, next to
// sockswrap, as `ssh -D 1080 somehost` would be. Keys are made by the test in a temp dir; host
// keys are neither prompted for nor remembered (StrictHostKeyChecking=no, UserKnownHostsFile=/dev/null).
// Debian: openssh-server, openssh-client.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './net-lab';
import { waitPort } from './peers';

export interface SshDynamic {
  /** Where ssh -D listens, in the client namespace. */
  host: string;
  port: number;
  /** What sshd and ssh printed, for failure messages. */
  output(): string;
}

function keygen(file: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sockswrap-test', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { out += b.toString(); });
  return () => out;
}

function exitedEarly(child: ChildProcess, what: string, out: () => string): Promise<never> {
  return new Promise((_, reject) => {
    child.once('exit', (code, sig) => reject(new Error(`${what} exited early (${code ?? sig}): ${out()}`)));
  });
}

/** sshd on the proxy's address (port sshdPort) and ssh -D on the client's 127.0.0.1:socksPort. */
export async function startSshDynamic(lab: Lab, opts: { sshdPort: number; socksPort: number }): Promise<SshDynamic> {
  const dir = mkdtempSync(join(lab.dir, 'sshd-'));
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${opts.sshdPort}`,
      `ListenAddress ${lab.proxyIp4}`,
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'AllowTcpForwarding yes',
      'UseDNS no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  // sshd refuses to start without its privilege-separation directory.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const sshd = lab.spawn(lab.proxy, ['/usr/sbin/sshd', '-D', '-e', '-f', join(dir, 'sshd_config')]);
  const sshdOut = collect(sshd);
  await Promise.race([waitPort(lab, lab.client, lab.proxyIp4, opts.sshdPort), exitedEarly(sshd, 'sshd', sshdOut)]);
  const ssh = lab.spawn(lab.client, [
    '/usr/bin/ssh', '-F', '/dev/null', '-N',
    '-D', `127.0.0.1:${opts.socksPort}`,
    '-i', join(dir, 'client_key'),
    '-p', String(opts.sshdPort),
    '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'ExitOnForwardFailure=yes', '-o', 'LogLevel=ERROR',
    `root@${lab.proxyIp4}`,
  ]);
  const sshOut = collect(ssh);
  const output = () => `sshd: ${sshdOut()}\nssh -D: ${sshOut()}`;
  await Promise.race([waitPort(lab, lab.client, '127.0.0.1', opts.socksPort), exitedEarly(ssh, 'ssh -D', output)]);
  return { host: '127.0.0.1', port: opts.socksPort, output };
}
