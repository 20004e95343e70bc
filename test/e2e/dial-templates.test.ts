// Dial templates (docs/architecture.md, dial path, "Templates"): with a chain whose CONNECT answer is
// a standing plan, the agent sends each process image templates of that plan with a hole for the
// destination and a scope (core/plan-template.c fills them), so the FIRST connect to a destination
// asks nothing either. What must hold: it really asks nothing (the agent stopped with SIGSTOP, new
// destinations still connect and echo), every connection still reaches the agent's log (-v line)
// and the proxy's, and a user sees the same bytes, errnos and getpeername with templates on and off
// (SOCKSWRAP_TEMPLATES=0) — also for the destinations the scope excepts (localnet, dnat, fake
// addresses), which must go exactly where they went before: direct (here: no route), rewritten, or
// to the proxy as a name.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../helpers/net-lab';
import { cleanEnv } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { labSpawner, reEscape, startDanted, untilLog, CLOSED_PORT, type Danted } from '../helpers/peers';
import { startTinyproxy, type UpstreamPeer } from '../helpers/upstream-peers';
import { assertNoLeaks } from '../helpers/proof';
import { SOCKSWRAP, sockswrap, spawnSockswrap, lineReader, describe as show } from '../helpers/sockswrap';
import { bin, skipUnless } from '../helpers/peer-gate';

/** Echo servers on many ports of both target addresses (in the proxy namespace). */
const BASE = 7400;
const PORTS = 220;
const MANY_ECHO = `
const net = require('net');
const [hosts, base, n] = [process.argv[1].split(','), Number(process.argv[2]), Number(process.argv[3])];
let up = 0;
for (const host of hosts) for (let i = 0; i < n; i++) {
  net.createServer((c) => { c.on('error', () => {}); c.pipe(c); }).listen(base + i, host, () => { if (++up === n * hosts.length) console.log('ready'); });
}`;

/** One blocking connect + echo of bytes unique to the destination: "echo HOST PORT" (getpeername) or "errno N". */
const PY_ONE = `
import socket, sys, json, os, time
def one(host, port, i):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        s.connect((host, port))
        payload = b"t%d-%s-%d\\n" % (i, host.encode(), port)
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            b = s.recv(4096)
            if not b: break
            got += b
        peer = s.getpeername()[:2]
        return "echo %s %d" % peer if got == payload else "bad %r" % got
    except OSError as e:
        return "errno %d" % e.errno
    finally:
        s.close()
`;

/** argv: JSON [[host, port], ...]; one line per destination, in order. */
const PY_EACH = PY_ONE + `
for i, (host, port) in enumerate(json.loads(sys.argv[1])):
    print(one(host, port, i))
`;

/**
 * argv: JSON warm destinations, JSON first-time destinations, go file. Connects to the warm ones
 * over and over until the go file exists (the test creates it once the agent said it sent the
 * templates, and has stopped the agent), then once to each first-time one; prints "first OK/N".
 */
const PY_STOPPED = PY_ONE + `
warm, first, go = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
i = 0
while not os.path.exists(go):
    host, port = warm[i % len(warm)]
    r = one(host, port, i)
    if not r.startswith("echo"): print("warm failed", host, port, r, flush=True); sys.exit(1)
    print("warm", i, flush=True)
    i += 1
    time.sleep(0.02)
results = [one(h, p, 1000 + j) for j, (h, p) in enumerate(first)]
print("first %d/%d" % (sum(r.startswith("echo") for r in results), len(results)), flush=True)
`;

const SKIP = skipUnless(['ip', 'nft', 'danted', 'python3', 'tinyproxy'], { root: true });

function count(text: string, re: RegExp): number {
  return text.match(re)?.length ?? 0;
}

describe('dial templates: first connects to new destinations ask the agent nothing', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let inner: Danted;
  let tiny: UpstreamPeer;
  let py: string;

  standardLab({ danted: 1080, leaks: 'reset' }, (s) => ({ lab, danted } = { lab: s.lab, danted: s.danted! }));
  before(async () => {
    py = bin('python3');
    const echo = lab.spawn(lab.proxy, [process.execPath, '-e', MANY_ECHO, `${lab.targetIp4},${lab.targetIp6}`, String(BASE), String(PORTS)]);
    await new Promise<void>((resolve, reject) => {
      echo.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
      echo.once('exit', (code) => reject(new Error(`echo servers exited (${code})`)));
    });
    [inner, tiny] = await Promise.all([
      startDanted(lab, 1086),
      startTinyproxy(labSpawner(lab), { listen: lab.proxyIp4, port: 8899, allow: ['0.0.0.0/0'], connectPorts: Array.from({ length: 40 }, (_, i) => BASE + i) }),
    ]);
  });

  const v4 = (i: number): [string, number] => [lab.targetIp4, BASE + i];
  const v6 = (i: number): [string, number] => [lab.targetIp6, BASE + i];

  /**
   * Warm-up (pipelining learned, an HTTP reply learned, the templates sent), the agent stopped,
   * then `first` — destinations never connected to before — must all echo; after SIGCONT every
   * one has its -v line. Returns the run's stderr.
   */
  async function withAgentStopped(conf: string, first: [string, number][], learnedLines: number): Promise<string> {
    const go = join(lab.dir, `go-${Math.random().toString(36).slice(2)}`);
    const warm = [v4(0), v4(1)];
    const child = spawnSockswrap(lab, ['-v', '-f', conf, '--', py, '-c', PY_STOPPED, JSON.stringify(warm), JSON.stringify(first), go]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let err = '';
    child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    const next = lineReader(child);
    try {
      if (learnedLines > 0) await untilLog(() => (count(err, /takes pipelined handshakes/g) >= learnedLines ? err : ''), /./, 20_000, `${learnedLines} pipelining findings`);
      await untilLog(() => err, /dial templates sent/, 20_000);
      // The connect that asked TEMPLATE has its answer once a warm line printed after this one
      // follows (the line being printed now may be the connect's before it).
      const warmed = count(out, /^warm \d+$/gm);
      await untilLog(() => (count(out, /^warm \d+$/gm) >= warmed + 2 ? out : ''), /./, 20_000, 'two more warm lines');
      // The launcher is the agent: stopped, it answers nothing; a connect that asked would hang.
      process.kill(child.pid!, 'SIGSTOP');
      try {
        writeFileSync(go, '');
        const line = await next((l) => l.startsWith('first') || l.startsWith('warm failed'), 20_000).catch((e: Error) => `${e.message}; stderr: ${err.slice(-3000)}`);
        assert.equal(line, `first ${first.length}/${first.length}`);
      } finally {
        process.kill(child.pid!, 'SIGCONT');
      }
      assert.equal(await exited, 0, err);
    } finally {
      child.kill();
    }
    return err;
  }

  const confOf = (name: string, lines: string[]): string => {
    const file = join(lab.dir, name);
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  };

  test('one SOCKS5 proxy (danted): 40 new IPv4 and IPv6 destinations with the agent stopped, each logged by the agent and by danted', async () => {
    const conf = confOf('one.conf', ['strict_chain', '[ProxyList]', `socks5 ${danted.host} ${danted.port}`]);
    const first = [...Array.from({ length: 20 }, (_, i) => v4(100 + i)), ...Array.from({ length: 20 }, (_, i) => v6(100 + i))];
    const err = await withAgentStopped(conf, first, 1);
    for (const [host, port] of first) {
      const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      assert.equal(count(err, new RegExp(`${reEscape(shown)} via socks5 ${reEscape(`${danted.host}:${danted.port}`)}: connected in \\d+ ms`, 'g')), 1, `${shown}: ${err.slice(-3000)}`);
      // danted's own log: the destination, as it writes it (address.port).
      await untilLog(() => danted.log(), new RegExp(`${reEscape(`${host}.${port}`)}\\b`), 5000);
    }
    assertNoLeaks(lab);
  });

  // The templates' sample destinations (an IPv6 one among them) are no program's: a socks4 hop,
  // which carries only IPv4, refused the sample and its line was printed at every run.
  test('socks4 (danted): IPv4 destinations echo, and no line names a destination the program never connected to', async () => {
    const conf = confOf('four.conf', ['strict_chain', '[ProxyList]', `socks4 ${danted.host} ${danted.port}`]);
    const dests = [v4(0), v4(1), v4(2)];
    const r = await sockswrap(lab, ['-f', conf, '--', py, '-c', PY_EACH, JSON.stringify(dests)]);
    assert.equal(r.status, 0, show(r));
    assert.deepEqual(r.stdout.toString().trim().split('\n'), dests.map(([h, p]) => `echo ${h} ${p}`), show(r));
    assert.equal(r.stderr.split('\n').filter((l) => /\[sockswrap\]/.test(l) && !/resolved locally|remote DNS/.test(l)).join('\n'), '', show(r));
  });

  test('a 2-hop chain (danted > danted) and an HTTP CONNECT proxy (tinyproxy): new destinations with the agent stopped', async () => {
    const two = confOf('two.conf', ['strict_chain', '[ProxyList]', `socks5 ${danted.host} ${danted.port}`, `socks5 ${inner.innerHost} ${inner.port}`]);
    const firstTwo = Array.from({ length: 10 }, (_, i) => v4(140 + i));
    const err2 = await withAgentStopped(two, firstTwo, 2);
    const chain = `socks5 ${reEscape(`${danted.host}:${danted.port}`)} > socks5 ${reEscape(`${inner.innerHost}:${inner.port}`)}`;
    for (const [host, port] of firstTwo) assert.equal(count(err2, new RegExp(`${reEscape(`${host}:${port}`)} via ${chain}: connected in \\d+ ms`, 'g')), 1, err2.slice(-2000));
    const http = confOf('http.conf', ['strict_chain', '[ProxyList]', `http ${tiny.host} ${tiny.port}`]);
    const first = Array.from({ length: 10 }, (_, i) => v4(20 + i));
    const errH = await withAgentStopped(http, first, 0);
    for (const [host, port] of first) {
      assert.equal(count(errH, new RegExp(`${reEscape(`${host}:${port}`)} via http ${reEscape(`${tiny.host}:${tiny.port}`)}: connected in \\d+ ms`, 'g')), 1, errH.slice(-2000));
      assert.match(tiny.output(), new RegExp(`${reEscape(`${host}:${port}`)}`));
    }
    assertNoLeaks(lab);
  });

  test('templates on and off: the same lines for proxied, refused, localnet, dnat and fake destinations', async () => {
    const nowhere = '198.51.100.7';
    const conf = confOf('mixed.conf', [
      'strict_chain',
      'proxy_dns',
      `localnet ${lab.targetIp4}:${BASE + 5}/255.255.255.255`,
      `dnat ${nowhere}:80 ${lab.targetIp4}:${BASE + 6}`,
      '[ProxyList]',
      `socks5 ${danted.host} ${danted.port}`,
    ]);
    // Two rounds: the first round's connects learn pipelining and fetch the templates, so the
    // second round's new destinations (other ports) are the templated ones.
    const dests: [string, number][] = [];
    for (const round of [0, 1, 2]) {
      const o = round * 50;
      dests.push(v4(o + 10), v4(o + 11), v6(o + 12), [lab.targetIp4, CLOSED_PORT], v4(5), [nowhere, 80], [nowhere, 81], ['240.0.0.9', BASE + 1], v4(o + 13), v6(o + 14));
    }
    const args = ['-v', '-f', conf, '--', py, '-c', PY_EACH, JSON.stringify(dests)];
    const on = await sockswrap(lab, args);
    assert.match(on.stderr, /dial templates sent/, show(on));
    const off = await sockswrap(lab, args, { env: cleanEnv({ SOCKSWRAP_TEMPLATES: '0' }) });
    assert.equal(on.status, 0, show(on));
    assert.equal(off.status, 0, show(off));
    assert.equal(on.stdout.toString(), off.stdout.toString(), `${show(on)}\n${show(off)}`);
    const lines = on.stdout.toString().trim().split('\n');
    const at = (i: number) => lines[i];
    for (const round of [0, 1, 2]) {
      const o = round * 10;
      assert.equal(at(o + 0), `echo ${lab.targetIp4} ${BASE + round * 50 + 10}`);
      assert.equal(at(o + 2), `echo ${lab.targetIp6} ${BASE + round * 50 + 12}`);
      assert.equal(at(o + 3), 'errno 111', 'refused by the target, through the proxy');
      assert.equal(at(o + 4), 'errno 101', 'localnet: direct, and the client has no route there');
      assert.equal(at(o + 5), `echo ${nowhere} 80`, 'dnat: rewritten, getpeername the original');
      assert.match(at(o + 6) ?? '', /^errno \d+$/, 'no dnat rule for port 81: danted cannot reach TEST-NET');
      assert.match(at(o + 7) ?? '', /^errno \d+$/, 'an unnamed fake address: the proxy cannot reach it');
    }
    assertNoLeaks(lab);
  });

  test("the agent's counts (sockswrap status) include every templated connect", async () => {
    const binDir = join(lab.dir, 'status-bin');
    const runtime = join(lab.dir, 'status-runtime');
    mkdirSync(binDir);
    mkdirSync(runtime, { mode: 0o700 });
    symlinkSync(SOCKSWRAP, join(binDir, 'sockswrap'));
    const env = cleanEnv({ PATH: `${binDir}:${process.env.PATH}`, XDG_RUNTIME_DIR: runtime, SHELL: '/bin/sh', HOME: lab.dir });
    const n = 30;
    const dests = Array.from({ length: n }, (_, i) => v4(160 + i));
    const script = `eval "$(sockswrap on -q -x socks5://${danted.host}:${danted.port})" || exit 90
${py} -c '${PY_EACH.replace(/'/g, "'\\''")}' '${JSON.stringify(dests)}'
sockswrap status --json`;
    try {
      const r = await lab.run(lab.client, [bin('bash'), '-c', script], { env, timeoutMs: 60_000 });
      assert.equal(r.status, 0, show(r));
      const out = r.stdout.toString();
      const lines = out.split('\n');
      assert.deepEqual(lines.slice(0, n), dests.map(([h, p]) => `echo ${h} ${p}`), out);
      const status = JSON.parse(lines.slice(n).join('\n'));
      const agent = status.agents.find((a: { running: boolean }) => a.running);
      // The first connects ask (CONNECT, until the probe has answered and TEMPLATE came), the rest
      // are templated (NOTE): each counts once, as a proxied connect.
      assert.equal(agent.counts.connectsProxied, n, JSON.stringify(status));
    } finally {
      await lab.run(lab.client, [process.execPath, SOCKSWRAP, 'agent', 'stop', '--all', '-q'], { env, timeoutMs: 30_000 });
    }
    assertNoLeaks(lab);
  });

  test('200 different destinations, one connect each: every echo right, 200 -v lines, the same with templates off', async () => {
    const conf = confOf('many.conf', ['strict_chain', '[ProxyList]', `socks5 ${danted.host} ${danted.port}`]);
    const dests = Array.from({ length: 200 }, (_, i) => v4(i));
    const args = ['-v', '-f', conf, '--', py, '-c', PY_EACH, JSON.stringify(dests)];
    const on = await sockswrap(lab, args);
    assert.equal(on.status, 0, show(on));
    assert.equal(on.stdout.toString(), dests.map(([h, p]) => `echo ${h} ${p}\n`).join(''), show(on));
    assert.match(on.stderr, /dial templates sent/, show(on));
    assert.equal(count(on.stderr, /: connected in \d+ ms/g), 200, show(on));
    const off = await sockswrap(lab, args, { env: cleanEnv({ SOCKSWRAP_TEMPLATES: '0' }) });
    assert.equal(off.stdout.toString(), on.stdout.toString(), show(off));
    assert.doesNotMatch(off.stderr, /dial templates sent/, show(off));
    assertNoLeaks(lab);
  });
});
