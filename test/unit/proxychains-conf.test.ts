import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/config-error';
import { parseProxychainsConf, parseProxychainsConfUnchecked } from '../../src/config/proxychains-conf';
import type { SockswrapConfig } from '../../src/config/config-types';

const FILE = 'proxychains.conf';
const conf = (...lines: string[]): string => lines.join('\n') + '\n';
const parse = (text: string): SockswrapConfig => parseProxychainsConf(text, FILE);
const LIST = ['[ProxyList]', 'socks5 127.0.0.1 1080'];

/** Asserts the exact "file:line: message" text a user would read. */
function throwsAt(text: string, line: number | undefined, detail: string, file = FILE): void {
  assert.throws(
    () => parseProxychainsConf(text, file),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
      assert.equal(e.detail, detail);
      assert.equal(e.file, file);
      assert.equal(e.line, line);
      assert.equal(e.message, line === undefined ? `${file}: ${detail}` : `${file}:${line}: ${detail}`);
      assert.equal(String(e), e.message);
      return true;
    },
  );
}

describe('proxychains.conf: the stock proxychains-ng 4.16 file', () => {
  // The active lines of the shipped src/proxychains.conf, at their places between comments.
  const STOCK = conf(
    '# proxychains.conf  VER 4.x',
    '#',
    '#dynamic_chain',
    'strict_chain',
    '#round_robin_chain',
    '#random_chain',
    '#chain_len = 2',
    '#quiet_mode',
    'proxy_dns',
    '#proxy_dns_old',
    '#proxy_dns_daemon 127.0.0.1:1053',
    '#remote_dns_subnet 127 ',
    'remote_dns_subnet 224',
    '',
    '# Some timeouts in milliseconds',
    'tcp_read_time_out 15000',
    'tcp_connect_time_out 8000',
    '# localnet 192.168.1.0:80/255.255.255.0',
    '# dnat 1.1.1.1:1234  1.1.1.2:443',
    '#            \tsocks5\t192.168.67.78\t1080\tlamer\tsecret',
    '[ProxyList]',
    '# add proxy here ...',
    '# defaults set to "tor"',
    'socks4 \t127.0.0.1 9050',
  );

  it('parses every setting (socks4 included) before the support check', () => {
    const { config, lines } = parseProxychainsConfUnchecked(STOCK, FILE);
    assert.deepEqual(config, {
      chainType: 'strict',
      proxies: [{ type: 'socks4', host: '127.0.0.1', port: 9050 }],
      proxyDns: true,
      remoteDnsSubnet: 224,
      tcpReadTimeoutMs: 15000,
      tcpConnectTimeoutMs: 8000,
      localnets: [],
      quiet: false,
      source: FILE,
      origin: { proxyList: 21, chain: 4 },
    });
    assert.deepEqual(lines, { proxyList: 21, chain: 4, proxyDns: 9, remoteDnsSubnet: 13, dnat: [], proxies: [24], localnets: [] });
  });

  it('is accepted as shipped, socks4 (tor) proxy included', () => {
    assert.deepEqual(parse(STOCK).proxies, [{ type: 'socks4', host: '127.0.0.1', port: 9050 }]);
  });

  it('parses fully once the proxy is socks5', () => {
    const config = parse(STOCK.replace('socks4 \t127.0.0.1 9050', 'socks5 \t127.0.0.1 9050'));
    assert.deepEqual(config.proxies, [{ type: 'socks5', host: '127.0.0.1', port: 9050 }]);
    assert.equal(config.proxyDns, true);
    assert.equal(config.remoteDnsSubnet, 224);
  });

  it('parses the examples its comments give', () => {
    const { config } = parseProxychainsConfUnchecked(
      conf(
        'localnet 192.168.1.0:80/255.255.255.0',
        'localnet 192.168.100.0/255.255.255.0',
        'localnet 0.0.0.0:80/0.0.0.0',
        'localnet [::]:80/0',
        'localnet 127.0.0.0/255.0.0.0',
        'localnet ::1/128',
        'localnet 10.0.0.0/255.0.0.0',
        'localnet 172.16.0.0/255.240.0.0',
        'localnet 192.168.0.0/255.255.0.0',
        'dnat 1.1.1.1:1234  1.1.1.2:443',
        'dnat 1.1.1.2:443  1.1.1.2',
        'dnat 1.1.1.1  1.1.1.2:443',
        'dnat 1.1.1.1  1.1.1.2',
        '[ProxyList]',
        '            \tsocks5\t192.168.67.78\t1080\tlamer\tsecret',
        '\t\thttp\t192.168.89.3\t8080\tjustu\thidden',
        '\t \tsocks4\t192.168.1.49\t1080',
        '\t        http\t192.168.39.93\t8080\t',
      ),
      FILE,
    );
    assert.deepEqual(config.localnets, [
      { address: '192.168.1.0', prefixLength: 24, port: 80 },
      { address: '192.168.100.0', prefixLength: 24 },
      { address: '0.0.0.0', prefixLength: 0, port: 80 },
      { address: '::', prefixLength: 0, port: 80 },
      { address: '127.0.0.0', prefixLength: 8 },
      { address: '::1', prefixLength: 128 },
      { address: '10.0.0.0', prefixLength: 8 },
      { address: '172.16.0.0', prefixLength: 12 },
      { address: '192.168.0.0', prefixLength: 16 },
    ]);
    assert.deepEqual(config.dnat, [
      { from: { address: '1.1.1.1', port: 1234 }, to: { address: '1.1.1.2', port: 443 } },
      { from: { address: '1.1.1.2', port: 443 }, to: { address: '1.1.1.2' } },
      { from: { address: '1.1.1.1' }, to: { address: '1.1.1.2', port: 443 } },
      { from: { address: '1.1.1.1' }, to: { address: '1.1.1.2' } },
    ]);
    assert.deepEqual(config.proxies, [
      { type: 'socks5', host: '192.168.67.78', port: 1080, username: 'lamer', password: 'secret' },
      { type: 'http', host: '192.168.89.3', port: 8080, username: 'justu', password: 'hidden' },
      { type: 'socks4', host: '192.168.1.49', port: 1080 },
      { type: 'http', host: '192.168.39.93', port: 8080 },
    ]);
  });
});

describe('proxychains.conf: directives', () => {
  it('uses the defaults for an otherwise empty file', () => {
    assert.deepEqual(parse(conf(...LIST)), {
      chainType: 'strict',
      proxies: [{ type: 'socks5', host: '127.0.0.1', port: 1080 }],
      proxyDns: false,
      remoteDnsSubnet: 240,
      tcpReadTimeoutMs: 15000,
      tcpConnectTimeoutMs: 8000,
      localnets: [],
      quiet: false,
      source: FILE,
      notices: [`names are resolved locally; add proxy_dns to ${FILE} to resolve them through the proxy`],
      origin: { proxyList: 1 },
    });
  });

  it('reads every supported directive', () => {
    const c = parse(
      conf(
        'strict_chain',
        'proxy_dns',
        'remote_dns_subnet 250',
        'tcp_read_time_out 1000',
        'tcp_connect_time_out 2000',
        'localnet 10.0.0.0/8',
        'quiet_mode',
        ...LIST,
      ),
    );
    assert.equal(c.chainType, 'strict');
    assert.equal(c.proxyDns, true);
    assert.equal(c.remoteDnsSubnet, 250);
    assert.equal(c.tcpReadTimeoutMs, 1000);
    assert.equal(c.tcpConnectTimeoutMs, 2000);
    assert.deepEqual(c.localnets, [{ address: '10.0.0.0', prefixLength: 8 }]);
    assert.equal(c.quiet, true);
  });

  it('takes remote_dns_subnet at both ends of the reserved 224-254 (multicast and class E)', () => {
    assert.equal(parse(conf('remote_dns_subnet 224', ...LIST)).remoteDnsSubnet, 224);
    assert.equal(parse(conf('remote_dns_subnet 254', ...LIST)).remoteDnsSubnet, 254);
  });

  // Issue 11 item 5: fake addresses on loopback reach local servers; elsewhere, real hosts.
  it('refuses remote_dns_subnet outside reserved ranges, at its line', () => {
    const rule = '(expected remote_dns_subnet N, N 224-254: a reserved range (multicast or class E), as the default 240)';
    throwsAt(conf('proxy_dns', 'remote_dns_subnet 127', ...LIST), 2, `bad value "127" for remote_dns_subnet: 127.0.0.0/8 is loopback: fake addresses would reach local servers ${rule}`);
    for (const n of [0, 10, 100, 169, 172, 192, 198, 223, 255]) {
      throwsAt(conf('remote_dns_subnet ' + n, ...LIST), 1, `bad value "${n}" for remote_dns_subnet: ${n}.0.0.0/8 is not a reserved range: fake addresses could be real hosts ${rule}`);
    }
  });

  it('refuses a remote_dns_subnet that a localnet covers, or that holds an address of this machine', () => {
    throwsAt(conf('remote_dns_subnet 240', 'localnet 240.1.0.0/16', ...LIST), 1, 'remote_dns_subnet 240.0.0.0/8 overlaps localnet 240.1.0.0/16: fake addresses there would go direct');
    throwsAt(conf('proxy_dns', 'localnet 0.0.0.0/0', ...LIST), 2, 'remote_dns_subnet 240.0.0.0/8 overlaps localnet 0.0.0.0/0: fake addresses there would go direct');
    assert.equal(parse(conf('localnet 10.0.0.0/8', 'localnet ::/0', ...LIST)).remoteDnsSubnet, 240);
    assert.throws(
      () => parseProxychainsConf(conf('remote_dns_subnet 241', ...LIST), FILE, { machineAddresses: ['127.0.0.1', '241.3.2.1'] }),
      (e: unknown) => e instanceof ConfigError && e.message === `${FILE}:1: remote_dns_subnet 241.0.0.0/8 holds 241.3.2.1, an address of this machine`,
    );
    assert.equal(parseProxychainsConf(conf(...LIST), FILE, { machineAddresses: ['127.0.0.1', '10.1.2.3'] }).remoteDnsSubnet, 240);
  });

  it('says that names are resolved locally without proxy_dns, and nothing with it', () => {
    assert.deepEqual(parse(conf(...LIST)).notices, [`names are resolved locally; add proxy_dns to ${FILE} to resolve them through the proxy`]);
    assert.equal(parse(conf('proxy_dns', ...LIST)).notices, undefined);
  });

  it('warns about a URL line whose password looks like a port, at its line', () => {
    assert.deepEqual(parse(conf('proxy_dns', '[ProxyList]', 'socks5://1.2.3.4:1080@evil:1080')).notices, [
      `${FILE}:3: proxy URL "socks5://1.2.3.4:***@evil:1080": "1.2.3.4:…@" is read as a user name and password, so the proxy is the host after "@", not 1.2.3.4`,
    ]);
  });

  it('refuses a line longer than 4096 characters (issue 11 item 9)', () => {
    throwsAt(conf('proxy_dns', '#' + 'x'.repeat(4096), ...LIST), 2, 'line longer than 4096 characters');
    assert.equal(parse(conf('proxy_dns', '#' + 'x'.repeat(4095), ...LIST)).proxyDns, true);
  });

  it('keeps the last chain directive, as proxychains does', () => {
    const { config, lines } = parseProxychainsConfUnchecked(conf('dynamic_chain', 'strict_chain', ...LIST), FILE);
    assert.equal(config.chainType, 'strict');
    assert.equal(lines.chain, 2);
    assert.equal(parse(conf('dynamic_chain', 'strict_chain', ...LIST)).chainType, 'strict');
  });

  it('tolerates comments, blank lines, surrounding whitespace, CRLF and a BOM', () => {
    const text =
      '\uFEFF# header\r\n' +
      '\r\n' +
      '   proxy_dns   # remote names\r\n' +
      '\t\r\n' +
      '  tcp_read_time_out\t 500 \r\n' +
      '[ProxyList]  # here\r\n' +
      '  socks5  10.0.0.1  1080  user  pa#ss   # trailing comment\r\n';
    const c = parse(text);
    assert.equal(c.proxyDns, true);
    assert.equal(c.tcpReadTimeoutMs, 500);
    assert.deepEqual(c.proxies, [{ type: 'socks5', host: '10.0.0.1', port: 1080, username: 'user', password: 'pa#ss' }]);
  });

  it('counts lines the same with CRLF endings', () => {
    throwsAt('strict_chain\r\n\r\nbogus\r\n', 3, 'unknown directive "bogus"');
  });

  it('reads localnet in all forms 4.16 knows', () => {
    const c = parse(
      conf(
        'localnet 127.0.0.0/255.0.0.0',
        'localnet 10.0.0.0:80/255.0.0.0',
        'localnet 192.168.0.0/16',
        'localnet 10.1.2.3:443/32',
        'localnet ::1/128',
        'localnet [::1]:80/128',
        'localnet [fe80::]/10',
        'localnet 2001:DB8:0:0::/32',
        ...LIST,
      ),
    );
    assert.deepEqual(c.localnets, [
      { address: '127.0.0.0', prefixLength: 8 },
      { address: '10.0.0.0', prefixLength: 8, port: 80 },
      { address: '192.168.0.0', prefixLength: 16 },
      { address: '10.1.2.3', prefixLength: 32, port: 443 },
      { address: '::1', prefixLength: 128 },
      { address: '::1', prefixLength: 128, port: 80 },
      { address: 'fe80::', prefixLength: 10 },
      { address: '2001:db8::', prefixLength: 32 },
    ]);
  });

  it('reads proxy lines: IPv4, IPv6 (bare and bracketed), names, credentials, URL form', () => {
    const c = parse(
      conf(
        '[ProxyList]',
        'socks5 127.0.0.1 9050',
        'socks5 ::1 1080',
        'socks5 [2001:DB8::1] 1081',
        'socks5 proxy.example.com 1082 alice s3cret',
        'socks5 Proxy_1.internal. 1083',
        'socks5://bob:p%40ss@10.0.0.2:1084',
        'socks5://[::2]:1085',
        'socks5://relay.example:1086',
      ),
    );
    assert.deepEqual(c.proxies, [
      { type: 'socks5', host: '127.0.0.1', port: 9050 },
      { type: 'socks5', host: '::1', port: 1080 },
      { type: 'socks5', host: '2001:db8::1', port: 1081 },
      { type: 'socks5', host: 'proxy.example.com', port: 1082, username: 'alice', password: 's3cret' },
      { type: 'socks5', host: 'Proxy_1.internal.', port: 1083 },
      { type: 'socks5', host: '10.0.0.2', port: 1084, username: 'bob', password: 'p@ss' },
      { type: 'socks5', host: '::2', port: 1085 },
      { type: 'socks5', host: 'relay.example', port: 1086 },
    ]);
  });

  it('accepts port bounds 1 and 65535', () => {
    const c = parse(conf('[ProxyList]', 'socks5 h 1', 'socks5 h 65535'));
    assert.deepEqual(
      c.proxies.map((p) => p.port),
      [1, 65535],
    );
  });

  it('uses the path as given in source and messages', () => {
    assert.equal(parseProxychainsConf(conf(...LIST), '/etc/proxychains4.conf').source, '/etc/proxychains4.conf');
    throwsAt(conf('nope'), 1, 'unknown directive "nope"', '../my.conf');
  });
});

describe('proxychains.conf: chain types, chain_len and dnat (issue 3)', () => {
  for (const [directive, type] of [
    ['dynamic_chain', 'dynamic'],
    ['random_chain', 'random'],
    ['round_robin_chain', 'round_robin'],
  ] as const) {
    it(`${directive}: accepted`, () => {
      assert.equal(parse(conf('# c', directive, ...LIST)).chainType, type);
    });
  }

  it('chain_len: all spellings accepted', () => {
    for (const line of ['chain_len = 2', 'chain_len=2', 'chain_len =2', 'chain_len= 2']) {
      assert.equal(parse(conf('random_chain', line, ...LIST)).chainLen, 2, line);
    }
    // As in proxychains, it is ignored (not refused) by strict and dynamic chains.
    assert.equal(parse(conf('strict_chain', 'chain_len = 3', ...LIST)).chainLen, 3);
  });

  it('dnat: every rule kept in file order', () => {
    const text = conf('proxy_dns', 'dnat 1.1.1.1:1234 1.1.1.2:443', 'dnat 1.1.1.3 1.1.1.4', ...LIST);
    const { lines } = parseProxychainsConfUnchecked(text, FILE);
    assert.deepEqual(parse(text).dnat, [
      { from: { address: '1.1.1.1', port: 1234 }, to: { address: '1.1.1.2', port: 443 } },
      { from: { address: '1.1.1.3' }, to: { address: '1.1.1.4' } },
    ]);
    assert.deepEqual(lines.dnat, [2, 3]);
  });
});

describe('proxychains.conf: every proxy type (issue 3)', () => {
  for (const type of ['socks4', 'socks4a', 'http', 'raw'] as const) {
    it(`proxy type ${type}: accepted, with its user and password (issue 3)`, () => {
      const text = conf('[ProxyList]', 'socks5 10.0.0.1 1080', `${type} 10.0.0.2 8080 u p`);
      assert.deepEqual(parse(text).proxies[1], { type, host: '10.0.0.2', port: 8080, username: 'u', password: 'p' });
    });
  }

  it('ProxyList lines in URL form, every scheme a file may use', () => {
    const text = conf(
      '[ProxyList]',
      'socks5://alice:s3cret@10.0.0.1:1080',
      'socks4://10.0.0.2:1080',
      'socks4a://bob@proxy.example:1080',
      'http://u:p%40ss@[2001:db8::1]:3128',
    );
    assert.deepEqual(parse(text).proxies, [
      { type: 'socks5', host: '10.0.0.1', port: 1080, username: 'alice', password: 's3cret' },
      { type: 'socks4', host: '10.0.0.2', port: 1080 },
      { type: 'socks4a', host: 'proxy.example', port: 1080, username: 'bob' },
      { type: 'http', host: '2001:db8::1', port: 3128, username: 'u', password: 'p@ss' },
    ]);
  });
});

describe('proxychains.conf: parsed but not supported yet', () => {
  it('proxy_dns_old: stored, refused', () => {
    const text = conf('proxy_dns_old', ...LIST);
    const { config } = parseProxychainsConfUnchecked(text, FILE);
    assert.equal(config.proxyDns, true);
    assert.equal(config.proxyDnsOld, true);
    throwsAt(text, 1, 'proxy_dns_old is not supported yet (use proxy_dns)');
  });

  it('proxy_dns_daemon: stored, refused', () => {
    const text = conf('', 'proxy_dns_daemon 127.0.0.1:1053', ...LIST);
    const { config } = parseProxychainsConfUnchecked(text, FILE);
    assert.equal(config.proxyDns, true);
    assert.deepEqual(config.proxyDnsDaemon, { address: '127.0.0.1', port: 1053 });
    throwsAt(text, 2, 'proxy_dns_daemon is not supported yet (use proxy_dns)');
  });

  it('the last DNS directive wins: proxy_dns after proxy_dns_old is fine', () => {
    const c = parse(conf('proxy_dns_old', 'proxy_dns_daemon 127.0.0.1:1053', 'proxy_dns', ...LIST));
    assert.equal(c.proxyDns, true);
    assert.equal(c.proxyDnsOld, undefined);
    assert.equal(c.proxyDnsDaemon, undefined);
  });

  it('reports the first unsupported setting by line', () => {
    throwsAt(conf('random_chain', 'chain_len = 2', 'proxy_dns_old', '[ProxyList]', 'socks5 h 1', 'raw h 2'), 3, 'proxy_dns_old is not supported yet (use proxy_dns)');
  });

  it('reports syntax errors even after an unsupported directive', () => {
    throwsAt(conf('proxy_dns_old', 'tcp_read_time_out x', ...LIST), 2,
      'bad value "x" for tcp_read_time_out (expected tcp_read_time_out MILLISECONDS, a whole number 1-2147483647)');
  });
});

describe('proxychains.conf: errors name file, line and what was expected', () => {
  const cases: [string, string, number | undefined, string][] = [
    ['unknown directive', conf('strict_chain', 'proxy_dns_now', ...LIST), 2, 'unknown directive "proxy_dns_now"'],
    ['directive glued to its value', conf('tcp_read_time_out15000', ...LIST), 1, 'unknown directive "tcp_read_time_out15000"'],
    ['case matters', conf('Strict_Chain', ...LIST), 1, 'unknown directive "Strict_Chain"'],
    ['lower-case section', conf('[proxylist]', 'socks5 h 1'), 1, 'unknown directive "[proxylist]"'],
    ['argument to a flag', conf('proxy_dns yes', ...LIST), 1, 'extra argument "yes" after proxy_dns (it takes none)'],
    ['argument to a chain type', conf('strict_chain 2', ...LIST), 1, 'extra argument "2" after strict_chain (it takes none)'],
    ['argument to quiet_mode', conf('quiet_mode 1', ...LIST), 1, 'extra argument "1" after quiet_mode (it takes none)'],
    ['argument to no_bind', conf('no_bind yes', ...LIST), 1, 'extra argument "yes" after no_bind (it takes none)'],
    ['argument to [ProxyList]', conf('[ProxyList] x', 'socks5 h 1'), 1, 'extra argument "x" after [ProxyList] (it takes none)'],
    ['missing subnet', conf('remote_dns_subnet', ...LIST), 1, 'missing value for remote_dns_subnet (expected remote_dns_subnet N, N 224-254: a reserved range (multicast or class E), as the default 240)'],
    ['subnet too big', conf('remote_dns_subnet 256', ...LIST), 1, 'bad value "256" for remote_dns_subnet (expected remote_dns_subnet N, N 224-254: a reserved range (multicast or class E), as the default 240)'],
    ['subnet negative', conf('remote_dns_subnet -1', ...LIST), 1, 'bad value "-1" for remote_dns_subnet (expected remote_dns_subnet N, N 224-254: a reserved range (multicast or class E), as the default 240)'],
    ['extra subnet', conf('remote_dns_subnet 240 11', ...LIST), 1, 'extra argument "11" after remote_dns_subnet (expected remote_dns_subnet N, N 224-254: a reserved range (multicast or class E), as the default 240)'],
    ['missing timeout', conf('tcp_connect_time_out', ...LIST), 1, 'missing value for tcp_connect_time_out (expected tcp_connect_time_out MILLISECONDS, a whole number 1-2147483647)'],
    ['zero timeout', conf('tcp_connect_time_out 0', ...LIST), 1, 'bad value "0" for tcp_connect_time_out (expected tcp_connect_time_out MILLISECONDS, a whole number 1-2147483647)'],
    ['fractional timeout', conf('tcp_read_time_out 1.5', ...LIST), 1, 'bad value "1.5" for tcp_read_time_out (expected tcp_read_time_out MILLISECONDS, a whole number 1-2147483647)'],
    ['huge timeout', conf('tcp_read_time_out 2147483648', ...LIST), 1, 'bad value "2147483648" for tcp_read_time_out (expected tcp_read_time_out MILLISECONDS, a whole number 1-2147483647)'],
    ['chain_len without =', conf('chain_len 2', ...LIST), 1, 'missing "=" in chain_len (expected chain_len = N, N a whole number >= 1)'],
    ['chain_len without value', conf('chain_len =', ...LIST), 1, 'missing value for chain_len (expected chain_len = N, N a whole number >= 1)'],
    ['chain_len zero', conf('chain_len = 0', ...LIST), 1, 'bad value "0" for chain_len (expected chain_len = N, N a whole number >= 1)'],
    ['chain_len extra', conf('chain_len = 2 3', ...LIST), 1, 'extra argument "3" after chain_len (expected chain_len = N, N a whole number >= 1)'],
    ['localnet without mask', conf('localnet 10.0.0.0', ...LIST), 1, 'bad localnet "10.0.0.0" (expected ADDRESS[:PORT]/MASK, as in 10.0.0.0/255.0.0.0, 10.0.0.0:80/8 or [::1]:80/128)'],
    ['localnet missing', conf('localnet', ...LIST), 1, 'missing value for localnet (expected localnet ADDRESS[:PORT]/MASK, as in 10.0.0.0/255.0.0.0, 10.0.0.0:80/8 or [::1]:80/128)'],
    ['localnet extra', conf('localnet 10.0.0.0/8 x', ...LIST), 1, 'extra argument "x" after localnet (expected localnet ADDRESS[:PORT]/MASK, as in 10.0.0.0/255.0.0.0, 10.0.0.0:80/8 or [::1]:80/128)'],
    ['localnet bad IPv4', conf('localnet 10.0.0.256/8', ...LIST), 1, 'bad address "10.0.0.256" in localnet (expected an IPv4 address; ADDRESS[:PORT]/MASK, as in 10.0.0.0/255.0.0.0, 10.0.0.0:80/8 or [::1]:80/128)'],
    ['localnet short IPv4', conf('localnet 127.1/8', ...LIST), 1, 'bad address "127.1" in localnet (expected an IPv4 address; ADDRESS[:PORT]/MASK, as in 10.0.0.0/255.0.0.0, 10.0.0.0:80/8 or [::1]:80/128)'],
    ['localnet bad IPv6', conf('localnet [::g]/64', ...LIST), 1, 'bad address "::g" in localnet (expected an IPv6 address; ADDRESS[:PORT]/MASK, as in 10.0.0.0/255.0.0.0, 10.0.0.0:80/8 or [::1]:80/128)'],
    ['localnet bad port', conf('localnet 10.0.0.0:0/8', ...LIST), 1, 'bad port "0" in localnet (expected 1-65535)'],
    ['localnet bad v6 port', conf('localnet [::1]:65536/128', ...LIST), 1, 'bad port "65536" in localnet (expected 1-65535)'],
    ['localnet junk after ]', conf('localnet [::1]x/128', ...LIST), 1, 'bad localnet "[::1]x/128" (expected ADDRESS[:PORT]/MASK, as in 10.0.0.0/255.0.0.0, 10.0.0.0:80/8 or [::1]:80/128)'],
    ['localnet prefix 33', conf('localnet 10.0.0.0/33', ...LIST), 1, 'bad netmask "33" in localnet (expected a dotted mask like 255.255.255.0 or a prefix length 0-32)'],
    ['localnet v6 prefix 129', conf('localnet ::/129', ...LIST), 1, 'bad netmask "129" in localnet (expected a prefix length 0-128)'],
    ['localnet v6 dotted mask', conf('localnet ::/255.0.0.0', ...LIST), 1, 'bad netmask "255.0.0.0" in localnet (expected a prefix length 0-128)'],
    ['localnet bad dotted mask', conf('localnet 10.0.0.0/255.0.0.300', ...LIST), 1, 'bad netmask "255.0.0.300" in localnet (expected a dotted mask like 255.255.255.0 or a prefix length 0-32)'],
    ['localnet holes in mask', conf('localnet 10.0.0.0/255.0.255.0', ...LIST), 1, 'bad netmask "255.0.255.0" in localnet (its one-bits must be contiguous, as in 255.255.240.0)'],
    ['dnat one side', conf('dnat 1.1.1.1', ...LIST), 1, 'missing argument for dnat (expected dnat IPv4[:PORT] IPv4[:PORT], as in dnat 1.1.1.1:1234 1.1.1.2:443)'],
    ['dnat bad address', conf('dnat 1.1.1.1 example.com', ...LIST), 1, 'bad new destination address "example.com" in dnat (expected dnat IPv4[:PORT] IPv4[:PORT], as in dnat 1.1.1.1:1234 1.1.1.2:443)'],
    ['dnat bad port', conf('dnat 1.1.1.1:99999 1.1.1.2', ...LIST), 1, 'bad original destination port "99999" in dnat (expected 1-65535)'],
    ['proxy_dns_daemon without port', conf('proxy_dns_daemon 127.0.0.1', ...LIST), 1, 'bad value "127.0.0.1" for proxy_dns_daemon (expected proxy_dns_daemon IPv4:PORT, as in 127.0.0.1:1053)'],
    ['proxy_dns_daemon missing', conf('proxy_dns_daemon', ...LIST), 1, 'missing value for proxy_dns_daemon (expected proxy_dns_daemon IPv4:PORT, as in 127.0.0.1:1053)'],
    ['proxy before [ProxyList]', conf('proxy_dns', 'socks5 127.0.0.1 1080', ...LIST), 2, 'proxy line before [ProxyList] (the proxy list starts with a line "[ProxyList]")'],
    ['URL before [ProxyList]', conf('socks5://127.0.0.1:1080', ...LIST), 1, 'proxy line before [ProxyList] (the proxy list starts with a line "[ProxyList]")'],
    ['directive after [ProxyList]', conf(...LIST, 'proxy_dns'), 3, 'proxy_dns after [ProxyList] (directives must come before the proxy list, which comes last)'],
    ['chain_len= after [ProxyList]', conf(...LIST, 'chain_len=2'), 3, 'chain_len after [ProxyList] (directives must come before the proxy list, which comes last)'],
    ['duplicate [ProxyList]', conf(...LIST, '[ProxyList]'), 3, 'duplicate [ProxyList]'],
    ['no [ProxyList]', conf('strict_chain', 'proxy_dns'), undefined, 'no [ProxyList] section (expected "[ProxyList]" followed by lines like "socks5 127.0.0.1 1080")'],
    ['empty file', '', undefined, 'no [ProxyList] section (expected "[ProxyList]" followed by lines like "socks5 127.0.0.1 1080")'],
    ['empty [ProxyList]', conf('proxy_dns', '', '[ProxyList]', '# none yet'), 3, 'empty [ProxyList] (expected at least one line like "socks5 127.0.0.1 1080")'],
    ['unknown proxy type', conf('[ProxyList]', 'socks6 h 1'), 2, 'unknown proxy type "socks6" (expected socks5, socks4, socks4a, http, https or raw)'],
    ['upper-case proxy type', conf('[ProxyList]', 'SOCKS5 h 1'), 2, 'unknown proxy type "SOCKS5" (expected socks5, socks4, socks4a, http, https or raw)'],
    ['type only', conf('[ProxyList]', 'socks5'), 2, 'missing host and port in proxy line (expected TYPE HOST PORT [USER PASS])'],
    ['no port', conf('[ProxyList]', 'socks5 127.0.0.1'), 2, 'missing port in proxy line (expected TYPE HOST PORT [USER PASS])'],
    ['user without password', conf('[ProxyList]', 'socks5 127.0.0.1 1080 alice'), 2, 'missing password after the user name in proxy line (expected TYPE HOST PORT [USER PASS])'],
    ['extra proxy field', conf('[ProxyList]', 'socks5 127.0.0.1 1080 a b c'), 2, 'extra argument "c" in proxy line (expected TYPE HOST PORT [USER PASS])'],
    ['port too big', conf('# 1', '# 2', '[ProxyList]', 'socks5 127.0.0.1 99999'), 4, 'bad port "99999" in proxy line (expected 1-65535)'],
    ['port zero', conf('[ProxyList]', 'socks5 127.0.0.1 0'), 2, 'bad port "0" in proxy line (expected 1-65535)'],
    ['port not a number', conf('[ProxyList]', 'socks5 127.0.0.1 http'), 2, 'bad port "http" in proxy line (expected 1-65535)'],
    ['port with sign', conf('[ProxyList]', 'socks5 127.0.0.1 +80'), 2, 'bad port "+80" in proxy line (expected 1-65535)'],
    ['bad IPv4 host', conf('[ProxyList]', 'socks5 300.1.1.1 1080'), 2, 'bad host "300.1.1.1" in proxy line (expected an IPv4 or IPv6 address or a hostname)'],
    ['bad IPv6 host', conf('[ProxyList]', 'socks5 ::1::2 1080'), 2, 'bad host "::1::2" in proxy line (expected an IPv4 or IPv6 address or a hostname)'],
    ['bad hostname', conf('[ProxyList]', 'socks5 bad!name 1080'), 2, 'bad host "bad!name" in proxy line (expected an IPv4 or IPv6 address or a hostname)'],
    ['URL without port', conf('[ProxyList]', 'socks5://127.0.0.1'), 2, 'bad proxy URL "socks5://127.0.0.1": missing port (expected HOST:PORT)'],
    ['URL bad port, password hidden', conf('[ProxyList]', 'socks5://u:secret@h:99999'), 2, 'bad proxy URL "socks5://u:***@h:99999": bad port "99999" (expected 1-65535)'],
    ['URL with extra word', conf('[ProxyList]', 'socks5://h:1 x'), 2, 'extra argument "x" after the proxy URL'],
    ['socks5h URL', conf('[ProxyList]', 'socks5h://h:1'), 2, 'socks5h:// is not valid in proxychains.conf (write socks5:// and add proxy_dns)'],
    ['long SOCKS5 user', conf('[ProxyList]', `socks5 h 1 ${'u'.repeat(256)} p`), 2, 'user name or password longer than 255 bytes in proxy line (the SOCKS5 limit)'],
  ];
  for (const [name, text, line, detail] of cases) {
    it(name, () => throwsAt(text, line, detail));
  }

  it('ConfigError without file or line prints the bare message', () => {
    assert.equal(String(new ConfigError('boom')), 'boom');
    assert.equal(String(new ConfigError('boom', 'f.conf')), 'f.conf: boom');
    assert.equal(String(new ConfigError('boom', 'f.conf', 7)), 'f.conf:7: boom');
    assert.equal(new ConfigError('boom', 'f.conf', 7).detail, 'boom');
    assert.ok(new ConfigError('boom') instanceof Error);
    assert.equal(new ConfigError('boom').name, 'ConfigError');
  });
});

describe('no_bind (docs/bind.md)', () => {
  it('turns SOCKS BIND off; without it the field is absent', () => {
    assert.equal(parse(conf('no_bind', ...LIST)).noBind, true);
    assert.equal(parse(conf(...LIST)).noBind, undefined);
  });
});

// As proxychains-ng 4.16 reads a [ProxyList] line: sscanf("%s %s %d %s %s"), no inline comments,
// so a '#' word after the port is the user name (checked against proxychains4 and a SOCKS5 server
// printing the login it got). A comment may follow the password or a URL, which 4.16 ignores.
describe('proxychains.conf: "#" on [ProxyList] lines', () => {
  const proxies = (line: string) => parse(conf('proxy_dns', '[ProxyList]', line)).proxies;
  const HASH_NOTICE = (user: string) =>
    `${FILE}:3: user name "${user}" starts with "#": it is sent to the proxy as the user name ` +
    '(a "#" after the port is not a comment: proxychains-ng reads it as the user name too; put comments on a line of their own)';

  it('a password starting with "#" is the password (was: "missing password")', () => {
    assert.deepEqual(proxies('socks5 127.0.0.1 1083 bob #hash'), [{ type: 'socks5', host: '127.0.0.1', port: 1083, username: 'bob', password: '#hash' }]);
    assert.equal(parse(conf('proxy_dns', '[ProxyList]', 'socks5 127.0.0.1 1083 bob #hash')).notices, undefined);
  });

  it('a user name starting with "#" is the user name, with a notice (was: credentials dropped, unauthenticated)', () => {
    const c = parse(conf('proxy_dns', '[ProxyList]', 'socks5 127.0.0.1 1083 #bob x'));
    assert.deepEqual(c.proxies, [{ type: 'socks5', host: '127.0.0.1', port: 1083, username: '#bob', password: 'x' }]);
    assert.deepEqual(c.notices, [HASH_NOTICE('#bob')]);
  });

  it('"# comment" after the port is user "#", password "comment", as proxychains-ng sends them', () => {
    const c = parse(conf('proxy_dns', '[ProxyList]', 'socks5 127.0.0.1 9050 # tor'));
    assert.deepEqual(c.proxies, [{ type: 'socks5', host: '127.0.0.1', port: 9050, username: '#', password: 'tor' }]);
    assert.deepEqual(c.notices, [HASH_NOTICE('#')]);
    // What follows such a password is ignored, as proxychains-ng ignores it.
    assert.deepEqual(proxies('socks5 127.0.0.1 9050 # the tor daemon'), [{ type: 'socks5', host: '127.0.0.1', port: 9050, username: '#', password: 'the' }]);
  });

  it('one "#word" after the port (socks5, http): a comment, said once; proxychains-ng would send it as a user name with an empty password', () => {
    for (const type of ['socks5', 'http']) {
      const c = parse(conf('proxy_dns', '[ProxyList]', `${type} 127.0.0.1 9050 #tor`));
      assert.deepEqual(c.proxies, [{ type, host: '127.0.0.1', port: 9050 }]);
      assert.equal(c.notices?.length, 1);
      assert.match(c.notices![0]!, /"#tor" after the port is read as a comment/);
    }
  });

  it('socks4 with a user id alone (proxychains-ng sends it so), "#tor" included, with a notice', () => {
    assert.deepEqual(proxies('socks4 127.0.0.1 9050 alice'), [{ type: 'socks4', host: '127.0.0.1', port: 9050, username: 'alice' }]);
    const c = parse(conf('proxy_dns', '[ProxyList]', 'socks4 127.0.0.1 9050 #tor'));
    assert.deepEqual(c.proxies, [{ type: 'socks4', host: '127.0.0.1', port: 9050, username: '#tor' }]);
    assert.equal(c.notices?.length, 1);
    assert.match(c.notices![0]!, /user id "#tor" starts with "#"/);
  });

  it('a comment after the password or after a URL is a comment; other extra words are still refused', () => {
    assert.deepEqual(proxies('socks5 127.0.0.1 1083 u p # the office proxy'), [{ type: 'socks5', host: '127.0.0.1', port: 1083, username: 'u', password: 'p' }]);
    assert.deepEqual(proxies('socks5 127.0.0.1 1083 u p #x y'), [{ type: 'socks5', host: '127.0.0.1', port: 1083, username: 'u', password: 'p' }]);
    assert.deepEqual(proxies('socks5://u:p@127.0.0.1:1083 # the office proxy'), [{ type: 'socks5', host: '127.0.0.1', port: 1083, username: 'u', password: 'p' }]);
    throwsAt(conf('proxy_dns', '[ProxyList]', 'socks5 127.0.0.1 1083 u p x # c'), 3, 'extra argument "x" in proxy line (expected TYPE HOST PORT [USER PASS])');
  });

  it('a "#" on a directive line before [ProxyList] still starts a comment', () => {
    const c = parse(conf('proxy_dns # remote names', 'tcp_read_time_out 500 #ms', '[ProxyList] # list', 'socks5 127.0.0.1 1083'));
    assert.equal(c.proxyDns, true);
    assert.equal(c.tcpReadTimeoutMs, 500);
  });

  it('an empty SOCKS5 password in a URL line: refused at its line (RFC 1929: 1-255 bytes)', () => {
    throwsAt(
      conf('proxy_dns', '[ProxyList]', 'socks5://alice:@127.0.0.1:1083'),
      3,
      'bad proxy URL "socks5://alice:***@127.0.0.1:1083": empty password after "USER:" (SOCKS5 login (RFC 1929) needs a user name and a password of 1-255 bytes each)',
    );
    assert.deepEqual(proxies('http://alice:@127.0.0.1:3128'), [{ type: 'http', host: '127.0.0.1', port: 3128, username: 'alice', password: '' }]);
  });
});
