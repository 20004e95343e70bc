// The server side of the SOCKS codecs on what only a server sees: method choice, logins, and
// malformed requests, each answered as RFC 1928/1929 say and then closed (a 'failed' event).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Socks5ServerHandshake, type Socks5ServerOptions } from '../../src/protocol/socks5-server-codec';
import { Socks4ServerHandshake } from '../../src/protocol/socks4-server-codec';
import { ascii, h } from '../helpers/codec-vectors';

type Ev = { type: string; bytes?: Buffer; error?: { code: string; replyCode?: number; message: string }; rest?: Buffer; target?: unknown; command?: string };
const CREDS = { username: 'user', password: 's3cret' };

function feed(opts: Socks5ServerOptions, chunks: Buffer[]): { events: Ev[]; hs: Socks5ServerHandshake } {
  const hs = new Socks5ServerHandshake(opts);
  const events: Ev[] = [];
  for (const c of chunks) if (hs.state !== 'failed' && hs.state !== 'established') events.push(...(hs.receive(c) as Ev[]));
  return { events, hs };
}
const sends = (events: Ev[]) => events.filter((e) => e.type === 'send').map((e) => e.bytes!.toString('hex'));

describe('SOCKS5 server: greeting and login', () => {
  it('no login configured: picks 0x00 even when 0x02 is offered too', () => {
    assert.deepEqual(sends(feed({}, [h('05 02 02 00')]).events), ['0500']);
  });
  it('no login configured, only 0x02 offered → 05 FF, failed', () => {
    const { events, hs } = feed({}, [h('05 01 02')]);
    assert.deepEqual(sends(events), ['05ff']);
    assert.equal(hs.state, 'failed');
  });
  it('zero methods → 05 FF', () => {
    assert.deepEqual(sends(feed({}, [h('05 00')]).events), ['05ff']);
  });
  it('login configured: 0x00 alone is not enough → 05 FF', () => {
    const { events } = feed({ credentials: CREDS }, [h('05 01 00')]);
    assert.deepEqual(sends(events), ['05ff']);
    assert.equal(events.at(-1)!.error!.code, 'proxy-auth-required');
  });
  it('a wrong user name, a longer or shorter password, an empty one: all 01 01', () => {
    for (const [u, p] of [['usr', 's3cret'], ['user', 's3crett'], ['user', 's3cre'], ['user', '']]) {
      const auth = h('01', [Buffer.byteLength(u)], ascii(u), [Buffer.byteLength(p)], ascii(p));
      const { events, hs } = feed({ credentials: CREDS }, [h('05 01 02'), auth]);
      assert.deepEqual(sends(events), ['0502', '0101'], `${u}:${p}`);
      assert.equal(hs.state, 'failed');
      assert.equal(events.at(-1)!.error!.code, 'proxy-auth-failed');
      assert.doesNotMatch(events.at(-1)!.error!.message, /s3cre/, 'the password is never in a message');
    }
  });
  it('login sub-negotiation with version 0x05 → 01 01', () => {
    assert.deepEqual(sends(feed({ credentials: CREDS }, [h('05 01 02 05 04'), Buffer.from('user')]).events), ['0502', '0101']);
  });
  it('not SOCKS5 at all (an HTTP request): no answer, failed', () => {
    const { events } = feed({}, [Buffer.from('GET / HTTP/1.1\r\n')]);
    assert.deepEqual(sends(events), []);
    assert.equal(events.at(-1)!.type, 'failed');
  });
});

describe('SOCKS5 server: requests', () => {
  const greet = h('05 01 00');
  const malformed: Array<[string, Buffer, number]> = [
    ['version 0x04', h('04 01 00 01 01020304 0050'), 0x01],
    ['unknown command 0x04', h('05 04 00 01 01020304 0050'), 0x07],
    ['command 0x00', h('05 00 00 01 01020304 0050'), 0x07],
    ['reserved byte 0x01', h('05 01 01 01 01020304 0050'), 0x01],
    ['unknown ATYP 0x02', h('05 01 00 02 01020304 0050'), 0x08],
    ['empty domain name', h('05 01 00 03 00 0050'), 0x01],
  ];
  for (const [name, req, rep] of malformed) {
    it(`${name} → reply 0x0${rep}, failed`, () => {
      // Also byte by byte: the answer does not depend on how the request was split.
      for (const chunks of [[greet, req], [greet, ...[...req].map((b) => Buffer.from([b]))]]) {
        const { events, hs } = feed({}, chunks);
        assert.deepEqual(sends(events), ['0500', h('05', [rep], '00 01 00000000 0000').toString('hex')]);
        assert.equal(hs.state, 'failed');
        assert.equal(events.at(-1)!.error!.replyCode, rep);
      }
    });
  }
  it('a command not enabled (UDP ASSOCIATE without --udp) → 0x07', () => {
    const { events } = feed({ commands: ['connect'] }, [greet, h('05 03 00 01 00000000 0000')]);
    assert.deepEqual(sends(events), ['0500', '05070001000000000000']);
  });
  it('bytes after the request are handed back in rest, also those that come while the caller connects', () => {
    const { events, hs } = feed({}, [Buffer.concat([greet, h('05 01 00 01 01020304 0050'), Buffer.from('GET ')])]);
    assert.equal(events.at(-1)!.type, 'request');
    assert.deepEqual(hs.receive(Buffer.from('/')), []);
    const done = hs.succeed({ kind: 'ipv4', host: '127.0.0.1', port: 1 }) as Ev[];
    assert.equal(done[1].type, 'established');
    assert.equal(done[1].rest!.toString(), 'GET /');
  });
  it('BIND: two replies, established after the second', () => {
    const { events, hs } = feed({}, [greet, h('05 02 00 01 c6120102 0015')]);
    assert.deepEqual(events.at(-1), { type: 'request', command: 'bind', target: { kind: 'ipv4', host: '198.18.1.2', port: 21 } });
    assert.deepEqual(sends(hs.succeed({ kind: 'ipv4', host: '198.18.1.1', port: 40000 }) as Ev[]), ['05000001c61201019c40']);
    assert.equal(hs.state, 'bind-wait');
    const second = hs.succeed({ kind: 'ipv4', host: '198.18.1.2', port: 20 }) as Ev[];
    assert.deepEqual(sends(second), ['05000001c61201020014']);
    assert.equal(second.at(-1)!.type, 'established');
  });
  it('BIND: a failure after the first reply is a second reply with the code', () => {
    const { hs } = feed({}, [greet, h('05 02 00 01 00000000 0000')]);
    hs.succeed({ kind: 'ipv4', host: '127.0.0.1', port: 40000 });
    assert.deepEqual(sends(hs.refuse('ttl-expired') as Ev[]), ['05060001000000000000']);
  });
  it('refuse maps each code to its RFC 1928 §6 reply', () => {
    const codes: Array<[string, number]> = [
      ['general-failure', 1], ['not-allowed', 2], ['network-unreachable', 3], ['host-unreachable', 4],
      ['connection-refused', 5], ['ttl-expired', 6], ['command-not-supported', 7], ['address-not-supported', 8], ['proxy-closed', 1],
    ];
    for (const [code, rep] of codes) {
      const { hs } = feed({}, [greet, h('05 01 00 01 01020304 0050')]);
      const out = hs.refuse(code as never) as Ev[];
      assert.equal(out[0].bytes![1], rep, code);
    }
  });
});

describe('SOCKS4 server', () => {
  const run = (chunks: Buffer[]) => {
    const hs = new Socks4ServerHandshake();
    return { events: chunks.flatMap((c) => (hs.state === 'request' || hs.state === 'reply' ? (hs.receive(c) as Ev[]) : [])), hs };
  };
  it('BIND (CD=2) and unknown commands → 0x5B', () => {
    for (const cd of [2, 3, 0]) {
      const { events } = run([h('04', [cd], '0050 01020304 00')]);
      assert.deepEqual(sends(events), ['005b000000000000']);
      assert.equal(events.at(-1)!.type, 'failed');
    }
  });
  it('a USERID without NUL longer than 255 bytes → 0x5B, without waiting for more', () => {
    const { events } = run([h('04 01 0050 01020304'), Buffer.alloc(256, 0x61)]);
    assert.deepEqual(sends(events), ['005b000000000000']);
  });
  it('an empty SOCKS4a name → 0x5B', () => {
    assert.deepEqual(sends(run([h('04 01 0050 00000001 00 00')]).events), ['005b000000000000']);
  });
  it('byte by byte gives the same request', () => {
    const req = h('04 01 01bb 00000001', ascii('bob'), '00', ascii('example.com'), '00');
    const { events } = run([...req].map((b) => Buffer.from([b])));
    assert.deepEqual(events, [{ type: 'request', command: 'connect', target: { kind: 'domain', host: 'example.com', port: 443 }, userId: 'bob' }]);
  });
  it('version 0x05 (a SOCKS5 client on the wrong codec): no answer', () => {
    assert.deepEqual(sends(run([h('05 01 00')]).events), []);
  });
});
