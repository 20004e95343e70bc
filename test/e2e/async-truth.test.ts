// Non-blocking connects tell the truth (issue 10): what an event loop sees after EINPROGRESS is
// what it sees for a direct connection with the same outcome.
//
// test/fixtures/async-patterns.c drives one non-blocking connect per pattern (poll, select, epoll
// level/edge/one-shot, SO_ERROR twice, getpeername, connect again, I/O without SO_ERROR, calls
// while in progress) and prints what it observed. It runs unwrapped in the proxy namespace, where
// the targets are reachable, and wrapped in the client namespace, where only the proxy is; the
// two outputs must be identical, line by line, for every target kind and every upstream, on both
// paths a non-blocking connect can take: dialled to the proxy with the shim running the script
// (the default where the script is the whole handshake) and the agent's relay
// (SOCKSWRAP_ASYNC_DIAL=0; docs/async-connect.md).
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cleanEnv, type Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { ECHO_PORT, BANNER_PORT, CLOSED_PORT, type Danted, type Peer, labSpawner } from '../helpers/peers';
import { startTinyproxy, type UpstreamPeer } from '../helpers/upstream-peers';
import { takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show, REPO } from '../helpers/sockswrap';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'microsocks', 'tinyproxy', 'gcc'], { root: true });

/** Nothing answers here: the proxy namespace drops every SYN to it (a silent host). */
const SILENT_PORT = 9998;
const TINYPROXY_PORT = 8888;
const ALL = ['poll', 'select', 'epoll-lt', 'epoll-et', 'epoll-oneshot', 'again', 'direct-io'];
/** A server that waits for the client: the connect's outcome comes before the pipe's byte. */
const WAITING = [...ALL, 'select-other'];

interface TargetCase {
  name: string;
  kind: string;
  ip: (lab: Lab) => string;
  port: number;
  mode: 'echo' | 'banner' | 'none';
  timeoutMs: number;
  patterns: string[];
}

const TARGETS: TargetCase[] = [
  { name: 'a listening port (the server waits for the client)', kind: 'echo', ip: (l) => l.targetIp4, port: ECHO_PORT, mode: 'echo', timeoutMs: 8000, patterns: WAITING },
  { name: 'a listening port (the server speaks first)', kind: 'banner', ip: (l) => l.targetIp4, port: BANNER_PORT, mode: 'banner', timeoutMs: 8000, patterns: ALL },
  { name: 'a refusing port', kind: 'refused', ip: (l) => l.targetIp4, port: CLOSED_PORT, mode: 'none', timeoutMs: 8000, patterns: ALL },
  // On the proxy's own link, where no one answers ARP: EHOSTUNREACH after ~3 s, direct or proxied.
  { name: 'an unreachable host', kind: 'unreachable', ip: (l) => `198.18.${l.n}.77`, port: 80, mode: 'none', timeoutMs: 10000, patterns: ['poll', 'epoll-et', 'again'] },
  { name: 'a silent host (the program gives up first)', kind: 'silent', ip: (l) => l.targetIp4, port: SILENT_PORT, mode: 'none', timeoutMs: 700, patterns: ['in-progress', 'poll', 'select', 'epoll-lt', 'again'] },
];

describe('e2e: non-blocking connects tell the truth (issue 10)', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let micro: Peer;
  let tiny: UpstreamPeer;
  let exe: string;

  standardLab({ danted: 1080, microsocks: 1081, leaks: 'reset' }, (s) => ({ lab, danted, micro } = { lab: s.lab, danted: s.danted!, micro: s.micro! }));
  before(async () => {
    exe = join(lab.dir, 'async-patterns');
    const cc = spawnSync(bin('gcc'), ['-O1', '-Wall', '-Werror', '-pthread', '-o', exe, join(REPO, 'test', 'fixtures', 'async-patterns.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const drop = spawnSync('ip', ['netns', 'exec', lab.proxy, 'nft', '-f', '-'], {
      input: `table inet swsilent {\n  chain out {\n    type filter hook output priority 0;\n    tcp dport ${SILENT_PORT} drop\n  }\n}\n`,
      encoding: 'utf8',
    });
    assert.equal(drop.status, 0, drop.stderr);
    tiny = await startTinyproxy(labSpawner(lab), { listen: lab.proxyIp4, port: TINYPROXY_PORT, allow: [lab.clientIp4], connectPorts: [ECHO_PORT, BANNER_PORT, CLOSED_PORT, 80, SILENT_PORT] });
  });

  // An HTTP proxy's refusal says only "500 Unable to connect" (tinyproxy names the cause in its
  // HTML body): the program gets ECONNABORTED, not the kernel's errno, so tinyproxy is compared on
  // the targets whose outcome its status line carries (docs/async-connect.md).
  const UPSTREAMS: { name: string; args: (lab: Lab) => string[]; only?: string[] }[] = [
    { name: 'danted (SOCKS5)', args: () => ['-x', `socks5://${danted.host}:${danted.port}`] },
    { name: 'microsocks (SOCKS5)', args: () => ['-x', `socks5://${micro.host}:${micro.port}`] },
    { name: 'tinyproxy (HTTP CONNECT)', args: () => ['-x', `http://${tiny.host}:${tiny.port}`], only: ['echo', 'banner', 'silent'] },
    // microsocks, then danted on the address only the proxy side reaches.
    { name: 'a 2-hop chain (microsocks > danted)', args: () => ['-x', `socks5://${micro.host}:${micro.port}`, '-x', `socks5://${danted.innerHost}:${danted.port}`] },
  ];

  const PATHS = [
    { name: 'dialled', env: {} },
    { name: 'relay', env: { SOCKSWRAP_ASYNC_DIAL: '0' } },
  ];
  for (const path of PATHS) for (const upstream of UPSTREAMS) {
    for (const target of TARGETS) {
      if (upstream.only && !upstream.only.includes(target.kind)) continue;
      test(`${path.name}: ${upstream.name}, ${target.name}: wrapped output equals the direct run`, async () => {
        const argv = [exe, target.ip(lab), String(target.port), String(target.timeoutMs), target.mode, ...target.patterns];
        const direct = await lab.run(lab.proxy, argv, { timeoutMs: 90_000 });
        assert.equal(direct.status, 0, `direct: ${show(direct)}`);
        takeLeaks(lab);
        const wrapped = await sockswrap(lab, ['-q', ...upstream.args(lab), '--', ...argv], { timeoutMs: 90_000, env: cleanEnv(path.env) });
        assert.equal(wrapped.status, 0, `wrapped: ${show(wrapped)}`);
        assert.equal(wrapped.stdout.toString(), direct.stdout.toString(), `wrapped (left) against direct (right); stderr: ${wrapped.stderr}`);
        assertNoLeaks(lab);
      });
    }
  }
});
