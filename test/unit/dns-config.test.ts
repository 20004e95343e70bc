// The pieces of remote DNS that come from files and options (issue 12): resolv.conf's
// nameservers (the destinations the agent answers), --dns-server / remote_dns_server.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ipaddr from 'ipaddr.js';
import { Nameservers } from '../../src/agent/resolv-conf';
import { parseDnsServer } from '../../src/config/dns-server';
import { parseProxychainsConf } from '../../src/config/proxychains-conf';
import { ConfigError } from '../../src/config/config-error';

describe('resolv.conf nameservers', () => {
  it('IPv4 and IPv6 in file order, %scope dropped, comments and other lines ignored, v4-mapped unwrapped', () => {
    const n = new Nameservers('# x\nsearch lan\nnameserver 192.168.1.1\nnameserver fe80::1%eth0 ; lan\nnameserver ::ffff:10.0.0.1\nnameserver bogus\noptions edns0\nnameserver 192.168.1.1\n');
    assert.deepEqual(n.list, ['192.168.1.1', 'fe80::1', '10.0.0.1']);
    assert.ok(n.has(ipaddr.parse('192.168.1.1')));
    assert.ok(!n.has(ipaddr.parse('192.168.1.2')));
  });
  it('without a nameserver line, the local host (as glibc and c-ares default)', () => {
    assert.deepEqual(new Nameservers('search lan\n').list, ['127.0.0.1', '::1']);
  });
});

describe('--dns-server and remote_dns_server', () => {
  it('IP[:PORT], IPv6 bare or bracketed, port 53 by default', () => {
    assert.deepEqual(parseDnsServer('192.0.2.53'), { address: '192.0.2.53', port: 53 });
    assert.deepEqual(parseDnsServer('192.0.2.53:5353'), { address: '192.0.2.53', port: 5353 });
    assert.deepEqual(parseDnsServer('2001:db8::53'), { address: '2001:db8::53', port: 53 });
    assert.deepEqual(parseDnsServer('[2001:db8::53]:54'), { address: '2001:db8::53', port: 54 });
    for (const bad of ['resolver.test', '192.0.2.53:0', '192.0.2.53:70000', '[2001:db8::53', '1.2.3', '']) assert.equal(parseDnsServer(bad), undefined, bad);
  });
  it('the directive in a file; a bad value names file:line and what was expected', () => {
    const c = parseProxychainsConf('proxy_dns\nremote_dns_server 192.0.2.53:5353\n[ProxyList]\nsocks5 127.0.0.1 1080\n', 'p.conf');
    assert.deepEqual(c.dnsServer, { address: '192.0.2.53', port: 5353 });
    assert.throws(
      () => parseProxychainsConf('remote_dns_server dns.test\n[ProxyList]\nsocks5 127.0.0.1 1080\n', 'p.conf'),
      (e: unknown) => e instanceof ConfigError && /p\.conf:1/.test(e.toString()) && /expected remote_dns_server IP\[:PORT\]/.test(e.toString()),
    );
  });
});
