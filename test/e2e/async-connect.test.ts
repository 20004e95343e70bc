// Non-blocking connect through sockswrap (issue 5): event-loop programs stay event-driven.
//
// The proxy (danted) sits behind a forwarder in the proxy namespace that holds every connection
// at a gate until N of them are waiting together (then releases all of them). A program whose
// connect() blocks for the proxy handshake — proxychains4 — can never put more than one there:
// its first connect waits for a handshake the gate holds back. So "the gate saw N at once, and
// every stream came back byte-exact" proves the connects ran concurrently, with no timing.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { HTTP_PORT, ECHO_PORT, CLOSED_PORT, type Danted } from '../helpers/peers';
import { takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { startDelayForwarder, type Forwarder } from '../helpers/delay-forwarder';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'curl', 'python3'], { root: true });

/** 40 (argv) concurrent net.connect + echo; a setImmediate loop counts turns of the event loop.
 * One family per connect: Node's happy eyeballs would abort each attempt held at the gate after
 * 250 ms and start a second chain (docs/fake-dns.md). */
const NODE_CONCURRENT = `
const net = require('net');
const [host, port, n] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
let turns = 0, spinning = true;
(function spin() { turns++; if (spinning) setImmediate(spin); })();
const start = turns;
let done = 0, ok = 0, connectEvents = 0, turnsAtFirstData = -1;
const bad = [];
for (let i = 0; i < n; i++) {
  const payload = 'connection ' + i + ' ' + 'x'.repeat(i * 97) + '\\n';
  const s = net.connect({ host, port, autoSelectFamily: false });
  let got = '';
  s.setEncoding('latin1');
  s.on('connect', () => { connectEvents++; s.write(payload); });
  s.on('data', (d) => {
    if (turnsAtFirstData < 0) turnsAtFirstData = turns;
    got += d;
    if (got.length >= payload.length) { s.destroy(); finish(got === payload ? null : 'mismatch ' + i); }
  });
  s.on('error', (e) => finish(i + ': ' + e.code));
}
function finish(err) {
  if (err) bad.push(err); else ok++;
  if (++done < n) return;
  spinning = false;
  console.log(JSON.stringify({ ok, bad, connectEvents, turnsBeforeFirstData: turnsAtFirstData - start }));
}
`;

/** asyncio.open_connection N at once, each with its own payload; prints JSON. */
const PY_ASYNCIO = `
import asyncio, json, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
turns = 0
async def ticker():
    global turns
    while True:
        turns += 1
        await asyncio.sleep(0)
async def one(i):
    payload = (("conn %d " % i) + "y" * (i * 131) + "\\n").encode()
    r, w = await asyncio.open_connection(host, port)
    w.write(payload)
    await w.drain()
    got = await r.readexactly(len(payload))
    w.close()
    return got == payload
async def main():
    t = asyncio.create_task(ticker())
    res = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
    t.cancel()
    print(json.dumps({"ok": sum(1 for r in res if r is True), "bad": [repr(r) for r in res if r is not True][:5], "turns": turns}))
asyncio.run(main())
`;

/** A plain C poll/epoll loop: non-blocking connect, EINPROGRESS, readiness, SO_ERROR, errno. */
const C_POLL = String.raw`
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int start(const char *ip, int port, int *connect_errno)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, ip, &a.sin_addr);
	*connect_errno = connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? 0 : errno;
	return fd;
}

static void wait_ev(int fd, short ev) { struct pollfd p = { fd, ev, 0 }; poll(&p, 1, 20000); }

static int so_error(int fd) { int e = -1; socklen_t l = sizeof e; getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l); return e; }

/* echo: EINPROGRESS, POLLOUT, SO_ERROR, write before the verdict, connect again, MSG_PEEK, read */
static void echo_poll(const char *ip, int port)
{
	int ce, fd = start(ip, port, &ce);
	wait_ev(fd, POLLOUT);
	int se = so_error(fd);
	const char msg[] = "hello before the verdict\n";
	ssize_t w = write(fd, msg, sizeof msg - 1);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, ip, &a.sin_addr);
	int again = connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? 0 : errno;
	char peek[64] = { 0 }, buf[64] = { 0 };
	ssize_t p;
	do { wait_ev(fd, POLLIN); p = recv(fd, peek, sizeof peek - 1, MSG_PEEK); } while (p < 0 && errno == EAGAIN);
	size_t got = 0;
	while (got < sizeof msg - 1) {
		wait_ev(fd, POLLIN);
		ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
		if (r > 0) got += (size_t)r;
		else if (r == 0 || errno != EAGAIN) break;
	}
	printf("echo connect=%d so_error=%d wrote=%zd again=%d peek_ok=%d echo_ok=%d\n", ce, se, w, again,
	       p > 0 && memcmp(peek, msg, (size_t)p) == 0, got == sizeof msg - 1 && strcmp(buf, msg) == 0);
}

/* refused: SO_ERROR says ECONNREFUSED, or (verdict not there yet) 0 and the first recv fails with it */
static void refused(const char *ip, int port, int write_first)
{
	int ce, fd = start(ip, port, &ce);
	wait_ev(fd, POLLOUT);
	int se = so_error(fd), re = 0;
	ssize_t w = write_first ? send(fd, "x", 1, MSG_NOSIGNAL) : 0;
	if (se == 0) {
		char c;
		ssize_t r;
		do { wait_ev(fd, POLLIN); r = recv(fd, &c, 1, 0); } while (r < 0 && errno == EAGAIN);
		re = r < 0 ? errno : -(int)r - 100;
	}
	printf("refused%s connect=%d so_error=%d recv_errno=%d wrote=%zd\n", write_first ? "_after_write" : "", ce, se, re, w);
}

/* edge-triggered epoll: the verdict byte's edge is swallowed; the data's own edge must still come */
static void echo_epoll_et(const char *ip, int port)
{
	int ce, fd = start(ip, port, &ce);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = fd };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	const char msg[] = "edge triggered\n";
	char buf[64] = { 0 };
	size_t got = 0;
	int sent = 0, wakeups = 0, eagains = 0;
	while (got < sizeof msg - 1 && wakeups < 50) {
		struct epoll_event out;
		if (epoll_wait(ep, &out, 1, 20000) != 1) break;
		wakeups++;
		if ((out.events & EPOLLOUT) && !sent) {
			if (so_error(fd) != 0) break;
			sent = write(fd, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1);
		}
		if (out.events & EPOLLIN) {
			for (;;) {   /* edge-triggered: read until EAGAIN */
				ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
				if (r > 0) { got += (size_t)r; continue; }
				if (r < 0 && errno == EAGAIN) eagains++;
				break;
			}
		}
	}
	printf("epoll_et connect=%d echo_ok=%d\n", ce, got == sizeof msg - 1 && strcmp(buf, msg) == 0);
}

int main(int argc, char **argv)
{
	if (argc < 4) return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	echo_poll(argv[1], atoi(argv[2]));
	refused(argv[1], atoi(argv[3]), 0);
	refused(argv[1], atoi(argv[3]), 1);
	echo_epoll_et(argv[1], atoi(argv[2]));
	return 0;
}
`;

describe('e2e: asynchronous connect (issue 5)', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let py: string;

  standardLab({ danted: 1080, leaks: 'reset' }, (s) => ({ lab, danted } = { lab: s.lab, danted: s.danted! }));
  before(() => { py = bin('python3'); });

  /** A forwarder in front of danted on the proxy's address; -x for sockswrap through it. */
  async function gateInFront(port: number, opts: { gate?: number; delayMs?: number; holdMs?: number }): Promise<[Forwarder, string[]]> {
    const fw = await startDelayForwarder(lab, { port, toHost: danted.host, toPort: danted.port, gateTimeoutMs: 20_000, ...opts });
    return [fw, ['-x', `socks5h://${fw.host}:${fw.port}`]];
  }

  test('node: 40 concurrent net.connect through a gated proxy all echo right; the event loop turns meanwhile', async () => {
    takeLeaks(lab);
    const [fw, X] = await gateInFront(1091, { gate: 40, holdMs: 300, delayMs: 20 });
    const r = await sockswrap(lab, [...X, '--', process.execPath, '-e', NODE_CONCURRENT, 'target.test', String(ECHO_PORT), '40'], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, show(r));
    const res = JSON.parse(r.stdout.toString());
    assert.deepEqual({ ok: res.ok, bad: res.bad }, { ok: 40, bad: [] }, show(r));
    assert.deepEqual(await fw.gateOpened, { held: 40, reason: 'count' }, 'all 40 proxy connections were waiting at the gate together');
    assert.ok(res.turnsBeforeFirstData > 0, `the event loop turned while the connects were held (${res.turnsBeforeFirstData})`);
    assertNoLeaks(lab);
  });

  test('python asyncio: 25 open_connection at once through a gated proxy, byte-exact', async () => {
    takeLeaks(lab);
    const [fw, X] = await gateInFront(1092, { gate: 25, holdMs: 200 });
    const r = await sockswrap(lab, [...X, '--', py, '-c', PY_ASYNCIO, 'target.test', String(ECHO_PORT), '25'], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, show(r));
    const res = JSON.parse(r.stdout.toString());
    assert.deepEqual({ ok: res.ok, bad: res.bad }, { ok: 25, bad: [] }, show(r));
    assert.deepEqual(await fw.gateOpened, { held: 25, reason: 'count' });
    assert.ok(res.turns > 25, `the asyncio loop turned while the connects were held (${res.turns})`);
    assertNoLeaks(lab);
  });

  test("curl's multi interface: --parallel --parallel-max 20 fetches 20 URLs through a gated proxy", async () => {
    takeLeaks(lab);
    const [fw, X] = await gateInFront(1093, { gate: 20, holdMs: 100 });
    const urls = Array.from({ length: 20 }, () => `http://target.test:${HTTP_PORT}/hello`);
    const r = await sockswrap(lab, [...X, '--', 'curl', '-sS', '--no-progress-meter', '--max-time', '30', '--parallel', '--parallel-immediate', '--parallel-max', '20', ...urls], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'hello from target\n'.repeat(20), show(r));
    assert.deepEqual(await fw.gateOpened, { held: 20, reason: 'count' });
    assertNoLeaks(lab);
  });

  test('plain C poll/epoll loop: EINPROGRESS, POLLOUT, SO_ERROR, ECONNREFUSED, edge-triggered epoll', { skip: skipUnless(['gcc']) }, async () => {
    takeLeaks(lab);
    const src = join(lab.dir, 'nbconnect.c');
    const exe = join(lab.dir, 'nbconnect');
    writeFileSync(src, C_POLL);
    const cc = spawnSync(bin('gcc'), ['-O1', '-Wall', '-o', exe, src], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    // 100 ms each way in front of the proxy: the verdict is certainly later than the relay connect.
    const [, X] = await gateInFront(1094, { delayMs: 100 });
    const r = await sockswrap(lab, [...X, '--', exe, lab.targetIp4, String(ECHO_PORT), String(CLOSED_PORT)], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, show(r));
    const lines = Object.fromEntries(r.stdout.toString().trim().split('\n').map((l) => {
      const [name, ...kv] = l.split(' ');
      return [name, Object.fromEntries(kv.map((p) => p.split('=')).map(([k, v]) => [k, Number(v)]))];
    }));
    const EINPROGRESS = 115, ECONNREFUSED = 111, EALREADY = 114, EISCONN = 106;
    assert.equal(lines.echo.connect, EINPROGRESS, show(r));
    assert.equal(lines.echo.so_error, 0, show(r));
    assert.equal(lines.echo.wrote, 25, show(r));
    assert.ok([0, EALREADY, EISCONN].includes(lines.echo.again), show(r));
    assert.deepEqual([lines.echo.peek_ok, lines.echo.echo_ok], [1, 1], show(r));
    for (const name of ['refused', 'refused_after_write']) {
      const x = lines[name];
      assert.equal(x.connect, EINPROGRESS, show(r));
      assert.ok(x.so_error === ECONNREFUSED || (x.so_error === 0 && x.recv_errno === ECONNREFUSED), `${name}: ${show(r)}`);
    }
    assert.deepEqual(lines.epoll_et, { connect: EINPROGRESS, echo_ok: 1 }, show(r));
    assertNoLeaks(lab);
  });
});
