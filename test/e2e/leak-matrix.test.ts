// The leak matrix (issue 6): real programs wrapped in the netns lab, whose client namespace has
// a default route into a sink, so anything that does not go to the proxy leaves a packet the
// nftables counter sees. After every case — including those that must fail — the counter is 0.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { HTTP_PORT, ECHO_PORT, BANNER_PORT, type Peer } from '../helpers/peers';
import { sockswrap, REPO, describe as show } from '../helpers/sockswrap';
import { PY_THREADS, nodeFetch } from '../helpers/programs';
import { bin, skipUnless } from '../helpers/peer-gate';
import { waitPort } from '../helpers/port-waiter';

const SKIP = skipUnless(['ip', 'nft', 'microsocks', 'curl', 'python3', 'ncat', 'sh'], { root: true });
const HELLO = 'hello from target\n';

describe('e2e leak matrix', { skip: SKIP }, () => {
  let lab: Lab;
  let micro: Peer;
  let X: string[];
  let cases: string;
  let url: string;
  let staticProgram: string;

  standardLab({ sinkRoute: true, microsocks: 1081 }, (s) => ({ lab, micro, X } = { lab: s.lab, micro: s.micro!, X: s.X }));
  before(() => {
    url = `http://target.test:${HTTP_PORT}/hello`;
    cases = join(lab.dir, 'leak-cases');
    const cc = spawnSync('gcc', ['-O2', '-pthread', '-o', cases, join(REPO, 'test', 'fixtures', 'leak-cases.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const hello = join(lab.dir, 'hello.c');
    writeFileSync(hello, '#include <stdio.h>\nint main(void){puts("static hello");return 0;}\n');
    staticProgram = join(lab.dir, 'static-hello');
    const st = spawnSync('gcc', ['-static', '-o', staticProgram, hello], { encoding: 'utf8' });
    assert.equal(st.status, 0, st.stderr);
  });

  const ok = async (argv: string[], expect: RegExp | string, timeoutMs = 60_000): Promise<void> => {
    const r = await sockswrap(lab, [...X, '--', ...argv], { timeoutMs });
    assert.equal(r.status, 0, show(r));
    if (typeof expect === 'string') assert.equal(r.stdout.toString(), expect, show(r));
    else assert.match(r.stdout.toString(), expect, show(r));
  };

  test('curl', () => ok([bin('curl'), '-sS', '--max-time', '20', url], HELLO));
  test('wget', { skip: skipUnless(['wget']) }, () => ok([bin('wget'), '-q', '-O', '-', url], HELLO));
  test('python3 urllib', () => ok([bin('python3'), '-c', `import urllib.request,sys; sys.stdout.write(urllib.request.urlopen(${JSON.stringify(url)}, timeout=20).read().decode())`], HELLO));
  test('node fetch', () => ok([process.execPath, '-e', nodeFetch(url)], HELLO));
  test('ncat: banner and echo through the proxy', async () => {
    // --no-shutdown: ncat half-closes after stdin's EOF otherwise, and microsocks answers a
    // half-close by closing both directions, so the echo, and under load even the banner, could
    // be dropped by the proxy (an empty stdout, status 0). The server closes after the echo.
    const r = await sockswrap(lab, [...X, '--', bin('ncat'), '--no-shutdown', '-w', '10', 'target.test', String(BANNER_PORT)], { input: 'ping\n', timeoutMs: 30_000 });
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString('latin1'), 'SSH-2.0-sockswrap-test\r\nping\n', show(r));
  });

  test('dig fails closed (UDP DNS is not sent, not even to the nowhere resolver)', { skip: skipUnless(['dig']) }, async () => {
    const r = await sockswrap(lab, [...X, '--', bin('dig'), '+tries=1', '+time=2', 'target.test'], { timeoutMs: 30_000 });
    // Whether it fails (no UDP relay) or gets an answer through one, nothing goes direct: afterEach.
    assert.ok(r.status !== null, show(r));
  });

  test('ssh client reaches the banner port through the proxy (protocol error proves the path)', { skip: skipUnless(['ssh']) }, async () => {
    const r = await sockswrap(lab, [...X, '--', bin('ssh'), '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=10', '-p', String(BANNER_PORT), 'target.test', 'true'], { timeoutMs: 30_000 });
    assert.notEqual(r.status, 0, show(r));
    // It exchanged identification strings with the target's banner port: any SSH-level error.
    assert.match(r.stderr, /port 2222|kex_exchange_identification|Connection closed|Bad packet length/i, show(r));
    assert.doesNotMatch(r.stderr, /Could not resolve|Network is unreachable|No route/i, show(r));
  });

  test('git clone over dumb http from the target', { skip: skipUnless(['git']) }, async () => {
    const srv = join(lab.dir, 'srv');
    mkdirSync(srv, { recursive: true });
    const g = (args: string[], cwd: string) => {
      const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
      assert.equal(r.status, 0, r.stderr);
    };
    g(['init', '-q', '-b', 'main', 'work'], srv);
    writeFileSync(join(srv, 'work', 'README'), 'proxied clone\n');
    g(['add', 'README'], join(srv, 'work'));
    g(['commit', '-q', '-m', 'one'], join(srv, 'work'));
    g(['clone', '-q', '--bare', 'work', 'repo.git'], srv);
    g(['update-server-info'], join(srv, 'repo.git'));
    lab.spawn(lab.proxy, [bin('python3'), '-m', 'http.server', '--bind', lab.targetIp4, '--directory', srv, '8088']);
    await waitPort(lab.targetIp4, 8088, { ns: lab.proxy });
    const dest = join(lab.dir, 'cloned');
    const r = await sockswrap(lab, [...X, '--', bin('git'), 'clone', '-q', 'http://target.test:8088/repo.git', dest], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, show(r));
    const readme = spawnSync('cat', [join(dest, 'README')], { encoding: 'utf8' });
    assert.equal(readme.stdout, 'proxied clone\n');
  });

  test('sh -c chains: pipes, &&, subshells', () =>
    ok(['sh', '-c', `curl -sS --max-time 20 ${url} | cat && (wget -q -O - ${url} || curl -sS ${url}) | tr a-z A-Z; python3 -c 'import socket; s=socket.create_connection(("target.test", ${ECHO_PORT}), 10); s.sendall(b"e\\n"); print(s.recv(2).decode().strip())'`],
      `${HELLO}${HELLO.toUpperCase()}e\n`));

  test('python threads (8 x 5, 32 kB each) and fork', async () => {
    await ok([bin('python3'), '-c', PY_THREADS, 'target.test', String(ECHO_PORT), '8', '5'], /"ok": 40, "bad": \[\], "nbad": 0/);
    await ok([bin('python3'), '-c', `
import os, socket
pids = []
for i in range(4):
    pid = os.fork()
    if pid == 0:
        s = socket.create_connection(("target.test", ${ECHO_PORT}), 10); s.sendall(b"%d\\n" % i)
        os._exit(0 if s.recv(10) == b"%d\\n" % i else 1)
    pids.append(pid)
print(sum(os.waitpid(p, 0)[1] == 0 for p in pids), "forks ok")`], '4 forks ok\n');
  });

  test('C: 32 threads x 20 connections', () => ok([cases, 'threads', 'target.test', String(ECHO_PORT), '32', '20'], 'threads failures=0 of 640\n', 90_000));

  test('xargs -P8 of curls', () =>
    ok(['sh', '-c', `seq 1 32 | xargs -P8 -I{} curl -sS --max-time 20 -o /dev/null -H 'X-Seq: {}' -w '%{http_code}\\n' '${url}' | sort | uniq -c`], /^\s*32 200\n$/));

  test('posix_spawn, posix_spawnp, vfork+execve, fork+execvp: with the environment scrubbed, children are still proxied', () =>
    ok([cases, 'spawn', bin('curl'), '-sS', '--max-time', '20', url], `${HELLO.repeat(4)}spawn ok=4 of 4\n`));

  test('env -i and python subprocess env={}: the shim is re-injected', async () => {
    await ok(['env', '-i', bin('curl'), '-sS', '--max-time', '20', url], HELLO);
    await ok([bin('python3'), '-c', `import subprocess,sys; sys.exit(subprocess.run(["${bin('curl')}", "-sS", "--max-time", "20", "${url}"], env={}, stdout=sys.stdout, stderr=sys.stderr).returncode)`], HELLO);
  });

  test('system() and popen() after the program scrubbed LD_PRELOAD from its own environ: the shell is hooked again', async () => {
    const curl = `${bin('curl')} -sS --max-time 20 ${url}`;
    const script = [
      'import ctypes, os, sys',
      "for k in [k for k in os.environ if k == 'LD_PRELOAD' or k.startswith('SOCKSWRAP_')]: del os.environ[k]",
      `rc = os.system(${JSON.stringify(curl)})`,
      'sys.stdout.flush()',
      'libc = ctypes.CDLL(None); libc.popen.restype = ctypes.c_void_p; libc.pclose.argtypes = [ctypes.c_void_p]',
      `f = libc.popen(${JSON.stringify(curl)}.encode(), b"w")`,
      'rc2 = libc.pclose(f)',
      'sys.exit(1 if rc or rc2 else 0)',
    ].join('\n');
    await ok([bin('python3'), '-c', script], HELLO.repeat(2));
  });

  test('UDP or raw sends with an address whose family does not match the socket (AF_UNSPEC, sockaddr_in on AF_INET6) are refused, not sent direct', () =>
    ok([cases, 'udp-family', lab.targetIp4, '9999'], 'udp-family refused=6 of 6\n'));

  test('close_range(3, ~0U) and closefrom mid-run, then keep connecting', () =>
    ok([cases, 'closerange', 'target.test', String(ECHO_PORT), '10'], 'closerange ok=10 of 10\n'));

  test('a statically linked program: with --seccomp=never refused (126) by the launcher and by the exec guard; --allow-unhooked runs it; by default supervised', async () => {
    const supervised = await sockswrap(lab, [...X, '--', 'sh', '-c', staticProgram]);
    assert.equal(supervised.status, 0, show(supervised));
    assert.equal(supervised.stdout.toString(), 'static hello\n');
    const never = [...X, '--seccomp=never'];
    const r = await sockswrap(lab, [...never, '--', staticProgram]);
    assert.equal(r.status, 126, show(r));
    assert.match(r.stderr, /statically linked/);
    assert.equal(r.stdout.length, 0);
    const viaSh = await sockswrap(lab, [...never, '--', 'sh', '-c', `${staticProgram}; echo "status $?"`]);
    assert.equal(viaSh.stdout.toString(), 'status 126\n', show(viaSh));
    assert.match(viaSh.stderr, /\[sockswrap\] refusing to run .*static-hello: it is statically linked/);
    const script = join(lab.dir, 'static-script');
    writeFileSync(script, `#!${staticProgram}\n`);
    chmodSync(script, 0o755);
    const viaScript = await sockswrap(lab, [...never, '--', script]);
    assert.equal(viaScript.status, 126, show(viaScript));
    assert.match(viaScript.stderr, /script run by .*static-hello/);
    const allowed = await sockswrap(lab, [...never, '--allow-unhooked', '--', 'sh', '-c', staticProgram]);
    assert.equal(allowed.status, 0, show(allowed));
    assert.equal(allowed.stdout.toString(), 'static hello\n');
    assert.match(allowed.stderr, /warning: running .*NOT proxied/);
  });
});
