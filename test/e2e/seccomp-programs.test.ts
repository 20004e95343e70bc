// Programs LD_PRELOAD cannot reach, carried through the chain by the seccomp supervisor (issue 14):
// TCP (UDP and names: seccomp-udp-dns.test.ts), in the lab: the client namespace reaches only the proxy, a sink default route counts anything
// that went direct, and the leak counter must read 0 after each test. The programs are built by
// the test from source (test/helpers/fixture-builds.ts): Go static (CGO_ENABLED=0) and cgo, C with
// gcc -static; static busybox is Debian's.
// Where behaviour matters, the same program also runs unwrapped in the proxy namespace, where the
// target is reachable directly, and the two outputs must be the same (a differential check): the
// wrapped program cannot tell it went through a proxy.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab, RunResult } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { waitForLog, HTTP_PORT, ECHO_PORT, BANNER_PORT, CLOSED_PORT, type Danted } from '../helpers/peers';
import { sockswrap, spawnSockswrap, lineReader, describe as show } from '../helpers/sockswrap';
import { differential } from '../helpers/differential';
import { bigSha256, sha256, BANNER } from '../helpers/body';
import { bin, skipUnless } from '../helpers/peer-gate';
import { cProgram, goProgram, type GoLink } from '../helpers/fixture-builds';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'go', 'gcc', 'busybox', 'sh'], { root: true });
/** SYNs to this port of the target address are dropped in the proxy ns: a connect that hangs. */
const STALL_PORT = 7999;

describe('static and Go programs through the chain (issue 14)', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  const go = {} as Record<GoLink, string>;
  let tcpClient: string;
  let storm: string;
  let stallExit: string;
  let racing: string;
  let busybox: string;

  standardLab({ sinkRoute: true, danted: 1080 }, (s) => ({ lab, danted } = { lab: s.lab, danted: s.danted! }));
  before(async () => {
    go.static = goProgram('static');
    go.cgo = goProgram('cgo');
    tcpClient = cProgram('tcp-client', 'static');
    storm = cProgram('signal-storm', 'static');
    stallExit = cProgram('stall-exit', 'static');
    racing = cProgram('racing-threads', 'static');
    busybox = bin('busybox');
    nftProxy(`table inet swstall {
  counter syn { }
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport ${STALL_PORT} tcp flags syn counter name syn drop
  }
}
`);
  });

  const viaDanted = () => ['-x', `socks5h://${danted.host}:${danted.port}`];
  const { wrapped, direct, json, same } = differential(() => lab, viaDanted);
  function nftProxy(rules: string): string {
    const r = spawnSync('ip', ['netns', 'exec', lab.proxy, 'nft', ...(rules ? ['-f', '-'] : ['-j', 'list', 'counter', 'inet', 'swstall', 'syn'])], { input: rules, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  }
  /** Resolves once the proxy has sent a SYN to the stall port (the supervised connect is pending). */
  async function stallSeen(): Promise<void> {
    const packets = () => (JSON.parse(nftProxy('')).nftables as { counter?: { packets: number } }[]).reduce((n, i) => n + (i.counter?.packets ?? 0), 0);
    const start = packets();
    assert.match(await waitForLog(() => String(packets() - start), /^[1-9]/, 20_000), /^[1-9]/, 'no SYN from the proxy to the stall port');
  }

  for (const link of ['static', 'cgo'] as const) {
    describe(`Go, ${link === 'static' ? 'static (CGO_ENABLED=0)' : 'cgo (dynamically linked)'}`, () => {
      test('HTTP GET of 8 MB by address: body hash, status and RemoteAddr as direct', async () => {
        const out = await same([go[link], 'http-get', `http://${lab.targetIp4}:${HTTP_PORT}/big`]);
        assert.deepEqual([out.status, out.sha256, out.remote], [200, bigSha256(), `${lab.targetIp4}:${HTTP_PORT}`]);
      });

      test('50 goroutines connecting at once: every echo intact, RemoteAddr the real peer, as direct', async () => {
        const out = await same([go[link], 'connects', lab.targetIp4, String(ECHO_PORT), '50']);
        assert.deepEqual(out, { ok: 50, bad: [], remotes: [`${lab.targetIp4}:${ECHO_PORT}`] });
      });

      test('50 goroutines over IPv6', async () => {
        const out = await same([go[link], 'connects', lab.targetIp6, String(ECHO_PORT), '50']);
        assert.deepEqual(out, { ok: 50, bad: [], remotes: [`[${lab.targetIp6}]:${ECHO_PORT}`] });
      });

      test('a refused port: Go\'s error names the refusal, word for word as direct', async () => {
        const out = await same([go[link], 'refused', lab.targetIp4, String(CLOSED_PORT)]);
        assert.deepEqual(out, { error: `dial tcp ${lab.targetIp4}:${CLOSED_PORT}: connect: connection refused`, refused: true });
      });

      test('a Go program starting a static C program (fork+exec inside a supervised program)', async () => {
        const out = json(await wrapped([go[link], 'exec', tcpClient, lab.targetIp4, String(ECHO_PORT), 'from a child']));
        assert.deepEqual(out, { connected: true, peer: `${lab.targetIp4}:${ECHO_PORT}`, echo: true });
      });
    });
  }

  describe('C, gcc -static', () => {
    test('a blocking client over IPv4 and IPv6: connected, echo, getpeername as direct', async () => {
      for (const host of [lab.targetIp4, lab.targetIp6]) {
        const out = await same([tcpClient, host, String(ECHO_PORT), 'hello static']);
        assert.deepEqual(out, { connected: true, peer: host.includes(':') ? `[${host}]:${ECHO_PORT}` : `${host}:${ECHO_PORT}`, echo: true });
      }
    });

    test('a refused port: ECONNREFUSED, as direct', async () => {
      const out = await same([tcpClient, lab.targetIp4, String(CLOSED_PORT), 'x']);
      assert.deepEqual(out, { connected: false, errno: 111, error: 'Connection refused' });
    });

    for (const mode of ['restart', 'retry'] as const) {
      const how = mode === 'restart' ? 'handlers with SA_RESTART (as Go installs them)' : 'no SA_RESTART, connect() again after EINTR';
      test(`a storm of SIGURG and SIGALRM during blocking and non-blocking connects, ${how}: every connect and echo succeeds`, async () => {
        const argv = [storm, lab.targetIp4, String(ECHO_PORT), '30', mode];
        const [w, d] = await Promise.all([wrapped(argv), direct(argv)]);
        const out = json(w);
        assert.deepEqual([out.blocking_ok, out.nonblocking_ok, out.errors], [30, 30, []], show(w));
        assert.ok((out.signals_in_connect as number) > 0, `signals arrived while connecting: ${show(w)}`);
        const ref = json(d);
        assert.deepEqual([ref.blocking_ok, ref.nonblocking_ok, ref.errors], [30, 30, []], 'the fixture itself works direct');
      });
    }
  });

  describe('static busybox', () => {
    test('busybox wget by address: the 8 MB body intact', async () => {
      const r = await wrapped([busybox, 'wget', '-q', '-O', '-', `http://${lab.targetIp4}:${HTTP_PORT}/big`]);
      assert.equal(r.status, 0, show(r));
      assert.equal(sha256(r.stdout), bigSha256());
    });

    test('busybox nc: the banner the server sends first, then the echoed line', async () => {
      const argv = [busybox, 'nc', lab.targetIp4, String(BANNER_PORT)];
      const r = await sockswrap(lab, [...viaDanted(), '--', ...argv], { input: 'ping\n' });
      assert.equal(r.status, 0, show(r));
      assert.equal(r.stdout.toString(), `${BANNER}ping\n`, show(r));
    });

    test('busybox sh forking and exec\'ing static programs: each carried', async () => {
      const script = `"$0" ${lab.targetIp4} ${ECHO_PORT} one && "$1" wget -q -O - http://${lab.targetIp4}:${HTTP_PORT}/hello`;
      const r = await wrapped([busybox, 'sh', '-c', script, tcpClient, busybox]);
      assert.equal(r.status, 0, show(r));
      assert.equal(r.stdout.toString(), `{"connected":true,"peer":"${lab.targetIp4}:${ECHO_PORT}","echo":true}\nhello from target\n`);
    });
  });

  test('a hooked sh -c that execs a static program, and one that runs it as a child', async () => {
    const sh = bin('sh');
    for (const script of ['exec "$0" "$@"', '"$0" "$@"; echo "sh after $?"']) {
      const r = await wrapped([sh, '-c', script, tcpClient, lab.targetIp4, String(ECHO_PORT), 'via sh']);
      assert.equal(r.status, 0, show(r));
      const lines = r.stdout.toString().trim().split('\n');
      assert.deepEqual(JSON.parse(lines[0]), { connected: true, peer: `${lab.targetIp4}:${ECHO_PORT}`, echo: true }, show(r));
      if (script.includes('after')) assert.equal(lines[1], 'sh after 0');
    }
  });

  describe('what other threads do while the supervisor handles a call', () => {
    test('TCP sendto()s with an address while another thread dup2()s a UDP socket onto the descriptor: no datagram goes direct', async () => {
      // The supervisor once answered a TCP sendto CONTINUE (TCP ignores the address), and the
      // kernel looked the number up again: the UDP socket dup2()ed there in between sent the
      // datagram to the address, unjudged. The leak counter (afterEach) counts such a datagram.
      const out = json(await wrapped([racing, 'dup2', lab.targetIp4, String(ECHO_PORT), '20000']));
      assert.equal(out.sends, 20000, JSON.stringify(out));
    });

    test('TCP sendto with an address (1 MiB, blocking) and sendmsg of 3 iovecs (200 KiB), sent by the supervisor from its copy: every byte echoed, as direct', async () => {
      const out = await same([racing, 'tcp-sends', lab.targetIp4, String(ECHO_PORT)]);
      assert.deepEqual(out, { sent: [1 << 20, 200 * 1024], echo: true });
    });
  });

  describe('the supervisor survives what programs do', () => {
    test('a thread dies inside its pending notification (exit_group while its connect is held): the next program is carried', async () => {
      // busybox sh is supervised itself; stall-exit's thread is stuck in a connect the proxy cannot
      // complete, and its process exits while the supervisor holds that notification.
      const fifo = join(lab.dir, 'go-stall-exit');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      const script = `"$0" ${fifo} ${lab.targetIp4} ${STALL_PORT} ${lab.targetIp4} ${ECHO_PORT}; "$1" ${lab.targetIp4} ${ECHO_PORT} after`;
      const child = spawnSockswrap(lab, [...viaDanted(), '--', busybox, 'sh', '-c', script, stallExit, tcpClient]);
      const next = lineReader(child);
      await next((l) => l === 'stalling');
      await stallSeen();
      writeFileSync(fifo, 'go\n');
      const first = JSON.parse(await next((l) => l.startsWith('{"connected"'))) as Record<string, unknown>;
      const after = JSON.parse(await next((l) => l.includes('"peer"'))) as Record<string, unknown>;
      await new Promise((r) => child.once('exit', r));
      assert.equal(child.exitCode, 0);
      assert.deepEqual(first, { connected: true, echo: true }, 'a connect while another is held');
      assert.deepEqual(after, { connected: true, peer: `${lab.targetIp4}:${ECHO_PORT}`, echo: true });
    });

    test('the program killed (SIGKILL) while its connect is held: the next program of the session is carried', async () => {
      const pidFile = join(lab.dir, 'stalled.pid');
      const script = `"$0" ${lab.targetIp4} ${STALL_PORT} x & echo $! > ${pidFile}; wait; "$0" ${lab.targetIp4} ${ECHO_PORT} after`;
      const child = spawnSockswrap(lab, [...viaDanted(), '--', bin('sh'), '-c', script, tcpClient]);
      const next = lineReader(child);
      await stallSeen();
      const pid = Number(await waitForLog(() => { try { return readFileSync(pidFile, 'utf8'); } catch { return ''; } }, /^\d+\n/, 10_000));
      process.kill(pid, 'SIGKILL');
      const after = JSON.parse(await next((l) => l.includes('"peer"'))) as Record<string, unknown>;
      await new Promise((r) => child.once('exit', r));
      assert.deepEqual(after, { connected: true, peer: `${lab.targetIp4}:${ECHO_PORT}`, echo: true });
    });

    test('the agent killed: a supervised program that lives on gets an error for its connect, nothing goes direct', async () => {
      const fifo = join(lab.dir, 'go-after-agent');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      const child = spawnSockswrap(lab, [...viaDanted(), '--', 'setsid', tcpClient, '--wait', fifo, lab.targetIp4, String(ECHO_PORT), 'x']);
      const next = lineReader(child);
      await next((l) => l === 'waiting');
      // The launcher (and its agent) only: the supervisor, sockswrap-exec in setsid's place, lives on
      // with the program in its own session, and asks an agent that is gone.
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      writeFileSync(fifo, 'go\n');
      const out = JSON.parse(await next((l) => l.startsWith('{'))) as Record<string, unknown>;
      assert.equal(out.connected, false, JSON.stringify(out));
      assert.equal(out.errno, 111, `ECONNREFUSED, as a hooked program's connect with its agent gone: ${JSON.stringify(out)}`);
      // the leak counter (afterEach) proves nothing went direct
    });
  });
});
