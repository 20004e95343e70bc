import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/config-error';
import { configFromProxyUrls, parseProxyUrl, parseProxyUrlDetailed, redactProxyUrl } from '../../src/config/proxy-url';

function throwsMessage(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.file, undefined);
    assert.equal(e.line, undefined);
    return true;
  });
}

describe('parseProxyUrl', () => {
  const good: [string, ReturnType<typeof parseProxyUrl>][] = [
    ['socks5://127.0.0.1:9050', { proxy: { type: 'socks5', host: '127.0.0.1', port: 9050 }, remoteDns: false }],
    ['socks5h://127.0.0.1:9050', { proxy: { type: 'socks5', host: '127.0.0.1', port: 9050 }, remoteDns: true }],
    ['SOCKS5H://proxy.example:1', { proxy: { type: 'socks5', host: 'proxy.example', port: 1 }, remoteDns: true }],
    ['socks5://h', { proxy: { type: 'socks5', host: 'h', port: 1080 }, remoteDns: false }],
    ['socks5://h/', { proxy: { type: 'socks5', host: 'h', port: 1080 }, remoteDns: false }],
    ['socks5://h:65535/', { proxy: { type: 'socks5', host: 'h', port: 65535 }, remoteDns: false }],
    ['socks5://[::1]:1080', { proxy: { type: 'socks5', host: '::1', port: 1080 }, remoteDns: false }],
    ['socks5://[::1]', { proxy: { type: 'socks5', host: '::1', port: 1080 }, remoteDns: false }],
    ['socks5h://[2001:DB8:0:0:0:0:0:1]:9050', { proxy: { type: 'socks5', host: '2001:db8::1', port: 9050 }, remoteDns: true }],
    ['socks5://[::ffff:1.2.3.4]:1', { proxy: { type: 'socks5', host: '::ffff:102:304', port: 1 }, remoteDns: false }],
    ['socks5://[fe80::1%25eth0]:1', { proxy: { type: 'socks5', host: 'fe80::1%eth0', port: 1 }, remoteDns: false }],
    // HTTP Basic takes an empty password; SOCKS5 (RFC 1929) does not (refused below).
    ['http://alice:@h:1', { proxy: { type: 'http', host: 'h', port: 1, username: 'alice', password: '' }, remoteDns: true }],
    ['socks5://alice:s3cret@h:1', { proxy: { type: 'socks5', host: 'h', port: 1, username: 'alice', password: 's3cret' }, remoteDns: false }],
    [
      'socks5h://us%40er%3A1:p%3Aa%2Fs%25s%20w@[::1]:9050',
      { proxy: { type: 'socks5', host: '::1', port: 9050, username: 'us@er:1', password: 'p:a/s%s w' }, remoteDns: true },
    ],
    // Unencoded ':' and '/' in a password: the first ':' and the one '@' delimit it.
    ['socks5://u:pa:ss/w@h:1', { proxy: { type: 'socks5', host: 'h', port: 1, username: 'u', password: 'pa:ss/w' }, remoteDns: false }],
    // SOCKS4 carries a user id and no password: user@ alone is its normal form.
    ['socks4://alice@h:1', { proxy: { type: 'socks4', host: 'h', port: 1, username: 'alice' }, remoteDns: false }],
    ['socks5://%C3%A9t%C3%A9:x@h:1', { proxy: { type: 'socks5', host: 'h', port: 1, username: 'été', password: 'x' }, remoteDns: false }],
    ['socks4://10.0.0.1:1080', { proxy: { type: 'socks4', host: '10.0.0.1', port: 1080 }, remoteDns: false }],
    ['socks4a://user@10.0.0.1:1080', { proxy: { type: 'socks4a', host: '10.0.0.1', port: 1080, username: 'user' }, remoteDns: true }],
    ['http://u:p@proxy:3128', { proxy: { type: 'http', host: 'proxy', port: 3128, username: 'u', password: 'p' }, remoteDns: true }],
    // HTTP CONNECT inside TLS: port 443 unless given, as curl.
    ['https://proxy.example', { proxy: { type: 'https', host: 'proxy.example', port: 443 }, remoteDns: true }],
    ['https://u:p@proxy.example:8443/', { proxy: { type: 'https', host: 'proxy.example', port: 8443, username: 'u', password: 'p' }, remoteDns: true }],
  ];
  for (const [url, expected] of good) {
    it(`parses ${url}`, () => assert.deepEqual(parseProxyUrl(url), expected));
  }

  const bad: [string, string][] = [
    ['socks9://h:1', 'bad proxy URL "socks9://h:1": unknown scheme "socks9" (expected socks5, socks5h, socks4, socks4a, http or https)'],
    ['https://u@h', 'bad proxy URL "https://u@h": user name without a password before "@" (expected USER:PASSWORD@, or USER:@ for an empty password)'],
    ['constructor://h:1', 'bad proxy URL "constructor://h:1": unknown scheme "constructor" (expected socks5, socks5h, socks4, socks4a, http or https)'],
    ['://h:1', 'bad proxy URL "://h:1": unknown scheme "" (expected socks5, socks5h, socks4, socks4a, http or https)'],
    ['127.0.0.1:9050', 'bad proxy URL "127.0.0.1:9050": missing scheme (expected socks5, socks5h, socks4, socks4a, http or https, as in socks5://HOST:PORT)'],
    ['socks5:/h:1', 'bad proxy URL "socks5:/h:1": missing scheme (expected socks5, socks5h, socks4, socks4a, http or https, as in socks5://HOST:PORT)'],
    ['', 'bad proxy URL "": missing scheme (expected socks5, socks5h, socks4, socks4a, http or https, as in socks5://HOST:PORT)'],
    ['socks5://h:0', 'bad proxy URL "socks5://h:0": bad port "0" (expected 1-65535)'],
    ['socks5://h:65536', 'bad proxy URL "socks5://h:65536": bad port "65536" (expected 1-65535)'],
    ['socks5://h:', 'bad proxy URL "socks5://h:": bad port "" (expected 1-65535)'],
    ['socks5://h:x', 'bad proxy URL "socks5://h:x": bad port "x" (expected 1-65535)'],
    ['socks5://[::1]:0', 'bad proxy URL "socks5://[::1]:0": bad port "0" (expected 1-65535)'],
    ['socks5://', 'bad proxy URL "socks5://": missing host'],
    ['socks5://:1080', 'bad proxy URL "socks5://:1080": missing host'],
    ['socks5://u:p@:1080', 'bad proxy URL "socks5://u:***@:1080": missing host'],
    ['socks5://[]:1080', 'bad proxy URL "socks5://[]:1080": missing host'],
    ['socks5://h:1/x', 'bad proxy URL "socks5://h:1/x": has a path "/x" (expected nothing after host:port)'],
    ['socks5://h:1?q=1', 'bad proxy URL "socks5://h:1?q=1": has a path "?q=1" (expected nothing after host:port)'],
    ['socks5://::1:1080', 'bad proxy URL "socks5://::1:1080": IPv6 address "::1:1080" must be in brackets, as in socks5://[::1]:1080'],
    ['socks5://[::1:1080', 'bad proxy URL "socks5://[::1:1080": unclosed "[" in host "[::1:1080"'],
    ['socks5://[::1]1080', 'bad proxy URL "socks5://[::1]1080": unexpected "1080" after the IPv6 address (expected :PORT)'],
    ['socks5://[::g]:1', 'bad proxy URL "socks5://[::g]:1": bad IPv6 address "::g"'],
    ['socks5://[1.2.3.4]:1', 'bad proxy URL "socks5://[1.2.3.4]:1": bad IPv6 address "1.2.3.4"'],
    ['socks5://999.0.0.1:1', 'bad proxy URL "socks5://999.0.0.1:1": bad host "999.0.0.1"'],
    ['socks5://ho st:1', 'bad proxy URL "socks5://ho st:1": bad host "ho st"'],
    ['socks5://@h:1', 'bad proxy URL "socks5://@h:1": empty username before "@"'],
    ['socks5://:pw@h:1', 'bad proxy URL "socks5://:***@h:1": empty username before "@"'],
    ['socks5://u%zz:p@h:1', 'bad proxy URL "socks5://u%zz:***@h:1": bad percent-encoding in the username'],
    ['socks5://u:p%E0%A4@h:1', 'bad proxy URL "socks5://u:***@h:1": bad percent-encoding in the password'],
    [`socks5://${'a'.repeat(256)}:x@h:1`, `bad proxy URL "socks5://${'a'.repeat(256)}:***@h:1": username longer than 255 bytes (the SOCKS5 limit)`],
    // Issue 11 item 9: accepted before, then failing at every connection.
    ['socks5://alice@h:1', 'bad proxy URL "socks5://alice@h:1": user name without a password before "@" (expected USER:PASSWORD@; SOCKS5 login (RFC 1929) needs a user name and a password of 1-255 bytes each)'],
    ['socks5h://alice@h:1', 'bad proxy URL "socks5h://alice@h:1": user name without a password before "@" (expected USER:PASSWORD@; SOCKS5 login (RFC 1929) needs a user name and a password of 1-255 bytes each)'],
    ['http://alice@h:1', 'bad proxy URL "http://alice@h:1": user name without a password before "@" (expected USER:PASSWORD@, or USER:@ for an empty password)'],
    // The empty password the old advice suggested: accepted, then refused at every connection.
    ['socks5h://alice:@h:1', 'bad proxy URL "socks5h://alice:***@h:1": empty password after "USER:" (SOCKS5 login (RFC 1929) needs a user name and a password of 1-255 bytes each)'],
    ['socks5://alice:@h:1', 'bad proxy URL "socks5://alice:***@h:1": empty password after "USER:" (SOCKS5 login (RFC 1929) needs a user name and a password of 1-255 bytes each)'],
    ['socks5h://:@h:1', 'bad proxy URL "socks5h://:***@h:1": empty username before "@"'],
    ['socks5://a@b@h:1', 'bad proxy URL "socks5://a@b@h:1": more than one "@" (write an "@" inside the user name or password as %40)'],
    ['socks5://u:pa@ss@h:1', 'bad proxy URL "socks5://u:***@h:1": more than one "@" (write an "@" inside the user name or password as %40)'],
    [`socks5://u:${'é'.repeat(128)}@h:1`, 'bad proxy URL "socks5://u:***@h:1": password longer than 255 bytes (the SOCKS5 limit)'],
  ];
  for (const [url, message] of bad) {
    it(`rejects ${JSON.stringify(url.length > 40 ? url.slice(0, 40) + '…' : url)}`, () => throwsMessage(() => parseProxyUrl(url), message));
  }

  it('never prints the password', () => {
    assert.equal(redactProxyUrl('socks5://u:hunter2@h:1'), 'socks5://u:***@h:1');
    assert.equal(redactProxyUrl('socks5://u@h:1'), 'socks5://u@h:1');
    assert.equal(redactProxyUrl('socks5://h:1'), 'socks5://h:1');
    assert.throws(() => parseProxyUrl('socks5://u:hunter2@h:0'), (e: unknown) => !String(e).includes('hunter2'));
  });
});

describe('proxy URLs that probably do not say what was meant (issue 11 item 6)', () => {
  it('warns when the "password" looks like a port: socks5h://1.2.3.4:1080@evil goes to evil', () => {
    const p = parseProxyUrlDetailed('socks5h://1.2.3.4:1080@evil');
    assert.equal(p.proxy.host, 'evil');
    assert.equal(
      p.warning,
      'proxy URL "socks5h://1.2.3.4:***@evil": "1.2.3.4:…@" is read as a user name and password, so the proxy is the host after "@", not 1.2.3.4',
    );
    const c = configFromProxyUrls(['socks5h://1.2.3.4:1080@evil:1080']);
    assert.deepEqual(c.notices, [
      'proxy URL "socks5h://1.2.3.4:***@evil:1080": "1.2.3.4:…@" is read as a user name and password, so the proxy is the host after "@", not 1.2.3.4',
    ]);
  });

  it('does not warn for ordinary credentials', () => {
    assert.equal(parseProxyUrlDetailed('socks5h://alice:1234@h:1').warning, undefined);
    assert.equal(parseProxyUrlDetailed('socks5h://alice:s3cret@1.2.3.4:1').warning, undefined);
    assert.equal(configFromProxyUrls(['socks5h://alice:1234@h:1']).notices, undefined);
  });

  it('says once that names are resolved locally, worded for the scheme', () => {
    assert.deepEqual(configFromProxyUrls(['socks5://h:1']).notices, ['names are resolved locally; use socks5h:// to resolve them through the proxy']);
    assert.deepEqual(configFromProxyUrls(['socks5h://a:1', 'socks4://h:1']).notices, ['names are resolved locally; use socks4a:// to resolve them through the proxy']);
    for (const url of ['socks5h://h:1', 'socks4a://h:1', 'http://h:1']) assert.equal(configFromProxyUrls([url]).notices, undefined, url);
  });
});

describe('configFromProxyUrls', () => {
  it('builds a strict chain with the defaults', () => {
    assert.deepEqual(configFromProxyUrls(['socks5h://127.0.0.1:9050']), {
      chainType: 'strict',
      proxies: [{ type: 'socks5', host: '127.0.0.1', port: 9050 }],
      proxyDns: true,
      remoteDnsSubnet: 240,
      tcpReadTimeoutMs: 15000,
      tcpConnectTimeoutMs: 8000,
      localnets: [],
      quiet: false,
      source: '-x',
    });
  });

  it('keeps the order and takes remote DNS from the last hop only', () => {
    const a = configFromProxyUrls(['socks5h://a:1', 'socks5://b:2']);
    assert.deepEqual(a.proxies.map((p) => p.host), ['a', 'b']);
    assert.equal(a.proxyDns, false);
    assert.equal(configFromProxyUrls(['socks5://a:1', 'socks5h://b:2']).proxyDns, true);
  });

  it('rejects an empty list', () => {
    throwsMessage(() => configFromProxyUrls([]), 'no proxy URL given (expected -x socks5://HOST:PORT)');
  });

  it('passes on the URL error', () => {
    throwsMessage(() => configFromProxyUrls(['socks5://a:1', 'socks5://b:0']), 'bad proxy URL "socks5://b:0": bad port "0" (expected 1-65535)');
  });

  it('accepts every upstream type (issue 3): socks4, socks4a and http, mixed with socks5', () => {
    const c = configFromProxyUrls(['socks5://a:1', 'socks4://u:pw@b:2', 'socks4a://c:3', 'http://u:pw@[::1]:3128']);
    assert.deepEqual(c.proxies, [
      { type: 'socks5', host: 'a', port: 1 },
      { type: 'socks4', host: 'b', port: 2, username: 'u', password: 'pw' },
      { type: 'socks4a', host: 'c', port: 3 },
      { type: 'http', host: '::1', port: 3128, username: 'u', password: 'pw' },
    ]);
    // socks4a and http carry names, so the last hop being one of them turns remote DNS on.
    assert.equal(c.proxyDns, true);
    assert.equal(configFromProxyUrls(['http://a:1', 'socks4://b:2']).proxyDns, false);
    assert.equal(configFromProxyUrls(['socks4a://b:2']).proxyDns, true);
  });

  it('rejects credentials the proxy type cannot carry, naming why', () => {
    throwsMessage(
      () => configFromProxyUrls(['http://a%3Ab:pw@h:1']),
      'bad proxy URL "http://a%3Ab:***@h:1": username contains ":", which HTTP Basic authentication cannot carry',
    );
    throwsMessage(
      () => configFromProxyUrls(['socks4://a%00b@h:1']),
      'bad proxy URL "socks4://a%00b@h:1": username contains a NUL byte, which SOCKS4 cannot carry',
    );
  });
});
