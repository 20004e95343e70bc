import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import {
  HttpConnectClientHandshake,
  MAX_HEADER_BYTES,
  encodeHttpConnectRequest,
  type HttpConnectCredentials,
  type HttpConnectEvent,
} from '../../src/protocol/http-connect-codec';
import { errnoFor } from '../../src/protocol/errno-map';
import { SockswrapError, type ErrorCode } from '../../src/protocol/sockswrap-error';
import type { TargetAddress } from '../../src/protocol/target-address';

type Norm =
  | { type: 'send'; bytes: string }
  | { type: 'established'; status: number; rest: string }
  | { type: 'failed'; code: ErrorCode; message: string; replyCode?: number; isSockswrap: boolean };

function norm(events: HttpConnectEvent[]): Norm[] {
  return events.map((e): Norm => {
    switch (e.type) {
      case 'send':
        return { type: 'send', bytes: e.bytes.toString('latin1') };
      case 'established':
        return { type: 'established', status: e.status, rest: e.rest.toString('latin1') };
      case 'failed':
        return { type: 'failed', code: e.error.code, message: e.error.message, replyCode: e.error.replyCode, isSockswrap: e.error instanceof SockswrapError };
    }
  });
}

interface Opts {
  target: TargetAddress;
  credentials?: HttpConnectCredentials;
}

/** Start, then each chunk until the end; chunks after 'established' are the program's, appended to rest. */
function run(opts: Opts, chunks: Array<Buffer | string>): Norm[] {
  const hs = new HttpConnectClientHandshake(opts);
  const events = norm(hs.start());
  const later: Buffer[] = [];
  for (const c of chunks) {
    const b = typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
    if (hs.state === 'established' || hs.state === 'failed') later.push(b);
    else events.push(...norm(hs.receive(b)));
  }
  const last = events.at(-1);
  if (last?.type === 'established') last.rest += Buffer.concat(later).toString('latin1');
  return events;
}

function outcome(opts: Opts, reply: string): Norm {
  return run(opts, [reply]).at(-1)!;
}

const T4: TargetAddress = { kind: 'ipv4', host: '1.2.3.4', port: 80 };
const TD: TargetAddress = { kind: 'domain', host: 'example.com', port: 443 };
const T6: TargetAddress = { kind: 'ipv6', host: '2001:DB8:0::1', port: 22 };
const CREDS = { username: 'Aladdin', password: 'open sesame' };

describe('the CONNECT request (byte-exact)', () => {
  const vectors: Array<[string, Opts, string]> = [
    ['IPv4, no auth', { target: T4 }, 'CONNECT 1.2.3.4:80 HTTP/1.1\r\nHost: 1.2.3.4:80\r\n\r\n'],
    ['name, no auth', { target: TD }, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'],
    ['IPv6 in brackets, compressed, in request-target and Host', { target: T6 }, 'CONNECT [2001:db8::1]:22 HTTP/1.1\r\nHost: [2001:db8::1]:22\r\n\r\n'],
    // RFC 7617 §2's own example credentials.
    [
      'Basic auth',
      { target: TD, credentials: CREDS },
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n',
    ],
    [
      'Basic auth, UTF-8 and empty password',
      { target: T4, credentials: { username: 'été', password: '' } },
      `CONNECT 1.2.3.4:80 HTTP/1.1\r\nHost: 1.2.3.4:80\r\nProxy-Authorization: Basic ${Buffer.from('été:', 'utf8').toString('base64')}\r\n\r\n`,
    ],
  ];
  for (const [name, opts, text] of vectors) {
    it(name, () => {
      assert.equal(encodeHttpConnectRequest(opts.target, opts.credentials).toString('latin1'), text);
      assert.deepEqual(run(opts, []), [{ type: 'send', bytes: text }]);
    });
  }

  const bad: Array<[string, Opts, ErrorCode, RegExp]> = [
    ['CRLF in a name (header injection)', { target: { kind: 'domain', host: 'a.test\r\nX-Evil: 1', port: 80 } }, 'address-not-supported', /characters an HTTP request cannot carry/],
    ['space in a name', { target: { kind: 'domain', host: 'a b', port: 80 } }, 'address-not-supported', /cannot carry/],
    ['non-ASCII name', { target: { kind: 'domain', host: 'bücher.de', port: 80 } }, 'address-not-supported', /xn-- form/],
    ['empty name', { target: { kind: 'domain', host: '', port: 80 } }, 'address-not-supported', /empty host name/],
    ['IPv6 with a zone', { target: { kind: 'ipv6', host: 'fe80::1%eth0', port: 80 } }, 'address-not-supported', /has a zone/],
    ['bad port', { target: { kind: 'ipv4', host: '1.2.3.4', port: -1 } }, 'address-not-supported', /port -1/],
    ['":" in the user name', { target: T4, credentials: { username: 'a:b', password: 'c' } }, 'proxy-auth-failed', /containing ":"/],
    ['CR in the password', { target: T4, credentials: { username: 'a', password: 'b\rc' } }, 'proxy-auth-failed', /control character/],
  ];
  for (const [name, opts, code, message] of bad) {
    it(`refuses before any byte: ${name}`, () => {
      assert.throws(() => new HttpConnectClientHandshake(opts), (e: unknown) => {
        assert.ok(e instanceof SockswrapError);
        assert.equal(e.code, code);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});

describe('the reply: read exactly to the end of the header', () => {
  const cases: Array<[string, string, number, string]> = [
    ['rest preserved', 'HTTP/1.1 200 OK\r\n\r\nSSH-2.0-x\r\n', 200, 'SSH-2.0-x\r\n'],
    ['tinyproxy\'s reply, with headers', 'HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n220 smtp ready\r\n', 200, '220 smtp ready\r\n'],
    ['bare LF line ends (RFC 9112 §2.2)', 'HTTP/1.1 200 OK\nVia: x\n\nBANNER', 200, 'BANNER'],
    ['mixed CRLF and LF', 'HTTP/1.1 200 OK\r\nVia: x\n\r\nBANNER', 200, 'BANNER'],
    ['no reason phrase', 'HTTP/1.1 200\r\n\r\n', 200, ''],
    ['empty reason phrase', 'HTTP/1.1 200 \r\n\r\n', 200, ''],
    ['any 2xx is a tunnel', 'HTTP/1.1 204 No Content\r\n\r\nX', 204, 'X'],
    ['Content-Length on a 2xx is ignored (RFC 9110 §9.3.6)', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHELLO world', 200, 'HELLO world'],
    ['obs-fold continuation lines tolerated', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\n\r\nZ', 200, 'Z'],
    ['an interim 100 is skipped', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nAFTER', 200, 'AFTER'],
    ['binary rest, CRLFCRLF inside it is data', 'HTTP/1.1 200 OK\r\n\r\n\r\n\r\n\x00\xff', 200, '\r\n\r\n\x00\xff'],
  ];
  for (const [name, reply, status, rest] of cases) {
    it(name, () => {
      const whole = run({ target: TD }, [reply]);
      assert.deepEqual(whole.at(-1), { type: 'established', status, rest });
      // Split at every byte boundary, and one byte at a time: the same events.
      for (let i = 0; i <= reply.length; i++) {
        assert.deepEqual(run({ target: TD }, [reply.slice(0, i), reply.slice(i)]), whole, `split at ${i}`);
      }
      assert.deepEqual(run({ target: TD }, reply.split('')), whole, 'one byte at a time');
    });
  }

  it('rest does not alias the caller\'s chunk', () => {
    const chunk = Buffer.from('HTTP/1.1 200 OK\r\n\r\nSSH-2.0-x\r\n');
    const hs = new HttpConnectClientHandshake({ target: T4 });
    hs.start();
    const [ev] = hs.receive(chunk);
    chunk.fill(0);
    assert.ok(ev?.type === 'established' && ev.rest.toString() === 'SSH-2.0-x\r\n');
  });

  it('an incomplete header waits for more', () => {
    const hs = new HttpConnectClientHandshake({ target: T4 });
    hs.start();
    assert.deepEqual(hs.receive(Buffer.from('HTTP/1.1 200 OK\r\nVia: x\r\n')), []);
    assert.equal(hs.state, 'headers');
  });
});

describe('non-2xx statuses: code, errno, and the status line quoted', () => {
  const cases: Array<[string, Opts, string, ErrorCode, number]> = [
    ['407 without credentials', { target: TD }, 'HTTP/1.1 407 Proxy Authentication Required', 'proxy-auth-required', constants.errno.EACCES],
    ['407 with credentials', { target: TD, credentials: CREDS }, 'HTTP/1.1 407 Proxy Authentication Required', 'proxy-auth-failed', constants.errno.EACCES],
    ['401 with credentials (tinyproxy\'s answer to a wrong password)', { target: TD, credentials: CREDS }, 'HTTP/1.0 401 Unauthorized', 'proxy-auth-failed', constants.errno.EACCES],
    ['401 without credentials', { target: TD }, 'HTTP/1.0 401 Unauthorized', 'proxy-auth-required', constants.errno.EACCES],
    ['403 (tinyproxy ConnectPort)', { target: TD }, 'HTTP/1.1 403 Access violation', 'not-allowed', constants.errno.EACCES],
    ['404 (unknown name)', { target: TD }, 'HTTP/1.1 404 Non-existent domain', 'host-unreachable', constants.errno.EHOSTUNREACH],
    ['405', { target: TD }, 'HTTP/1.1 405 Method Not Allowed', 'command-not-supported', constants.errno.ECONNABORTED],
    ['500 (tinyproxy "Unable to connect")', { target: TD }, 'HTTP/1.1 500 Unable to connect', 'general-failure', constants.errno.ECONNABORTED],
    ['502', { target: TD }, 'HTTP/1.1 502 Bad Gateway', 'connection-refused', constants.errno.ECONNREFUSED],
    ['503', { target: TD }, 'HTTP/1.0 503 Service Unavailable', 'host-unreachable', constants.errno.EHOSTUNREACH],
    ['504', { target: TD }, 'HTTP/1.1 504 Gateway Timeout', 'ttl-expired', constants.errno.ETIMEDOUT],
    ['302', { target: TD }, 'HTTP/1.1 302 Found', 'unknown-reply', constants.errno.ECONNABORTED],
    ['400', { target: TD }, 'HTTP/1.1 400 Bad Request', 'unknown-reply', constants.errno.ECONNABORTED],
  ];
  for (const [name, opts, statusLine, code, errno] of cases) {
    it(name, () => {
      const status = Number(statusLine.split(' ')[1]);
      // Decided at the end of the status line: the same with the header and body or without.
      for (const reply of [`${statusLine}\r\n`, `${statusLine}\r\nContent-Type: text/html\r\n\r\n<html>`]) {
        const last = outcome(opts, reply);
        assert.ok(last.type === 'failed', JSON.stringify(last));
        assert.equal(last.code, code);
        assert.equal(last.replyCode, status);
        assert.equal(last.isSockswrap, true);
        assert.ok(last.message.startsWith(`CONNECT example.com:443 refused by HTTP proxy: "${statusLine}"`), last.message);
        assert.equal(errnoFor(code), errno);
      }
    });
  }
  it('407 says what to do', () => {
    const none = outcome({ target: TD }, 'HTTP/1.1 407 Proxy Authentication Required\r\n');
    assert.ok(none.type === 'failed' && none.message.endsWith('the proxy wants a user name and password, and none is configured'));
    const wrong = outcome({ target: TD, credentials: CREDS }, 'HTTP/1.1 407 Proxy Authentication Required\r\n');
    assert.ok(wrong.type === 'failed' && wrong.message.endsWith('the user name or password was rejected'));
  });
});

describe('malformed replies are proxy-protocol errors', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a SOCKS5 reply', '\x05\x00', /with bytes starting "\\u0005", not "HTTP\/" \(it looks like a SOCKS5 proxy\)$/],
    ['SSH banner', 'SSH-2.0-OpenSSH\r\n', /with bytes starting "S", not "HTTP\/" \(is it an HTTP proxy\?\)$/],
    ['lower-case http', 'http/1.1 200 OK\r\n\r\n', /bytes starting "h", not "HTTP\/"/],
    ['almost HTTP', 'HTTP:1.1 200 OK\r\n\r\n', /bytes starting "HTTP:", not "HTTP\/"/],
    ['HTTP/2.0', 'HTTP/2.0 200 OK\r\n\r\n', /HTTP version 2\.0 in "HTTP\/2\.0 200 OK" \(expected HTTP\/1\.x\)/],
    ['two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', /malformed status line "HTTP\/1\.1 20 OK"/],
    ['no status', 'HTTP/1.1\r\n\r\n', /malformed status line "HTTP\/1\.1"/],
    ['version without minor', 'HTTP/1 200 OK\r\n\r\n', /malformed status line/],
    ['bare CR in the status line', 'HTTP/1.1 200 O\rK\r\n\r\n', /malformed status line "HTTP\/1\.1 200 O\\rK"/],
    ['101 to CONNECT', 'HTTP/1.1 101 Switching Protocols\r\n\r\n', /not an answer to CONNECT/],
    ['header line without a colon', 'HTTP/1.1 200 OK\r\nnonsense\r\n\r\n', /\("HTTP\/1\.1 200 OK"\) has a malformed header line "nonsense"/],
    ['header name with a space', 'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', /malformed header line/],
    ['empty header name', 'HTTP/1.1 200 OK\r\n: x\r\n\r\n', /malformed header line/],
    ['bare CR in a header', 'HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n', /bare CR/],
  ];
  for (const [name, reply, message] of cases) {
    it(name, () => {
      const whole = run({ target: TD }, [reply]);
      const last: Norm = whole.at(-1)!;
      assert.ok(last.type === 'failed', JSON.stringify(last));
      assert.equal(last.code, 'proxy-protocol');
      assert.match(last.message, message);
      for (let i = 0; i <= reply.length; i++) {
        assert.deepEqual(run({ target: TD }, [reply.slice(0, i), reply.slice(i)]), whole, `split at ${i}`);
      }
    });
  }

  it('a hostile reason phrase is escaped and cut in the message', () => {
    const last = outcome({ target: TD }, `HTTP/1.1 403 \x1b[31m${'x'.repeat(500)}\r\n`);
    assert.ok(last.type === 'failed');
    assert.ok(!last.message.includes('\x1b'));
    assert.ok(last.message.includes('\\u001b[31m'));
    assert.ok(last.message.length < 400, `${last.message.length}`);
    assert.ok(last.message.includes('…"'));
  });
});

describe('header size limit', () => {
  const head = 'HTTP/1.1 200 OK\r\n';
  const filler = (n: number) => `X-Pad: ${'a'.repeat(n - 'X-Pad: \r\n'.length)}\r\n`;

  it(`a header of exactly ${MAX_HEADER_BYTES} bytes is fine`, () => {
    const reply = head + filler(MAX_HEADER_BYTES - head.length - 2) + '\r\n';
    assert.equal(reply.length, MAX_HEADER_BYTES);
    assert.deepEqual(outcome({ target: TD }, reply + 'R'), { type: 'established', status: 200, rest: 'R' });
  });

  it('one byte more is proxy-protocol, whether or not the end ever comes', () => {
    const reply = head + filler(MAX_HEADER_BYTES - head.length - 1) + '\r\n';
    assert.equal(reply.length, MAX_HEADER_BYTES + 1);
    const expected = `proxy's response header to CONNECT example.com:443 is longer than ${MAX_HEADER_BYTES} bytes`;
    for (const chunks of [[reply], [reply.slice(0, MAX_HEADER_BYTES)], [reply.slice(0, 5000), reply.slice(5000, 12000), reply.slice(12000)]]) {
      const last: Norm = run({ target: TD }, chunks).at(-1)!;
      assert.ok(last.type === 'failed');
      assert.equal(last.code, 'proxy-protocol');
      assert.equal(last.message, expected);
    }
  });

  it('an endless status line fails at the limit, not at a timeout', () => {
    const last = run({ target: TD }, ['HTTP/1.1 200 ', 'x'.repeat(MAX_HEADER_BYTES)]).at(-1)!;
    assert.ok(last.type === 'failed' && last.code === 'proxy-protocol' && /longer than/.test(last.message));
  });

  it('misuse is a programming error, not a protocol outcome', () => {
    const hs = new HttpConnectClientHandshake({ target: T4 });
    assert.throws(() => hs.receive(Buffer.from('x')), /before start/);
    hs.start();
    assert.throws(() => hs.start(), /twice/);
    hs.receive(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
    assert.throws(() => hs.receive(Buffer.from('x')), /after the handshake completed/);
  });
});
