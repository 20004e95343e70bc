// SOCKS5 pipelining, sans-IO: the codec's one flight, the chain's one flight, the probe's verdict,
// and what the ledger learns (docs/chains.md, "Pipelining").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChainHandshake, predictHandshake, streamFailure } from '../../src/client/chain-driver';
import { ChainError } from '../../src/client/chain-error';
import { PipelineLedger } from '../../src/client/pipelining';
import { Socks5ClientHandshake } from '../../src/protocol/socks5-codec';
import { judgePipelineProbe, pipelineProbe } from '../../src/protocol/socks5-pipeline-probe';
import { SockswrapError } from '../../src/protocol/sockswrap-error';
import type { ProxySpec } from '../../src/config/config-types';
import { DialSessions } from '../../src/agent/dial-sessions';
import { DialEvent, DialState } from '../../src/wire';
import type { TargetAddress } from '../../src/protocol/target-address';

const S5: ProxySpec = { type: 'socks5', host: '10.0.0.1', port: 1080 };
const S5b: ProxySpec = { type: 'socks5', host: '10.0.0.2', port: 1081 };
const HTTP: ProxySpec = { type: 'http', host: '10.0.0.3', port: 8080 };
const TARGET: TargetAddress = { kind: 'ipv4', host: '192.0.2.7', port: 22 };
const REPLY_OK = [5, 0, 0, 1, 0, 0, 0, 0, 0, 0];
const REQUEST_TARGET = [5, 1, 0, 1, 192, 0, 2, 7, 0, 22];
const REQUEST_HOP2 = [5, 1, 0, 1, 10, 0, 0, 2, 0x04, 0x39];

describe('Socks5ClientHandshake, pipelined', () => {
  it('no login: greeting and request in one send; the replies only checked', () => {
    const hs = new Socks5ClientHandshake({ target: TARGET, pipelined: true });
    const [first] = hs.start();
    assert.deepEqual(first, { type: 'send', bytes: Buffer.from([5, 1, 0, ...REQUEST_TARGET]) });
    const events = hs.receive(Buffer.from([5, 0, ...REPLY_OK, 0x41]));
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, 'established');
    assert.deepEqual(events[0]!.type === 'established' && [...events[0]!.rest], [0x41]);
  });

  it('with a login: only username/password is offered, and the login goes in the same flight', () => {
    const hs = new Socks5ClientHandshake({ target: TARGET, credentials: { username: 'u', password: 'pw' }, pipelined: true });
    const [first] = hs.start();
    assert.deepEqual(first!.type === 'send' && [...first!.bytes], [5, 1, 2, 1, 1, 0x75, 2, 0x70, 0x77, ...REQUEST_TARGET]);
    assert.deepEqual(hs.receive(Buffer.from([5, 2, 1, 0])), []);
    assert.equal(hs.receive(Buffer.from(REPLY_OK))[0]!.type, 'established');
  });

  it('a proxy that picks "no authentication" although only username/password was offered is a protocol error', () => {
    const hs = new Socks5ClientHandshake({ target: TARGET, credentials: { username: 'u', password: 'pw' }, pipelined: true });
    hs.start();
    const [e] = hs.receive(Buffer.from([5, 0]));
    assert.equal(e!.type === 'failed' && e!.error.code, 'proxy-protocol');
  });

  it('0xFF to the greeting: the same error as unpipelined', () => {
    for (const pipelined of [false, true]) {
      const hs = new Socks5ClientHandshake({ target: TARGET, pipelined });
      hs.start();
      const [e] = hs.receive(Buffer.from([5, 0xff]));
      assert.equal(e!.type === 'failed' && e!.error.code, 'proxy-auth-required');
    }
  });
});

describe('ChainHandshake with a pipelined prefix', () => {
  it('two pipelining hops: every message of both in the first flight; all replies in one chunk establish it', () => {
    const hs = new ChainHandshake([S5, S5b], TARGET, 2);
    assert.deepEqual([...hs.start().send], [5, 1, 0, ...REQUEST_HOP2, 5, 1, 0, ...REQUEST_TARGET]);
    const done = hs.receive(Buffer.from([5, 0, ...REPLY_OK, 5, 0, ...REPLY_OK, 0x42]));
    assert.equal(done.outcome, 'established');
    assert.equal(done.send.length, 0);
    assert.equal(done.consumed, 24, 'the byte after the last reply is the program\'s');
  });

  it('one pipelining hop then an HTTP hop: the CONNECT goes out in the first flight too', () => {
    const hs = new ChainHandshake([S5, HTTP], TARGET, 1);
    const first = hs.start().send.toString('latin1');
    assert.ok(first.endsWith('\r\n\r\n') && first.includes('CONNECT 192.0.2.7:22 HTTP/1.1'), first);
    const step = hs.receive(Buffer.from([5, 0, ...REPLY_OK]));
    assert.equal(step.send.length, 0, 'nothing is sent twice');
    assert.equal(hs.receive(Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n')).outcome, 'established');
  });

  it('a failure at the second hop is that hop\'s, as unpipelined', () => {
    const hs = new ChainHandshake([S5, S5b], TARGET, 2);
    hs.start();
    const step = hs.receive(Buffer.from([5, 0, ...REPLY_OK, 5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
    assert.ok(step.outcome instanceof ChainError);
    assert.equal(step.outcome.hopIndex, 1);
    assert.equal(step.outcome.error.code, 'connection-refused');
  });

  it('predictHandshake: the script expects every reply and sends nothing between them', () => {
    const script = predictHandshake([S5, S5b], TARGET, 8, 2);
    assert.deepEqual(script.map((e) => [[...e.prefix], e.total, e.then.length]), [[[5, 0], 2, 0], [[5, 0, 0, 1], 10, 0], [[5, 0], 2, 0], [[5, 0, 0, 1], 10, 0]]);
  });
});

describe('the pipelining probe', () => {
  it('bytes: greeting and a CONNECT to 0.0.0.0 port 0 (with a login: username/password only, and the login)', () => {
    assert.deepEqual([...pipelineProbe()], [5, 1, 0, 5, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...pipelineProbe({ username: 'u', password: 'p' })], [5, 1, 2, 1, 1, 0x75, 1, 0x70, 5, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('verdicts: any reply to the request is yes; the greeting alone is incomplete; 0xFF or garbage is no', () => {
    assert.equal(judgePipelineProbe(Buffer.from([5, 0]), false), 'incomplete');
    assert.equal(judgePipelineProbe(Buffer.from([5, 0, 5]), false), 'incomplete');
    assert.equal(judgePipelineProbe(Buffer.from([5, 0, 5, 8]), false), 'yes');
    assert.equal(judgePipelineProbe(Buffer.from([5, 0xff]), false), 'no');
    assert.equal(judgePipelineProbe(Buffer.from('HTTP/1.0 400'), false), 'no');
    assert.equal(judgePipelineProbe(Buffer.from([5, 2, 1, 0, 5, 2]), true), 'yes');
    assert.equal(judgePipelineProbe(Buffer.from([5, 2, 1, 1]), true), 'no');
  });
});

describe('PipelineLedger', () => {
  const closed = (hop: number, proxy: ProxySpec) => new ChainError(streamFailure.closed(), hop, proxy);

  it('unknown until the probe says yes; one probe at a time; a chain pipelines its leading known hops', async () => {
    const probes: number[] = [];
    let answer!: (yes: boolean) => void;
    const ledger = new PipelineLedger((_hops, index) => { probes.push(index); return new Promise((r) => { answer = r; }); });
    assert.equal(ledger.prefix([S5, S5b]), 0);
    assert.equal(ledger.prefix([S5, S5b]), 0);
    assert.deepEqual(probes, [0], 'one probe while it runs');
    assert.equal(ledger.settled([S5]), false);
    answer(true);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(probes, [0, 1], 'the second hop is probed through the first at once, not at the next connection');
    assert.equal(ledger.prefix([S5, S5b]), 1, 'the first hop; the second is probed through it');
    assert.deepEqual(probes, [0, 1]);
    answer(false);
    await new Promise((r) => setImmediate(r));
    assert.equal(ledger.prefix([S5, S5b]), 1);
    assert.equal(ledger.settled([S5, S5b]), true);
  });

  it('falls back only for failures pipelining could cause, and remembers', async () => {
    const ledger = new PipelineLedger(async () => true);
    ledger.prefix([S5]);
    await new Promise((r) => setImmediate(r));
    assert.equal(ledger.prefix([S5]), 1);
    const refused = new ChainError(new SockswrapError('connection-refused', 'refused'), 0, S5);
    assert.equal(ledger.fallBack([S5], 1, refused), false, 'a refusal is the proxy\'s answer');
    assert.equal(ledger.fallBack([S5], 0, closed(0, S5)), false, 'nothing was pipelined');
    assert.equal(ledger.fallBack([S5], 1, closed(0, S5)), true);
    assert.equal(ledger.state(S5), 'demoted');
    assert.equal(ledger.prefix([S5]), 0);
    assert.equal(ledger.prefix([S5], true), 1, 'a plan resumed was made before the demotion');
    assert.equal(ledger.settled([S5]), false, 'no new standing plans through it');
  });

  it('a probe that could not reach the proxy leaves it unknown, to be probed again', async () => {
    let n = 0;
    const ledger = new PipelineLedger(async () => { n++; throw new Error('unreachable'); });
    ledger.prefix([S5]);
    await new Promise((r) => setImmediate(r));
    assert.equal(ledger.state(S5), 'unknown');
    ledger.prefix([S5]);
    assert.equal(n, 2);
  });
});

describe('learned HTTP CONNECT replies (the dial path)', () => {
  const requester = { name: 'py', pid: 1 };
  const original = Buffer.from([4, 192, 0, 2, 7, 0, 22]);
  const HTTP1: ProxySpec = { type: 'http', host: '10.0.0.3', port: 8080 };
  const REPLY = Buffer.from('HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n');
  const cfg = { chainType: 'strict' as const, proxies: [HTTP1], proxyDns: true, remoteDnsSubnet: 240, tcpReadTimeoutMs: 15000, tcpConnectTimeoutMs: 8000, localnets: [], quiet: false, source: '-x' };
  const ROUTE = { target: TARGET, effective: TARGET };

  it('predictHandshake expects the learned bytes, whole, and nothing without them', () => {
    assert.deepEqual(predictHandshake([HTTP1], TARGET), []);
    const script = predictHandshake([HTTP1], TARGET, 8, 0, () => REPLY);
    assert.deepEqual(script.map((e) => [e.prefix.toString('latin1'), e.total, e.then.length]), [[REPLY.toString('latin1'), REPLY.length, 0]]);
  });

  it('the first connect learns the reply from its STEP (a banner after it is not learned); the next CONNECT carries it as a standing script', () => {
    const dial = new DialSessions(cfg, { error: () => {}, info: () => {} }, { cursor: 0 });
    const first = dial.open(ROUTE, original, requester, { v4: true, v6: true })!;
    assert.equal(first[5]! & 2, 0, 'no script yet');
    const done = dial.step({ session: first.readUInt32BE(0), event: DialEvent.data, errno: 0, localPort: 40000, matched: 0, bytes: Buffer.concat([REPLY, Buffer.from('SSH-2.0-x\r\n')]) });
    assert.equal(done[0], DialState.done);
    assert.equal(done.readUInt16BE(2), REPLY.length, 'the banner stays for the program');
    const second = dial.open(ROUTE, original, requester, { v4: true, v6: true })!;
    assert.equal(second[5]! & 2, 2, 'a script');
    assert.equal(second[5]! & 4, 4, 'standing');
    assert.ok(second.includes(REPLY), 'the learned reply is the expected prefix');
  });
});
