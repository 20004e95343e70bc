// --tor, --isolate, tor_proxy / tor_isolate and the isolation credentials (docs/tor.md).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { ConfigError } from '../../src/config/config-error';
import { parseProxychainsConf } from '../../src/config/proxychains-conf';
import { applyTorIsolation, parseTorEndpoint, torConfig, TOR_SOCKS5_USERNAME } from '../../src/config/tor-config';
import { proxiesForPid, isolatesByProcess } from '../../src/client/tor-isolation';
import { createHandshake } from '../../src/client/hop-codec';
import { addTorOptions, normalizeTorArgs } from '../../src/cli/tor-options';
import { buildProgram } from '../../src/cli/main';
import { Socks5ClientHandshake } from '../../src/protocol/socks5-codec';

const FIXED = (): Buffer => Buffer.alloc(16, 0xab);
const RUN_ID = `sockswrap-${'ab'.repeat(16)}`;
const conf = (...lines: string[]): string => lines.join('\n') + '\n';

function throwsAt(fn: () => unknown, line: number | undefined, detail: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.line, line);
    assert.match(e.detail, detail);
    return true;
  });
}

describe('--tor', () => {
  it('defaults to 127.0.0.1:9050 with remote DNS, one Tor hop', () => {
    const c = torConfig(undefined, {});
    assert.deepEqual(c.proxies, [{ type: 'socks5', host: '127.0.0.1', port: 9050, tor: true }]);
    assert.equal(c.proxyDns, true);
    assert.equal(c.notices, undefined, 'no "names are resolved locally" notice');
  });
  it('takes $TOR_SOCKS_HOST / $TOR_SOCKS_PORT, and HOST:PORT over them', () => {
    assert.deepEqual(torConfig('', { TOR_SOCKS_HOST: '10.1.2.3', TOR_SOCKS_PORT: '9150' }).proxies[0], { type: 'socks5', host: '10.1.2.3', port: 9150, tor: true });
    assert.deepEqual(torConfig('', { TOR_SOCKS_HOST: '::1' }).proxies[0], { type: 'socks5', host: '::1', port: 9050, tor: true });
    assert.deepEqual(torConfig('[::1]:9150', { TOR_SOCKS_HOST: '10.1.2.3' }).proxies[0], { type: 'socks5', host: '::1', port: 9150, tor: true });
  });
  it('refuses a bad HOST:PORT, naming the value and the form', () => {
    for (const bad of ['127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', 'a b:1', '[zz]:1', '0x7f.1:9050']) {
      throwsAt(() => torConfig(bad, {}), undefined, new RegExp(`--tor: bad value .*expected HOST:PORT`));
    }
    throwsAt(() => torConfig('', { TOR_SOCKS_PORT: 'x' }), undefined, /TOR_SOCKS_PORT/);
  });
  it('parseTorEndpoint: names, IPv4, bracketed IPv6', () => {
    assert.deepEqual(parseTorEndpoint('tor.local:9050'), { host: 'tor.local', port: 9050 });
    assert.deepEqual(parseTorEndpoint('[2001:db8::1]:1'), { host: '2001:db8::1', port: 1 });
    assert.equal(parseTorEndpoint('2001:db8::1:9050'), undefined);
  });
});

describe('stream isolation credentials', () => {
  it('run (the default): <torS0X>0 and one random isolation string per run', () => {
    const c = applyTorIsolation(torConfig(undefined, {}), undefined, false, FIXED);
    assert.deepEqual(c.proxies[0], { type: 'socks5', host: '127.0.0.1', port: 9050, tor: true, isolation: 'run', username: TOR_SOCKS5_USERNAME, password: RUN_ID });
    const a = applyTorIsolation(torConfig(undefined, {}), 'run', true).proxies[0]!.password;
    const b = applyTorIsolation(torConfig(undefined, {}), 'run', true).proxies[0]!.password;
    assert.notEqual(a, b, 'two runs, two strings');
  });
  it('the handshake sends them as RFC 1929 username/password', () => {
    const hop = applyTorIsolation(torConfig(undefined, {}), undefined, false, FIXED).proxies[0]!;
    const hs = createHandshake(hop, { kind: 'domain', host: 'x.test', port: 80 });
    assert.deepEqual(hs.start()[0], { type: 'send', bytes: Buffer.from([5, 2, 0, 2]) });
    const auth = hs.receive(Buffer.from([5, 2]))[0] as { bytes: Buffer };
    assert.deepEqual(auth.bytes, Buffer.concat([Buffer.from([1, 9]), Buffer.from('<torS0X>0'), Buffer.from([RUN_ID.length]), Buffer.from(RUN_ID)]));
  });
  it('off: nothing is sent', () => {
    const c = applyTorIsolation(torConfig(undefined, {}), 'off', true, FIXED);
    assert.deepEqual(c.proxies[0], { type: 'socks5', host: '127.0.0.1', port: 9050, tor: true });
  });
  it('process: the run string plus the pid, per pid, only for that hop; the dial path is not used', () => {
    const c = applyTorIsolation(torConfig(undefined, {}), 'process', true, FIXED);
    assert.equal(isolatesByProcess(c.proxies), true);
    const p1 = proxiesForPid(c.proxies, 101);
    const p2 = proxiesForPid(c.proxies, 202);
    assert.equal(p1[0]!.password, `${RUN_ID}-pid-101`);
    assert.equal(p2[0]!.password, `${RUN_ID}-pid-202`);
    assert.equal(p1[0]!.username, TOR_SOCKS5_USERNAME);
    assert.equal(proxiesForPid(c.proxies, 101), p1, 'kept per pid');
    const run = applyTorIsolation(torConfig(undefined, {}), 'run', true, FIXED);
    assert.equal(proxiesForPid(run.proxies, 101), run.proxies, 'run mode: the same hops for every pid');
    assert.equal(isolatesByProcess(run.proxies), false);
  });
  it("a Tor hop's own credentials are kept, and a notice says so", () => {
    const c = parseProxychainsConf(conf('tor_proxy 127.0.0.1:9050', '[ProxyList]', 'socks5 127.0.0.1 9050 me secret'), 'p.conf');
    applyTorIsolation(c, 'process', true, FIXED);
    assert.equal(c.proxies[0]!.username, 'me');
    assert.equal(c.proxies[0]!.password, 'secret');
    assert.equal(c.proxies[0]!.isolation, undefined);
    assert.match(c.notices!.join('\n'), /socks5 127\.0\.0\.1:9050 is Tor and has credentials of its own: they are sent as configured/);
  });
  it('a socks4a Tor hop gets the isolation string as its USERID', () => {
    const c = parseProxychainsConf(conf('tor_proxy 127.0.0.1:9050', '[ProxyList]', 'socks4 127.0.0.1 9050'), 'p.conf');
    applyTorIsolation(c, undefined, false, FIXED);
    assert.equal(c.proxies[0]!.username, RUN_ID);
    assert.equal(c.proxies[0]!.password, undefined);
  });
  it('--isolate without a Tor hop is an error', () => {
    const c = parseProxychainsConf(conf('proxy_dns', '[ProxyList]', 'socks5 127.0.0.1 1080'), 'p.conf');
    throwsAt(() => applyTorIsolation(c, 'run', true), undefined, /--isolate applies to Tor hops/);
    assert.equal(applyTorIsolation(c, undefined, false).proxies[0]!.username, undefined, 'not a Tor hop: untouched');
  });
});

describe('proxychains.conf: tor_proxy and tor_isolate', () => {
  it('tor_proxy marks the line with that host and port, and turns remote DNS on', () => {
    const c = parseProxychainsConf(conf('tor_proxy 127.0.0.1:9050', '[ProxyList]', 'http 10.0.0.1 3128', 'socks5 127.0.0.1 9050'), 'p.conf');
    assert.equal(c.proxies[0]!.tor, undefined);
    assert.equal(c.proxies[1]!.tor, true);
    assert.equal(c.proxyDns, true);
    assert.doesNotMatch((c.notices ?? []).join('\n'), /resolved locally/);
  });
  it('tor_isolate sets the default mode; --isolate overrides it', () => {
    const text = conf('tor_isolate off', 'tor_proxy [::1]:9050', '[ProxyList]', 'socks5 ::1 9050');
    assert.equal(applyTorIsolation(parseProxychainsConf(text, 'p.conf'), undefined, false).proxies[0]!.username, undefined);
    assert.equal(applyTorIsolation(parseProxychainsConf(text, 'p.conf'), 'run', true).proxies[0]!.username, TOR_SOCKS5_USERNAME);
  });
  it('errors name file:line and what was expected', () => {
    const p = (text: string) => () => parseProxychainsConf(text, 'p.conf');
    throwsAt(p(conf('tor_proxy 127.0.0.1', '[ProxyList]', 'socks5 127.0.0.1 9050')), 1, /^bad value "127\.0\.0\.1" for tor_proxy \(expected tor_proxy HOST:PORT/);
    throwsAt(p(conf('tor_proxy', '[ProxyList]', 'socks5 127.0.0.1 9050')), 1, /^missing value for tor_proxy/);
    throwsAt(p(conf('proxy_dns', 'tor_proxy 127.0.0.1:9150', '[ProxyList]', 'socks5 127.0.0.1 9050')), 2, /^tor_proxy 127\.0\.0\.1:9150: no \[ProxyList\] line has this host and port$/);
    throwsAt(p(conf('tor_proxy 127.0.0.1:9050', '[ProxyList]', 'http 127.0.0.1 9050')), 1, /that \[ProxyList\] line is http/);
    throwsAt(p(conf('tor_isolate circuit', '[ProxyList]', 'socks5 127.0.0.1 9050')), 1, /^bad value "circuit" for tor_isolate \(expected tor_isolate run, process, off\)$/);
  });
});

describe('argv: --tor and --isolate before the program', () => {
  const program = buildProgram();
  it('a bare --tor does not eat the program; --tor HOST:PORT takes its value', () => {
    assert.deepEqual(normalizeTorArgs(program, ['--tor', 'curl', 'x']), ['--tor=', 'curl', 'x']);
    assert.deepEqual(normalizeTorArgs(program, ['--tor', '10.0.0.1:9050', 'curl']), ['--tor', '10.0.0.1:9050', 'curl']);
    assert.deepEqual(normalizeTorArgs(program, ['--isolate', '--tor', '--', 'curl']), ['--isolate=run', '--tor=', '--', 'curl']);
  });
  it("stops at the program and skips options' values", () => {
    assert.deepEqual(normalizeTorArgs(program, ['-f', '--tor', 'prog', '--tor']), ['-f', '--tor', 'prog', '--tor']);
    assert.deepEqual(normalizeTorArgs(program, ['prog', '--isolate']), ['prog', '--isolate']);
    assert.deepEqual(normalizeTorArgs(program, ['--chain', 'strict', '--tor', 'prog']), ['--chain', 'strict', '--tor=', 'prog']);
  });
  it('commander reads the normalized forms', () => {
    const c = addTorOptions(new Command().exitOverride()).argument('[p...]');
    c.parse(normalizeTorArgs(c, ['--tor', '--isolate', 'prog']), { from: 'user' });
    assert.deepEqual(c.opts(), { tor: '', isolate: 'run' });
    const d = addTorOptions(new Command().exitOverride()).argument('[p...]');
    d.parse(['--tor', '1.2.3.4:9050', '--isolate=process', 'prog'], { from: 'user' });
    assert.deepEqual(d.opts(), { tor: '1.2.3.4:9050', isolate: 'process' });
  });
});

describe("Tor's RESOLVE (0xF0) and RESOLVE_PTR (0xF1) in the SOCKS5 codec", () => {
  it('RESOLVE sends the name with port 0 and reads the address from BND.ADDR', () => {
    const hs = new Socks5ClientHandshake({ target: { kind: 'domain', host: 'www.tor.test', port: 0 }, command: 'resolve' });
    hs.start();
    const req = hs.receive(Buffer.from([5, 0]))[0] as { bytes: Buffer };
    assert.deepEqual(req.bytes, Buffer.concat([Buffer.from([5, 0xf0, 0, 3, 12]), Buffer.from('www.tor.test'), Buffer.from([0, 0])]));
    assert.deepEqual(hs.receive(Buffer.from([5, 0, 0, 1, 198, 19, 3, 80, 0, 0])), [{ type: 'established', bound: { kind: 'ipv4', host: '198.19.3.80', port: 0 }, rest: Buffer.alloc(0) }]);
  });
  it('RESOLVE_PTR sends the address and reads the name (ATYP 0x03)', () => {
    const hs = new Socks5ClientHandshake({ target: { kind: 'ipv4', host: '198.19.3.80', port: 0 }, command: 'resolve-ptr' });
    hs.start();
    const req = hs.receive(Buffer.from([5, 0]))[0] as { bytes: Buffer };
    assert.deepEqual(req.bytes, Buffer.from([5, 0xf1, 0, 1, 198, 19, 3, 80, 0, 0]));
    const events = hs.receive(Buffer.concat([Buffer.from([5, 0, 0, 3, 12]), Buffer.from('www.tor.test'), Buffer.from([0, 0])]));
    assert.deepEqual(events, [{ type: 'established', bound: { kind: 'domain', host: 'www.tor.test', port: 0 }, rest: Buffer.alloc(0) }]);
  });
  it("Tor's no-such-name (0x04) is host-unreachable, named as RESOLVE", () => {
    const hs = new Socks5ClientHandshake({ target: { kind: 'domain', host: 'nx.test', port: 0 }, command: 'resolve' });
    hs.start();
    hs.receive(Buffer.from([5, 0]));
    const e = hs.receive(Buffer.from([5, 4, 0, 1, 0, 0, 0, 0, 0, 0]))[0] as { type: "failed"; error: { code: string; message: string } };
    assert.equal(e.error.code, 'host-unreachable');
    assert.match(e.error.message, /^RESOLVE nx\.test:0 refused by proxy \(reply 0x04 host unreachable\)$/);
  });
});
