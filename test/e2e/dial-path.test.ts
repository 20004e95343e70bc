// The dial path (docs/architecture.md): a blocking connect() connects the program's own fd to
// the first proxy and the shim runs the handshake the agent drives over the control socket; a
// non-blocking one keeps the relay. Proved from inside the program: /proc/net/tcp says who the
// kernel connected its socket to, getpeername still says the original destination, and the
// server's first bytes (a banner that may come with the final reply) arrive intact.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, type Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { BANNER_PORT, ECHO_PORT, CLOSED_PORT, type Danted, type Peer, labSpawner } from '../helpers/peers';
import { assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { BANNER } from '../helpers/body';
import { PY_CONNECT_ERRNO } from '../helpers/programs';
import { startTinyproxy, type UpstreamPeer } from '../helpers/upstream-peers';
import { bin, skipUnless } from '../helpers/peer-gate';
import { waitPort } from '../helpers/port-waiter';

/**
 * argv: host port mode(block|nonblock). Connects, reads the banner line, sends "ping\n",
 * reads to EOF. Prints JSON: peer (getpeername), sock (getsockname), kernel (the socket's real
 * remote end from /proc/net/tcp), first, rest.
 */
const PY_PATH = `
import socket, sys, json, select
def kernel_peer(port):
    for line in open("/proc/self/net/tcp").read().splitlines()[1:]:
        f = line.split()
        if int(f[1].split(":")[1], 16) == port and f[3] == "01":
            ip, p = f[2].split(":")
            return "%s:%d" % (".".join(str(int(ip[i:i+2], 16)) for i in (6, 4, 2, 0)), int(p, 16))
    return None
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
if mode == "nonblock":
    s.setblocking(False)
    try: s.connect((host, port))
    except BlockingIOError: pass
    select.select([], [s], [], 20)
    s.setblocking(True)
else:
    s.connect((host, port))
out = {"peer": list(s.getpeername()[:2]), "sock": list(s.getsockname()[:2]), "kernel": kernel_peer(s.getsockname()[1])}
first = b""
while not first.endswith(b"\\r\\n"):
    b = s.recv(1)
    if not b: break
    first += b
s.sendall(b"ping\\n")
rest = b""
while True:
    b = s.recv(4096)
    if not b: break
    rest += b
out["first"] = first.decode("latin-1"); out["rest"] = rest.decode("latin-1")
print(json.dumps(out))
`;

/** Connects blocking, then execs a new python that reports getpeername of the inherited fd. */
const PY_EXEC_PEER = `
import socket, sys, os
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((sys.argv[1], int(sys.argv[2])))
os.set_inheritable(s.fileno(), True)
code = "import socket, sys, json; s = socket.socket(fileno=int(sys.argv[1])); print(json.dumps(list(s.getpeername()[:2])))"
os.execv(sys.executable, [sys.executable, "-c", code, str(s.fileno())])
`;

const SKIP = skipUnless(['ip', 'nft', 'danted', 'microsocks', 'python3'], { root: true });
/** Optional peers: each test that needs one names its package when it is missing (a failure under CI=true). */
const NO_TINYPROXY = skipUnless(['tinyproxy']);
const TINYPROXY_PORT = 8888;

describe('dial path (blocking connects, and non-blocking ones with a whole script)', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let micro: Peer;
  let http: UpstreamPeer | undefined;
  let py: string;

  standardLab({ danted: 1080, microsocks: 1081, leaks: 'reset' }, (s) => ({ lab, danted, micro } = { lab: s.lab, danted: s.danted!, micro: s.micro! }));
  before(async () => {
    http = NO_TINYPROXY
      ? undefined
      : await startTinyproxy(labSpawner(lab), { listen: lab.proxyIp4, port: TINYPROXY_PORT, allow: [lab.clientIp4], connectPorts: [BANNER_PORT, ECHO_PORT] });
    py = bin('python3');
  });

  async function run(proxyArgs: string[], mode: 'block' | 'nonblock', host = lab.targetIp4, env: Record<string, string> = {}) {
    const r = await sockswrap(lab, [...proxyArgs, '--', py, '-c', PY_PATH, host, String(BANNER_PORT), mode], { env: cleanEnv(env) });
    assert.equal(r.status, 0, show(r));
    return { r, out: JSON.parse(r.stdout.toString()) as { peer: [string, number]; sock: [string, number]; kernel: string | null; first: string; rest: string } };
  }

  test('blocking python3 through danted: the fd is connected to danted itself; banner intact; getpeername/getsockname', async () => {
    const { r, out } = await run(['-v', '-x', `socks5://${danted.host}:${danted.port}`], 'block');
    assert.equal(out.kernel, `${danted.host}:${danted.port}`);
    // The scripted handshake (no STEP) still logs the connection, from the NOTE.
    assert.match(r.stderr, new RegExp(`${lab.targetIp4.replace(/\./g, '\\.')}:${BANNER_PORT} via socks5 ${danted.host}:${danted.port}: connected in \\d+ ms`));
    assert.deepEqual(out.peer, [lab.targetIp4, BANNER_PORT]);
    assert.equal(out.sock[0], lab.clientIp4, 'getsockname is a real local address, not the relay loopback');
    assert.equal(out.first, BANNER);
    assert.equal(out.rest, 'ping\n');
    assertNoLeaks(lab);
  });

  test('non-blocking python3 is dialled too (a whole script): the fd is connected to danted itself; banner intact', async () => {
    const { out } = await run(['-x', `socks5://${danted.host}:${danted.port}`], 'nonblock');
    assert.equal(out.kernel, `${danted.host}:${danted.port}`);
    assert.deepEqual(out.peer, [lab.targetIp4, BANNER_PORT]);
    assert.equal(out.first, BANNER);
    assert.equal(out.rest, 'ping\n');
    assertNoLeaks(lab);
  });

  test('non-blocking python3 with SOCKSWRAP_ASYNC_DIAL=0 keeps the relay: the fd is connected to 127.0.0.1; banner intact', async () => {
    const { out } = await run(['-x', `socks5://${danted.host}:${danted.port}`], 'nonblock', lab.targetIp4, { SOCKSWRAP_ASYNC_DIAL: '0' });
    assert.match(out.kernel ?? '', /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(out.peer, [lab.targetIp4, BANNER_PORT]);
    assert.equal(out.first, BANNER);
    assert.equal(out.rest, 'ping\n');
    assertNoLeaks(lab);
  });

  test('blocking python3 through microsocks, by a name only the proxy resolves: banner intact', async () => {
    const { out } = await run(['-x', `socks5h://${micro.host}:${micro.port}`], 'block', 'target.test');
    assert.equal(out.kernel, `${micro.host}:${micro.port}`);
    assert.equal(out.first, BANNER);
    assert.equal(out.rest, 'ping\n');
    assertNoLeaks(lab);
  });

  test('blocking python3 through tinyproxy (HTTP CONNECT): banner intact', { skip: NO_TINYPROXY }, async () => {
    assert.ok(http, 'tinyproxy started');
    const { out } = await run(['-x', `http://${http.host}:${http.port}`], 'block', 'target.test');
    assert.equal(out.kernel, `${http.host}:${http.port}`);
    assert.equal(out.first, BANNER);
    assert.equal(out.rest, 'ping\n');
    assertNoLeaks(lab);
  });

  test('2-hop chain microsocks > danted on the dial path: banner intact, -v logs the chain', async () => {
    const conf = join(lab.dir, 'direct-chain.conf');
    writeFileSync(conf, ['strict_chain', 'proxy_dns', '[ProxyList]', `socks5 ${micro.host} ${micro.port}`, `socks5 ${danted.innerHost} ${danted.port}`, ''].join('\n'));
    const { r, out } = await run(['-v', '-f', conf], 'block', 'target.test');
    assert.equal(out.kernel, `${micro.host}:${micro.port}`);
    assert.equal(out.first, BANNER);
    assert.equal(out.rest, 'ping\n');
    assert.match(r.stderr, new RegExp(`target\\.test:${BANNER_PORT} via socks5 ${micro.host}:${micro.port} > socks5 ${danted.innerHost}:${danted.port}: connected in \\d+ ms`));
    assertNoLeaks(lab);
  });

  test('strict_chain whose second hop is given by name: still the dial path (only the first hop is dialled), banner intact', async () => {
    // Only the proxy namespace knows the name: danted (hop 1) resolves it, as it would any target.
    appendFileSync(join('/etc/netns', lab.proxy, 'hosts'), `${micro.host}\tsocks.inner.lab\n`);
    const conf = join(lab.dir, 'direct-named-hop.conf');
    writeFileSync(conf, ['strict_chain', 'proxy_dns', '[ProxyList]', `socks5 ${danted.host} ${danted.port}`, `socks5 socks.inner.lab ${micro.port}`, ''].join('\n'));
    const { r, out } = await run(['-v', '-f', conf], 'block', 'target.test');
    assert.equal(out.kernel, `${danted.host}:${danted.port}`);
    assert.equal(out.first, BANNER);
    assert.equal(out.rest, 'ping\n');
    assert.match(r.stderr, new RegExp(`target\\.test:${BANNER_PORT} via socks5 ${danted.host}:${danted.port} > socks5 socks\\.inner\\.lab:${micro.port}: connected in \\d+ ms`));
    assertNoLeaks(lab);
  });

  test('round_robin_chain with a dead first proxy: the shim redials the next one, the dead hop is logged', async () => {
    const conf = join(lab.dir, 'direct-rr.conf');
    writeFileSync(conf, ['round_robin_chain', 'chain_len = 1', '[ProxyList]', `socks5 ${lab.proxyIp4} ${CLOSED_PORT}`, `socks5 ${danted.host} ${danted.port}`, ''].join('\n'));
    const { r, out } = await run(['-f', conf], 'block');
    assert.equal(out.kernel, `${danted.host}:${danted.port}`);
    assert.equal(out.first, BANNER);
    assert.match(r.stderr, /cannot reach the proxy: ECONNREFUSED; skipping that hop/);
    assertNoLeaks(lab);
  });

  test('a refused target on the dial path: errno 111, logged with the hop', async () => {
    const r = await sockswrap(lab, ['-x', `socks5://${danted.host}:${danted.port}`, '--', py, '-c',
      'import socket,sys\ns=socket.socket()\ntry:\n s.connect((sys.argv[1], int(sys.argv[2]))); print("connected")\nexcept OSError as e:\n print("errno", e.errno)\n s.connect((sys.argv[1], int(sys.argv[3]))); print("retry connected")',
      lab.targetIp4, String(CLOSED_PORT), String(ECHO_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'errno 111\nretry connected\n', 'after a failed connect the same socket connects again');
    assert.match(r.stderr, new RegExp(`via socks5 ${danted.host}:${danted.port}`));
  });

  // Faults no real server gives on demand: a reply cut short, then EOF or a stall. The shim must
  // hand the partial reply to the agent, which then sees the EOF or its read timeout.
  test('a proxy whose reply stops half-way: the blocking connect fails (ECONNABORTED on EOF, ETIMEDOUT on a stall), never hangs', async () => {
    const FAKE = `
import socket, sys, threading, time
mode, port = sys.argv[1], int(sys.argv[3])
def serve(c):
    try:
        if not c.recv(16): return
        if mode == "close":
            c.sendall(b"\\x05"); c.close(); return
        c.sendall(b"\\x05\\x00")
        if not c.recv(64): return
        c.sendall(b"\\x05\\x00\\x00\\x01\\x7f")
        time.sleep(60)
    except OSError:
        pass
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[2], port)); srv.listen(8)
while True:
    threading.Thread(target=serve, args=(srv.accept()[0],), daemon=True).start()
`;
    for (const [mode, port, errno] of [['close', 1097, 103], ['stall', 1098, 110]] as const) {
      lab.spawn(lab.proxy, [py, '-c', FAKE, mode, lab.proxyIp4, String(port)]);
      await waitPort(lab.proxyIp4, port, { ns: lab.client });
      const conf = join(lab.dir, `partial-${mode}.conf`);
      writeFileSync(conf, `strict_chain\ntcp_read_time_out 1500\ntcp_connect_time_out 1500\n[ProxyList]\nsocks5 ${lab.proxyIp4} ${port}\n`);
      const r = await sockswrap(lab, ['-f', conf, '--', py, '-c', PY_CONNECT_ERRNO, lab.targetIp4, String(ECHO_PORT)], { timeoutMs: 20_000 });
      assert.equal(r.stdout.toString().trim(), `errno ${errno}`, show(r));
      assert.match(r.stderr, new RegExp(`via socks5 ${lab.proxyIp4.replace(/\./g, '\\.')}:${port}`), show(r));
    }
    assertNoLeaks(lab);
  });

  test('a descriptor inherited across exec still reports the original destination (PEER for the dial path)', async () => {
    const r = await sockswrap(lab, ['-x', `socks5://${danted.host}:${danted.port}`, '--', py, '-c', PY_EXEC_PEER, lab.targetIp4, String(ECHO_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), [lab.targetIp4, ECHO_PORT]);
  });
});
