import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyChainOptions } from '../../src/cli/chain-options';
import { ConfigError } from '../../src/config/config-error';
import { configFromProxyUrls } from '../../src/config/proxy-url';
import { parseProxychainsConf } from '../../src/config/proxychains-conf';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('--proxy-cacert and --proxy-insecure reach every https hop, and only those; insecure is warned about', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sw-tlsopt-'));
  try {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, PEM);
    const config = applyChainOptions(configFromProxyUrls(['socks5h://10.0.0.1:1080', 'https://u:p@proxy.test', 'https://[2001:db8::1]:8443']), { proxyCacert: ca, proxyInsecure: true });
    assert.equal(config.proxies[0]!.tls, undefined);
    assert.deepEqual(config.proxies[1], { type: 'https', host: 'proxy.test', port: 443, username: 'u', password: 'p', tls: { ca: PEM, caFile: ca, insecure: true } });
    assert.deepEqual(config.proxies[2]!.tls, { ca: PEM, caFile: ca, insecure: true });
    assert.ok(config.notices?.some((n) => /^--proxy-insecure: the https proxy's certificate is not checked/.test(n)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--proxy-cacert: a missing file or one without a PEM certificate is a ConfigError naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sw-tlsopt-'));
  try {
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, 'not a certificate\n');
    const base = () => configFromProxyUrls(['https://proxy.test']);
    assert.throws(() => applyChainOptions(base(), { proxyCacert: join(dir, 'missing.pem') }), (e: unknown) => e instanceof ConfigError && /--proxy-cacert \S+missing\.pem: cannot read it \(ENOENT\)/.test(e.message));
    assert.throws(() => applyChainOptions(base(), { proxyCacert: empty }), (e: unknown) => e instanceof ConfigError && /no PEM certificate in it/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('proxychains.conf: an https line (proxychains-ng has none) is an https hop with its port as written', () => {
  const config = parseProxychainsConf('strict_chain\nproxy_dns\n[ProxyList]\nhttps proxy.test 8443 alice s3cret\n', 'x.conf');
  assert.deepEqual(config.proxies, [{ type: 'https', host: 'proxy.test', port: 8443, username: 'alice', password: 's3cret' }]);
});
