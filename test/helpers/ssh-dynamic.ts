// OpenSSH as a user runs it for a SOCKS proxy (issue 20): a real sshd in the lab's proxy
// namespace, and a real `ssh -N -D 127.0.0.1:PORT root@proxy` in the client namespace, next to
// sockswrap, as `ssh -D 1080 somehost` would be. Keys are made by the test in a temp dir; host
// keys are neither prompted for nor remembered (StrictHostKeyChecking=no, UserKnownHostsFile=/dev/null).
// Debian: openssh-server, openssh-client.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './net-lab';
import { collectOutput, exitedEarly } from './peer-process';
import { waitPort } from './peers';
import { sshdFiles } from './upstream-peers';

export interface SshDynamic {
  /** Where ssh -D listens, in the client namespace. */
  host: string;
  port: number;
  /** What sshd and ssh printed, for failure messages. */
  output(): string;
}

/** sshd on the proxy's address (port sshdPort) and ssh -D on the client's 127.0.0.1:socksPort. */
export async function startSshDynamic(lab: Lab, opts: { sshdPort: number; socksPort: number }): Promise<SshDynamic> {
  const dir = mkdtempSync(join(lab.dir, 'sshd-'));
  const files = sshdFiles(dir, lab.proxyIp4, opts.sshdPort);
  const sshd = lab.spawn(lab.proxy, ['/usr/sbin/sshd', '-D', '-e', '-f', files.config]);
  const sshdOut = collectOutput(sshd);
  await Promise.race([waitPort(lab, lab.client, lab.proxyIp4, opts.sshdPort), exitedEarly(sshd, 'sshd', sshdOut)]);
  const ssh = lab.spawn(lab.client, [
    '/usr/bin/ssh', '-F', '/dev/null', '-N',
    '-D', `127.0.0.1:${opts.socksPort}`,
    '-i', files.clientKey,
    '-p', String(opts.sshdPort),
    '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'ExitOnForwardFailure=yes', '-o', 'LogLevel=ERROR',
    `root@${lab.proxyIp4}`,
  ]);
  const sshOut = collectOutput(ssh);
  const output = () => `sshd: ${sshdOut()}\nssh -D: ${sshOut()}`;
  await Promise.race([waitPort(lab, lab.client, '127.0.0.1', opts.socksPort), exitedEarly(ssh, 'ssh -D', output)]);
  return { host: '127.0.0.1', port: opts.socksPort, output };
}
