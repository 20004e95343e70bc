import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Socks5ClientHandshake,
  decodeSocks5Address,
  encodeSocks5Address,
  type Socks5Command,
  type Socks5Credentials,
} from '../../src/protocol/socks5-codec';
import { SockswrapError, type ErrorCode } from '../../src/protocol/sockswrap-error';
import type { TargetAddress } from '../../src/protocol/target-address';
import { errnoFor } from '../../src/protocol/errno-map';
import { constants as osConstants } from 'node:os';
import { ascii, h, norm, prng, type Norm } from '../helpers/codec-vectors';

interface Opts {
  target: TargetAddress;
  command?: Socks5Command;
  credentials?: Socks5Credentials;
}

/**
 * Runs a whole exchange: start, then each chunk until the handshake ends. Returns every event.
 * Chunks after 'established' are the application's, read by the caller straight from the socket,
 * so they are appended to `rest`: what must be split-invariant is rest + later bytes, the stream
 * the application sees.
 */
function run(opts: Opts, chunks: Buffer[]): { events: Norm[]; hs: Socks5ClientHandshake } {
  const hs = new Socks5ClientHandshake(opts);
  const events = norm(hs.start());
  const later: Buffer[] = [];
  for (const c of chunks) {
    if (hs.state === 'established' || hs.state === 'failed') later.push(c);
    else events.push(...norm(hs.receive(c)));
  }
  const last = events.at(-1);
  if (last?.type === 'established') last.rest += Buffer.concat(later).toString('hex');
  return { events, hs };
}

const T4: TargetAddress = { kind: 'ipv4', host: '1.2.3.4', port: 80 };
const TD: TargetAddress = { kind: 'domain', host: 'example.com', port: 443 };
const T6: TargetAddress = { kind: 'ipv6', host: '2001:db8::1', port: 22 };
const CREDS: Socks5Credentials = { username: 'user', password: 'pass' };

const GREET_NOAUTH = '05 01 00';
const GREET_AUTH = '05 02 00 02';
const AUTH_REQ = h('01 04', ascii('user'), '04', ascii('pass'));
const CONNECT_T4 = h('05 01 00 01 01020304 0050');
const REPLY_OK_V4 = h('05 00 00 01 7f000001 0438'); // bound 127.0.0.1:1080
const BOUND_V4: TargetAddress = { kind: 'ipv4', host: '127.0.0.1', port: 1080 };

describe('messages we send (RFC 1928 §3, §4; RFC 1929 §2)', () => {
  it('greeting without credentials offers only 0x00', () => {
    const hs = new Socks5ClientHandshake({ target: T4 });
    assert.deepEqual(norm(hs.start()), [{ type: 'send', bytes: h(GREET_NOAUTH).toString('hex') }]);
    assert.equal(hs.state, 'greeting');
  });

  it('greeting with credentials offers 0x00 and 0x02', () => {
    const hs = new Socks5ClientHandshake({ target: T4, credentials: CREDS });
    assert.deepEqual(norm(hs.start()), [{ type: 'send', bytes: h(GREET_AUTH).toString('hex') }]);
  });

  it('username/password request is VER=1 ULEN UNAME PLEN PASSWD', () => {
    const { events, hs } = run({ target: T4, credentials: CREDS }, [h('05 02')]);
    assert.deepEqual(events[1], { type: 'send', bytes: AUTH_REQ.toString('hex') });
    assert.equal(hs.state, 'auth');
  });

  it('credential lengths count UTF-8 bytes, and 255-byte values fit', () => {
    const u = 'é'.repeat(2); // 4 bytes
    const p = 'x'.repeat(255);
    const { events } = run({ target: T4, credentials: { username: u, password: p } }, [h('05 02')]);
    assert.equal(events[1].type === 'send' && events[1].bytes, h('01 04', ascii(u), 'ff', ascii(p)).toString('hex'));
  });

  const requests: Array<[string, Socks5Command, TargetAddress, Buffer]> = [
    ['CONNECT IPv4', 'connect', T4, CONNECT_T4],
    ['CONNECT domain', 'connect', TD, h('05 01 00 03 0b', ascii('example.com'), '01bb')],
    ['CONNECT IPv6', 'connect', T6, h('05 01 00 04 20010db8000000000000000000000001 0016')],
    ['UDP ASSOCIATE IPv4 (all zeros: address not known yet)', 'udp-associate', { kind: 'ipv4', host: '0.0.0.0', port: 0 }, h('05 03 00 01 00000000 0000')],
    ['UDP ASSOCIATE domain', 'udp-associate', { kind: 'domain', host: 'a.b', port: 53 }, h('05 03 00 03 03', ascii('a.b'), '0035')],
    ['UDP ASSOCIATE IPv6', 'udp-associate', { kind: 'ipv6', host: '::', port: 65535 }, h('05 03 00 04 00000000000000000000000000000000 ffff')],
  ];
  for (const [name, command, target, bytes] of requests) {
    it(`${name} request after method 0x00`, () => {
      const { events, hs } = run({ target, command }, [h('05 00')]);
      assert.deepEqual(events[1], { type: 'send', bytes: bytes.toString('hex') });
      assert.equal(hs.state, 'request');
    });
  }

  it('command defaults to CONNECT', () => {
    const { events } = run({ target: T4 }, [h('05 00')]);
    assert.deepEqual(events[1], { type: 'send', bytes: CONNECT_T4.toString('hex') });
  });

  it('after auth success the request follows', () => {
    const { events, hs } = run({ target: T4, credentials: CREDS }, [h('05 02'), h('01 00')]);
    assert.deepEqual(events[2], { type: 'send', bytes: CONNECT_T4.toString('hex') });
    assert.equal(hs.state, 'request');
  });

  it('with credentials offered, the proxy may still pick 0x00 and no auth is sent', () => {
    const { events } = run({ target: T4, credentials: CREDS }, [h('05 00')]);
    assert.deepEqual(events[1], { type: 'send', bytes: CONNECT_T4.toString('hex') });
  });
});

describe('replies we accept', () => {
  const replies: Array<[string, Buffer, TargetAddress]> = [
    ['IPv4 BND.ADDR', REPLY_OK_V4, BOUND_V4],
    ['domain BND.ADDR', h('05 00 00 03 09', ascii('proxy.lan'), '1f90'), { kind: 'domain', host: 'proxy.lan', port: 8080 }],
    [
      'IPv6 BND.ADDR, text in compressed form',
      h('05 00 00 04 FE800000000000000000000000000001 0001'),
      { kind: 'ipv6', host: 'fe80::1', port: 1 },
    ],
    ['IPv6 all zeros', h('05 00 00 04 00000000000000000000000000000000 0000'), { kind: 'ipv6', host: '::', port: 0 }],
    ['255-byte domain BND.ADDR', h('05 00 00 03 ff', ascii('d'.repeat(255)), '0016'), { kind: 'domain', host: 'd'.repeat(255), port: 22 }],
  ];
  for (const [name, reply, bound] of replies) {
    it(`success with ${name}`, () => {
      const { events, hs } = run({ target: TD }, [h('05 00'), reply]);
      assert.deepEqual(events.at(-1), { type: 'established', bound, rest: '' });
      assert.equal(hs.state, 'established');
    });
  }

  it('UDP ASSOCIATE success gives the relay address to send datagrams to', () => {
    const { events } = run({ target: { kind: 'ipv4', host: '0.0.0.0', port: 0 }, command: 'udp-associate' }, [
      h('05 00 05 00 00 01 0a000001 e290'),
    ]);
    assert.deepEqual(events.at(-1), { type: 'established', bound: { kind: 'ipv4', host: '10.0.0.1', port: 58000 }, rest: '' });
  });

  it('full authenticated exchange in one chunk', () => {
    const { events } = run({ target: T4, credentials: CREDS }, [Buffer.concat([h('05 02 01 00'), REPLY_OK_V4])]);
    assert.deepEqual(events, [
      { type: 'send', bytes: h(GREET_AUTH).toString('hex') },
      { type: 'send', bytes: AUTH_REQ.toString('hex') },
      { type: 'send', bytes: CONNECT_T4.toString('hex') },
      { type: 'established', bound: BOUND_V4, rest: '' },
    ]);
  });
});

describe('failures', () => {
  const codes: Array<[number, ErrorCode, string]> = [
    [0x01, 'general-failure', 'general SOCKS server failure'],
    [0x02, 'not-allowed', 'connection not allowed by ruleset'],
    [0x03, 'network-unreachable', 'network unreachable'],
    [0x04, 'host-unreachable', 'host unreachable'],
    [0x05, 'connection-refused', 'connection refused'],
    [0x06, 'ttl-expired', 'TTL expired'],
    [0x07, 'command-not-supported', 'command not supported'],
    [0x08, 'address-not-supported', 'address type not supported'],
    [0x09, 'unknown-reply', 'unassigned reply code'],
    [0xff, 'unknown-reply', 'unassigned reply code'],
  ];
  for (const [rep, code, text] of codes) {
    const hx = `0x${rep.toString(16).padStart(2, '0')}`;
    it(`reply ${hx} → ${code}`, () => {
      const reply = h('05', [rep], '00 01 00000000 0000');
      const { events, hs } = run({ target: TD }, [h('05 00'), reply]);
      assert.deepEqual(events.at(-1), {
        type: 'failed',
        code,
        message: `CONNECT example.com:443 refused by proxy (reply ${hx} ${text})`,
        replyCode: rep,
        isSockswrap: true,
      });
      assert.equal(hs.state, 'failed');
    });
  }

  // Tor's extended errors (SocksPort ExtendedErrors, proposal 304): code, errno and the words a
  // user reads, each from the one table and the one errno map.
  const tor: Array<[number, ErrorCode, string, string]> = [
    [0xf0, 'onion-descriptor-not-found', 'onion service descriptor can not be found', 'EHOSTUNREACH'],
    [0xf1, 'onion-descriptor-invalid', 'onion service descriptor is invalid', 'EHOSTUNREACH'],
    [0xf2, 'onion-introduction-failed', 'onion service introduction failed', 'EHOSTUNREACH'],
    [0xf3, 'onion-rendezvous-failed', 'onion service rendezvous failed', 'EHOSTUNREACH'],
    [0xf4, 'onion-auth-missing', 'onion service missing client authorization', 'EACCES'],
    [0xf5, 'onion-auth-wrong', 'onion service wrong client authorization', 'EACCES'],
    [0xf6, 'onion-address-invalid', 'onion service invalid address', 'EINVAL'],
    [0xf7, 'onion-introduction-timeout', 'onion service introduction timed out', 'ETIMEDOUT'],
  ];
  for (const [rep, code, words, errno] of tor) {
    const hx = `0x${rep.toString(16)}`;
    it(`Tor extended reply ${hx} → ${code} (${errno}), named in the message`, () => {
      // Tor sends a full reply (BND 0.0.0.0:0) after the code; split after REP to show it is not needed.
      const { events } = run({ target: TD }, [h('05 00'), h('05', [rep]), h('00 01 00000000 0000')]);
      const last = events.at(-1) as Extract<Norm, { type: 'failed' }>;
      assert.equal(last.code, code);
      assert.equal(last.replyCode, rep);
      assert.ok(last.message.startsWith(`CONNECT example.com:443 refused by proxy (reply ${hx}, Tor's extended error: ${words}`), last.message);
      assert.equal(errnoFor(code), osConstants.errno[errno as keyof typeof osConstants.errno]);
    });
  }

  it('a failure reply is reported from VER+REP alone (proxy may close before BND.ADDR)', () => {
    const { events } = run({ target: T4 }, [h('05 00'), h('05 05')]);
    const last = events.at(-1) as Extract<Norm, { type: 'failed' }>;
    assert.equal(last.type, 'failed');
    assert.equal(last.code, 'connection-refused');
  });

  it('auth status 0x01 → proxy-auth-failed with the status as replyCode', () => {
    const { events } = run({ target: T4, credentials: CREDS }, [h('05 02'), h('01 01')]);
    assert.deepEqual(events.at(-1), {
      type: 'failed',
      code: 'proxy-auth-failed',
      message: 'proxy rejected the username/password (status 0x01)',
      replyCode: 1,
      isSockswrap: true,
    });
  });

  it('any non-zero auth status fails', () => {
    for (let s = 1; s < 256; s++) {
      const { events } = run({ target: T4, credentials: CREDS }, [h('05 02'), h('01', [s])]);
      assert.equal((events.at(-1) as { code?: string }).code, 'proxy-auth-failed');
    }
  });

  it('method 0xFF without credentials → proxy-auth-required naming the missing credentials', () => {
    const { events } = run({ target: T4 }, [h('05 ff')]);
    const last = events.at(-1) as Extract<Norm, { type: 'failed' }>;
    assert.equal(last.code, 'proxy-auth-required');
    assert.match(last.message, /requires authentication.*no credentials/);
  });

  it('method 0xFF with credentials → proxy-auth-required saying it rejects our methods', () => {
    const { events } = run({ target: T4, credentials: CREDS }, [h('05 ff')]);
    const last = events.at(-1) as Extract<Norm, { type: 'failed' }>;
    assert.equal(last.code, 'proxy-auth-required');
    assert.match(last.message, /accepts none of our authentication methods/);
  });

  const protocol: Array<[string, Opts, Buffer[], RegExp]> = [
    ['method 0x02 not offered (no credentials)', { target: T4 }, [h('05 02')], /method 0x02, which we did not offer/],
    ['method 0x01 (GSSAPI) not offered', { target: T4, credentials: CREDS }, [h('05 01')], /method 0x01/],
    ['greeting reply version 0x04', { target: T4 }, [h('04 00')], /version 0x04 instead of 0x05/],
    ['greeting reply that is HTTP', { target: T4 }, [Buffer.from('HTTP/1.1 400 Bad Request\r\n')], /version 0x48/],
    ['auth reply version 0x05', { target: T4, credentials: CREDS }, [h('05 02'), h('05 00')], /version 0x05 instead of 0x01/],
    ['request reply version 0x04', { target: T4 }, [h('05 00'), h('04 00 00 01 00000000 0000')], /version 0x04/],
    ['reserved byte 0x01', { target: T4 }, [h('05 00'), h('05 00 01 01 00000000 0000')], /reserved byte 0x01/],
    ['unknown ATYP 0x02', { target: T4 }, [h('05 00'), h('05 00 00 02 00000000 0000')], /unknown address type 0x02/],
    ['unknown ATYP 0x00', { target: T4 }, [h('05 00'), h('05 00 00 00')], /unknown address type 0x00/],
    ['empty domain BND.ADDR', { target: T4 }, [h('05 00'), h('05 00 00 03 00 0000')], /empty domain/],
  ];
  for (const [name, opts, chunks, re] of protocol) {
    it(`${name} → proxy-protocol`, () => {
      const { events, hs } = run(opts, chunks);
      const last = events.at(-1) as Extract<Norm, { type: 'failed' }>;
      assert.equal(last.type, 'failed');
      assert.equal(last.code, 'proxy-protocol');
      assert.equal(last.isSockswrap, true);
      assert.match(last.message, re);
      assert.equal(hs.state, 'failed');
    });
  }
});

describe('stream handling', () => {
  const scenarios: Array<[string, Opts, Buffer]> = [
    ['no auth, IPv4 reply, SSH banner', { target: T4 }, Buffer.concat([h('05 00'), REPLY_OK_V4, Buffer.from('SSH-2.0-x\r\n')])],
    ['auth, domain reply, banner', { target: TD, credentials: CREDS }, Buffer.concat([h('05 02 01 00 05 00 00 03 03'), Buffer.from('abc'), h('0050'), Buffer.from('220 smtp\r\n')])],
    ['IPv6 reply, no rest', { target: T6 }, h('05 00 05 00 00 04 20010db8000000000000000000000002 0050')],
    ['refused', { target: T4 }, h('05 00 05 05 00 01 00000000 0000')],
    ['auth failure', { target: T4, credentials: CREDS }, h('05 02 01 02')],
    ['bad reserved', { target: T4 }, h('05 00 05 00 07 01 00000000 0000')],
    ['unknown ATYP', { target: T4 }, h('05 00 05 00 00 09 00000000 0000')],
    ['0xFF', { target: T4 }, h('05 ff')],
  ];
  for (const [name, opts, stream] of scenarios) {
    it(`split at every byte boundary gives identical events: ${name}`, () => {
      const whole = run(opts, [stream]).events;
      assert.ok(whole.at(-1)?.type === 'established' || whole.at(-1)?.type === 'failed');
      for (let i = 0; i <= stream.length; i++) {
        assert.deepEqual(run(opts, [stream.subarray(0, i), stream.subarray(i)]).events, whole, `split at ${i}`);
      }
      for (let i = 0; i < stream.length; i++) {
        for (let j = i; j <= stream.length; j++) {
          const three = [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)];
          assert.deepEqual(run(opts, three).events, whole, `split at ${i},${j}`);
        }
      }
      const bytewise = Array.from(stream, (b) => Buffer.from([b]));
      assert.deepEqual(run(opts, bytewise).events, whole, 'one byte at a time');
    });
  }

  it('bytes after the reply come back exactly in rest', () => {
    const banner = Buffer.from('SSH-2.0-x\r\n');
    const { events } = run({ target: T4 }, [h('05 00'), Buffer.concat([REPLY_OK_V4, banner])]);
    assert.deepEqual(events.at(-1), { type: 'established', bound: BOUND_V4, rest: banner.toString('hex') });
  });

  it('rest does not alias the caller’s chunk', () => {
    const hs = new Socks5ClientHandshake({ target: T4 });
    hs.start();
    hs.receive(h('05 00'));
    const chunk = Buffer.concat([REPLY_OK_V4, Buffer.from('xyz')]);
    const ev = hs.receive(chunk);
    chunk.fill(0);
    assert.equal(ev[0].type === 'established' && ev[0].rest.toString(), 'xyz');
  });

  it('every truncation of a success exchange produces no terminal event', () => {
    const replies = [REPLY_OK_V4, h('05 00 00 03 03', ascii('abc'), '0050'), h('05 00 00 04 20010db8000000000000000000000002 0050')];
    for (const reply of replies) {
      const stream = Buffer.concat([h('05 02 01 00'), reply]);
      for (let i = 0; i < stream.length; i++) {
        const { events, hs } = run({ target: T4, credentials: CREDS }, [stream.subarray(0, i)]);
        assert.ok(events.every((e) => e.type === 'send'), `prefix ${i}`);
        assert.ok(hs.state !== 'established' && hs.state !== 'failed', `prefix ${i}`);
      }
    }
  });

  it('an empty chunk mid-handshake is harmless', () => {
    const { events } = run({ target: T4 }, [Buffer.alloc(0), h('05 00'), Buffer.alloc(0), REPLY_OK_V4]);
    assert.equal(events.at(-1)?.type, 'established');
  });

  it('states advance greeting → auth → request → established', () => {
    const hs = new Socks5ClientHandshake({ target: T4, credentials: CREDS });
    assert.equal(hs.state, 'greeting');
    hs.start();
    assert.equal(hs.state, 'greeting');
    hs.receive(h('05 02'));
    assert.equal(hs.state, 'auth');
    hs.receive(h('01 00'));
    assert.equal(hs.state, 'request');
    hs.receive(REPLY_OK_V4);
    assert.equal(hs.state, 'established');
  });
});

describe('programming errors throw (not SockswrapError)', () => {
  const notSockswrap = (e: unknown) => e instanceof Error && !(e instanceof SockswrapError);
  it('receive before start', () => {
    const hs = new Socks5ClientHandshake({ target: T4 });
    assert.throws(() => hs.receive(h('05 00')), notSockswrap);
  });
  it('start twice', () => {
    const hs = new Socks5ClientHandshake({ target: T4 });
    hs.start();
    assert.throws(() => hs.start(), notSockswrap);
  });
  it('receive after established', () => {
    const hs = new Socks5ClientHandshake({ target: T4 });
    hs.start();
    hs.receive(Buffer.concat([h('05 00'), REPLY_OK_V4]));
    assert.throws(() => hs.receive(Buffer.from('x')), notSockswrap);
  });
  it('receive after failed', () => {
    const hs = new Socks5ClientHandshake({ target: T4 });
    hs.start();
    hs.receive(h('05 ff'));
    assert.equal(hs.state, 'failed');
    assert.throws(() => hs.receive(h('05 00')), notSockswrap);
  });
});

describe('construction rejects what SOCKS5 cannot carry', () => {
  const bad: Array<[string, Opts, ErrorCode, RegExp]> = [
    ['empty domain', { target: { kind: 'domain', host: '', port: 80 } }, 'address-not-supported', /empty host name/],
    ['256-byte domain', { target: { kind: 'domain', host: 'a'.repeat(256), port: 80 } }, 'address-not-supported', /256 bytes.*at most 255/],
    ['domain over 255 bytes in UTF-8', { target: { kind: 'domain', host: 'é'.repeat(128), port: 80 } }, 'address-not-supported', /256 bytes/],
    ['domain with NUL', { target: { kind: 'domain', host: 'a\0b', port: 80 } }, 'address-not-supported', /NUL/],
    ['non-dotted IPv4', { target: { kind: 'ipv4', host: '0x7f.1', port: 80 } }, 'address-not-supported', /not a dotted-decimal/],
    ['IPv4 in an ipv6 target', { target: { kind: 'ipv6', host: '1.2.3.4', port: 80 } }, 'address-not-supported', /not an IPv6/],
    ['IPv6 with zone', { target: { kind: 'ipv6', host: 'fe80::1%eth0', port: 80 } }, 'address-not-supported', /zone/],
    ['port 65536', { target: { kind: 'ipv4', host: '1.2.3.4', port: 65536 } }, 'address-not-supported', /port/],
    ['port 1.5', { target: { kind: 'ipv4', host: '1.2.3.4', port: 1.5 } }, 'address-not-supported', /port/],
    ['empty username', { target: T4, credentials: { username: '', password: 'p' } }, 'proxy-auth-failed', /username must be 1\.\.255 bytes/],
    ['empty password', { target: T4, credentials: { username: 'u', password: '' } }, 'proxy-auth-failed', /password must be 1\.\.255 bytes/],
    ['256-byte username', { target: T4, credentials: { username: 'u'.repeat(256), password: 'p' } }, 'proxy-auth-failed', /username.*is 256/],
    ['password over 255 UTF-8 bytes', { target: T4, credentials: { username: 'u', password: '€'.repeat(86) } }, 'proxy-auth-failed', /password.*is 258/],
  ];
  for (const [name, opts, code, re] of bad) {
    it(name, () => {
      assert.throws(
        () => new Socks5ClientHandshake(opts),
        (e: unknown) => e instanceof SockswrapError && e.code === code && re.test(e.message),
      );
    });
  }
  it('a password is never echoed in the error', () => {
    const secret = 'hunter2'.repeat(40);
    assert.throws(
      () => new Socks5ClientHandshake({ target: T4, credentials: { username: 'u', password: secret } }),
      (e: unknown) => e instanceof SockswrapError && !e.message.includes('hunter2'),
    );
  });
  it('a 255-byte domain is accepted', () => {
    const { events } = run({ target: { kind: 'domain', host: 'a'.repeat(255), port: 1 } }, [h('05 00')]);
    assert.deepEqual(events[1], { type: 'send', bytes: h('05 01 00 03 ff', ascii('a'.repeat(255)), '0001').toString('hex') });
  });
});

describe('address codec', () => {
  const cases: Array<[TargetAddress, string]> = [
    [{ kind: 'ipv4', host: '192.168.1.254', port: 8080 }, '01 c0a801fe 1f90'],
    [{ kind: 'domain', host: 'localhost', port: 9050 }, '03 09 6c6f63616c686f7374 235a'],
    [{ kind: 'ipv6', host: '::1', port: 53 }, '04 00000000000000000000000000000001 0035'],
    [{ kind: 'ipv6', host: '::ffff:1.2.3.4', port: 1 }, '04 00000000000000000000ffff01020304 0001'],
  ];
  for (const [target, hex] of cases) {
    it(`encodes ${target.kind} ${target.host}`, () => {
      assert.equal(encodeSocks5Address(target).toString('hex'), h(hex).toString('hex'));
    });
    it(`decodes ${target.kind} ${target.host} at an offset, and each prefix is incomplete`, () => {
      const bytes = Buffer.concat([Buffer.from('zz'), h(hex), Buffer.from('tail')]);
      const d = decodeSocks5Address(bytes, 2);
      assert.ok(typeof d === 'object' && !(d instanceof SockswrapError));
      assert.equal(d.length, h(hex).length);
      // IPv6 comes back in ipaddr.js's compressed text form.
      assert.equal(encodeSocks5Address(d.address).toString('hex'), h(hex).toString('hex'));
      for (let i = 2; i < 2 + h(hex).length; i++) assert.equal(decodeSocks5Address(bytes.subarray(0, i), 2), 'incomplete');
    });
  }
  it('IPv6 text is canonicalised', () => {
    const d = decodeSocks5Address(encodeSocks5Address({ kind: 'ipv6', host: '2001:DB8:0:0:0:0:0:1', port: 1 }), 0);
    assert.ok(typeof d === 'object' && !(d instanceof SockswrapError));
    assert.equal(d.address.host, '2001:db8::1');
  });
  it('unknown ATYP gives a SockswrapError value', () => {
    const d = decodeSocks5Address(h('05 00000000 0000'), 0);
    assert.ok(d instanceof SockswrapError && d.code === 'proxy-protocol');
  });
  it('offset at or past the end is incomplete', () => {
    assert.equal(decodeSocks5Address(Buffer.alloc(0), 0), 'incomplete');
    assert.equal(decodeSocks5Address(h('01'), 5), 'incomplete');
  });
});

describe('randomized replies', () => {
  it('random and mutated proxy bytes yield only SockswrapError failures, split-invariant', () => {
    const rnd = prng(0x50c55);
    const int = (n: number) => Math.floor(rnd() * n);
    const randBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
    const valid = [
      Buffer.concat([h('05 00'), REPLY_OK_V4, Buffer.from('SSH-2.0-x\r\n')]),
      h('05 02 01 00 05 00 00 03 03', ascii('abc'), '0050'),
      h('05 02 01 00 05 00 00 04 20010db8000000000000000000000002 0050 41'),
      h('05 00 05 04 00 01 00000000 0000'),
    ];
    const targets: TargetAddress[] = [T4, TD, T6];
    let established = 0;
    let failed = 0;
    const N = 5000;
    for (let n = 0; n < N; n++) {
      let stream: Buffer;
      if (n % 3 === 0) {
        stream = randBytes(int(40));
        if (rnd() < 0.5 && stream.length > 0) stream[0] = 5; // get past the first check more often
      } else {
        stream = Buffer.from(valid[int(valid.length)]);
        const mutations = 1 + int(3);
        for (let m = 0; m < mutations; m++) {
          const op = int(4);
          const at = int(stream.length + 1);
          if (op === 0 && stream.length) stream[at % stream.length] = int(256);
          else if (op === 1) stream = Buffer.concat([stream.subarray(0, at), randBytes(1 + int(4)), stream.subarray(at)]);
          else if (op === 2) stream = Buffer.concat([stream.subarray(0, at), stream.subarray(at + 1 + int(3))]);
          else stream = stream.subarray(0, at);
        }
      }
      const opts: Opts = {
        target: targets[int(targets.length)],
        command: rnd() < 0.5 ? 'connect' : 'udp-associate',
        credentials: rnd() < 0.5 ? CREDS : undefined,
      };
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; ) {
        const len = 1 + int(8);
        chunks.push(stream.subarray(i, i + len));
        i += len;
      }
      let whole: Norm[];
      let split: Norm[];
      try {
        whole = run(opts, [stream]).events;
        split = run(opts, chunks).events;
      } catch (e) {
        assert.fail(`threw ${String(e)} for ${stream.toString('hex')}`);
      }
      assert.deepEqual(split, whole, stream.toString('hex'));
      const last = whole.at(-1);
      if (last?.type === 'failed') {
        failed++;
        assert.equal(last.isSockswrap, true);
      }
      if (last?.type === 'established') {
        established++;
        // Whatever the proxy sent after the reply is handed on untouched.
        assert.ok(stream.toString('hex').endsWith(last.rest));
        assert.ok(last.rest.length % 2 === 0);
      }
      // decodeSocks5Address never throws either.
      const r = decodeSocks5Address(stream, int(stream.length + 1));
      assert.ok(r === 'incomplete' || r instanceof SockswrapError || (typeof r.length === 'number' && r.length > 0));
    }
    assert.ok(established > 100 && failed > 1000, `established ${established}, failed ${failed}`);
  });
});
