import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { Socks4ClientHandshake, encodeSocks4Request } from '../../src/protocol/socks4-codec';
import { errnoFor } from '../../src/protocol/errno-map';
import { SockswrapError, type ErrorCode } from '../../src/protocol/sockswrap-error';
import type { TargetAddress } from '../../src/protocol/target-address';
import { ascii, h, norm, type Norm } from '../helpers/codec-vectors';

/** Start, then each chunk until the end; chunks after 'established' are the program's, appended to rest. */
function run(opts: { target: TargetAddress; userId?: string }, chunks: Buffer[]): Norm[] {
  const hs = new Socks4ClientHandshake(opts);
  const events = norm(hs.start());
  const later: Buffer[] = [];
  for (const c of chunks) {
    if (hs.state !== 'reply') later.push(c);
    else events.push(...norm(hs.receive(c)));
  }
  const last = events.at(-1);
  if (last?.type === 'established') last.rest += Buffer.concat(later).toString('hex');
  return events;
}

const T4: TargetAddress = { kind: 'ipv4', host: '1.2.3.4', port: 80 };
const TD: TargetAddress = { kind: 'domain', host: 'example.com', port: 443 };
const T6: TargetAddress = { kind: 'ipv6', host: '2001:db8::1', port: 22 };
const OK = h('00 5a 0438 7f000001'); // granted, bound 127.0.0.1:1080

describe('SOCKS4 / SOCKS4a requests (byte-exact)', () => {
  const vectors: Array<[string, TargetAddress, string | undefined, Buffer]> = [
    ['SOCKS4 IPv4, no USERID', T4, undefined, h('04 01 0050 01020304 00')],
    ['SOCKS4 IPv4 with USERID', T4, 'alice', h('04 01 0050 01020304', ascii('alice'), '00')],
    ['SOCKS4a name, no USERID', TD, undefined, h('04 01 01bb 00000001 00', ascii('example.com'), '00')],
    ['SOCKS4a name with USERID', TD, 'bob', h('04 01 01bb 00000001', ascii('bob'), '00', ascii('example.com'), '00')],
    ['UTF-8 USERID', { kind: 'ipv4', host: '10.0.0.1', port: 65535 }, 'été', h('04 01 ffff 0a000001', ascii('été'), '00')],
    ['port 0 and 0.0.0.0', { kind: 'ipv4', host: '0.0.0.0', port: 0 }, undefined, h('04 01 0000 00000000 00')],
  ];
  for (const [name, target, userId, bytes] of vectors) {
    it(name, () => {
      assert.deepEqual(encodeSocks4Request(target, userId), bytes);
      assert.deepEqual(run({ target, userId }, []), [{ type: 'send', bytes: bytes.toString('hex') }]);
    });
  }
});

describe('targets SOCKS4 cannot carry fail before any byte, saying why', () => {
  const bad: Array<[string, TargetAddress, string | undefined, ErrorCode, RegExp]> = [
    ['IPv6', T6, undefined, 'address-not-supported', /SOCKS4 carries only IPv4 addresses and names, not the IPv6 address \[2001:db8::1\]:22; use a socks5 or http proxy/],
    ['0.0.0.x (would read as 4a)', { kind: 'ipv4', host: '0.0.0.7', port: 1 }, undefined, 'address-not-supported', /0\.0\.0\.x means "SOCKS4a name follows"/],
    ['not dotted decimal', { kind: 'ipv4', host: '0x7f.1', port: 1 }, undefined, 'address-not-supported', /not a dotted-decimal IPv4/],
    ['empty name', { kind: 'domain', host: '', port: 1 }, undefined, 'address-not-supported', /empty host name/],
    ['name with NUL', { kind: 'domain', host: 'a\0b', port: 1 }, undefined, 'address-not-supported', /NUL/],
    ['256-byte name', { kind: 'domain', host: 'a'.repeat(256), port: 1 }, undefined, 'address-not-supported', /256 bytes/],
    ['port out of range', { kind: 'ipv4', host: '1.2.3.4', port: 70000 }, undefined, 'address-not-supported', /port 70000/],
    ['USERID with NUL', T4, 'a\0b', 'proxy-auth-failed', /user name contains a NUL/],
  ];
  for (const [name, target, userId, code, message] of bad) {
    it(name, () => {
      assert.throws(() => new Socks4ClientHandshake({ target, userId }), (e: unknown) => {
        assert.ok(e instanceof SockswrapError);
        assert.equal(e.code, code);
        assert.match(e.message, message);
        return true;
      });
    });
  }
  it('an IPv6 target is EAFNOSUPPORT for the program', () => assert.equal(errnoFor('address-not-supported'), constants.errno.EAFNOSUPPORT));
});

describe('SOCKS4 replies: every code', () => {
  it('0x5a granted: established, bound address decoded, nothing else consumed', () => {
    assert.deepEqual(run({ target: T4 }, [OK]), [
      { type: 'send', bytes: h('04 01 0050 01020304 00').toString('hex') },
      { type: 'established', bound: { kind: 'ipv4', host: '127.0.0.1', port: 1080 }, rest: '' },
    ]);
  });
  it('a reply version of 0x04 is accepted too (servers that echo the request version)', () => {
    assert.equal(run({ target: TD }, [h('04 5a 0000 00000000')]).at(-1)?.type, 'established');
  });

  const failures: Array<[number, ErrorCode, number, RegExp]> = [
    [0x5b, 'connection-refused', constants.errno.ECONNREFUSED, /^CONNECT 1\.2\.3\.4:80 refused by SOCKS4 proxy \(reply 0x5b request rejected or failed: the target refused or could not be reached, or the proxy's rules forbid it/],
    [0x5c, 'proxy-auth-required', constants.errno.EACCES, /reply 0x5c .*could not reach identd \(RFC 1413\).*run an identd here or configure the proxy not to require it/],
    [0x5d, 'proxy-auth-failed', constants.errno.EACCES, /reply 0x5d .*identd on this host reported a different user.*set the proxy's user name to the local login name/],
    [0x00, 'unknown-reply', constants.errno.ECONNABORTED, /reply 0x00 unassigned reply code/],
    [0x5e, 'unknown-reply', constants.errno.ECONNABORTED, /reply 0x5e unassigned reply code/],
    [0xff, 'unknown-reply', constants.errno.ECONNABORTED, /reply 0xff unassigned reply code/],
  ];
  for (const [cd, code, errno, message] of failures) {
    it(`0x${cd.toString(16)} → ${code} (errno ${errno}), decided on the second byte`, () => {
      for (const stream of [h('00', [cd]), h('00', [cd], '0000 00000000 ffff')]) {
        const last: Norm = run({ target: T4 }, [stream]).at(-1)!;
        assert.equal(last.type, 'failed');
        if (last.type !== 'failed') return;
        assert.equal(last.code, code);
        assert.equal(last.replyCode, cd);
        assert.equal(last.isSockswrap, true);
        assert.match(last.message, message);
        assert.equal(errnoFor(code), errno);
      }
    });
  }
  it('a name target says SOCKS4a in the message', () => {
    const last = run({ target: TD }, [h('00 5b')]).at(-1)!;
    assert.ok(last.type === 'failed' && last.message.startsWith('CONNECT example.com:443 refused by SOCKS4a proxy'));
  });

  it('a SOCKS5 server answering is named as such', () => {
    const last = run({ target: T4 }, [h('05 ff')]).at(-1)!;
    assert.ok(last.type === 'failed');
    assert.equal(last.code, 'proxy-protocol');
    assert.match(last.message, /version 0x05 instead of 0x00 \(it speaks SOCKS5: use a socks5 proxy type\)/);
  });
  it('an HTTP server answering is a protocol error at the first byte', () => {
    const last = run({ target: T4 }, [Buffer.from('H')]).at(-1)!;
    assert.ok(last.type === 'failed' && last.code === 'proxy-protocol' && /version 0x48/.test(last.message));
  });
  it('a short reply waits for more (EOF is the caller\'s to report)', () => {
    const hs = new Socks4ClientHandshake({ target: T4 });
    hs.start();
    assert.deepEqual(hs.receive(h('00 5a 0000 000000')), []);
    assert.equal(hs.state, 'reply');
  });
});

describe('bytes after the reply are the program\'s', () => {
  const stream = Buffer.concat([OK, Buffer.from('SSH-2.0-x\r\n')]);
  const whole = run({ target: TD }, [stream]);
  it('rest is exactly what followed the 8-byte reply', () => {
    assert.deepEqual(whole.at(-1), { type: 'established', bound: { kind: 'ipv4', host: '127.0.0.1', port: 1080 }, rest: Buffer.from('SSH-2.0-x\r\n').toString('hex') });
  });
  it('split at every byte boundary gives the same events', () => {
    for (let i = 0; i <= stream.length; i++) {
      assert.deepEqual(run({ target: TD }, [stream.subarray(0, i), stream.subarray(i)]), whole, `split at ${i}`);
    }
    assert.deepEqual(run({ target: TD }, Array.from(stream, (b) => Buffer.from([b]))), whole, 'one byte at a time');
  });
  it('rest does not alias the caller\'s chunk', () => {
    const chunk = Buffer.from(stream);
    const hs = new Socks4ClientHandshake({ target: T4 });
    hs.start();
    const [ev] = hs.receive(chunk);
    chunk.fill(0);
    assert.ok(ev?.type === 'established' && ev.rest.toString() === 'SSH-2.0-x\r\n');
  });
  it('misuse is a programming error, not a protocol outcome', () => {
    const hs = new Socks4ClientHandshake({ target: T4 });
    assert.throws(() => hs.receive(OK), /before start/);
    hs.start();
    assert.throws(() => hs.start(), /twice/);
    hs.receive(OK);
    assert.throws(() => hs.receive(OK), /after the handshake completed/);
  });
});
