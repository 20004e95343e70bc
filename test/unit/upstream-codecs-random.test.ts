// Seeded randomized inputs for the SOCKS4/4a and HTTP CONNECT codecs and the per-type dispatch:
// whatever the targets, credentials and proxy bytes, the only failures are SockswrapError values,
// nothing throws, outcomes do not depend on how the stream is split, and `rest` is an untouched
// suffix of what the proxy sent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHandshake, type ClientHandshake, type HandshakeEvent } from '../../src/client/hop-codec';
import type { ProxySpec, ProxyType } from '../../src/config/config-types';
import { SockswrapError } from '../../src/protocol/sockswrap-error';
import type { TargetAddress } from '../../src/protocol/target-address';
import { prng } from '../helpers/codec-vectors';

type Outcome = { kind: 'pending' } | { kind: 'established'; rest: string } | { kind: 'failed'; code: string; message: string };

/** Feeds the chunks; returns the outcome, or throws only if the codec threw. */
function drive(hs: ClientHandshake, chunks: Buffer[]): Outcome {
  const settle = (events: HandshakeEvent[]): Outcome | undefined => {
    for (const e of events) {
      if (e.type === 'failed') {
        assert.ok(e.error instanceof SockswrapError, `failed with ${String(e.error)}`);
        return { kind: 'failed', code: e.error.code, message: e.error.message };
      }
      if (e.type === 'established') return { kind: 'established', rest: e.rest.toString('hex') };
      assert.equal(e.type, 'send', 'a CONNECT gives no BIND reply');
      if (e.type === 'send') assert.ok(Buffer.isBuffer(e.bytes) && e.bytes.length > 0);
    }
    return undefined;
  };
  const first = settle(hs.start());
  if (first) return first;
  for (let i = 0; i < chunks.length; i++) {
    const done = settle(hs.receive(chunks[i]!));
    if (done?.kind === 'established') {
      return { kind: 'established', rest: done.rest + Buffer.concat(chunks.slice(i + 1)).toString('hex') };
    }
    if (done) return done;
  }
  return { kind: 'pending' };
}

describe('randomized upstream handshakes', () => {
  it('socks4, socks4a, http: only SockswrapError values come out, split-invariant', () => {
    const rnd = prng(0x50c4);
    const int = (n: number) => Math.floor(rnd() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const randBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
    const randText = (n: number) => Buffer.from(Array.from({ length: n }, () => (rnd() < 0.8 ? 0x61 + int(26) : int(256)))).toString('latin1');

    const targets = (): TargetAddress => {
      switch (int(7)) {
        case 0: return { kind: 'ipv4', host: `${int(256)}.${int(256)}.${int(256)}.${int(256)}`, port: int(65536) };
        case 1: return { kind: 'ipv4', host: randText(int(12)), port: int(70000) - 2000 };
        case 2: return { kind: 'ipv6', host: pick(['::1', '2001:db8::1', 'fe80::1%lo', 'zz::', '1.2.3.4']), port: int(65536) };
        case 3: return { kind: 'domain', host: randText(int(300)), port: int(65536) };
        default: return { kind: 'domain', host: pick(['example.com', 'a.b', 'target.test', 'x'.repeat(255)]), port: int(65536) };
      }
    };
    const valid: Record<'socks4' | 'http', Buffer[]> = {
      socks4: [Buffer.from('005a04387f000001', 'hex'), Buffer.concat([Buffer.from('005a000000000000', 'hex'), Buffer.from('SSH-2.0-x\r\n')]), Buffer.from('005b', 'hex')],
      http: [
        Buffer.from('HTTP/1.1 200 OK\r\n\r\nSSH-2.0-x\r\n'),
        Buffer.from('HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy\r\n\r\n'),
        Buffer.from('HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\nA: b\n\nrest'),
        Buffer.from('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'),
      ],
    };

    const seen = { established: 0, failed: 0, pending: 0, refusedAtConstruction: 0 };
    for (let n = 0; n < 6000; n++) {
      const type: ProxyType = pick(['socks4', 'socks4a', 'http'] as const);
      const proxy: ProxySpec = { type, host: '127.0.0.1', port: 1 };
      if (rnd() < 0.4) {
        proxy.username = rnd() < 0.8 ? randText(int(10)) : 'a:b\0';
        proxy.password = randText(int(10));
      }
      const target = targets();

      let hsWhole: ClientHandshake;
      let hsSplit: ClientHandshake;
      try {
        hsWhole = createHandshake(proxy, target);
        hsSplit = createHandshake(proxy, target);
      } catch (e) {
        assert.ok(e instanceof SockswrapError, `constructor threw ${String(e)} for ${JSON.stringify({ proxy, target })}`);
        assert.match(e.code, /^(address-not-supported|proxy-auth-failed)$/);
        seen.refusedAtConstruction++;
        continue;
      }

      let stream: Buffer;
      const family = type === 'http' ? 'http' : 'socks4';
      if (n % 4 === 0) {
        stream = randBytes(int(48));
        if (family === 'socks4' && stream.length > 1 && rnd() < 0.5) [stream[0], stream[1]] = [0, 0x5a];
        if (family === 'http' && rnd() < 0.5) stream = Buffer.concat([Buffer.from('HTTP/1.1 200 '), stream]);
      } else {
        stream = Buffer.from(pick(valid[family]));
        for (let m = 1 + int(3); m > 0; m--) {
          const at = int(stream.length + 1);
          const op = int(4);
          if (op === 0 && stream.length) stream[at % stream.length] = pick([0, 10, 13, 32, 58, int(256)]);
          else if (op === 1) stream = Buffer.concat([stream.subarray(0, at), randBytes(1 + int(4)), stream.subarray(at)]);
          else if (op === 2) stream = Buffer.concat([stream.subarray(0, at), stream.subarray(at + 1 + int(3))]);
          else stream = stream.subarray(0, at);
        }
      }
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; ) {
        const len = 1 + int(6);
        chunks.push(stream.subarray(i, i + len));
        i += len;
      }

      let whole: Outcome;
      let split: Outcome;
      try {
        whole = drive(hsWhole, stream.length ? [stream] : []);
        split = drive(hsSplit, chunks);
      } catch (e) {
        assert.fail(`${type} threw ${String(e)} for ${stream.toString('hex')}`);
      }
      assert.deepEqual(split, whole, `${type} ${stream.toString('hex')}`);
      seen[whole.kind]++;
      if (whole.kind === 'established') assert.ok(stream.toString('hex').endsWith(whole.rest));
    }
    assert.ok(seen.established > 300 && seen.failed > 1500 && seen.refusedAtConstruction > 300, JSON.stringify(seen));
  });

  it('raw is established at once with nothing sent', () => {
    const hs = createHandshake({ type: 'raw', host: '127.0.0.1', port: 1 }, { kind: 'ipv6', host: '::1', port: 1 });
    assert.deepEqual(hs.start(), [{ type: 'established', rest: Buffer.alloc(0) }]);
  });
});
