// UDP and names of programs under the seccomp supervisor (issue 14), in the lab (the client ns
// reaches only the proxy; sink route; leak counter 0 after each test): Go's net.Dial("udp") and
// WriteTo/ReadFrom through danted's UDP relay, compared with the same program run direct in the
// proxy ns; Go's own resolver (static build) and libc's (cgo build) asking the agent, so that a
// name only the proxy side knows reaches the proxy as the name; static busybox wget by name; and
// fail closed when the chain has no UDP (microsocks).
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab, RunResult } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { waitForLog, reEscape, HTTP_PORT, ECHO_PORT, type Danted, type Peer } from '../helpers/peers';
import { sockswrap, spawnSockswrap, lineReader, describe as show } from '../helpers/sockswrap';
import { differential } from '../helpers/differential';
import { bigSha256, sha256 } from '../helpers/body';
import { PY_UDP_ECHO_SERVER } from '../helpers/programs';
import { bin, skipUnless } from '../helpers/peer-gate';
import { cProgram, goProgram, type GoLink } from '../helpers/fixture-builds';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'microsocks', 'go', 'gcc', 'python3', 'busybox'], { root: true });
const UDP_ECHO_PORT = 7007;

describe('UDP and names of supervised programs (issue 14)', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let micro: Peer;
  const go = {} as Record<GoLink, string>;
  let udpClient: string;

  standardLab({ sinkRoute: true, danted: 1080, microsocks: 1081 }, (s) => ({ lab, danted, micro } = { lab: s.lab, danted: s.danted!, micro: s.micro! }));
  before(async () => {
    go.static = goProgram('static');
    go.cgo = goProgram('cgo');
    udpClient = cProgram('udp-client', 'static');
    const echo = lab.spawn(lab.proxy, [bin('python3'), '-c', PY_UDP_ECHO_SERVER, lab.targetIp4, lab.targetIp6, String(UDP_ECHO_PORT)]);
    await new Promise<void>((resolve) => echo.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve()));
  });

  const viaDanted = () => ['-x', `socks5h://${danted.host}:${danted.port}`];
  const viaMicro = () => ['-x', `socks5h://${micro.host}:${micro.port}`];
  const { wrapped, direct, json, same } = differential(() => lab, viaDanted);
  async function microsocksSaw(dest: string): Promise<void> {
    const re = new RegExp(`connected to ${reEscape(dest)}\\b`);
    assert.match(await waitForLog(micro.stderr, re), re, `microsocks log: ${micro.stderr()}`);
  }

  for (const link of ['static', 'cgo'] as const) {
    describe(`Go, ${link === 'static' ? 'static (CGO_ENABLED=0)' : 'cgo (dynamically linked)'}`, () => {
      test('UDP echo with net.Dial("udp") through danted\'s UDP relay: payloads and RemoteAddr as direct', async () => {
        for (const host of [lab.targetIp4, lab.targetIp6]) {
          const peer = host.includes(':') ? `[${host}]:${UDP_ECHO_PORT}` : `${host}:${UDP_ECHO_PORT}`;
          const out = await same([go[link], 'udp-echo', host, String(UDP_ECHO_PORT), '30', 'connected']);
          assert.deepEqual(out, { ok: 30, bad: [], peer, remote: peer });
        }
      });

      test('UDP WriteTo/ReadFrom (unconnected): each reply reported from the real peer, as direct', async () => {
        const out = await same([go[link], 'udp-echo', lab.targetIp4, String(UDP_ECHO_PORT), '30', 'unconnected']);
        assert.deepEqual(out, { ok: 30, bad: [], peer: `${lab.targetIp4}:${UDP_ECHO_PORT}` });
      });

      test('UDP through a chain without UDP (microsocks): refused, nothing direct', async () => {
        const out = json(await wrapped([go[link], 'udp-echo', lab.targetIp4, String(UDP_ECHO_PORT), '1', 'unconnected'], viaMicro()));
        assert.equal(out.ok, 0, JSON.stringify(out));
        assert.equal((out.bad as string[]).length, 1, JSON.stringify(out));
      });

      test('net.LookupHost of a name only the proxy side knows, then Dial of the name: the proxy gets the name', async () => {
        const out = json(await wrapped([go[link], 'lookup', 'target.test', String(ECHO_PORT)], viaMicro()));
        assert.equal(out.error, undefined, JSON.stringify(out));
        assert.ok(Array.isArray(out.addrs) && out.addrs.length > 0, JSON.stringify(out));
        assert.equal(out.echo, 'ping\n', JSON.stringify(out));
        await microsocksSaw(`target.test:${ECHO_PORT}`);
      });

      test('HTTP GET by a name only the proxy side knows: the name reaches the proxy, the body is intact', async () => {
        const out = json(await wrapped([go[link], 'http-get', `http://target.test:${HTTP_PORT}/big`], viaMicro()));
        assert.equal(out.status, 200, JSON.stringify(out));
        assert.equal(out.sha256, bigSha256());
        await microsocksSaw(`target.test:${HTTP_PORT}`);
      });
    });
  }

  describe('C, gcc -static: every datagram call', () => {
    test('sendto/recvfrom, MSG_PEEK, MSG_TRUNC and an 8000-byte datagram, IPv4 and IPv6, as direct', async () => {
      for (const host of [lab.targetIp4, lab.targetIp6]) {
        const out = await same([udpClient, host, String(UDP_ECHO_PORT), '20', 'sendto']);
        assert.deepEqual(out, { ok: 20, bad: [], peek: [10, true, true], trunc: 100, large: true });
      }
    });

    test('sendmsg/recvmsg with names and two iovecs each way, as direct', async () => {
      const out = await same([udpClient, lab.targetIp4, String(UDP_ECHO_PORT), '20', 'sendmsg']);
      assert.deepEqual(out, { ok: 20, bad: [] });
    });

    test('sendmsg and recvmsg with 300 iovecs each (past 64, within the kernel\'s 1024), as direct', async () => {
      const out = await same([udpClient, lab.targetIp4, String(UDP_ECHO_PORT), '10', 'manyiov']);
      assert.deepEqual(out, { ok: 10, bad: [] });
    });

    test('sendmmsg of 4 named datagrams, recvmmsg until all are back, as direct', async () => {
      const out = await same([udpClient, lab.targetIp4, String(UDP_ECHO_PORT), '10', 'mmsg']);
      assert.deepEqual(out, { ok: 10, bad: [] });
    });

    test('connected: send, recv and recvfrom (the peer as source), getpeername, as direct', async () => {
      const out = await same([udpClient, lab.targetIp4, String(UDP_ECHO_PORT), '20', 'connected']);
      assert.deepEqual(out, { ok: 20, bad: [], getpeername: true });
    });
  });

  test('the agent killed: a supervised program that lives on gets an error for each datagram, nothing goes direct', async () => {
    for (const mode of ['sendto', 'connected']) {
      const fifo = join(lab.dir, `udp-after-agent-${mode}`);
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      const child = spawnSockswrap(lab, [...viaDanted(), '--', 'setsid', udpClient, '--wait', fifo, lab.targetIp4, String(UDP_ECHO_PORT), '3', mode]);
      const next = lineReader(child);
      await next((l) => l === 'waiting');
      child.kill('SIGKILL'); // the launcher and its agent; the program is in its own session
      await new Promise((r) => child.once('exit', r));
      writeFileSync(fifo, 'go\n');
      const out = JSON.parse(await next((l) => l.startsWith('{'))) as { ok: number; bad: string[] };
      assert.equal(out.ok, 0, `${mode}: ${JSON.stringify(out)}`);
      assert.ok(out.bad.length > 0, `${mode}: ${JSON.stringify(out)}`);
    }
    // the leak counter (afterEach) proves nothing went direct
  });

  test('static busybox wget by a name only the proxy side knows', async () => {
    const r = await wrapped([bin('busybox'), 'wget', '-q', '-O', '-', `http://target.test:${HTTP_PORT}/big`], viaMicro());
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    await microsocksSaw(`target.test:${HTTP_PORT}`);
  });
});
