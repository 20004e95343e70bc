// `sockswrap serve` (issue 21) against real clients. The server runs in the lab's proxy namespace
// on its veth address (so --allow-open / --auth are needed: not loopback), the clients in the
// client namespace, which can reach nothing but the proxy: whatever reaches a target went through
// the server. Clients: curl --socks5-hostname / --socks4 / --socks4a, ncat --proxy-type socks5 and
// socks4, proxychains4 with a config pointing at it, sockswrap itself, and a hand-written SOCKS5
// client (test/helpers/socks-probe.ts) for raw reply codes, UDP ASSOCIATE (§7) and BIND.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, cleanEnv, type Lab, type RunResult } from '../helpers/net-lab';
import { bin, startTargets, waitPort, HTTP_PORT, ECHO_PORT, CLOSED_PORT, BANNER_PORT } from '../helpers/peers';
import { skipUnless } from '../helpers/peer-gate';
import { installLeakCounter, takeLeaks, assertNoLeaks } from '../helpers/proof';
import { SOCKSWRAP, sockswrap, describe as show } from '../helpers/sockswrap';
import { bigSha256, sha256 } from '../helpers/body';

const SKIP = skipUnless(['ip', 'nft', 'curl', 'ncat'], { root: true });
const pcSkip = skipUnless(['proxychains4']);
const sshSkip = skipUnless(['ssh', 'sshd']);
const PROBE = join(__dirname, '..', 'helpers', 'socks-probe.js');
const USER = 'alice';
const PASS = 'wonderland';
const UDP_ECHO_PORT = 5353;

interface Server {
  child: ChildProcess;
  port: number;
  log(): string;
  /** Resolves with the exit once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `sockswrap serve ARGS` in the proxy ns; resolves when it says it listens. */
function startServe(lab: Lab, args: string[]): Promise<Server> {
  const child = lab.spawn(lab.proxy, [process.execPath, SOCKSWRAP, 'serve', ...args]);
  let text = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => {
      text += b.toString();
      const m = /listening on [^\s]+:(\d+):/.exec(text);
      if (m) resolve({ child, port: Number(m[1]), log: () => text, exited });
    };
    child.stderr!.on('data', onData);
    child.stdout!.on('data', onData);
    void exited.then((e) => reject(new Error(`sockswrap serve exited (${e.code ?? e.signal}) before listening: ${text}`)));
  });
}

/** Resolves once the server's log has a line matching re (it logs when an outcome is known). */
function logged(s: Server, re: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      const line = s.log().split('\n').find((l) => re.test(l));
      if (line !== undefined) {
        s.child.stderr!.off('data', check);
        resolve(line);
      }
    };
    s.child.stderr!.on('data', check);
    check();
  });
}

describe('sockswrap serve with real clients', { skip: SKIP }, () => {
  let lab: Lab;
  let open: Server; // --allow-open, UDP and BIND
  let authed: Server; // --auth alice:wonderland
  let probe: (args: object) => Promise<Record<string, unknown>>;
  let inClient: (argv: string[], input?: string) => Promise<RunResult>;

  before(async () => {
    lab = createLab();
    installLeakCounter(lab);
    await startTargets(lab);
    // In the proxy ns: 192.0.2.0/24 has no route (ENETUNREACH); 203.0.113.0/24 is an
    // `unreachable` route (EHOSTUNREACH), as a router's ICMP host-unreachable gives.
    const r = await lab.run(lab.proxy, ['ip', 'route', 'add', 'unreachable', '203.0.113.0/24']);
    assert.equal(r.status, 0, r.stderr);
    const echo = lab.spawn(lab.proxy, [process.execPath, PROBE, JSON.stringify({ op: 'udp-echo', listen: [lab.targetIp4, UDP_ECHO_PORT] })]);
    await new Promise<void>((res) => echo.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('"ready"')) res(); }));
    [open, authed] = await Promise.all([
      startServe(lab, ['--listen', `${lab.proxyIp4}:1090`, '--allow-open', '--udp', '--bind', '-v']),
      startServe(lab, ['--listen', `${lab.proxyIp4}:1091`, '--auth', `${USER}:${PASS}`, '-v']),
    ]);
    probe = async (args) => {
      const res = await lab.run(lab.client, [process.execPath, PROBE, JSON.stringify(args)], { timeoutMs: 20_000 });
      assert.equal(res.status, 0, show(res));
      return JSON.parse(res.stdout.toString()) as Record<string, unknown>;
    };
    inClient = (argv, input) => lab.run(lab.client, argv, { timeoutMs: 30_000, input, env: cleanEnv() });
  });
  after(() => lab?.destroy());

  const hello = () => `http://target.test:${HTTP_PORT}/hello`;

  test('curl --socks5-hostname: the name reaches the server, which resolves it and fetches the page', async () => {
    takeLeaks(lab);
    const r = await inClient(['curl', '-sS', '--max-time', '20', '--socks5-hostname', `${lab.proxyIp4}:1090`, hello()]);
    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout.toString(), /hello/i);
    await logged(open, new RegExp(`CONNECT target\\.test:${HTTP_PORT} \\(${lab.targetIp4.replace(/\./g, '\\.')}\\): connected`));
    // Byte-exact: the 8 MB body, hashed.
    const big = await inClient(['curl', '-sS', '--max-time', '60', '--socks5-hostname', `${lab.proxyIp4}:1090`, `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(big.status, 0, show(big));
    assert.equal(sha256(big.stdout), bigSha256());
    assertNoLeaks(lab);
  });

  test('curl with the login works; a wrong password is refused and curl fails', async () => {
    const ok = await inClient(['curl', '-sS', '--max-time', '20', '-x', `socks5h://${USER}:${PASS}@${lab.proxyIp4}:1091`, hello()]);
    assert.equal(ok.status, 0, show(ok));
    assert.match(ok.stdout.toString(), /hello/i);
    const bad = await inClient(['curl', '-sS', '--max-time', '20', '-x', `socks5h://${USER}:nope@${lab.proxyIp4}:1091`, hello()]);
    assert.notEqual(bad.status, 0, show(bad));
    assert.equal(bad.stdout.length, 0);
    await logged(authed, /wrong username or password \(user "alice"\)/);
    assert.doesNotMatch(authed.log(), /nope/, 'the password is never logged');
  });

  test('the wrong password is answered status 0x01 (RFC 1929) and the connection closed; the right one 0x00', async () => {
    assert.deepEqual(await probe({ op: 'connect', proxy: [lab.proxyIp4, 1091], login: [USER, 'nope'] }), { method: '0502', auth: '0101', closed: true });
    const ok = await probe({ op: 'connect', proxy: [lab.proxyIp4, 1091], login: [USER, PASS], request: `050100 01${hexIp(lab.targetIp4)} ${port(ECHO_PORT)}`.replace(/ /g, '') });
    assert.equal(ok.auth, '0100');
    assert.match(String(ok.reply), /^05000001/);
    // No login offered to a server that needs one: method 0xFF, closed.
    assert.deepEqual(await probe({ op: 'connect', proxy: [lab.proxyIp4, 1091] }), { method: '05ff', closed: true });
  });

  test('curl --socks4 and --socks4a; SOCKS4 is refused (0x5B) where a login is required', async () => {
    const v4 = await inClient(['curl', '-sS', '--max-time', '20', '--socks4', `${lab.proxyIp4}:1090`, `http://${lab.targetIp4}:${HTTP_PORT}/hello`]);
    assert.equal(v4.status, 0, show(v4));
    const v4a = await inClient(['curl', '-sS', '--max-time', '20', '--socks4a', `${lab.proxyIp4}:1090`, hello()]);
    assert.equal(v4a.status, 0, show(v4a));
    assert.match(v4a.stdout.toString(), /hello/i);
    await logged(open, /SOCKS4a CONNECT target\.test/);
    const refused = await inClient(['curl', '-sS', '--max-time', '20', '--socks4a', `${lab.proxyIp4}:1091`, hello()]);
    assert.notEqual(refused.status, 0, show(refused));
    await logged(authed, /SOCKS4a CONNECT .*SOCKS4 has no password.*\(reply 0x5b\)/);
  });

  test('ncat --proxy-type socks5 (with and without --proxy-auth) and socks4: bytes echoed both ways', async () => {
    const cases: Array<[string[], string]> = [
      [['--proxy', `${lab.proxyIp4}:1090`, '--proxy-type', 'socks5', 'target.test', String(ECHO_PORT)], 'socks5'],
      [['--proxy', `${lab.proxyIp4}:1091`, '--proxy-type', 'socks5', '--proxy-auth', `${USER}:${PASS}`, 'target.test', String(ECHO_PORT)], 'socks5 auth'],
      [['--proxy', `${lab.proxyIp4}:1090`, '--proxy-type', 'socks4', lab.targetIp4, String(ECHO_PORT)], 'socks4'],
    ];
    for (const [argv, what] of cases) {
      const line = `through ${what} ${'x'.repeat(3000)}\n`;
      // --send-only is not used: ncat must read the echo back; -w bounds a stuck connect.
      const r = await inClient(['ncat', '-w', '10', '--idle-timeout', '3', ...argv], line);
      assert.equal(r.stdout.toString(), line, `${what}: ${show(r)}`);
    }
  });

  test('proxychains4 pointed at it (with proxy_dns, and with a login) fetches through it', { skip: pcSkip }, async () => {
    const confs: Array<[string, string]> = [
      ['pc-open.conf', `strict_chain\nproxy_dns\n[ProxyList]\nsocks5 ${lab.proxyIp4} 1090\n`],
      ['pc-auth.conf', `strict_chain\n[ProxyList]\nsocks5 ${lab.proxyIp4} 1091 ${USER} ${PASS}\n`],
    ];
    for (const [name, text] of confs) {
      const conf = join(lab.dir, name);
      writeFileSync(conf, text);
      const url = name === 'pc-open.conf' ? hello() : `http://${lab.targetIp4}:${HTTP_PORT}/hello`;
      const r = await inClient(['proxychains4', '-q', '-f', conf, 'curl', '-sS', '--max-time', '20', url]);
      assert.equal(r.status, 0, `${name}: ${show(r)}`);
      assert.match(r.stdout.toString(), /hello/i, name);
    }
    await logged(open, /CONNECT target\.test:\d+ .*connected/);
  });

  test("ssh -o ProxyCommand='ncat --proxy-type socks5 …' logs in to an sshd only the server can reach", { skip: sshSkip }, async () => {
    const dir = join(lab.dir, 'ssh');
    mkdirSync(dir);
    for (const k of ['host_key', 'client_key']) {
      const g = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, k)], { encoding: 'utf8' });
      assert.equal(g.status, 0, g.stderr);
    }
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
    writeFileSync(join(dir, 'sshd_config'), [
      'Port 2022', `ListenAddress ${lab.targetIp4}`, `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
      'UsePAM no', 'StrictModes no', 'UseDNS no', 'LogLevel ERROR', '',
    ].join('\n'));
    if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
    lab.spawn(lab.proxy, [bin('sshd'), '-D', '-e', '-f', join(dir, 'sshd_config')]);
    await waitPort(lab, lab.proxy, lab.targetIp4, 2022);
    const r = await inClient([
      'ssh', '-F', '/dev/null', '-i', join(dir, 'client_key'), '-p', '2022',
      '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
      '-o', `ProxyCommand=ncat --proxy ${lab.proxyIp4}:1091 --proxy-type socks5 --proxy-auth ${USER}:${PASS} %h %p`,
      'root@target.test', 'echo', 'logged-in-through-serve',
    ]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'logged-in-through-serve\n');
    await logged(authed, /CONNECT target\.test:2022 .*connected/);
  });

  test('sockswrap itself through sockswrap serve (the README flow)', async () => {
    takeLeaks(lab);
    const r = await sockswrap(lab, ['-x', `socks5h://${lab.proxyIp4}:1090`, '-v', '--', 'curl', '-sS', '--max-time', '20', hello()]);
    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout.toString(), /hello/i);
    assert.match(r.stderr, new RegExp(`target\\.test:${HTTP_PORT} via socks5 ${lab.proxyIp4.replace(/\./g, '\\.')}:1090: connected`), show(r));
    assertNoLeaks(lab);
  });

  test('refusals carry the reply code of the failure: refused 0x05, host unreachable 0x04, network unreachable 0x03', async () => {
    const cases: Array<[string, string, string]> = [
      ['connection refused', `01${hexIp(lab.targetIp4)}${port(CLOSED_PORT)}`, '05'],
      ['host unreachable (an unreachable route)', `01${hexIp('203.0.113.7')}${port(80)}`, '04'],
      ['network unreachable (no route)', `01${hexIp('192.0.2.7')}${port(80)}`, '03'],
      ['a name the server cannot resolve', `03${Buffer.from([12]).toString('hex')}${Buffer.from('nowhere.test').toString('hex')}${port(80)}`, '04'],
    ];
    for (const [what, addr, rep] of cases) {
      const out = await probe({ op: 'connect', proxy: [lab.proxyIp4, 1090], request: `050100${addr}` });
      assert.equal(String(out.reply).slice(0, 4), `05${rep}`, `${what}: ${JSON.stringify(out)}`);
      assert.equal(out.closed, true, what);
    }
    // What a wrapped program sees: the errno the reply maps back to.
    const r = await sockswrap(lab, ['-x', `socks5h://${lab.proxyIp4}:1090`, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${CLOSED_PORT}/`]);
    assert.equal(r.status, 7, show(r)); // curl: couldn't connect (ECONNREFUSED)
  });

  test('malformed requests are answered 0x07 / 0x01 / 0x08 and closed, and the server goes on serving', async () => {
    const cases: Array<[string, string, string]> = [
      ['unknown command 0x09', '050900 017f000001 0050', '07'],
      ['BIND where not enabled (the --auth server has no --bind)', '050200 017f000001 0050', '07'],
      ['reserved byte not zero', '050101 017f000001 0050', '01'],
      ['version 0x04 inside a SOCKS5 session', '040100 017f000001 0050', '01'],
      ['unknown address type 0x05', '050100 057f000001 0050', '08'],
    ];
    for (const [what, req, rep] of cases) {
      const server = what.startsWith('BIND') ? 1091 : 1090;
      const out = await probe({ op: 'connect', proxy: [lab.proxyIp4, server], login: server === 1091 ? [USER, PASS] : undefined, request: req.replace(/ /g, '') });
      assert.equal(String(out.reply).slice(0, 4), `05${rep}`, `${what}: ${JSON.stringify(out)}`);
      assert.equal(out.closed, true, what);
    }
    const after = await inClient(['curl', '-sS', '--max-time', '20', '--socks5-hostname', `${lab.proxyIp4}:1090`, hello()]);
    assert.equal(after.status, 0, show(after));
    assert.equal(open.child.exitCode, null, 'the server is still running');
    assert.doesNotMatch(open.log() + authed.log(), /internal error/);
  });

  test('UDP ASSOCIATE: a §7 client gets its datagram echoed with the target in the header; a fragment is dropped', async () => {
    const out = await probe({ op: 'udp', proxy: [lab.proxyIp4, 1090], target: [lab.targetIp4, UDP_ECHO_PORT] });
    assert.match(String(out.reply), new RegExp(`^05000001${hexIp(lab.proxyIp4)}`), JSON.stringify(out));
    assert.equal(out.from, out.relay, 'the answer comes from the relay');
    assert.equal(out.header, `000000 01${hexIp(lab.targetIp4)} ${port(UDP_ECHO_PORT)}`.replace(/ /g, ''));
    assert.equal(out.payload, 'whole datagram', 'the first answer is the whole datagram: the fragment was dropped');
    await logged(open, /UDP ASSOCIATE 0\.0\.0\.0:0: relay at/);
    // Not enabled on the other server.
    const off = await probe({ op: 'connect', proxy: [lab.proxyIp4, 1091], login: [USER, PASS], request: '050300 0100000000 0000' });
    assert.equal(String(off.reply).slice(0, 4), '0507');
  });

  test('BIND: the first reply names the listener, the peer from DST.ADDR connects, the second reply names it, bytes flow', async () => {
    const out = await probe({ op: 'bind', proxy: [lab.proxyIp4, 1090], target: [lab.clientIp4, 0] });
    assert.match(String(out.first), new RegExp(`^05000001${hexIp(lab.proxyIp4)}`), JSON.stringify(out));
    assert.match(String(out.second), /^05000001/);
    assert.equal(out.second_addr, out.peerLocal, 'the second reply names the peer that connected');
    assert.equal(out.atClient, 'from-peer');
    assert.equal(out.atPeer, 'from-client');
    await logged(open, /BIND .* connected/);
  });

  test('a non-loopback --listen without --auth or --allow-open exits 2 with the reason, and listens nowhere', async () => {
    const r = await lab.run(lab.proxy, [process.execPath, SOCKSWRAP, 'serve', '--listen', `${lab.proxyIp4}:1099`]);
    assert.equal(r.status, 2, show(r));
    assert.match(r.stderr, /refusing to listen on 198\.18\.\d+\.1, which is not a loopback address, without a login.*--auth USER:PASS, or --allow-open/);
    for (const bad of [['--listen', 'nohost:1'], ['--listen', '127.0.0.1:70000'], ['--auth', 'nopassword']]) {
      const b = await lab.run(lab.proxy, [process.execPath, SOCKSWRAP, 'serve', ...bad]);
      assert.equal(b.status, 2, `${bad.join(' ')}: ${show(b)}`);
    }
  });

  test('--daemon: returns once listening, serves, is stopped by --stop, and leaves no pid file', async () => {
    const runtime = join(lab.dir, 'xdg');
    mkdirSync(runtime, { mode: 0o700 });
    const env = cleanEnv({ XDG_RUNTIME_DIR: runtime });
    const where = ['--listen', `${lab.proxyIp4}:1092`];
    const pidPath = join(runtime, 'sockswrap-serve', `serve-${lab.proxyIp4}-1092.pid`);
    const start = await lab.run(lab.proxy, [process.execPath, SOCKSWRAP, 'serve', '--daemon', '--allow-open', ...where], { env });
    let pid = 0;
    try {
      assert.equal(start.status, 0, show(start));
      const m = /listening on .*\(pid (\d+), log ([^)]+)\); stop it with: sockswrap serve --stop --listen/.exec(start.stderr);
      assert.ok(m, start.stderr);
      pid = Number(m[1]);
      assert.equal(readFileSync(pidPath, 'utf8').trim(), String(pid));
      const again = await lab.run(lab.proxy, [process.execPath, SOCKSWRAP, 'serve', '--daemon', '--allow-open', ...where], { env });
      assert.equal(again.status, 0, show(again));
      assert.match(again.stderr, new RegExp(`already running on .*\\(pid ${pid}\\)`));
      const r = await inClient(['curl', '-sS', '--max-time', '20', '--socks5-hostname', `${lab.proxyIp4}:1092`, hello()]);
      assert.equal(r.status, 0, show(r));
      const stop = await lab.run(lab.proxy, [process.execPath, SOCKSWRAP, 'serve', '--stop', ...where], { env });
      assert.equal(stop.status, 0, show(stop));
      assert.match(stop.stderr, new RegExp(`stopped the daemon on .* \\(pid ${pid}\\)`));
      assert.equal(existsSync(pidPath), false, 'the pid file is removed');
      assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the daemon is gone');
      const none = await lab.run(lab.proxy, [process.execPath, SOCKSWRAP, 'serve', '--stop', ...where], { env });
      assert.equal(none.status, 1, show(none));
    } finally {
      // Never outlive the test, whatever failed above.
      if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* stopped */ }
    }
  });

  test('--daemon --auth-file: the login is required, and the password is in no command line', async () => {
    const runtime = join(lab.dir, 'xdg-auth');
    mkdirSync(runtime, { mode: 0o700 });
    const env = cleanEnv({ XDG_RUNTIME_DIR: runtime });
    const loginFile = join(lab.dir, 'serve-login');
    writeFileSync(loginFile, 'alice:s3cret-in-file\n', { mode: 0o600 });
    const where = ['--listen', `${lab.proxyIp4}:1093`];
    const start = await lab.run(lab.proxy, [process.execPath, SOCKSWRAP, 'serve', '--daemon', '--auth-file', loginFile, ...where], { env });
    let pid = 0;
    try {
      assert.equal(start.status, 0, show(start));
      pid = Number(/\(pid (\d+), log /.exec(start.stderr)?.[1]);
      assert.ok(pid > 0, start.stderr);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      assert.doesNotMatch(cmdline, /s3cret-in-file/, cmdline);
      const without = await inClient(['curl', '-sS', '--max-time', '20', '--socks5-hostname', `${lab.proxyIp4}:1093`, hello()]);
      assert.notEqual(without.status, 0, show(without));
      const withLogin = await inClient(['curl', '-sS', '--max-time', '20', '--socks5-hostname', `${lab.proxyIp4}:1093`, '--proxy-user', 'alice:s3cret-in-file', hello()]);
      assert.equal(withLogin.status, 0, show(withLogin));
      const stop = await lab.run(lab.proxy, [process.execPath, SOCKSWRAP, 'serve', '--stop', ...where], { env });
      assert.equal(stop.status, 0, show(stop));
    } finally {
      if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* stopped */ }
    }
  });

  test('SIGTERM and SIGINT stop it cleanly: exit 0, open connections closed', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const s = await startServe(lab, ['--listen', `${lab.proxyIp4}:0`, '--allow-open']);
      // A connection held open through it: the banner server speaks first, then waits for a line
      // that ncat --recv-only never sends; ncat ends when the connection does.
      const held = lab.spawn(lab.client, ['ncat', '--recv-only', '--proxy', `${lab.proxyIp4}:${s.port}`, '--proxy-type', 'socks5', 'target.test', String(BANNER_PORT)]);
      await new Promise<void>((res) => held.stdout!.once('data', () => res()));
      const heldExit = new Promise<void>((res) => held.once('exit', () => res()));
      s.child.kill(signal);
      assert.deepEqual(await s.exited, { code: 0, signal: null }, s.log());
      assert.match(s.log(), new RegExp(`${signal}: stopping \\(1 connection open\\)`));
      await heldExit; // the server closed the relayed connection: ncat ended
    }
  });
});

function hexIp(ip: string): string {
  return Buffer.from(ip.split('.').map(Number)).toString('hex');
}

function port(p: number): string {
  return p.toString(16).padStart(4, '0');
}
