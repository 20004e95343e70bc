// `sockswrap serve`'s flags: listen addresses, logins, and the rule that only loopback is served
// without a login or --allow-open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuth, parseListen, serveConfig, ServeUsageError } from '../../src/serve/serve-options';

test('--listen forms', () => {
  const cases: Array<[string, string, number]> = [
    ['127.0.0.1:1080', '127.0.0.1', 1080], [':2000', '127.0.0.1', 2000], ['127.0.0.2', '127.0.0.2', 1080],
    ['[::1]:1081', '::1', 1081], ['::1', '::1', 1080], ['localhost:9', '127.0.0.1', 9], ['0.0.0.0:0', '0.0.0.0', 0],
    ['[0:0:0:0:0:0:0:1]:5', '::1', 5],
  ];
  for (const [text, host, port] of cases) assert.deepEqual(parseListen(text), { host, port }, text);
  for (const bad of ['example.com:1080', '127.0.0.1:65536', '127.0.0.1:x', '1.2.3:80', '0x7f.1:80', '[::1]:', '[fe80::1%eth0]:1', '']) {
    assert.throws(() => parseListen(bad), ServeUsageError, bad);
  }
});

test('--auth is USER:PASS, the first colon splitting, each 1..255 bytes', () => {
  assert.deepEqual(parseAuth('alice:pa:ss'), { username: 'alice', password: 'pa:ss' });
  for (const bad of ['alice', ':pw', 'alice:', `${'u'.repeat(256)}:pw`, `u:${'é'.repeat(128)}`]) assert.throws(() => parseAuth(bad), ServeUsageError, bad);
});

test('only loopback without --auth or --allow-open; otherwise a warning', () => {
  assert.equal(serveConfig({}).warning, undefined);
  assert.deepEqual([serveConfig({}).host, serveConfig({}).port], ['127.0.0.1', 1080]);
  assert.equal(serveConfig({ listen: '[::1]:1' }).warning, undefined);
  assert.equal(serveConfig({ listen: '127.9.9.9:1' }).warning, undefined);
  for (const listen of ['0.0.0.0:1080', '[::]:1080', '192.0.2.1:1080', '[::ffff:192.0.2.1]:1']) {
    assert.throws(() => serveConfig({ listen }), /refusing to listen on .*not a loopback address.*--auth USER:PASS, or --allow-open/, listen);
    assert.match(serveConfig({ listen, allowOpen: true }).warning!, /no login \(--allow-open\): anyone who can reach it/);
    assert.match(serveConfig({ listen, auth: 'a:b' }).warning!, /knows the login.*SOCKS4 clients are refused/);
  }
});
