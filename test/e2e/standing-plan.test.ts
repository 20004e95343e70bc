// Standing plans (docs/architecture.md, dial path): with a one-proxy chain the agent marks its
// CONNECT answer reusable, and the shim runs it again for the next blocking connect to the same
// destination without asking (native-shims/plan-cache.c). Every case is one wrapped program that
// connects to the SAME destination several times: the first connect asks the agent and stores the
// plan, the later ones run it from the cache. What must not change is what a user sees: bytes,
// errno, getpeername, one `-v` line per connection (from the NOTE), a refusal or a stall judged and
// logged with its hop (after RESUME), and nothing leaving the client namespace but to the proxy.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { startMicrosocks, reEscape, waitForLog, untilLog, ECHO_PORT, CLOSED_PORT, type Danted, type Peer } from '../helpers/peers';
import { assertNoLeaks } from '../helpers/proof';
import { sockswrap, spawnSockswrap, lineReader, describe as show } from '../helpers/sockswrap';
import { cProgram } from '../helpers/fixture-builds';
import { startDelayForwarder } from '../helpers/delay-forwarder';
import { bin, skipUnless } from '../helpers/peer-gate';

/**
 * Shared by the wrapped programs: one blocking connect on a fresh socket that sends bytes unique
 * to `i` (2 kB) and expects exactly them back from the echo target. False on a mismatch or error.
 */
const PY_ECHO_ONCE = `
import socket, sys, hashlib
def echo_once(host, port, i):
    payload = hashlib.sha256(b"%d" % i).digest() * 64 + b"|%d" % i
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.connect((host, port))
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            b = s.recv(65536)
            if not b: break
            got += b
        return got == payload
    except OSError:
        return False
    finally:
        s.close()
`;

/** argv: host port n. n sequential connects (fresh socket each); prints JSON {bad: [indexes]}. */
const PY_REPEAT = PY_ECHO_ONCE + `
import json
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(json.dumps({"bad": [i for i in range(n) if not echo_once(host, port, i)]}))
`;

/**
 * argv: host port. One connect in the main thread (stores the plan), then 8 threads x 15 connects,
 * and while they run a forked child does 5 more (its copy of the cache, its own control
 * connection for the NOTEs). Prints JSON {first, threads (echoes that came back equal), child (exit status)}.
 */
const THREADS = 8;
const PER_THREAD = 15;
const IN_CHILD = 5;
const PY_THREADS_FORK = PY_ECHO_ONCE + `
import os, threading, json
host, port = sys.argv[1], int(sys.argv[2])
T, C, K = ${THREADS}, ${PER_THREAD}, ${IN_CHILD}
first = echo_once(host, port, 0)
ok = [0] * T
def worker(t):
    ok[t] = sum(echo_once(host, port, 1000 * (t + 1) + c) for c in range(C))
threads = [threading.Thread(target=worker, args=(t,)) for t in range(T)]
for th in threads: th.start()
pid = os.fork()
if pid == 0:
    os._exit(0 if sum(echo_once(host, port, 100000 + k) for k in range(K)) == K else 3)
for th in threads: th.join()
_, status = os.waitpid(pid, 0)
print(json.dumps({"first": first, "threads": sum(ok), "child": os.waitstatus_to_exitcode(status)}))
`;

/**
 * argv: host port. Connects and closes (asks the agent, stores the plan), connects again (from the
 * cache), then execs a new python that reports getpeername of the inherited fd: the new image
 * knows nothing of it and asks the agent (PEER), which learnt it from the standing plan's NOTE.
 */
const PY_EXEC_PEER_CACHED = `
import socket, sys, os
dest = (sys.argv[1], int(sys.argv[2]))
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(dest)
s.close()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(dest)
os.set_inheritable(s.fileno(), True)
code = "import socket, sys, json; s = socket.socket(fileno=int(sys.argv[1])); print(json.dumps(list(s.getpeername()[:2])))"
os.execv(sys.executable, [sys.executable, "-c", code, str(s.fileno())])
`;

/**
 * argv: host port. Three connects from the kept plan (after the first, which asks), then one more
 * whose fd each child inherits: a subprocess (vfork + exec in the child), os.fork() + exec, and
 * os.posix_spawn. Each child reports getpeername of the fd. Without -v the plan's NOTEs wait in
 * the shim (docs/wire-protocol.md, NOTE): each way of starting a program must send them before
 * the new image asks the agent about the socket (PEER).
 */
const PY_CHILDREN_PEER_QUEUED = `
import socket, sys, os, json, subprocess
dest = (sys.argv[1], int(sys.argv[2]))
for _ in range(4):
    socket.create_connection(dest).close()
code = "import socket, sys, json; s = socket.socket(fileno=int(sys.argv[1])); print(json.dumps(list(s.getpeername()[:2])), flush=True)"
out = {}
s = socket.create_connection(dest)
fd = s.fileno()
os.set_inheritable(fd, True)
out["subprocess"] = json.loads(subprocess.run([sys.executable, "-c", code, str(fd)], pass_fds=[fd], capture_output=True, check=True).stdout)
s.close()
s = socket.create_connection(dest)
fd = s.fileno()
os.set_inheritable(fd, True)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.dup2(w, 1)
    os.execv(sys.executable, [sys.executable, "-c", code, str(fd)])
os.close(w)
os.waitpid(pid, 0)
out["fork"] = json.loads(os.read(r, 4096))
s.close()
s = socket.create_connection(dest)
fd = s.fileno()
os.set_inheritable(fd, True)
r, w = os.pipe()
pid = os.posix_spawn(sys.executable, [sys.executable, "-c", code, str(fd)], os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, w, 1)])
os.close(w)
os.waitpid(pid, 0)
out["posix_spawn"] = json.loads(os.read(r, 4096))
print(json.dumps(out))
`;

/**
 * argv: host port. Three connects to one destination: the first reads to EOF and prints what it
 * got; the other two print "errno N" (or "connected").
 */
const PY_THEN_REFUSED = `
import socket, sys
dest = (sys.argv[1], int(sys.argv[2]))
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(dest)
got = b""
while True:
    b = s.recv(64)
    if not b: break
    got += b
s.close()
print(got.decode("latin-1"))
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.connect(dest); print("connected")
    except OSError as e:
        print("errno", e.errno)
    s.close()
`;

/** argv: host port n. n blocking connects, one line each: "connected" or "errno N". */
const PY_CONNECTS = `
import socket, sys
for _ in range(int(sys.argv[3])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.connect((sys.argv[1], int(sys.argv[2]))); print("connected")
    except OSError as e:
        print("errno", e.errno)
    s.close()
`;

/** argv: host port. One echo round ("echo ok" / "echo bad"), then a second connect: "errno N" or "connected". */
const PY_ECHO_THEN_ERRNO = PY_ECHO_ONCE + `
print("echo", "ok" if echo_once(sys.argv[1], int(sys.argv[2]), 1) else "bad")
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print("connected")
except OSError as e:
    print("errno", e.errno)
`;

/**
 * argv: addr port. Serves ONE connection: closes its listening socket first, then sends "x" and
 * closes. So by the time the client has read "x" the port refuses connections: no sleep needed.
 * Says "ready" once listening (a probe connection would use up its one accept).
 */
const PY_ONE_SHOT_SERVER = `
import socket, sys
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2]))); srv.listen(1)
print("ready", flush=True)
c, _ = srv.accept()
srv.close()
c.sendall(b"x"); c.close()
`;

/**
 * argv: addr port. A fake SOCKS5 proxy (a fault no real server gives on demand): the FIRST client
 * gets a no-auth handshake with a success reply and then an echo; every later client gets the
 * method choice and then no answer to its CONNECT request, ever. Says "ready" once listening.
 */
const PY_STALL_AFTER_FIRST = `
import socket, sys, threading, time
lock = threading.Lock()
served = [0]
def exact(c, n):
    b = b""
    while len(b) < n:
        x = c.recv(n - len(b))
        if not x: return None
        b += x
    return b
def serve(c):
    try:
        g = exact(c, 2)
        if not g or not exact(c, g[1]): return
        c.sendall(b"\\x05\\x00")
        head = exact(c, 4)
        if not head: return
        size = {1: 6, 4: 18}.get(head[3])
        if size is None:
            n = exact(c, 1)
            if not n: return
            size = n[0] + 2
        dst = exact(c, size)
        if not dst: return
        # The agent's pipelining probe (CONNECT 0.0.0.0:0) races the program's first connect to
        # this listener: it is refused and not counted, so "first" is the program's own.
        if head[3] == 1 and dst == bytes(6):
            c.sendall(b"\\x05\\x02\\x00\\x01" + bytes(6)); return
        with lock:
            first = served[0] == 0
            served[0] += 1
        if not first:
            time.sleep(60); return
        c.sendall(b"\\x05\\x00\\x00\\x01" + bytes(6))
        while True:
            b = c.recv(65536)
            if not b: return
            c.sendall(b)
    except OSError:
        pass
    finally:
        c.close()
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2]))); srv.listen(8)
print("ready", flush=True)
while True:
    c = srv.accept()[0]
    threading.Thread(target=serve, args=(c,), daemon=True).start()
`;

const SKIP = skipUnless(['ip', 'nft', 'danted', 'python3', 'gcc'], { root: true });
/** Only the two-proxy case needs a second proxy; it names the package when it is missing (a failure under CI=true). */
const NO_MICROSOCKS = skipUnless(['microsocks']);

/** Resolves once the child printed "ready" (bounded); rejects if it exits or stays silent. */
function ready(child: ChildProcess, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} not ready within ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready')) { clearTimeout(timer); resolve(); }
    });
    child.once('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`${what} exited (${code ?? sig}): ${err}`)); });
  });
}

/** How many times the global re matches text (the patterns here match within one log line). */
function count(text: string, re: RegExp): number {
  return text.match(re)?.length ?? 0;
}

/**
 * argv: port. Connects to the first fake address before any name owns it, then resolves a name
 * (which gets that address), then connects to the address again: now it means the name.
 */
const PY_FAKE_ADDRESS_NAMED_LATER = `
import socket, sys
port = int(sys.argv[1])
def attempt():
    s = socket.socket()
    try:
        s.connect(("240.0.0.1", port)); s.sendall(b"n"); ok = s.recv(1) == b"n"; s.close()
        return "echo" if ok else "bad"
    except OSError as e:
        return "errno %d" % e.errno
print(attempt())
print(socket.getaddrinfo("target.test", port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0])
print(attempt())
`;

describe('standing plans: a one-proxy chain connects again without asking the agent', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let micro: Peer | undefined;
  let py: string;

  standardLab({ danted: 1080, microsocks: NO_MICROSOCKS ? undefined : 1081, leaks: 'reset' }, (s) => ({ lab, danted, micro } = { lab: s.lab, danted: s.danted!, micro: s.micro }));
  before(() => { py = bin('python3'); });

  /** The -v line of one established connection to the echo target through `hop` ("H:P"). */
  const connectedVia = (hop: string) =>
    new RegExp(`${reEscape(lab.targetIp4)}:${ECHO_PORT} via socks5 ${reEscape(hop)}: connected in \\d+ ms`, 'g');

  test('20 sequential connects through danted: every echo equal, one -v line each', async () => {
    const n = 20;
    const r = await sockswrap(lab, ['-v', '-x', `socks5://${danted.host}:${danted.port}`, '--', py, '-c', PY_REPEAT, lab.targetIp4, String(ECHO_PORT), String(n)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { bad: [] }, show(r));
    // 1 from the agent's own session, 19 from the standing plan's NOTE: the user cannot tell.
    assert.equal(count(r.stderr, connectedVia(`${danted.host}:${danted.port}`)), n, show(r));
    assertNoLeaks(lab);
  });

  test('a kept plan needs no round trip: with the agent stopped (SIGSTOP), 5 more connects to the same destination echo', async () => {
    const go = join(lab.dir, 'go-agent-stopped');
    const learned = join(lab.dir, 'go-learned');
    // The plan is kept once the proxy's pipelining is known (docs/chains.md): the first connect
    // meets it unknown; the one after the -v line that says what was learned stores the plan.
    const prog = PY_ECHO_ONCE + `
import os, time
host, port = sys.argv[1], int(sys.argv[2])
first = echo_once(host, port, 0)
while not os.path.exists(${JSON.stringify(learned)}): time.sleep(0.02)
print("ready", first and echo_once(host, port, 0), flush=True)
while not os.path.exists(${JSON.stringify(go)}): time.sleep(0.02)
print("kept", sum(echo_once(host, port, i) for i in range(1, 6)), flush=True)
`;
    const child = spawnSockswrap(lab, ['-v', '-x', `socks5://${danted.host}:${danted.port}`, '--', py, '-c', prog, lab.targetIp4, String(ECHO_PORT)]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let err = '';
    child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    const next = lineReader(child);
    await untilLog(() => err, /takes pipelined handshakes/, 15_000);
    writeFileSync(learned, '');
    assert.equal(await next((l) => l.startsWith('ready')), 'ready True');
    // The launcher is the agent: stopped, it answers nothing. Asking it would hang here.
    process.kill(child.pid!, 'SIGSTOP');
    try {
      writeFileSync(go, '');
      assert.equal(await next((l) => l.startsWith('kept'), 15_000), 'kept 5');
    } finally {
      process.kill(child.pid!, 'SIGCONT');
    }
    assert.equal(await exited, 0);
    assertNoLeaks(lab);
  });

  test('8 threads x 15 connects and a forked child x 5 on one stored plan: every echo equal, one -v line each', async () => {
    const r = await sockswrap(lab, ['-v', '-x', `socks5://${danted.host}:${danted.port}`, '--', py, '-c', PY_THREADS_FORK, lab.targetIp4, String(ECHO_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { first: true, threads: THREADS * PER_THREAD, child: 0 }, show(r));
    // Each thread's first connect asks the agent (a plan runs only on a thread whose control
    // connection is open); so does the child's (its parent's connections are not its own).
    assert.equal(count(r.stderr, connectedVia(`${danted.host}:${danted.port}`)), 1 + THREADS * PER_THREAD + IN_CHILD, show(r));
    assertNoLeaks(lab);
  });

  test('getpeername of a cached connection inherited across exec: the original destination', async () => {
    const r = await sockswrap(lab, ['-x', `socks5://${danted.host}:${danted.port}`, '--', py, '-c', PY_EXEC_PEER_CACHED, lab.targetIp4, String(ECHO_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), [lab.targetIp4, ECHO_PORT], show(r));
    assertNoLeaks(lab);
  });

  test('queued NOTEs (no -v): a child started by subprocess, fork + exec or posix_spawn sees the inherited socket\'s original peer, as unwrapped', async () => {
    const argv = [py, '-c', PY_CHILDREN_PEER_QUEUED, lab.targetIp4, String(ECHO_PORT)];
    const direct = await lab.run(lab.proxy, argv);
    assert.equal(direct.status, 0, show(direct));
    const r = await sockswrap(lab, ['-x', `socks5://${danted.host}:${danted.port}`, '--', ...argv]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), JSON.parse(direct.stdout.toString()), show(r));
    assert.deepEqual(JSON.parse(direct.stdout.toString()).fork, [lab.targetIp4, ECHO_PORT]);
    assertNoLeaks(lab);
  });

  test('control connections handed from thread to thread (a resolver-like thread, then main, then fork) and close_range between: every echo as unwrapped, each through danted', async () => {
    // Each thread's connection is kept at its exit for the next thread of the process (core/agent-wire.c,
    // the spare); a fork child never takes its parent's. The same program run in the proxy namespace,
    // where the target is reachable, is the truth.
    const argv = [cProgram('thread-handoff', 'dynamic'), lab.targetIp4, String(ECHO_PORT)];
    const direct = await lab.run(lab.proxy, argv);
    assert.equal(direct.status, 0, show(direct));
    const lines = direct.stdout.toString().trim().split('\n');
    assert.equal(lines.length, 10, show(direct));
    for (const line of lines) assert.match(line, /^([\w-]+): echoed \1$/);
    for (const flags of [['-v'], []]) {
      const r = await sockswrap(lab, [...flags, '-x', `socks5://${danted.host}:${danted.port}`, '--', ...argv]);
      assert.equal(r.status, 0, show(r));
      assert.equal(r.stdout.toString(), direct.stdout.toString(), show(r));
      if (flags.length) assert.equal(count(r.stderr, connectedVia(`${danted.host}:${danted.port}`)), lines.length, show(r));
    }
    assertNoLeaks(lab);
  });

  test('a refusal after the plan is stored: errno 111, logged with the hop; the next connect too', async () => {
    const port = 7301;
    await ready(lab.spawn(lab.proxy, [py, '-c', PY_ONE_SHOT_SERVER, lab.targetIp4, String(port)]), 'one-shot server');
    const r = await sockswrap(lab, ['-x', `socks5://${danted.host}:${danted.port}`, '--', py, '-c', PY_THEN_REFUSED, lab.targetIp4, String(port)]);
    assert.equal(r.status, 0, show(r));
    // The 2nd connect meets danted's refusal where the plan expected success (RESUME); the 3rd
    // runs the same stored plan again and must be judged the same way.
    assert.equal(r.stdout.toString(), 'x\nerrno 111\nerrno 111\n', show(r));
    const refused = new RegExp(`${reEscape(lab.targetIp4)}:${port} via socks5 ${reEscape(`${danted.host}:${danted.port}`)}.*refused`, 'g');
    assert.equal(count(r.stderr, refused), 2, show(r));
    assertNoLeaks(lab);
  });

  test('a stall after the plan is stored: errno 110 after tcp_read_time_out, logged with the hop, never hangs', async () => {
    const port = 1099;
    await ready(lab.spawn(lab.proxy, [py, '-c', PY_STALL_AFTER_FIRST, lab.proxyIp4, String(port)]), 'stalling proxy');
    const conf = join(lab.dir, 'stall.conf');
    writeFileSync(conf, `strict_chain\ntcp_read_time_out 1500\ntcp_connect_time_out 1500\n[ProxyList]\nsocks5 ${lab.proxyIp4} ${port}\n`);
    // A hang (the shim waiting on a session nobody opened) is killed at 20 s and fails here.
    const r = await sockswrap(lab, ['-f', conf, '--', py, '-c', PY_ECHO_THEN_ERRNO, lab.targetIp4, String(ECHO_PORT)], { timeoutMs: 20_000 });
    assert.equal(r.timedOut, false, show(r));
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'echo ok\nerrno 110\n', show(r));
    assert.match(r.stderr, new RegExp(`${reEscape(lab.targetIp4)}:${ECHO_PORT} via socks5 ${reEscape(`${lab.proxyIp4}:${port}`)}.*no complete reply from the proxy within 1500 ms`), show(r));
    assertNoLeaks(lab);
  });

  test('RFC 1929 credentials in the plan: microsocks with a user, 10 connects by name, right password echo, wrong one refused each time', { skip: NO_MICROSOCKS }, async () => {
    const port = 1082;
    const authed = await startMicrosocks(lab, { port, user: 'alice', pass: 's3cret' });
    try {
      const n = 10;
      const ok = await sockswrap(lab, ['-x', `socks5h://alice:s3cret@${authed.host}:${port}`, '--', py, '-c', PY_REPEAT, 'target.test', String(ECHO_PORT), String(n)]);
      assert.equal(ok.status, 0, show(ok));
      assert.deepEqual(JSON.parse(ok.stdout.toString()), { bad: [] }, show(ok));
      const wrong = await sockswrap(lab, ['-x', `socks5h://alice:wrong@${authed.host}:${port}`, '--', py, '-c', PY_REPEAT, 'target.test', String(ECHO_PORT), String(3)]);
      assert.equal(wrong.status, 0, show(wrong));
      assert.deepEqual(JSON.parse(wrong.stdout.toString()), { bad: [0, 1, 2] }, show(wrong));
      // Each refusal, the kept plan's included, is the agent's to judge and log.
      assert.equal(count(wrong.stderr, /target\.test:\d+ via socks5 [^ ]+: .*(auth|password|credential)/gi), 3, show(wrong));
    } finally {
      await authed.stop();
    }
    assertNoLeaks(lab);
  });

  test('strict_chain microsocks > danted: 10 connects by name from one plan, one -v line each naming both hops; refusals judged at hop 2', { skip: NO_MICROSOCKS }, async () => {
    assert.ok(micro, 'microsocks started');
    const conf = join(lab.dir, 'strict-2.conf');
    writeFileSync(conf, ['strict_chain', 'proxy_dns', '[ProxyList]', `socks5 ${micro.host} ${micro.port}`, `socks5 ${danted.innerHost} ${danted.port}`, ''].join('\n'));
    const n = 10;
    const r = await sockswrap(lab, ['-v', '-f', conf, '--', py, '-c', PY_REPEAT, 'target.test', String(ECHO_PORT), String(n)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { bad: [] }, show(r));
    const chain = `socks5 ${reEscape(`${micro.host}:${micro.port}`)} > socks5 ${reEscape(`${danted.innerHost}:${danted.port}`)}`;
    assert.equal(count(r.stderr, new RegExp(`target\\.test:${ECHO_PORT} via ${chain}: connected in \\d+ ms`, 'g')), n, show(r));
    // A closed port: danted (hop 2) refuses, after hop 1's reply and hop 2's method choice matched.
    const refused = await sockswrap(lab, ['-f', conf, '--', py, '-c', PY_CONNECTS, 'target.test', String(CLOSED_PORT), '3']);
    assert.equal(refused.status, 0, show(refused));
    assert.equal(refused.stdout.toString(), 'errno 111\n'.repeat(3), show(refused));
    assert.equal(count(refused.stderr, new RegExp(`target\\.test:${CLOSED_PORT} via socks5 ${reEscape(`${danted.innerHost}:${danted.port}`)}: CONNECT target\\.test:${CLOSED_PORT} refused`, 'g')), 3, show(refused));
    assertNoLeaks(lab);
  });

  test('tcp_read_time_out bounds each hop, not the whole scripted chain: 2 hops of ~600 ms each under a 1000 ms timeout connect', { skip: NO_MICROSOCKS }, async () => {
    assert.ok(micro, 'microsocks started');
    // Every chunk through the forwarder waits 150 ms each way: each hop's two exchanges take
    // ~600 ms (hop 2's run through hop 1's tunnel), the chain's four ~1200 ms.
    const far = await startDelayForwarder(lab, { port: 1190, toHost: micro.host, toPort: micro.port, delayMs: 150 });
    const conf = join(lab.dir, 'per-hop-timeout.conf');
    writeFileSync(conf, ['strict_chain', 'proxy_dns', 'tcp_read_time_out 1000', '[ProxyList]', `socks5 ${far.host} ${far.port}`, `socks5 ${danted.innerHost} ${danted.port}`, ''].join('\n'));
    const n = 3;
    const r = await sockswrap(lab, ['-v', '-f', conf, '--', py, '-c', PY_REPEAT, 'target.test', String(ECHO_PORT), String(n)], { timeoutMs: 30_000 });
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { bad: [] }, show(r));
    const chain = `socks5 ${reEscape(`${far.host}:${far.port}`)} > socks5 ${reEscape(`${danted.innerHost}:${danted.port}`)}`;
    assert.equal(count(r.stderr, new RegExp(`target\\.test:${ECHO_PORT} via ${chain}: connected in \\d+ ms`, 'g')), n, show(r));
    far.child.kill();
    assertNoLeaks(lab);
  });

  test('dynamic_chain with a dead first proxy: every connect from the kept plan skips it and goes through danted', async () => {
    const conf = join(lab.dir, 'dynamic-dead.conf');
    writeFileSync(conf, ['dynamic_chain', '[ProxyList]', `socks5 ${lab.proxyIp4} ${CLOSED_PORT}`, `socks5 ${danted.host} ${danted.port}`, ''].join('\n'));
    const n = 5;
    const r = await sockswrap(lab, ['-v', '-f', conf, '--', py, '-c', PY_REPEAT, lab.targetIp4, String(ECHO_PORT), String(n)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { bad: [] }, show(r));
    // Dead hops are forgotten per connection (docs/chains.md): each one meets it and skips it.
    assert.equal(count(r.stderr, /cannot reach the proxy: ECONNREFUSED; skipping that hop/g), n, show(r));
    assert.equal(count(r.stderr, connectedVia(`${danted.host}:${danted.port}`)), n, show(r));
    assertNoLeaks(lab);
  });

  test('dnat with a kept plan: 5 connects to a TEST-NET address reach the rewritten target, each logged with its dnat', async () => {
    const nowhere = '198.51.100.7';
    const conf = join(lab.dir, 'dnat.conf');
    writeFileSync(conf, [`dnat ${nowhere}:80 ${lab.targetIp4}:${ECHO_PORT}`, '[ProxyList]', `socks5 ${danted.host} ${danted.port}`, ''].join('\n'));
    const n = 5;
    const r = await sockswrap(lab, ['-v', '-f', conf, '--', py, '-c', PY_REPEAT, nowhere, '80', String(n)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { bad: [] }, show(r));
    const line = new RegExp(`${reEscape(nowhere)}:80 \\(dnat to ${reEscape(lab.targetIp4)}:${ECHO_PORT}\\) via socks5 ${reEscape(`${danted.host}:${danted.port}`)}: connected in \\d+ ms`, 'g');
    assert.equal(count(r.stderr, line), n, show(r));
    assertNoLeaks(lab);
  });

  test('a fake address no name owned yet is not kept: once a name gets it, the proxy is asked for the name', async () => {
    const r = await sockswrap(lab, ['-x', `socks5h://${danted.host}:${danted.port}`, '--', py, '-c', PY_FAKE_ADDRESS_NAMED_LATER, String(ECHO_PORT)]);
    assert.equal(r.status, 0, show(r));
    const [before, resolved, afterNamed] = r.stdout.toString().trim().split('\n');
    assert.match(before ?? '', /^errno \d+$/, `danted cannot reach 240.0.0.1 itself: ${show(r)}`);
    assert.equal(resolved, '240.0.0.1', show(r));
    assert.equal(afterNamed, 'echo', `the second connect must reach target.test by name: ${show(r)}`);
    assertNoLeaks(lab);
  });

  test('round_robin_chain over two proxies: 10 connects to one destination use both (no plan pins a rotating chain)', { skip: NO_MICROSOCKS }, async () => {
    assert.ok(micro, 'microsocks started');
    const conf = join(lab.dir, 'rr.conf');
    writeFileSync(conf, ['round_robin_chain', 'chain_len = 1', '[ProxyList]', `socks5 ${danted.host} ${danted.port}`, `socks5 ${micro.host} ${micro.port}`, ''].join('\n'));
    const n = 10;
    const r = await sockswrap(lab, ['-v', '-f', conf, '--', py, '-c', PY_REPEAT, lab.targetIp4, String(ECHO_PORT), String(n)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { bad: [] }, show(r));
    // The cursor advances once per connection: the two proxies take turns.
    assert.equal(count(r.stderr, connectedVia(`${danted.host}:${danted.port}`)), n / 2, show(r));
    assert.equal(count(r.stderr, connectedVia(`${micro.host}:${micro.port}`)), n / 2, show(r));
    assertNoLeaks(lab);
  });
});
