import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChainHandshake, ChainAttempts, predictHandshake, streamFailure } from '../../src/client/chain-driver';
import { ChainError } from '../../src/client/chain-error';
import { DialSessions } from '../../src/agent/dial-sessions';
import { DialEvent, DialState, type StepRequest } from '../../src/wire';
import type { ProxySpec, SockswrapConfig } from '../../src/config/config-types';
import type { TargetAddress } from '../../src/protocol/target-address';

const S5: ProxySpec = { type: 'socks5', host: '10.0.0.1', port: 1080 };
const S5b: ProxySpec = { type: 'socks5', host: '10.0.0.2', port: 1081 };
const TARGET: TargetAddress = { kind: 'ipv4', host: '192.0.2.7', port: 22 };
/** Where the dial path is asked to go (routing.ts): no dnat rule, so the chain is asked for TARGET. */
const ROUTE = { target: TARGET, effective: TARGET };
const METHOD_OK = Buffer.from([5, 0]);
const REPLY_OK = Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
const BANNER = Buffer.from('SSH-2.0-x\r\n');

describe('ChainHandshake (sans-IO, shared by the relay and the dial path)', () => {
  it('one SOCKS5 hop: greeting, request, and a banner in the final chunk is not consumed', () => {
    const hs = new ChainHandshake([S5], TARGET);
    const first = hs.start();
    assert.deepEqual([...first.send], [5, 1, 0]);
    const second = hs.receive(METHOD_OK);
    assert.equal(second.consumed, 2);
    assert.equal(second.send[0], 5);
    assert.equal(second.outcome, undefined);
    const last = hs.receive(Buffer.concat([REPLY_OK, BANNER]));
    assert.equal(last.outcome, 'established');
    assert.equal(last.consumed, REPLY_OK.length, 'the banner stays for the program');
  });

  it('a reply split over inputs is consumed piecewise; nothing past it', () => {
    const hs = new ChainHandshake([S5], TARGET);
    hs.start();
    hs.receive(METHOD_OK);
    const a = hs.receive(REPLY_OK.subarray(0, 4));
    assert.equal(a.consumed, 4);
    assert.equal(a.outcome, undefined);
    const b = hs.receive(Buffer.concat([REPLY_OK.subarray(4), BANNER.subarray(0, 3)]));
    assert.equal(b.outcome, 'established');
    assert.equal(b.consumed, REPLY_OK.length - 4);
  });

  it('two hops: the first hop is asked for the second, then the second hop greets', () => {
    const hs = new ChainHandshake([S5, S5b], TARGET);
    hs.start();
    const req = hs.receive(METHOD_OK).send;
    assert.deepEqual([...req.subarray(0, 4)], [5, 1, 0, 1]);
    assert.deepEqual([...req.subarray(4, 8)], [10, 0, 0, 2], 'hop 0 is asked to connect to hop 1');
    const next = hs.receive(REPLY_OK);
    assert.equal(next.hopIndex, 1);
    assert.deepEqual([...next.send], [5, 1, 0], "hop 1's greeting goes out at once");
    hs.receive(METHOD_OK);
    const done = hs.receive(REPLY_OK);
    assert.equal(done.outcome, 'established');
  });

  it('a refusal is a ChainError at its hop; EOF and timeouts word the failure as the relay does', () => {
    const hs = new ChainHandshake([S5], TARGET);
    hs.start();
    hs.receive(METHOD_OK);
    const refused = hs.receive(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
    assert.ok(refused.outcome instanceof ChainError);
    assert.equal(refused.outcome.error.code, 'connection-refused');
    const eof = new ChainHandshake([S5], TARGET);
    eof.start();
    const closed = eof.fail(streamFailure.closed());
    assert.ok(closed.outcome instanceof ChainError);
    assert.equal(closed.outcome.message, 'via socks5 10.0.0.1:1080: the proxy closed the connection during the handshake');
  });
});

describe('predictHandshake (the dial path\'s script of expected replies)', () => {
  it('a 2-hop SOCKS5 chain: both hops\' method and reply, each answered with what the chain sends next', () => {
    const script = predictHandshake([S5, S5b], TARGET);
    assert.deepEqual(script.map((e) => [[...e.prefix], e.total]), [[[5, 0], 2], [[5, 0, 0, 1], 10], [[5, 0], 2], [[5, 0, 0, 1], 10]]);
    // Hop 1's request names hop 2; after hop 1's reply the chain greets hop 2; then asks it for the target.
    assert.deepEqual([...script[0]!.then], [5, 1, 0, 1, 10, 0, 0, 2, 0x04, 0x39]);
    assert.deepEqual([...script[1]!.then], [5, 1, 0]);
    assert.deepEqual([...script[2]!.then], [5, 1, 0, 1, 192, 0, 2, 7, 0, 22]);
    assert.deepEqual([...script[3]!.then], []);
    // Fed to a real handshake, the samples establish the chain with nothing left over.
    const hs = new ChainHandshake([S5, S5b], TARGET);
    hs.start();
    let last;
    for (const e of script) last = hs.receive(e.sample);
    assert.equal(last?.outcome, 'established');
  });

  it('nothing for an HTTP hop (its reply has no fixed length); a raw hop answers nothing and is skipped', () => {
    assert.deepEqual(predictHandshake([S5, { type: 'http', host: '10.0.0.3', port: 8080 }], TARGET), []);
    const viaRaw = predictHandshake([{ type: 'raw', host: '10.0.0.4', port: 9000 }, S5], TARGET);
    assert.deepEqual(viaRaw.map((e) => [...e.prefix]), [[5, 0], [5, 0, 0, 1]]);
  });
});

describe('ChainAttempts', () => {
  it('round_robin skips a dead hop and advances the shared cursor', () => {
    const cursor = { cursor: 0 };
    const dead: string[] = [];
    const a = new ChainAttempts({ proxies: [S5, S5b], type: 'round_robin', chainLen: 1, roundRobin: cursor, onDeadHop: (p) => dead.push(p.host) });
    assert.equal(a.next()[0], S5);
    assert.equal(a.failed(new ChainError(streamFailure.unreachable('ECONNREFUSED'), 0, S5)), true);
    assert.equal(a.next()[0], S5b);
    assert.deepEqual(dead, ['10.0.0.1']);
    assert.equal(cursor.cursor, 0);
  });
});

function config(proxies: ProxySpec[]): SockswrapConfig {
  return { chainType: 'strict', proxies, proxyDns: true, remoteDnsSubnet: 240, tcpReadTimeoutMs: 15000, tcpConnectTimeoutMs: 8000, localnets: [], quiet: false, source: '-x' };
}

/** A STEP from the shim, for the session whose id is the first 4 bytes of `session`. */
function stepBody(session: Buffer, event: number, bytes: Buffer = Buffer.alloc(0), localPort = 40000): StepRequest {
  return { session: session.readUInt32BE(0), event, errno: 0, localPort, matched: 0, bytes };
}

describe('DialSessions (CONNECT execute + STEP)', () => {
  const requester = { name: 'py', pid: 1 };
  const original = Buffer.from([4, 192, 0, 2, 7, 0, 22]);

  it('dials the first proxy with its greeting, then counts only the handshake as consumed', () => {
    const lines: string[] = [];
    const direct = new DialSessions(config([S5]), { error: (l) => lines.push(l), info: (l) => lines.push(l) }, { cursor: 0 });
    const open = direct.open(ROUTE, original, requester, { v4: true, v6: true })!;
    const session = open.subarray(0, 4);
    assert.equal(open[4], DialState.dial);
    assert.deepEqual([...open.subarray(12, 19)], [4, 10, 0, 0, 1, 0x04, 0x38], 'the proxy address');
    assert.equal(open[5]! & 2, 2, 'a script of expected replies comes with the DIAL');
    assert.equal(open[5]! & 4, 4, 'one proxy: the answer is a standing plan');
    assert.deepEqual([...open.subarray(-3)], [5, 1, 0], 'greeting');
    const r1 = direct.step(stepBody(session, DialEvent.data, METHOD_OK));
    assert.equal(r1[0], DialState.read);
    assert.equal(r1.readUInt16BE(2), 2);
    const r2 = direct.step(stepBody(session, DialEvent.data, Buffer.concat([REPLY_OK, BANNER])));
    assert.equal(r2[0], DialState.done);
    assert.equal(r2[1], 0);
    assert.equal(r2.readUInt16BE(2), REPLY_OK.length);
    assert.match(lines.join('\n'), /py\[1\] 192\.0\.2\.7:22 via socks5 10\.0\.0\.1:1080: connected in \d+ ms/);
    assert.deepEqual(direct.originalAddressFor(40000, Buffer.from([4, 10, 0, 0, 1, 0x04, 0x38])), original);
  });

  it('the shim matched the whole script: a DONE note logs the connection and records PEER', () => {
    const lines: string[] = [];
    const direct = new DialSessions(config([S5]), { error: (l) => lines.push(l), info: (l) => lines.push(l) }, { cursor: 0 });
    const open = direct.open(ROUTE, original, requester, { v4: true, v6: true })!;
    direct.note({ session: open.readUInt32BE(0), localPort: 40001 });
    assert.match(lines.join('\n'), /connected in \d+ ms/);
    assert.deepEqual(direct.originalAddressFor(40001, Buffer.from([4, 10, 0, 0, 1, 0x04, 0x38])), original);
  });

  it('the script matched the method reply only: the agent replays it and reads the refusal', () => {
    const lines: string[] = [];
    const direct = new DialSessions(config([S5]), { error: (l) => lines.push(l), info: () => {} }, { cursor: 0 });
    const open = direct.open(ROUTE, original, requester, { v4: true, v6: true })!;
    const body = stepBody(open.subarray(0, 4), DialEvent.data, Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
    body.matched = 1;
    const r = direct.step(body);
    assert.equal(r[0], DialState.done);
    assert.equal(r[1], 111);
    assert.match(lines.join('\n'), /via socks5 10\.0\.0\.1:1080: .*refused/i);
  });

  it('repeated connects to one destination get the same DIAL (cached plan) and each session still replays its own script', () => {
    const lines: string[] = [];
    const direct = new DialSessions(config([S5]), { error: (l) => lines.push(l), info: (l) => lines.push(l), showsInfo: true }, { cursor: 0 });
    const first = direct.open(ROUTE, original, requester, { v4: true, v6: true })!;
    const second = direct.open(ROUTE, original, requester, { v4: true, v6: true })!;
    assert.notDeepEqual([...first.subarray(0, 4)], [...second.subarray(0, 4)], 'two sessions');
    assert.deepEqual([...first.subarray(4)], [...second.subarray(4)], 'the same instruction');
    // The first: the shim matched the whole script. The second: only the method reply, then a refusal.
    direct.note({ session: first.readUInt32BE(0), localPort: 40002 });
    const body = stepBody(second.subarray(0, 4), DialEvent.data, Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
    body.matched = 1;
    const r = direct.step(body);
    assert.equal(r[0], DialState.done);
    assert.equal(r[1], 111);
    assert.match(lines[0]!, /^py\[1\] 192\.0\.2\.7:22 via socks5 10\.0\.0\.1:1080: connected in \d+ ms$/);
    assert.match(lines[1]!, /^py\[1\] 192\.0\.2\.7:22 via socks5 10\.0\.0\.1:1080: .*refused/i);
    // A third, off the cache, through the whole handshake in STEPs.
    const third = direct.open(ROUTE, original, requester, { v4: true, v6: true })!;
    const r1 = direct.step(stepBody(third.subarray(0, 4), DialEvent.data, METHOD_OK));
    assert.equal(r1[0], DialState.read);
    const r2 = direct.step(stepBody(third.subarray(0, 4), DialEvent.data, REPLY_OK, 40003));
    assert.equal(r2[0], DialState.done);
    assert.equal(r2[1], 0);
    assert.deepEqual(direct.originalAddressFor(40003, Buffer.from([4, 10, 0, 0, 1, 0x04, 0x38])), original);
  });

  it('a destination whose meaning may change (mayStand false) gets no standing plan', () => {
    const direct = new DialSessions(config([S5]), { error: () => {}, info: () => {} }, { cursor: 0 });
    const open = direct.open(ROUTE, original, requester, { v4: true, v6: true }, { mayStand: false })!;
    assert.equal(open[4], DialState.dial);
    assert.equal(open[5]! & 4, 0);
  });

  it('a strict 2-hop chain stands; a STEP after three matched replies replays them, hop 1\'s whole reply included', () => {
    const lines: string[] = [];
    const direct = new DialSessions({ ...config([S5, S5b]), chainType: 'strict' }, { error: (l) => lines.push(l), info: () => {} }, { cursor: 0 });
    const open = direct.open(ROUTE, original, requester, { v4: true, v6: true })!;
    assert.equal(open[4], DialState.dial);
    assert.equal(open[5]! & 6, 6, 'scripted and standing');
    // Hop 1 said yes, hop 2 chose no-auth, then refused the target.
    const body = stepBody(open.subarray(0, 4), DialEvent.data, Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
    body.matched = 3;
    const r = direct.step(body);
    assert.equal(r[0], DialState.done);
    assert.equal(r[1], 111);
    // Judged at hop 2 (the replay left the codec there), named by that hop.
    assert.deepEqual(lines, ['py[1] 192.0.2.7:22 via socks5 10.0.0.2:1081: CONNECT 192.0.2.7:22 refused by proxy (reply 0x05 connection refused)']);
  });

  it('a round_robin chain over two proxies gets no standing plan', () => {
    const log = { error: () => {}, info: () => {} };
    const rotating = new DialSessions({ ...config([S5, S5b]), chainType: 'round_robin', chainLen: 1 }, log, { cursor: 0 });
    const open = rotating.open(ROUTE, original, requester, { v4: true, v6: true })!;
    assert.equal(open[4], DialState.dial);
    assert.equal(open[5]! & 2, 2, 'scripted');
    assert.equal(open[5]! & 4, 0, 'but the next connection may take the other proxy: not standing');
  });

  it('a standing plan that met a refusal resumes as the session CONNECT would have opened', () => {
    const lines: string[] = [];
    const direct = new DialSessions(config([S5]), { error: (l) => lines.push(l), info: () => {} }, { cursor: 0 });
    const standing = direct.open(ROUTE, original, requester, { v4: true, v6: true })!;
    const body = stepBody(Buffer.alloc(4), DialEvent.data, Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
    body.matched = 1;
    const r = direct.resume(ROUTE, original, requester, { v4: true, v6: true }, body);
    assert.notEqual(r.readUInt32BE(0), 0, 'a session of its own');
    assert.notEqual(r.readUInt32BE(0), standing.readUInt32BE(0));
    assert.equal(r[4], DialState.done);
    assert.equal(r[5], 111);
    assert.match(lines.join('\n'), /^py\[1\] 192\.0\.2\.7:22 via socks5 10\.0\.0\.1:1080: .*refused/i);
    // A proxy that asked for a method the plan did not expect: the agent takes over with READ.
    const other = stepBody(Buffer.alloc(4), DialEvent.data, Buffer.from([5, 0xff]));
    const r2 = direct.resume(ROUTE, original, requester, { v4: true, v6: true }, other);
    assert.equal(r2[4], DialState.done);
    assert.notEqual(r2[5], 0);
  });

  it('a standing plan resumed on a split reply finishes in STEPs and logs the time since connect()', (t) => {
    // The agent's clock is the test's: times are exact, whatever the machine's load.
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const lines: string[] = [];
    const direct = new DialSessions(config([S5]), { error: (l) => lines.push(l), info: (l) => lines.push(l), showsInfo: true }, { cursor: 0 });
    direct.open(ROUTE, original, requester, { v4: true, v6: true });
    // The method choice matched; the final reply came in two pieces (the shim hands over the first).
    const body = stepBody(Buffer.alloc(4), DialEvent.data, REPLY_OK.subarray(0, 4));
    body.matched = 1;
    const r = direct.resume(ROUTE, original, requester, { v4: true, v6: true }, body, 250);
    assert.equal(r[4], DialState.read, 'waits for the rest of the reply');
    assert.equal(r.readUInt16BE(6), 4, 'after consuming the piece it has');
    assert.equal(r.readUInt32BE(8), 15000 - 250, "the hop's read deadline runs from the dial, not the RESUME");
    t.mock.timers.tick(40);
    const done = direct.step(stepBody(r.subarray(0, 4), DialEvent.data, REPLY_OK.subarray(4), 40006));
    assert.equal(done[0], DialState.done);
    assert.equal(done[1], 0);
    assert.equal(done.readUInt16BE(2), REPLY_OK.length - 4);
    assert.match(lines.join('\n'), /via socks5 10\.0\.0\.1:1080: connected in 290 ms$/m);
    assert.deepEqual(direct.originalAddressFor(40006, Buffer.from([4, 10, 0, 0, 1, 0x04, 0x38])), original);
  });

  it('a standing plan that matched: its NOTE logs the connection and records PEER', () => {
    const lines: string[] = [];
    const direct = new DialSessions(config([S5]), { error: (l) => lines.push(l), info: (l) => lines.push(l), showsInfo: true }, { cursor: 0 });
    direct.noteStanding(ROUTE, original, requester, 40005, 3);
    assert.deepEqual(lines, ['py[1] 192.0.2.7:22 via socks5 10.0.0.1:1080: connected in 3 ms']);
    assert.deepEqual(direct.originalAddressFor(40005, Buffer.from([4, 10, 0, 0, 1, 0x04, 0x38])), original);
  });

  it('a logger that drops info lines is not handed one', () => {
    const lines: string[] = [];
    const direct = new DialSessions(config([S5]), { error: (l) => lines.push(l), info: (l) => lines.push(l), showsInfo: false }, { cursor: 0 });
    const open = direct.open(ROUTE, original, requester, { v4: true, v6: true })!;
    direct.note({ session: open.readUInt32BE(0), localPort: 40004 });
    assert.deepEqual(lines, []);
    assert.deepEqual(direct.originalAddressFor(40004, Buffer.from([4, 10, 0, 0, 1, 0x04, 0x38])), original);
  });

  it('a proxy named by host name, or of a family the socket cannot reach, stays on the relay', () => {
    const log = { error: () => {}, info: () => {} };
    assert.equal(new DialSessions(config([{ type: 'socks5', host: 'proxy.example', port: 1 }]), log, { cursor: 0 }).open(ROUTE, original, requester, { v4: true, v6: true }), undefined);
    assert.equal(new DialSessions(config([S5]), log, { cursor: 0 }).open(ROUTE, original, requester, { v4: false, v6: true }), undefined);
  });

  it('a refused connect to the proxy ends with ECONNREFUSED and the same log line as the relay', () => {
    const lines: string[] = [];
    const direct = new DialSessions(config([S5]), { error: (l) => lines.push(l), info: () => {} }, { cursor: 0 });
    const open = direct.open(ROUTE, original, requester, { v4: true, v6: false })!;
    const body = stepBody(open.subarray(0, 4), DialEvent.connectFailed);
    body.errno = 111;
    const r = direct.step(body);
    assert.equal(r[0], DialState.done);
    assert.equal(r[1], 111);
    assert.deepEqual(lines, ['py[1] 192.0.2.7:22 via socks5 10.0.0.1:1080: cannot reach the proxy: ECONNREFUSED']);
  });
});
