// Non-blocking connects on the dial path (docs/async-connect.md, "The dial path for non-blocking
// connects"): the program's own fd is connected to the first proxy and the shim runs the agent's
// script from the calls the program makes anyway. What a user would check, each against the same
// program unwrapped or on the relay path (SOCKSWRAP_ASYNC_DIAL=0), the leak counter 0 after each:
//   - the data path: the socket's real peer (ss) is the proxy, not the agent's loopback relay;
//   - a program that never polls and spins on recv (a server that speaks first) or on send;
//   - a refusing target (the proxy's SOCKS reply code) seen through a spinning recv;
//   - tcp_read_time_out holds while the program polls or epoll-waits forever (a proxy that
//     accepts and never answers), tcp_connect_time_out too (a proxy whose SYNs are dropped), and a
//     proxy that closes mid-handshake gives the relay's errno.
// The readiness patterns (poll, select, epoll level/edge/one-shot, SO_ERROR, a second connect, I/O
// without SO_ERROR) on both paths are test/e2e/async-truth.test.ts.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cleanEnv, type Lab, type RunResult } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { BANNER_PORT, CLOSED_PORT, ECHO_PORT, type Danted } from '../helpers/peers';
import { waitPort } from '../helpers/port-waiter';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'python3'], { root: true });

/** Fault proxies in the proxy namespace: one accepts and never answers, one closes after the greeting. */
const SILENT_PROXY_PORT = 1097;
const CLOSING_PROXY_PORT = 1098;
/** A black hole: the proxy namespace drops every SYN to it. */
const HOLE_PROXY_PORT = 1099;

/** One non-blocking connect, then what the mode says; prints one line per step. */
const PROG = `
import errno, select, socket, subprocess, sys
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setblocking(False)
e = s.connect_ex((host, port))
print("connect", errno.errorcode.get(e, e), flush=True)
def outcome():
    e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    return "ok" if e == 0 else errno.errorcode[e]
if mode == "poll":
    # Forever: only the connect's own deadlines can end this wait.
    p = select.poll(); p.register(s, select.POLLOUT); p.poll(-1); print("poll", outcome())
elif mode == "epoll":
    ep = select.epoll(); ep.register(s.fileno(), select.EPOLLOUT | select.EPOLLET); ep.poll(-1); print("epoll", outcome())
elif mode == "spin-recv":
    # Never polls: each receive is all the program does.
    while True:
        try:
            d = s.recv(100); print("recv", d.decode().strip() if d else "EOF"); break
        except BlockingIOError:
            pass
        except OSError as x:
            print("recv", errno.errorcode[x.errno]); break
elif mode == "spin-send":
    while True:
        try:
            s.send(b"ping\\n"); break
        except BlockingIOError:
            pass
    while True:
        try:
            print("recv", s.recv(100).decode().strip()); break
        except BlockingIOError:
            pass
elif mode == "peer":
    p = select.poll(); p.register(s, select.POLLOUT); p.poll(-1); print("poll", outcome())
    s.setblocking(True); s.send(b"ping\\n"); print("echo", s.recv(100).decode().strip())
    lport = s.getsockname()[1]
    out = subprocess.run(["ss", "-tnH", "state", "established", "( sport = :%d )" % lport], capture_output=True, text=True).stdout.split()
    print("real peer", out[-1] if out else "none")
`;

/** Accepts; the silent one never writes, the closing one closes once the greeting is in. */
const FAULT_PROXIES = `
const net = require('net');
const [host, silent, closing] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const held = [];
net.createServer((s) => { held.push(s); s.on('error', () => {}); }).listen(silent, host);
net.createServer((s) => { s.on('error', () => {}); s.once('data', () => s.destroy()); }).listen(closing, host);
`;

const DIALLED = {};
const RELAY = { SOCKSWRAP_ASYNC_DIAL: '0' };

describe('e2e: non-blocking connects dialled by the shim (issue 15, issue 18 cases 4 and 8)', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let prog: string;

  standardLab({ danted: 1080, leaks: 'each' }, (s) => ({ lab, danted } = { lab: s.lab, danted: s.danted! }));
  before(async () => {
    prog = join(lab.dir, 'async-dial.py');
    writeFileSync(prog, PROG);
    lab.spawn(lab.proxy, [process.execPath, '-e', FAULT_PROXIES, lab.proxyIp4, String(SILENT_PROXY_PORT), String(CLOSING_PROXY_PORT)]);
    await Promise.all([waitPort(lab.proxyIp4, SILENT_PROXY_PORT, { ns: lab.proxy }), waitPort(lab.proxyIp4, CLOSING_PROXY_PORT, { ns: lab.proxy })]);
    const drop = spawnSync('ip', ['netns', 'exec', lab.proxy, 'nft', '-f', '-'], {
      input: `table inet swasyncdial {\n  chain in {\n    type filter hook input priority 0;\n    tcp dport ${HOLE_PROXY_PORT} drop\n  }\n}\n`,
      encoding: 'utf8',
    });
    assert.equal(drop.status, 0, drop.stderr);
  });

  const viaDanted = () => ['-q', '-x', `socks5://${danted.host}:${danted.port}`];
  const wrapped = (args: string[], argv: string[], env: Record<string, string>): Promise<RunResult> =>
    sockswrap(lab, [...args, '--', ...argv], { timeoutMs: 60_000, env: cleanEnv(env) });
  const direct = (argv: string[]) => lab.run(lab.proxy, argv, { timeoutMs: 60_000 });
  const out = (r: RunResult, what: string) => {
    assert.equal(r.status, 0, `${what}: ${show(r)}`);
    return r.stdout.toString();
  };

  test('the data path: the socket is connected to the proxy itself (the relay path: to the agent)', async () => {
    const argv = [bin('python3'), prog, lab.targetIp4, String(ECHO_PORT), 'peer'];
    const dialled = out(await wrapped(viaDanted(), argv, DIALLED), 'dialled');
    assert.equal(dialled, `connect EINPROGRESS\npoll ok\necho ping\nreal peer ${danted.host}:${danted.port}\n`);
    const relayed = out(await wrapped(viaDanted(), argv, RELAY), 'relay');
    assert.match(relayed, /^connect EINPROGRESS\npoll ok\necho ping\nreal peer 127\.0\.0\.1:\d+\n$/);
  });

  test('a program that only spins on recv: the banner of a server that speaks first, as unwrapped', async () => {
    const argv = [bin('python3'), prog, lab.targetIp4, String(BANNER_PORT), 'spin-recv'];
    const expected = out(await direct(argv), 'direct');
    assert.equal(expected, 'connect EINPROGRESS\nrecv SSH-2.0-sockswrap-test\n');
    assert.equal(out(await wrapped(viaDanted(), argv, DIALLED), 'dialled'), expected);
    assert.equal(out(await wrapped(viaDanted(), argv, RELAY), 'relay'), expected);
  });

  test('a program that spins on send, then on recv: the echo, as unwrapped', async () => {
    const argv = [bin('python3'), prog, lab.targetIp4, String(ECHO_PORT), 'spin-send'];
    const expected = out(await direct(argv), 'direct');
    assert.equal(expected, 'connect EINPROGRESS\nrecv ping\n');
    assert.equal(out(await wrapped(viaDanted(), argv, DIALLED), 'dialled'), expected);
  });

  test("a refusing target (danted's SOCKS reply code) through a spinning recv: ECONNREFUSED, as unwrapped", async () => {
    const argv = [bin('python3'), prog, lab.targetIp4, String(CLOSED_PORT), 'spin-recv'];
    const expected = out(await direct(argv), 'direct');
    assert.equal(expected, 'connect EINPROGRESS\nrecv ECONNREFUSED\n');
    assert.equal(out(await wrapped(viaDanted(), argv, DIALLED), 'dialled'), expected);
    assert.equal(out(await wrapped(viaDanted(), argv, RELAY), 'relay'), expected);
  });

  /** A proxychains.conf with short timeouts, through one of the fault proxies. */
  const faultConfig = (port: number) => {
    const f = join(lab.dir, `fault-${port}.conf`);
    writeFileSync(f, `strict_chain\ntcp_read_time_out 1500\ntcp_connect_time_out 1500\n[ProxyList]\nsocks5 ${lab.proxyIp4} ${port}\n`);
    return ['-q', '-f', f];
  };

  for (const mode of ['poll', 'epoll']) {
    test(`a proxy that never answers, the program waiting forever (${mode}): tcp_read_time_out ends it, ETIMEDOUT on both paths`, async () => {
      const argv = [bin('python3'), prog, lab.targetIp4, String(ECHO_PORT), mode];
      const dialled = out(await wrapped(faultConfig(SILENT_PROXY_PORT), argv, DIALLED), 'dialled');
      assert.equal(dialled, `connect EINPROGRESS\n${mode} ETIMEDOUT\n`);
      assert.equal(out(await wrapped(faultConfig(SILENT_PROXY_PORT), argv, RELAY), 'relay'), dialled);
    });
  }

  test('a proxy that never completes the TCP handshake, the program polling forever: tcp_connect_time_out ends it, as on the relay', async () => {
    const argv = [bin('python3'), prog, lab.targetIp4, String(ECHO_PORT), 'poll'];
    const relayed = out(await wrapped(faultConfig(HOLE_PROXY_PORT), argv, RELAY), 'relay');
    assert.match(relayed, /^connect EINPROGRESS\npoll E[A-Z]+\n$/);
    assert.equal(out(await wrapped(faultConfig(HOLE_PROXY_PORT), argv, DIALLED), 'dialled'), relayed);
  });

  test('a proxy that closes mid-handshake: the errno of the relay path, after a readiness that means it', async () => {
    const argv = [bin('python3'), prog, lab.targetIp4, String(ECHO_PORT), 'poll'];
    const relayed = out(await wrapped(faultConfig(CLOSING_PROXY_PORT), argv, RELAY), 'relay');
    assert.match(relayed, /^connect EINPROGRESS\npoll E[A-Z]+\n$/);
    assert.equal(out(await wrapped(faultConfig(CLOSING_PROXY_PORT), argv, DIALLED), 'dialled'), relayed);
  });
});
