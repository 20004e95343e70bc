// The "default route into a sink": without it a direct connect to a target fails with
// ENETUNREACH before any packet exists, so the leak counter could not see it. With it, a packet
// that goes anywhere but the proxy leaves the client namespace (and is counted by proof.ts),
// then vanishes into a veth pair that leads nowhere.
import { spawnSync } from 'node:child_process';
import type { Lab } from './net-lab';

export function addSinkRoute(lab: Lab): void {
  const input = ['link add sink0 type veth peer name sink1', 'link set sink1 up', 'link set sink0 up', 'route add default dev sink0', 'route add ::/0 dev sink0'].join('\n') + '\n';
  const r = spawnSync('ip', ['-n', lab.client, '-batch', '-'], { input, encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`sink route in ${lab.client}: ${r.stderr}`);
}
