// Programs LD_PRELOAD cannot reach, carried by the seccomp supervisor (issue 14, docs/seccomp.md):
// a gcc -static client, static busybox, a static Go program, and a hooked sh that execs a static
// program. The client namespace reaches only the proxy; the leak counter must read 0 after each
// test. The C fixture's facts (connect results, SO_ERROR, getpeername, echoed bytes) must be the
// same through sockswrap as without it in the proxy namespace, where the targets are reachable.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { HTTP_PORT, ECHO_PORT, CLOSED_PORT, type Peer } from '../helpers/peers';
import { sockswrap, sockswrapArgv, spawnSockswrap, lineReader, describe as show, REPO } from '../helpers/sockswrap';
import { cProgram } from '../helpers/fixture-builds';
import { bigSha256, sha256 } from '../helpers/body';
import { needTool, skipUnless, decide, which } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'microsocks', 'danted'], { root: true }) || needTool('gcc', 'build-essential');

describe('seccomp supervisor: static programs through the proxy', { skip: SKIP }, () => {
  let lab: Lab;
  let micro: Peer;
  let danted: Peer;
  let X: string[];
  let staticClient: string;

  standardLab({ microsocks: 1080, danted: 1081 }, (s) => ({ lab, micro, danted, X } = { lab: s.lab, micro: s.micro!, danted: s.danted!, X: ['-x', `socks5://${s.micro!.host}:${s.micro!.port}`] }));
  before(() => {
    staticClient = join(lab.dir, 'supervised-connect');
    const cc = spawnSync('gcc', ['-static', '-O2', '-Wall', '-Werror', '-o', staticClient, join(REPO, 'test', 'fixtures', 'supervised-connect.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
  });

  test('a gcc -static client: blocking and non-blocking connects, refused port, getpeername, bytes: the same as direct', async () => {
    const args = [staticClient, lab.targetIp4, String(ECHO_PORT), String(CLOSED_PORT)];
    const direct = await lab.run(lab.proxy, args, { timeoutMs: 30_000 });
    assert.equal(direct.status, 0, show(direct));
    const wrapped = await sockswrap(lab, [...X, '--', ...args]);
    assert.equal(wrapped.status, 0, show(wrapped));
    // The supervisor answers a non-blocking connect once the chain's outcome is known, so a failure
    // comes from connect() itself, not later from SO_ERROR (as Linux may answer a local refusal;
    // docs/seccomp.md): the same errno either way.
    const outcome = (out: Buffer) => out.toString().replace(/^(nonblocking connect \d+): SO_ERROR (?!0$)/gm, '$1: ');
    assert.equal(outcome(wrapped.stdout), outcome(direct.stdout), show(wrapped));
    // What the comparison relies on: the run did connect, and a refusal was a refusal.
    assert.match(direct.stdout.toString(), new RegExp(`blocking getpeername: ${lab.targetIp4.replace(/\./g, '\\.')}:${ECHO_PORT}`));
    assert.match(direct.stdout.toString(), /blocking connect 9: Connection refused/);
    assert.match(direct.stdout.toString(), /nonblocking connect 9: SO_ERROR Connection refused/);
    assert.match(direct.stdout.toString(), /nonblocking echo: same bytes/);
  });

  test('through a 2-hop chain (microsocks, then danted): the same facts as direct', async () => {
    const args = [staticClient, lab.targetIp4, String(ECHO_PORT), String(CLOSED_PORT)];
    const direct = await lab.run(lab.proxy, args, { timeoutMs: 30_000 });
    const chain = ['-x', `socks5://${micro.host}:${micro.port}`, '-x', `socks5://${danted.host}:${danted.port}`];
    const wrapped = await sockswrap(lab, [...chain, '--', ...args]);
    assert.equal(wrapped.status, 0, show(wrapped));
    const outcome = (out: Buffer) => out.toString().replace(/^(nonblocking connect \d+): SO_ERROR (?!0$)/gm, '$1: ');
    assert.equal(outcome(wrapped.stdout), outcome(direct.stdout), show(wrapped));
  });

  test('UDP and raw sends whose address family the kernel reads its own way (AF_UNSPEC as AF_INET, sockaddr_in on AF_INET6): refused, never sent', async () => {
    const bin = join(lab.dir, 'leak-cases');
    const cc = spawnSync('gcc', ['-static', '-O2', '-o', bin, join(REPO, 'test', 'fixtures', 'leak-cases.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const r = await sockswrap(lab, [...X, '--', bin, 'udp-family', lab.targetIp4, '9999']);
    assert.equal(r.stdout.toString(), 'udp-family refused=6 of 6\n', show(r));
  });

  test('static busybox wget fetches the 8 MB body; sha256 matches', { skip: needTool('busybox', 'busybox-static') }, async () => {
    const busybox = which('busybox')!;
    const r = await sockswrap(lab, [...X, '--', busybox, 'wget', '-q', '-O', '-', `http://${lab.targetIp4}:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
  });

  test('a hooked sh that execs a static program: supervised too, not refused', async () => {
    const r = await sockswrap(lab, [...X, '--', 'sh', '-c', 'exec "$0" "$@"', staticClient, lab.targetIp4, String(ECHO_PORT), String(CLOSED_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout.toString(), /blocking echo: same bytes/, show(r));
    assert.match(r.stdout.toString(), /nonblocking connect 9: (SO_ERROR )?Connection refused/, show(r));
  });

  test('the supervised program\'s exit status and death by signal pass through the exec helper and the launcher', { skip: needTool('busybox', 'busybox-static') }, async () => {
    const busybox = which('busybox')!;
    const exited = await sockswrap(lab, [...X, '--', busybox, 'sh', '-c', 'exit 7']);
    assert.equal(exited.status, 7, show(exited));
    const killed = await sockswrap(lab, [...X, '--', busybox, 'sh', '-c', 'kill -TERM $$']);
    assert.equal(killed.signal, 'SIGTERM', show(killed));
    // A signal to the launcher reaches the program through the helper (forwarded twice).
    const child = spawnSockswrap(lab, [...X, '--', busybox, 'sh', '-c', 'trap "echo got-hup; exit 3" HUP; echo ready; while :; do sleep 1; done']);
    const next = lineReader(child);
    await next((l) => l === 'ready');
    child.kill('SIGHUP');
    assert.equal(await next((l) => l === 'got-hup'), 'got-hup');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 3);
  });

  test('--seccomp=never: the static program is refused as before (126), nothing sent', async () => {
    const r = await sockswrap(lab, [...X, '--seccomp=never', '--', staticClient, lab.targetIp4, String(ECHO_PORT), String(CLOSED_PORT)]);
    assert.equal(r.status, 126, show(r));
    assert.match(r.stderr, /is statically linked/);
    assert.equal(r.stdout.toString(), '');
  });

  test('what the filter refuses by itself: io_uring_setup (ENOSYS: programs fall back), packet sockets (EPROTONOSUPPORT)', async () => {
    const bin = join(lab.dir, 'filter-refusals');
    const cc = spawnSync('gcc', ['-static', '-O2', '-Wall', '-Werror', '-o', bin, join(REPO, 'test', 'fixtures', 'filter-refusals.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const r = await sockswrap(lab, [...X, '--', bin]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), [
      'io_uring_setup: Function not implemented',
      'socket(AF_PACKET): Protocol not supported',
      'socket(AF_INET, SOCK_PACKET): Protocol not supported',
      'socket(AF_INET, SOCK_STREAM): allowed',
      '',
    ].join('\n'));
    // Without the filter (as root) each is allowed: the refusals are the filter's.
    const direct = await lab.run(lab.client, [bin]);
    assert.match(direct.stdout.toString(), /^socket\(AF_PACKET\): allowed$/m, show(direct));
  });

  test('connect through the i386 ABI (int $0x80, socketcall) and x32: ENOSYS under the filter, nothing sent', { skip: process.arch === 'x64' ? false : 'x86_64 only' }, async () => {
    const bin = join(lab.dir, 'other-abi-connect');
    const cc = spawnSync('gcc', ['-static', '-no-pie', '-O2', '-Wall', '-Werror', '-o', bin, join(REPO, 'test', 'fixtures', 'other-abi-connect.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    // Without the filter the i386 call is a real connect: this is a way around an x86_64-only filter.
    const direct = await lab.run(lab.proxy, [bin, lab.targetIp4, String(ECHO_PORT)]);
    assert.match(direct.stdout.toString(), /^i386: connected$/m, show(direct));
    const r = await sockswrap(lab, [...X, '--', bin, lab.targetIp4, String(ECHO_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'i386: errno 38\nx32: errno 38\n', show(r));   // ENOSYS
  });

  test('a kernel without pidfd_getfd (denied here with ENOSYS): the refusal stays (126), from the launcher and the exec hook, naming the missing feature', async () => {
    const deny = join(lab.dir, 'deny-syscall');
    const cc = spawnSync('gcc', ['-O2', '-Wall', '-Werror', '-o', deny, join(REPO, 'test', 'fixtures', 'deny-syscall.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const PIDFD_GETFD = '438';   // the same number on x86_64 and aarch64
    const args = [staticClient, lab.targetIp4, String(ECHO_PORT), String(CLOSED_PORT)];
    const lacks = /static and Go programs need the seccomp supervisor, and this kernel lacks pidfd_getfd \(Linux 5\.6\)/;
    const launcher = await lab.run(lab.client, [deny, PIDFD_GETFD, ...sockswrapArgv([...X, '--', ...args])], { timeoutMs: 60_000 });
    assert.equal(launcher.status, 126, show(launcher));
    assert.match(launcher.stderr, /^sockswrap: refusing to run .*supervised-connect: it is statically linked/m, show(launcher));
    assert.match(launcher.stderr, new RegExp(`^sockswrap: ${lacks.source}`, 'm'), show(launcher));
    assert.equal(launcher.stdout.toString(), '');
    const hook = await lab.run(lab.client, [deny, PIDFD_GETFD, ...sockswrapArgv([...X, '--', 'sh', '-c', '"$0" "$@"; echo "status $?"', ...args])], { timeoutMs: 60_000 });
    assert.equal(hook.stdout.toString(), 'status 126\n', show(hook));
    assert.match(hook.stderr, new RegExp(`^\\[sockswrap\\] ${lacks.source}`, 'm'), show(hook));
  });

  test('the supervisor itself killed: the listener is gone, so the kernel fails the program\'s connect with ENOSYS; nothing goes direct', async () => {
    const tcpClient = cProgram('tcp-client', 'static');
    const fifo = join(lab.dir, 'go-after-supervisor');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const child = spawnSockswrap(lab, [...X, '--', tcpClient, '--wait', fifo, lab.targetIp4, String(ECHO_PORT), 'x']);
    const next = lineReader(child);
    await next((l) => l === 'waiting');
    // The launcher's child is the exec helper, the supervisor; its child is the program.
    const helper = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    assert.match(readFileSync(`/proc/${helper}/cmdline`, 'utf8'), /sockswrap-exec/);
    process.kill(helper, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    writeFileSync(fifo, 'go\n');
    const out = JSON.parse(await next((l) => l.startsWith('{'))) as Record<string, unknown>;
    assert.deepEqual({ connected: out.connected, errno: out.errno }, { connected: false, errno: 38 }, JSON.stringify(out));   // ENOSYS
  });

  test('a static Go program (CGO_ENABLED=0): Dial, RemoteAddr is the real peer, a refused port names the refusal', { skip: decide(which('go') ? [] : ['go (Debian package golang-go)']) }, async () => {
    const src = join(lab.dir, 'dial.go');
    writeFileSync(src, `package main

import (
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	c, err := net.DialTimeout("tcp", os.Args[1], 20*time.Second)
	if err != nil {
		fmt.Println("dial:", err)
	} else {
		fmt.Println("remote:", c.RemoteAddr())
		c.Write([]byte("hello go\\n"))
		buf := make([]byte, 9)
		n := 0
		for n < 9 {
			k, err := c.Read(buf[n:])
			if err != nil {
				break
			}
			n += k
		}
		fmt.Printf("echo: %q\\n", buf[:n])
		c.Close()
	}
	_, err = net.DialTimeout("tcp", os.Args[2], 20*time.Second)
	fmt.Println("refused:", err)
}
`);
    const bin = join(lab.dir, 'dial-static');
    const go = spawnSync('go', ['build', '-o', bin, src], { encoding: 'utf8', env: { ...process.env, CGO_ENABLED: '0', GOCACHE: join(lab.dir, 'gocache'), GOPATH: join(lab.dir, 'gopath'), GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTOOLCHAIN: 'local' }, timeout: 300_000 });
    assert.equal(go.status, 0, go.stderr);
    const echo = `${lab.targetIp4}:${ECHO_PORT}`;
    const closed = `${lab.targetIp4}:${CLOSED_PORT}`;
    const r = await sockswrap(lab, [...X, '--', bin, echo, closed]);
    assert.equal(r.status, 0, show(r));
    const out = r.stdout.toString();
    assert.match(out, new RegExp(`^remote: ${echo.replace(/\./g, '\\.')}$`, 'm'), show(r));
    assert.match(out, /^echo: "hello go\\n"$/m, show(r));
    assert.match(out, /^refused: dial tcp [0-9.:]+: connect: connection refused$/m, show(r));
  });
});
