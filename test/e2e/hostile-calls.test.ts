// Hostile and buggy programs against the shim (issue 11, items 3, 7 and 8), in the netns lab with
// a sink route and the leak counter: whatever a case does, not one packet leaves the client
// namespace for anyone but the proxy (danted, which also carries the UDP cases).
//   3. connect() found past the global scope: dlopen'd libc (ctypes does it), dlvsym, __connect,
//      libc's own dlsym; and a second preload library's RTLD_NEXT lookups stay glibc's.
//   7. packet sockets are refused like raw IP, with the same "Protocol not supported".
//   8. bad pointers get the kernel's errno, not SIGSEGV: the same output unwrapped and wrapped.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, type Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { CLOSED_PORT, ECHO_PORT, type Danted } from '../helpers/peers';
import { sockswrap, REPO, describe as show } from '../helpers/sockswrap';
import { assertNoLeaks } from '../helpers/proof';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'python3', 'sh'], { root: true });

function compile(out: string, source: string, extra: string[] = []): void {
  const cc = spawnSync('gcc', ['-O2', '-Wall', '-o', out, join(REPO, 'test', 'fixtures', source), ...extra, '-ldl'], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
}

describe('e2e hostile calls', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let X: string[];
  let calls: string;
  let second: string;

  standardLab({ sinkRoute: true, danted: 1080 }, (s) => ({ lab, danted, X } = { lab: s.lab, danted: s.danted!, X: s.X }));
  before(() => {
    calls = join(lab.dir, 'hostile-calls');
    compile(calls, 'hostile-calls.c');
    second = join(lab.dir, 'second-preload.so');
    compile(second, 'second-preload.c', ['-shared', '-fPIC']);
  });

  test('connect found through a dlopen(libc) handle, dlvsym, __connect or libc\'s own dlsym is proxied', async () => {
    const r = await sockswrap(lab, [...X, '--', calls, 'resolve', lab.targetIp4, String(ECHO_PORT)], { timeoutMs: 90_000 });
    assert.equal(r.stdout.toString(), [
      'libc-dlsym ok', 'libc-dlvsym ok', '__connect ok', 'libc-dlsym-__connect ok', 'libc-dlsym-of-dlsym ok', 'rtld-next ok', 'resolve ok=6 of 6', '',
    ].join('\n'), show(r));
    assert.equal(r.status, 0, show(r));
  });

  // RTLD_DEEPBIND binds a library to libc before the global scope, where the shim is: its connects
  // and lookups went direct (PHP opens every extension so). The shim drops the flag, in a tail call
  // so that glibc still sees the program as dlopen's caller (a bare name is searched in its RUNPATH).
  test('a library opened with RTLD_DEEPBIND: its connect and its name lookup are proxied; a bare name is still found in the program\'s RUNPATH', async () => {
    const dir = join(lab.dir, 'deepbind');
    const libDir = join(dir, 'lib');
    mkdirSync(libDir, { recursive: true });
    compile(join(libDir, 'libsockswrap-dial.so'), 'dlopen-deepbind.c', ['-DDIAL_LIBRARY', '-shared', '-fPIC']);
    const prog = join(dir, 'dlopen-deepbind');
    compile(prog, 'dlopen-deepbind.c', ['-Wl,-rpath,$ORIGIN/lib', '-Wl,--enable-new-dtags']);
    const lib = join(libDir, 'libsockswrap-dial.so');
    // Unwrapped where the target is reachable: what each run must print.
    for (const [file, mode] of [[lib, 'deep'], ['libsockswrap-dial.so', 'deep'], ['libsockswrap-dial.so', 'plain']]) {
      const plain = await lab.run(lab.proxy, [prog, file, mode, lab.targetIp4, String(ECHO_PORT)], { timeoutMs: 30_000 });
      assert.equal(plain.stdout.toString(), 'echo ok\n', show(plain));
      const wrapped = await sockswrap(lab, [...X, '--', prog, file, mode, lab.targetIp4, String(ECHO_PORT)], { timeoutMs: 60_000 });
      assert.equal(wrapped.stdout.toString(), plain.stdout.toString(), `${file} ${mode}: ${show(wrapped)}`);
      assert.equal(wrapped.status, 0, show(wrapped));
    }
    // By a name only the proxy resolves: the library's getaddrinfo is the shim's too (no query leaves).
    const named = await sockswrap(lab, ['-x', `socks5h://${danted.host}:${danted.port}`, '--', prog, lib, 'deep', 'target.test', String(ECHO_PORT)], { timeoutMs: 60_000 });
    assert.equal(named.stdout.toString(), 'echo ok\n', show(named));
    assertNoLeaks(lab);
  });

  test('php: the sockets extension (opened with RTLD_DEEPBIND) connects through the proxy, as unwrapped', { skip: skipUnless(['php']) }, async () => {
    const code = `$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP); if (!@socket_connect($s, $argv[1], (int)$argv[2])) { echo socket_strerror(socket_last_error($s)), "\\n"; exit(1); } socket_write($s, "php\\n"); echo socket_read($s, 16);`;
    const argv = [bin('php'), '-r', code, lab.targetIp4, String(ECHO_PORT)];
    const plain = await lab.run(lab.proxy, argv, { timeoutMs: 30_000 });
    assert.equal(plain.stdout.toString(), 'php\n', show(plain));
    const wrapped = await sockswrap(lab, [...X, '--', ...argv], { timeoutMs: 60_000 });
    assert.equal(wrapped.stdout.toString(), plain.stdout.toString(), show(wrapped));
    assert.equal(wrapped.status, 0, show(wrapped));
    assertNoLeaks(lab);
  });

  test('python ctypes: CDLL("libc.so.6").connect is proxied', async () => {
    const script = [
      'import ctypes, socket, struct, sys',
      'libc = ctypes.CDLL("libc.so.6", use_errno=True)',
      's = socket.socket()',
      's.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 5, 0))',
      `addr = struct.pack("=HH4s8x", socket.AF_INET, socket.htons(${ECHO_PORT}), socket.inet_aton("${lab.targetIp4}"))`,
      'if libc.connect(s.fileno(), addr, len(addr)) != 0: sys.exit("connect: errno %d" % ctypes.get_errno())',
      's.settimeout(10); s.sendall(b"via ctypes\\n"); sys.stdout.write(s.recv(64).decode())',
    ].join('\n');
    const r = await sockswrap(lab, [...X, '--', bin('python3'), '-c', script], { timeoutMs: 60_000 });
    assert.equal(r.stdout.toString(), 'via ctypes\n', show(r));
    assert.equal(r.status, 0, show(r));
  });

  test('a second preload library that wraps connect and getuid with dlsym(RTLD_NEXT) gets libc\'s, and its connects are proxied', async () => {
    const r = await sockswrap(lab, [...X, '--', 'env', `LD_PRELOAD=${second}`, calls, 'resolve', lab.targetIp4, String(ECHO_PORT)], { timeoutMs: 90_000 });
    assert.match(r.stdout.toString(), /^resolve ok=6 of 6$/m, show(r));
    assert.equal(r.status, 0, show(r));
    const n = Number(/second-preload connect calls=(\d+)/.exec(r.stderr)?.[1] ?? 0);
    // The program's six connects reach it through the shim (which connects the fd to the relay).
    assert.ok(n >= 6, show(r));
    const id = await sockswrap(lab, [...X, '--', 'env', `LD_PRELOAD=${second}`, 'id', '-u'], { timeoutMs: 30_000 });
    assert.equal(id.stdout.toString(), `${process.getuid!()}\n`, show(id));
    assert.equal(id.status, 0, show(id));
  });

  test('socket(AF_PACKET), socket(PF_PACKET) and socket(AF_INET, SOCK_PACKET) are refused like raw IP, and no frame leaves', async () => {
    const r = await sockswrap(lab, [...X, '--', calls, 'packet', lab.targetIp4, 'sink0'], { timeoutMs: 30_000 });
    assert.equal(r.stdout.toString(), [
      'af-packet-raw EPROTONOSUPPORT (Protocol not supported)',
      'pf-packet-dgram EPROTONOSUPPORT (Protocol not supported)',
      'inet-sock-packet EPROTONOSUPPORT (Protocol not supported)',
      'raw-icmp-sendto EPROTONOSUPPORT (Protocol not supported)',
      'frames sent=0', '',
    ].join('\n'), show(r));
    // What a Python program prints: the same message for a packet socket as for a raw IP send.
    const script = [
      'import socket',
      'try: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))',
      'except OSError as e: print(e)',
      'r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)',
      `try: r.sendto(b"\\x08\\x00\\xf7\\xff\\x00\\x00\\x00\\x00", ("${lab.targetIp4}", 0))`,
      'except OSError as e: print(e)',
    ].join('\n');
    const py = await sockswrap(lab, [...X, '--', bin('python3'), '-c', script], { timeoutMs: 30_000 });
    assert.equal(py.stdout.toString(), '[Errno 93] Protocol not supported\n'.repeat(2), show(py));
  });

  // The kernel's state after a connect: a blocking one that succeeded answers EISCONN (the dial path
  // connects non-blocking, and the socket stayed "connecting": 0 once); a failure the program read
  // with SO_ERROR answers ECONNABORTED once, and the socket stays readable and writable.
  test('connect() again after one ended: EISCONN, ECONNABORTED once, the same readiness, wrapped as unwrapped', async () => {
    const prog = [
      'import socket, select, sys, errno',
      'host, echo, closed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])',
      'def E(f):',
      '    try:',
      '        f()',
      '        return "ok"',
      '    except OSError as e:',
      '        return errno.errorcode[e.errno]',
      's = socket.socket()',
      'print("blocking", E(lambda: s.connect((host, echo))))',
      'print("again", E(lambda: s.connect((host, echo))))',
      'print("elsewhere", E(lambda: s.connect((host, closed))))',
      's.close()',
      's = socket.socket()',
      's.setblocking(False)',
      'print("non-blocking, refused", E(lambda: s.connect((host, closed))))',
      'p = select.poll()',
      'p.register(s, select.POLLIN | select.POLLOUT)',
      'print("ready", [ev for _, ev in p.poll(10000)])',
      'print("SO_ERROR", errno.errorcode.get(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)))',
      'print("ready after", [ev for _, ev in p.poll(2000)])',
      'print("again", E(lambda: s.connect((host, closed))))',
      'print("send", E(lambda: s.send(b"x")))',
      // After ECONNABORTED the socket is unconnected: a new connect starts over.
      's.setblocking(True)',
      'print("over", E(lambda: s.connect((host, echo))))',
    ].join('\n');
    const argv = [bin('python3'), '-c', prog, lab.targetIp4, String(ECHO_PORT), String(CLOSED_PORT)];
    const plain = await lab.run(lab.proxy, argv, { timeoutMs: 30_000 });
    assert.equal(plain.status, 0, show(plain));
    assert.match(plain.stdout.toString(), /^again EISCONN\n[^]*^again ECONNABORTED$/m, show(plain));
    for (const env of [{}, { SOCKSWRAP_ASYNC_DIAL: '0' }]) {
      const wrapped = await sockswrap(lab, [...X, '--', ...argv], { timeoutMs: 60_000, env: cleanEnv(env) });
      assert.equal(wrapped.stdout.toString(), plain.stdout.toString(), `${JSON.stringify(env)} ${show(wrapped)}`);
      assert.equal(wrapped.status, plain.status, show(wrapped));
    }
  });

  test('connect, sendto, sendmsg, sendmmsg and getpeername with bad pointers: the kernel\'s errno, wrapped as unwrapped', async () => {
    const argv = [calls, 'bad-pointers', lab.targetIp4, String(ECHO_PORT)];
    // Unwrapped where the target is reachable (the proxy namespace), wrapped from the client.
    const plain = await lab.run(lab.proxy, argv, { timeoutMs: 30_000 });
    assert.equal(plain.status, 0, show(plain));
    const out = plain.stdout.toString();
    for (const line of ['connect-badfd EBADF', 'connect-tcp EFAULT', 'connect-page-end ret=0', 'sendmmsg-second-bad ret=1', 'getpeername-negative-len EINVAL', 'done']) {
      assert.match(out, new RegExp(`^${line}$`, 'm'), out);
    }
    const wrapped = await sockswrap(lab, [...X, '--', ...argv], { timeoutMs: 60_000 });
    assert.equal(wrapped.stdout.toString(), out, show(wrapped));
    assert.equal(wrapped.status, 0, show(wrapped));
  });
});
