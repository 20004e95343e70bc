// `node agent-env-runner.js URL -- PROGRAM ARGS...`: a sockswrap agent (as the launcher starts it)
// and a program given only the agent's environment, with no LD_PRELOAD of the launcher's shim.
// For a program that loads a shim itself: qemu-user, whose guest gets `-E LD_PRELOAD=<arm64 shim>`
// while qemu itself (an x86-64 program) must not be hooked, or it would proxy for the guest.
import { spawn } from 'node:child_process';
import { Agent } from '../../src/agent/agent';
import { loadConfig } from '../../src/cli/load-config';
import { StderrLogger } from '../../src/log/logger';

async function main(): Promise<void> {
  const [url, dashdash, ...argv] = process.argv.slice(2);
  if (url === undefined || dashdash !== '--' || argv.length === 0) {
    process.stderr.write('usage: agent-env-runner.js URL -- PROGRAM ARGS...\n');
    process.exit(2);
  }
  const agent = await Agent.start(loadConfig({ proxyUrls: [url] }), new StderrLogger('normal'));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SOCKSWRAP_') && k !== 'LD_PRELOAD') env[k] = v;
  const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env: { ...env, ...agent.env } });
  child.once('error', (err) => {
    process.stderr.write(`agent-env-runner: ${argv[0]}: ${err.message}\n`);
    agent.close();
    process.exit(127);
  });
  child.once('exit', (code, signal) => {
    agent.close();
    process.exit(code ?? (signal ? 128 : 1));
  });
}

void main();
