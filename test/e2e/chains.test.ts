// Wrapped programs through chains on this host's loopback (no network namespace needed: every
// destination is a TEST-NET-2 address, 198.51.100.0/24, that only the agent's dnat or a proxy
// can make sense of, so a connection that went direct would fail, not pass). Real peers: danted
// and microsocks; a stalling and a garbage-speaking "proxy" are the only fakes (faults on demand).
// Also `sockswrap check`, whose output and exit status scripts rely on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, run, type RunResult } from '../helpers/net-lab';
import { sockswrapArgv, describe as show } from '../helpers/sockswrap';
import { closedPort, loggedConnects, startDanted, startMicrosocks, startServer, type RunningPeer, type TestServer } from '../helpers/loopback-peers';
import { bin, skipUnless } from '../helpers/peer-gate';

const NOWHERE = '198.51.100.7';

/** connect to argv[1]:argv[2], send a line, read it back; prints JSON, or "errno N". */
const PY_ECHO = `
import socket, sys, json
s = socket.socket()
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    print("errno", e.errno); sys.exit(0)
s.sendall(b"ping\\n")
got = b""
while not got.endswith(b"\\n"):
    b = s.recv(100)
    if not b: break
    got += b
print(json.dumps({"echo": got.decode(), "peer": list(s.getpeername())}))
`;

function sw(args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return run(sockswrapArgv(args), { timeoutMs, env: cleanEnv() });
}

const skip = skipUnless(['microsocks', 'danted', 'python3']);

describe('wrapped programs through chains, and sockswrap check', { skip, concurrency: false }, () => {
  const peers: RunningPeer[] = [];
  const servers: TestServer[] = [];
  let dir: string;
  let echoPort = 0;
  let stall: TestServer;
  let garbage: TestServer;
  let micro: RunningPeer;
  let microAuth: RunningPeer;
  let dante: RunningPeer;
  let py = 'python3';

  const conf = (name: string, lines: string[]): string => {
    const file = join(dir, name);
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  };

  before(async () => {
    py = bin('python3');
    dir = mkdtempSync(join(tmpdir(), 'sw-chains-'));
    const echo = await startServer((s) => s.pipe(s));
    stall = await startServer(() => {});
    garbage = await startServer((s) => s.end(Buffer.from([0x04, 0x5b, 0, 0, 0, 0, 0, 0])));
    servers.push(echo, stall, garbage);
    echoPort = echo.port;
    [micro, microAuth, dante] = await Promise.all([startMicrosocks(), startMicrosocks({ user: 'alice', password: 's3cret' }), startDanted()]);
    peers.push(micro, microAuth, dante);
  });

  after(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    for (const s of servers) s.close();
  });

  test('a stalled proxy: the program gets ETIMEDOUT from tcp_read_time_out, the log names the hop and the timer', async () => {
    const file = conf('stall.conf', ['strict_chain', 'tcp_read_time_out 700', 'tcp_connect_time_out 700', '[ProxyList]', `socks5 127.0.0.1 ${stall.port}`]);
    const r = await sw(['-f', file, '--', py, '-c', PY_ECHO, NOWHERE, '80']);
    assert.equal(r.stdout.toString().trim(), `errno ${constants.errno.ETIMEDOUT}`, show(r));
    // The log line names the timer that fired: the read timeout (a connect timeout says "no TCP connection").
    assert.match(r.stderr, new RegExp(`\\[sockswrap\\] python3\\[\\d+\\] ${NOWHERE}:80 via socks5 127\\.0\\.0\\.1:${stall.port}: no complete reply from the proxy within 700 ms`), show(r));
  });

  test('a proxy answering garbage: the program gets ECONNABORTED, the log names the hop', async () => {
    const r = await sw(['-x', `socks5://127.0.0.1:${garbage.port}`, '--', py, '-c', PY_ECHO, NOWHERE, '80']);
    assert.equal(r.stdout.toString().trim(), `errno ${constants.errno.ECONNABORTED}`, show(r));
    assert.match(r.stderr, new RegExp(`via socks5 127\\.0\\.0\\.1:${garbage.port}: .*version 0x04`), show(r));
  });

  test('dnat rewrites the destination before the chain; getpeername still shows the original', async () => {
    const file = conf('dnat.conf', [`dnat ${NOWHERE}:80 127.0.0.1:${echoPort}`, '[ProxyList]', `socks5 127.0.0.1 ${micro.port}`]);
    const r = await sw(['-v', '-f', file, '--', py, '-c', PY_ECHO, NOWHERE, '80']);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout.toString()), { echo: 'ping\n', peer: [NOWHERE, 80] }, show(r));
    assert.match(r.stderr, new RegExp(`${NOWHERE}:80 \\(dnat to 127\\.0\\.0\\.1:${echoPort}\\) via socks5 127\\.0\\.0\\.1:${micro.port}: connected`), show(r));
  });

  test('dynamic chain from the command line (--chain dynamic): a dead first hop is skipped', async () => {
    const dead = await closedPort();
    const file = conf('dyn.conf', [`dnat ${NOWHERE} 127.0.0.1`, '[ProxyList]', `socks5 127.0.0.1 ${dead}`, `socks5 127.0.0.1 ${micro.port}`, `socks5 127.0.0.1 ${dante.port}`]);
    const r = await sw(['--chain', 'dynamic', '-f', file, '--', py, '-c', PY_ECHO, NOWHERE, String(echoPort)]);
    assert.equal(r.status, 0, show(r));
    assert.equal(JSON.parse(r.stdout.toString()).echo, 'ping\n', show(r));
    assert.match(r.stderr, new RegExp(`via socks5 127\\.0\\.0\\.1:${dead}: cannot reach the proxy: ECONNREFUSED; skipping that hop`), show(r));

    const dead2 = await closedPort();
    const all = await sw(['--chain', 'dynamic', '-x', `socks5://127.0.0.1:${dead}`, '-x', `socks5://127.0.0.1:${dead2}`, '--', py, '-c', PY_ECHO, NOWHERE, '80']);
    assert.equal(all.stdout.toString().trim(), `errno ${constants.errno.ECONNREFUSED}`, show(all));
    assert.match(all.stderr, /no live proxy chain left \(all 2 proxies are dead\)/, show(all));
  });

  test('round robin: three concurrent processes of one run each get the next proxy (the agent holds the cursor)', async () => {
    const danteds = await Promise.all([startDanted({ logConnects: true }), startDanted({ logConnects: true }), startDanted({ logConnects: true })]);
    peers.push(...danteds);
    const file = conf('rr.conf', ['round_robin_chain', `dnat ${NOWHERE} 127.0.0.1`, '[ProxyList]', ...danteds.map((d) => `socks5 127.0.0.1 ${d.port}`)]);
    const script = join(dir, 'echo.py');
    writeFileSync(script, PY_ECHO);
    const one = `${py} ${script} ${NOWHERE} ${echoPort}`;
    const r = await sw(['-f', file, '--', 'sh', '-c', `${one} & ${one} & ${one} & wait`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString().trim().split('\n').length, 3, show(r));
    // Per-process state (proxychains) would send all three through the first proxy.
    assert.deepEqual(await loggedConnects(danteds, 3), [[echoPort], [echoPort], [echoPort]]);
    await Promise.all(danteds.map((d) => d.stop()));
  });

  test('--chain-len longer than the proxy list is bad input (exit 2)', async () => {
    const r = await sw(['--chain', 'random', '--chain-len', '3', '-x', 'socks5://127.0.0.1:1', '--', 'true']);
    assert.equal(r.status, 2, show(r));
    assert.match(r.stderr, /chain_len 3 is more than the 1 proxy in the list/);
    const bad = await sw(['--chain', 'zigzag', '-x', 'socks5://127.0.0.1:1', '--', 'true']);
    assert.equal(bad.status, 2, show(bad));
  });

  test('check: a working 2-hop chain and a reachable target (plain and --json), exit 0', async () => {
    const x = ['-x', `socks5://127.0.0.1:${micro.port}`, '-x', `socks5://alice:s3cret@127.0.0.1:${microAuth.port}`];
    const r = await sw(['check', ...x, `127.0.0.1:${echoPort}`]);
    assert.equal(r.status, 0, show(r));
    const out = r.stdout.toString();
    assert.match(out, new RegExp(`^hop 1 socks5 127\\.0\\.0\\.1:${micro.port}: ok \\(auth none ok, handshake [0-9.]+ ms\\)$`, 'm'));
    assert.match(out, new RegExp(`^hop 2 socks5 127\\.0\\.0\\.1:${microAuth.port}: ok \\(auth username/password ok, handshake [0-9.]+ ms\\)$`, 'm'));
    assert.match(out, /^udp associate at hop 2: no \(reply 0x07 command not supported\)$/m, 'microsocks has no UDP');
    assert.match(out, new RegExp(`^target 127\\.0\\.0\\.1:${echoPort}: reachable via socks5 127\\.0\\.0\\.1:${micro.port} > socks5 127\\.0\\.0\\.1:${microAuth.port} in \\d+ ms$`, 'm'));
    assert.match(out, /^chain: ok \(strict_chain\)$/m);

    const j = await sw(['check', '--json', ...x, `127.0.0.1:${echoPort}`]);
    assert.equal(j.status, 0, show(j));
    const report = JSON.parse(j.stdout.toString());
    assert.equal(report.ok, true);
    assert.equal(report.chain, 'strict_chain');
    assert.deepEqual(report.hops.map((h: { status: string; auth: unknown }) => [h.status, h.auth]), [
      ['ok', { method: 'none', result: 'ok' }],
      ['ok', { method: 'username/password', result: 'ok' }],
    ]);
    assert.equal(typeof report.hops[0].handshakeMs, 'number');
    assert.deepEqual(report.udpAssociate, { hop: 2, granted: false, detail: 'no (reply 0x07 command not supported)' });
    assert.equal(report.target.reachable, true);

    // danted grants UDP ASSOCIATE.
    const d = await sw(['check', '--json', '-x', `socks5://127.0.0.1:${dante.port}`]);
    assert.equal(d.status, 0, show(d));
    const dr = JSON.parse(d.stdout.toString());
    assert.equal(dr.udpAssociate.granted, true, show(d));
    assert.equal(dr.target, null);
  });

  test('check: a wrong password is reported on its hop, exit 1', async () => {
    const x = ['-x', `socks5://127.0.0.1:${micro.port}`, '-x', `socks5://alice:wrong@127.0.0.1:${microAuth.port}`];
    const r = await sw(['check', ...x]);
    assert.equal(r.status, 1, show(r));
    assert.match(r.stdout.toString(), new RegExp(`^hop 2 socks5 127\\.0\\.0\\.1:${microAuth.port}: dead \\(auth username/password rejected, handshake [0-9.]+ ms\\): proxy rejected the username/password \\(status 0x\\d+\\) \\[EACCES\\]$`, 'm'));
    assert.match(r.stdout.toString(), /^chain: broken: hop 2 is dead \(a strict chain needs every hop\)$/m);
    const j = await sw(['check', '--json', ...x]);
    assert.equal(j.status, 1, show(j));
    const report = JSON.parse(j.stdout.toString());
    assert.equal(report.ok, false);
    assert.deepEqual(report.hops[1].auth, { method: 'username/password', result: 'rejected' });
    assert.equal(report.hops[1].error.code, 'proxy-auth-failed');
  });

  test('check: a dead hop fails a strict chain (exit 1) but not a dynamic one (exit 0); a bad target is exit 2', async () => {
    const dead = await closedPort();
    const x = ['-x', `socks5://127.0.0.1:${dead}`, '-x', `socks5://127.0.0.1:${dante.port}`];
    const strict = await sw(['check', ...x, `127.0.0.1:${echoPort}`]);
    assert.equal(strict.status, 1, show(strict));
    const out = strict.stdout.toString();
    assert.match(out, new RegExp(`^hop 1 socks5 127\\.0\\.0\\.1:${dead}: dead \\(auth -\\): via socks5 127\\.0\\.0\\.1:${dead}: cannot reach the proxy: ECONNREFUSED \\[ECONNREFUSED\\]$`, 'm'));
    assert.match(out, new RegExp(`^hop 2 socks5 127\\.0\\.0\\.1:${dante.port}: untested$`, 'm'));
    assert.match(out, /^target 127\.0\.0\.1:\d+: unreachable \(ECONNREFUSED\): /m);

    const dynamic = await sw(['check', '--chain', 'dynamic', '--json', ...x, `127.0.0.1:${echoPort}`]);
    assert.equal(dynamic.status, 0, show(dynamic));
    const report = JSON.parse(dynamic.stdout.toString());
    assert.deepEqual(report.hops.map((h: { status: string }) => h.status), ['dead', 'ok']);
    assert.deepEqual(report.target.via, [`socks5 127.0.0.1:${dante.port}`]);

    const bad = await sw(['check', ...x, 'no-port-here']);
    assert.equal(bad.status, 2, show(bad));
  });

  test('`check` is a subcommand only as the first word: after -- (or options) it is a program', async () => {
    const binDir = join(dir, 'bin');
    mkdirSync(binDir, { recursive: true });
    writeFileSync(join(binDir, 'check'), '#!/bin/sh\necho "the program named check ran with $*"\n');
    chmodSync(join(binDir, 'check'), 0o755);
    const env = cleanEnv({ PATH: `${binDir}:${process.env.PATH}` });
    const r = await run(sockswrapArgv(['-x', 'socks5://127.0.0.1:1', '--', 'check', 'a']), { env });
    assert.equal(r.stdout.toString(), 'the program named check ran with a\n', show(r));
    const r2 = await run(sockswrapArgv(['-x', 'socks5://127.0.0.1:1', 'check', 'b']), { env });
    assert.equal(r2.stdout.toString(), 'the program named check ran with b\n', show(r2));
  });
});
