// proxychains.conf as proxychains-ng 4.16 reads it, but strict: where proxychains silently
// skips a line it does not understand, we stop with file:line and what was expected.
import { TOR_ENDPOINT_USAGE, TOR_ISOLATION_MODES, parseIsolation, parseTorEndpoint } from './tor-config';
import { DNS_SERVER_USAGE, parseDnsServer } from './dns-server';
import ipaddr from 'ipaddr.js';
import { ConfigError } from './config-error';
import {
  SUPPORTED_CHAIN_TYPES,
  SUPPORTED_DIRECTIVES,
  SUPPORTED_PROXY_TYPES,
  chainDirective,
  supportedChainsText,
  supportedProxyTypesText,
} from './config-support';
import {
  CONFIG_DEFAULTS,
  type ChainType,
  type DnatEndpoint,
  type DnatRule,
  type LocalNet,
  type ProxySpec,
  type ProxyType,
  type SockswrapConfig,
} from './config-types';
import { socks5CredentialTooLong, toHost, toInt, toIPv4, toIPv6, toPort } from './config-values';
import { parseProxyUrlDetailed } from './proxy-url';
import { FAKE_SUBNET_RULE, fakeSubnetCheck, fakeSubnetProblem } from './fake-subnet';
import { MAX_LINE_CHARS } from './read-config-file';

/** Proxy type keywords on a ProxyList line. socks4a is ours; 4.16 does 4a under "socks4". */
// https is ours too (proxychains-ng has no TLS to the proxy): HTTP CONNECT inside TLS, docs/upstreams.md.
const PROXY_TYPES: ReadonlySet<string> = new Set<ProxyType>(['socks5', 'socks4', 'socks4a', 'http', 'https', 'raw']);
const PROXY_TYPES_TEXT = 'socks5, socks4, socks4a, http, https or raw';

const CHAIN_DIRECTIVES: ReadonlyMap<string, ChainType> = new Map<string, ChainType>([
  ['strict_chain', 'strict'],
  ['dynamic_chain', 'dynamic'],
  ['random_chain', 'random'],
  ['round_robin_chain', 'round_robin'],
]);

const DIRECTIVES: ReadonlySet<string> = new Set([
  ...CHAIN_DIRECTIVES.keys(),
  'chain_len',
  'quiet_mode',
  'proxy_dns',
  'proxy_dns_old',
  'proxy_dns_daemon',
  'remote_dns_subnet',
  'remote_dns_server',
  'tcp_read_time_out',
  'tcp_connect_time_out',
  'localnet',
  'dnat',
  // sockswrap's own (docs/tor.md): which [ProxyList] line is Tor, and how it isolates streams.
  'tor_proxy',
  'tor_isolate',
  // sockswrap's own (docs/bind.md): listening sockets stay local, no SOCKS BIND.
  'no_bind',
]);

const MAX_TIMEOUT_MS = 2147483647; // the largest delay Node's timers accept
const PROXY_LINE_USAGE = 'TYPE HOST PORT [USER PASS]';
const LOCALNET_USAGE = 'ADDRESS[:PORT]/MASK, as in 10.0.0.0/255.0.0.0, 10.0.0.0:80/8 or [::1]:80/128';
const PROXY_EXAMPLE = '"socks5 127.0.0.1 1080"';

/** Where each setting that may be rejected later came from, so the rejection names its line. */
export interface ConfLines {
  /** The [ProxyList] header. */
  proxyList: number;
  /** The chain directive in effect (the last one); absent when none was written. */
  chain?: number;
  chainLen?: number;
  dnat: number[];
  /** The proxy_dns / proxy_dns_old / proxy_dns_daemon directive in effect. */
  proxyDns?: number;
  /** One per entry of config.proxies. */
  proxies: number[];
  remoteDnsSubnet?: number;
  /** One per entry of config.localnets. */
  localnets: number[];
}

export interface ParsedProxychainsConf {
  /** Everything the file says, including what this version does not support yet. */
  config: SockswrapConfig;
  lines: ConfLines;
}

export interface ConfCheckOptions {
  /** This machine's IPv4 addresses: remote_dns_subnet must not hold any (fake-subnet.ts). */
  machineAddresses?: readonly string[];
}

/** Parse and validate; rejects what config-support.ts does not list, at its line. */
export function parseProxychainsConf(text: string, file: string, opts: ConfCheckOptions = {}): SockswrapConfig {
  const parsed = parseProxychainsConfUnchecked(text, file);
  rejectUnsupported(parsed, file);
  const { config, lines } = parsed;
  // The range itself was checked at its line; what it may not overlap is known only now.
  const subnet = fakeSubnetCheck(config.remoteDnsSubnet, config.localnets, opts.machineAddresses);
  if (subnet !== undefined) {
    // The line that says remote_dns_subnet, else (the default) the localnet at fault.
    const line = lines.remoteDnsSubnet ?? (subnet.localnet !== undefined ? lines.localnets[subnet.localnet] : undefined) ?? lines.proxyList;
    throw new ConfigError(`remote_dns_subnet ${subnet.problem}`, file, line);
  }
  return config;
}

/** The first unsupported setting by line, so the user fixes the file top to bottom. */
function rejectUnsupported({ config, lines }: ParsedProxychainsConf, file: string): void {
  const problems: { line: number; message: string }[] = [];
  if (!SUPPORTED_CHAIN_TYPES.has(config.chainType)) {
    problems.push({
      line: lines.chain ?? lines.proxyList,
      message: `${chainDirective(config.chainType)} is not supported yet (supported: ${supportedChainsText()})`,
    });
  }
  if (config.chainLen !== undefined && !SUPPORTED_DIRECTIVES.has('chain_len')) {
    problems.push({ line: lines.chainLen!, message: 'chain_len is not supported yet' });
  }
  if (config.dnat !== undefined && !SUPPORTED_DIRECTIVES.has('dnat')) {
    problems.push({ line: lines.dnat[0]!, message: 'dnat is not supported yet' });
  }
  if (config.proxyDnsOld && !SUPPORTED_DIRECTIVES.has('proxy_dns_old')) {
    problems.push({ line: lines.proxyDns!, message: 'proxy_dns_old is not supported yet (use proxy_dns)' });
  }
  if (config.proxyDnsDaemon && !SUPPORTED_DIRECTIVES.has('proxy_dns_daemon')) {
    problems.push({ line: lines.proxyDns!, message: 'proxy_dns_daemon is not supported yet (use proxy_dns)' });
  }
  config.proxies.forEach((p, i) => {
    if (!SUPPORTED_PROXY_TYPES.has(p.type)) {
      problems.push({
        line: lines.proxies[i]!,
        message: `proxy type "${p.type}" is not supported yet (supported: ${supportedProxyTypesText()})`,
      });
    }
  });
  if (problems.length === 0) return;
  problems.sort((a, b) => a.line - b.line);
  throw new ConfigError(problems[0]!.message, file, problems[0]!.line);
}

/**
 * Parse every directive proxychains-ng 4.16 knows, checking syntax and values but not whether
 * this version supports them. Exported for tests and for a future --check that lists them all.
 */
export function parseProxychainsConfUnchecked(text: string, file: string): ParsedProxychainsConf {
  const config: SockswrapConfig = {
    // proxychains' built-in default is dynamic_chain; with one proxy strict behaves the same,
    // and with more it fails closed instead of silently skipping hops.
    chainType: CONFIG_DEFAULTS.chainType,
    proxies: [],
    proxyDns: CONFIG_DEFAULTS.proxyDns,
    remoteDnsSubnet: CONFIG_DEFAULTS.remoteDnsSubnet,
    tcpReadTimeoutMs: CONFIG_DEFAULTS.tcpReadTimeoutMs,
    tcpConnectTimeoutMs: CONFIG_DEFAULTS.tcpConnectTimeoutMs,
    localnets: [],
    quiet: CONFIG_DEFAULTS.quiet,
    source: file,
  };
  const lines: ConfLines = { proxyList: 0, dnat: [], proxies: [], localnets: [] };
  const notices: string[] = [];
  const torMarks: { host: string; port: number; value: string; line: number }[] = [];
  let inList = false;

  const rawLines = text.split('\n');
  for (let i = 0; i < rawLines.length; i++) {
    const lineNo = i + 1;
    const fail = (message: string): never => {
      throw new ConfigError(message, file, lineNo);
    };

    let line = rawLines[i]!;
    if (line.length > MAX_LINE_CHARS) fail(`line longer than ${MAX_LINE_CHARS} characters`);
    if (i === 0) line = line.replace(/^\uFEFF/, ''); // editors on Windows add a BOM
    line = line.trim(); // also drops the \r of CRLF
    if (line === '' || line.startsWith('#')) continue;

    if (inList) {
      // Words as proxychains-ng reads them (sscanf "%s %s %d %s %s"): a '#' in or at the start of
      // the user name or password is data; parseProxyLine says where a comment may follow.
      const words = line.split(/\s+/);
      if (words[0] === '[ProxyList]') fail('duplicate [ProxyList]');
      const directive = directiveName(line);
      if (directive !== undefined) {
        fail(`${directive} after [ProxyList] (directives must come before the proxy list, which comes last)`);
      }
      config.proxies.push(parseProxyLine(words, fail, (w) => notices.push(`${file}:${lineNo}: ${w}`)));
      lines.proxies.push(lineNo);
      continue;
    }

    // Before [ProxyList], a '#' after whitespace starts a comment; one inside a word does not.
    line = line.replace(/\s+#.*$/, '');
    const words = line.split(/\s+/);
    const keyword = words[0]!;
    const args = words.slice(1);

    if (keyword === '[ProxyList]') {
      noArgs(keyword, args, fail);
      inList = true;
      lines.proxyList = lineNo;
      continue;
    }

    // chain_len is the one directive written with '=' ("chain_len = 2"), possibly unspaced.
    if (directiveName(line) === 'chain_len') {
      const m = /^chain_len\s*(=?)\s*(.*)$/.exec(line)!;
      const usage = '(expected chain_len = N, N a whole number >= 1)';
      if (m[1] === '') fail(`missing "=" in chain_len ${usage}`);
      const valueWords = m[2] === '' ? [] : m[2]!.split(/\s+/);
      if (valueWords.length === 0) fail(`missing value for chain_len ${usage}`);
      if (valueWords.length > 1) fail(`extra argument "${valueWords[1]}" after chain_len ${usage}`);
      const n = toInt(valueWords[0]!, 1, 2147483647);
      if (n === undefined) fail(`bad value "${valueWords[0]}" for chain_len ${usage}`);
      config.chainLen = n;
      lines.chainLen = lineNo;
      continue;
    }

    const chain = CHAIN_DIRECTIVES.get(keyword);
    if (chain !== undefined) {
      noArgs(keyword, args, fail);
      config.chainType = chain; // the last chain directive wins, as in proxychains
      lines.chain = lineNo;
      continue;
    }

    switch (keyword) {
      case 'quiet_mode':
        noArgs(keyword, args, fail);
        config.quiet = true;
        break;
      case 'no_bind':
        noArgs(keyword, args, fail);
        config.noBind = true;
        break;
      // The three DNS methods replace each other; the last one written is in effect.
      case 'proxy_dns':
        noArgs(keyword, args, fail);
        config.proxyDns = true;
        delete config.proxyDnsOld;
        delete config.proxyDnsDaemon;
        lines.proxyDns = lineNo;
        break;
      case 'proxy_dns_old':
        noArgs(keyword, args, fail);
        config.proxyDns = true;
        config.proxyDnsOld = true;
        delete config.proxyDnsDaemon;
        lines.proxyDns = lineNo;
        break;
      case 'proxy_dns_daemon': {
        const usage = '(expected proxy_dns_daemon IPv4:PORT, as in 127.0.0.1:1053)';
        const [value] = exactArgs(keyword, args, 1, usage, fail);
        const m = /^([^:]*):(.*)$/.exec(value!);
        const address = m ? toIPv4(m[1]!) : undefined;
        const port = m ? toPort(m[2]!) : undefined;
        if (address === undefined || port === undefined) fail(`bad value "${value}" for proxy_dns_daemon ${usage}`);
        config.proxyDns = true;
        config.proxyDnsDaemon = { address: address!, port: port! };
        delete config.proxyDnsOld;
        lines.proxyDns = lineNo;
        break;
      }
      case 'remote_dns_subnet': {
        const usage = `(expected remote_dns_subnet N, ${FAKE_SUBNET_RULE})`;
        const [value] = exactArgs(keyword, args, 1, usage, fail);
        const n = toInt(value!, 0, 255);
        if (n === undefined) fail(`bad value "${value}" for remote_dns_subnet ${usage}`);
        const problem = fakeSubnetProblem(n!);
        if (problem !== undefined) fail(`bad value "${value}" for remote_dns_subnet: ${problem} ${usage}`);
        config.remoteDnsSubnet = n!;
        lines.remoteDnsSubnet = lineNo;
        break;
      }
      case 'remote_dns_server': {
        // sockswrap's own directive (proxychains has none): where remote DNS asks the types it
        // does not answer itself (docs/fake-dns.md).
        const usage = `(expected remote_dns_server ${DNS_SERVER_USAGE})`;
        const [value] = exactArgs(keyword, args, 1, usage, fail);
        const server = parseDnsServer(value!);
        if (server === undefined) fail(`bad value "${value}" for remote_dns_server ${usage}`);
        config.dnsServer = server;
        break;
      }
      case 'tcp_read_time_out':
      case 'tcp_connect_time_out': {
        const usage = `(expected ${keyword} MILLISECONDS, a whole number 1-${MAX_TIMEOUT_MS})`;
        const [value] = exactArgs(keyword, args, 1, usage, fail);
        const n = toInt(value!, 1, MAX_TIMEOUT_MS);
        if (n === undefined) fail(`bad value "${value}" for ${keyword} ${usage}`);
        if (keyword === 'tcp_read_time_out') config.tcpReadTimeoutMs = n!;
        else config.tcpConnectTimeoutMs = n!;
        break;
      }
      case 'localnet': {
        const [value] = exactArgs(keyword, args, 1, `(expected localnet ${LOCALNET_USAGE})`, fail);
        config.localnets.push(parseLocalnet(value!, fail));
        lines.localnets.push(lineNo);
        break;
      }
      case 'dnat': {
        const usage = '(expected dnat IPv4[:PORT] IPv4[:PORT], as in dnat 1.1.1.1:1234 1.1.1.2:443)';
        const [from, to] = exactArgs(keyword, args, 2, usage, fail);
        const rule: DnatRule = {
          from: parseDnatEndpoint(from!, 'original destination', usage, fail),
          to: parseDnatEndpoint(to!, 'new destination', usage, fail),
        };
        (config.dnat ??= []).push(rule);
        lines.dnat.push(lineNo);
        break;
      }
      case 'tor_proxy': {
        const usage = `(expected tor_proxy ${TOR_ENDPOINT_USAGE}: the host and port of the [ProxyList] line that is Tor's SocksPort)`;
        const [value] = exactArgs(keyword, args, 1, usage, fail);
        const ep = parseTorEndpoint(value!);
        if (ep === undefined) fail(`bad value "${value}" for tor_proxy ${usage}`);
        torMarks.push({ ...ep!, value: value!, line: lineNo });
        break;
      }
      case 'tor_isolate': {
        const usage = `(expected tor_isolate ${TOR_ISOLATION_MODES.join(', ')})`;
        const [value] = exactArgs(keyword, args, 1, usage, fail);
        const mode = parseIsolation(value!);
        if (mode === undefined) fail(`bad value "${value}" for tor_isolate ${usage}`);
        config.torIsolate = mode;
        break;
      }
      default:
        if (PROXY_TYPES.has(keyword) || keyword.includes('://')) {
          fail(`proxy line before [ProxyList] (the proxy list starts with a line "[ProxyList]")`);
        }
        fail(`unknown directive "${keyword}"`);
    }
  }

  if (!inList) {
    throw new ConfigError(`no [ProxyList] section (expected "[ProxyList]" followed by lines like ${PROXY_EXAMPLE})`, file);
  }
  if (config.proxies.length === 0) {
    throw new ConfigError(`empty [ProxyList] (expected at least one line like ${PROXY_EXAMPLE})`, file, lines.proxyList);
  }
  for (const mark of torMarks) {
    const host = mark.host.includes(':') ? mark.host : mark.host.toLowerCase();
    const hops = config.proxies.filter((p) => p.port === mark.port && (p.host.includes(':') ? p.host : p.host.toLowerCase()) === host);
    if (hops.length === 0) throw new ConfigError(`tor_proxy ${mark.value}: no [ProxyList] line has this host and port`, file, mark.line);
    for (const hop of hops) {
      if (hop.type !== 'socks5' && hop.type !== 'socks4' && hop.type !== 'socks4a') {
        throw new ConfigError(`tor_proxy ${mark.value}: that [ProxyList] line is ${hop.type}; Tor's SocksPort speaks socks5 (or socks4/socks4a)`, file, mark.line);
      }
      hop.tor = true;
    }
    // Tor resolves names itself, and a .onion name only it can: a Tor hop always gets names.
    config.proxyDns = true;
  }
  if (!config.proxyDns) notices.push(`names are resolved locally; add proxy_dns to ${file} to resolve them through the proxy`);
  if (notices.length > 0) config.notices = notices;
  config.origin = { proxyList: lines.proxyList };
  if (lines.chain !== undefined) config.origin.chain = lines.chain;
  if (lines.chainLen !== undefined) config.origin.chainLen = lines.chainLen;
  return { config, lines };
}

/** The directive a line starts with, if it is one we know ("chain_len=2" included). */
function directiveName(line: string): string | undefined {
  const m = /^[A-Za-z_]+/.exec(line);
  if (!m || !DIRECTIVES.has(m[0])) return undefined;
  const next = line.charAt(m[0].length);
  return next === '' || /\s/.test(next) || (m[0] === 'chain_len' && next === '=') ? m[0] : undefined;
}

function noArgs(keyword: string, args: string[], fail: (m: string) => never): void {
  if (args.length > 0) fail(`extra argument "${args[0]}" after ${keyword} (it takes none)`);
}

function exactArgs(keyword: string, args: string[], n: number, usage: string, fail: (m: string) => never): string[] {
  if (args.length < n) fail(`missing ${n - args.length === 1 && n === 1 ? 'value' : 'argument'} for ${keyword} ${usage}`);
  if (args.length > n) fail(`extra argument "${args[n]}" after ${keyword} ${usage}`);
  return args;
}

/**
 * TYPE HOST PORT [USER PASS] or a URL. The words after the port are the user name and password
 * whatever they start with, as in proxychains-ng: "# tor" there is user "#", password "tor" (with
 * a notice), never a comment that would drop credentials. A comment may follow the password or
 * the URL, where proxychains-ng ignores what is left of the line (docs/architecture.md).
 */
function parseProxyLine(allWords: string[], fail: (m: string) => never, warn: (m: string) => void): ProxySpec {
  const [keyword] = allWords;
  if (keyword!.includes('://')) {
    const words = uptoComment(allWords, 1);
    if (words.length > 1) fail(`extra argument "${words[1]}" after the proxy URL`);
    try {
      const { proxy, scheme, warning } = parseProxyUrlDetailed(keyword!, { requirePort: true });
      if (warning !== undefined) warn(warning);
      // In the file remote DNS is the proxy_dns directive's job, not the scheme's.
      if (scheme === 'socks5h') fail('socks5h:// is not valid in proxychains.conf (write socks5:// and add proxy_dns)');
      return proxy;
    } catch (e) {
      if (e instanceof ConfigError && e.file === undefined) return fail(e.detail);
      throw e;
    }
  }

  if (!PROXY_TYPES.has(keyword!)) fail(`unknown proxy type "${keyword}" (expected ${PROXY_TYPES_TEXT})`);
  const type = keyword as ProxyType;
  const usage = `(expected ${PROXY_LINE_USAGE})`;
  // "socks5 H P #tor": proxychains-ng sends user "#tor" with an empty password, offering no login
  // too, so it works with a proxy that needs none (Tor). An empty password is not SOCKS5's (RFC
  // 1929) nor worth sending over HTTP: the word is the comment its writer meant, said once. (On
  // a socks4 line it is the user id, below.)
  const loneHash = allWords.length === 4 && allWords[3]!.startsWith('#') && type !== 'socks4';
  if (loneHash) warn(`"${allWords[3]}" after the port is read as a comment (proxychains-ng would send it as a user name with an empty password); put comments on a line of their own`);
  // After a "#" user name the line was a comment to its writer: what follows the password is
  // ignored, as proxychains-ng ignores it, so "socks5 HOST PORT # any words" runs as it did there.
  const words = loneHash ? allWords.slice(0, 3) : allWords[3]?.startsWith('#') ? allWords.slice(0, 5) : uptoComment(allWords, 5);
  if (words.length === 1) fail(`missing host and port in proxy line ${usage}`);
  if (words.length === 2) fail(`missing port in proxy line ${usage}`);
  // proxychains-ng has no comment after the port: it would send the comment as a user name.
  const notComment = '(a "#" after the port is not a comment: proxychains-ng reads it as the user name too; put comments on a line of their own)';
  // SOCKS4 carries a user id alone (proxychains-ng sends it so, and socks4://USER@ is one).
  const userIdOnly = words.length === 4 && type === 'socks4';
  if (words.length === 4 && !userIdOnly) fail(`missing password after the user name in proxy line ${usage}`);
  if (words.length > 5) fail(`extra argument "${words[5]}" in proxy line ${usage}`);

  const host = toHost(words[1]!);
  if (host === undefined) fail(`bad host "${words[1]}" in proxy line (expected an IPv4 or IPv6 address or a hostname)`);
  const port = toPort(words[2]!);
  if (port === undefined) fail(`bad port "${words[2]}" in proxy line (expected 1-65535)`);

  const proxy: ProxySpec = { type, host: host!, port: port! };
  if (userIdOnly) {
    proxy.username = words[3]!;
    if (proxy.username.startsWith('#')) warn(`user id "${proxy.username}" starts with "#": it is sent to the proxy as the SOCKS4 user id ${notComment}`);
  }
  if (words.length === 5) {
    proxy.username = words[3]!;
    proxy.password = words[4]!;
    if (type === 'socks5' && (socks5CredentialTooLong(proxy.username) || socks5CredentialTooLong(proxy.password))) {
      fail('user name or password longer than 255 bytes in proxy line (the SOCKS5 limit)');
    }
    if (proxy.username.startsWith('#')) warn(`user name "${proxy.username}" starts with "#": it is sent to the proxy as the user name ${notComment}`);
  }
  return proxy;
}

/** The words before a comment: one starting with '#' at index `from` or later ends the line. */
function uptoComment(words: string[], from: number): string[] {
  const hash = words.findIndex((w, i) => i >= from && w.startsWith('#'));
  return hash < 0 ? words : words.slice(0, hash);
}

/**
 * 4.16's forms: A.B.C.D[:PORT]/MASK (dotted mask or prefix length), IPV6/PREFIX, and
 * [IPV6][:PORT]/PREFIX; the bare IPv6 form takes no port since its colons are the address.
 */
function parseLocalnet(value: string, fail: (m: string) => never): LocalNet {
  const parts = value.split('/');
  if (parts.length !== 2) fail(`bad localnet "${value}" (expected ${LOCALNET_USAGE})`);
  const [addrPort, mask] = parts as [string, string];

  let v6: boolean;
  let addrText: string;
  let portText: string | undefined;
  if (addrPort.startsWith('[')) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(addrPort);
    if (!m) return fail(`bad localnet "${value}" (expected ${LOCALNET_USAGE})`);
    v6 = true;
    addrText = m[1]!;
    portText = m[2];
  } else if (addrPort.split(':').length <= 2) {
    v6 = false;
    const colon = addrPort.indexOf(':');
    addrText = colon >= 0 ? addrPort.slice(0, colon) : addrPort;
    portText = colon >= 0 ? addrPort.slice(colon + 1) : undefined;
  } else {
    v6 = true;
    addrText = addrPort;
  }

  const address = v6 ? toIPv6(addrText, false) : toIPv4(addrText);
  if (address === undefined) {
    fail(`bad address "${addrText}" in localnet (expected ${v6 ? 'an IPv6' : 'an IPv4'} address; ${LOCALNET_USAGE})`);
  }

  let port: number | undefined;
  if (portText !== undefined) {
    port = toPort(portText);
    if (port === undefined) fail(`bad port "${portText}" in localnet (expected 1-65535)`);
  }

  let prefixLength: number | undefined;
  if (!v6 && mask.includes('.')) {
    const maskAddr = toIPv4(mask);
    if (maskAddr === undefined) fail(`bad netmask "${mask}" in localnet (expected a dotted mask like 255.255.255.0 or a prefix length 0-32)`);
    prefixLength = ipaddr.IPv4.parse(maskAddr!).prefixLengthFromSubnetMask() ?? undefined;
    if (prefixLength === undefined) fail(`bad netmask "${mask}" in localnet (its one-bits must be contiguous, as in 255.255.240.0)`);
  } else {
    prefixLength = toInt(mask, 0, v6 ? 128 : 32);
    if (prefixLength === undefined) {
      fail(
        v6
          ? `bad netmask "${mask}" in localnet (expected a prefix length 0-128)`
          : `bad netmask "${mask}" in localnet (expected a dotted mask like 255.255.255.0 or a prefix length 0-32)`,
      );
    }
  }

  const net: LocalNet = { address: address!, prefixLength: prefixLength! };
  if (port !== undefined) net.port = port;
  return net;
}

function parseDnatEndpoint(value: string, what: string, usage: string, fail: (m: string) => never): DnatEndpoint {
  const colon = value.indexOf(':');
  const addrText = colon >= 0 ? value.slice(0, colon) : value;
  const address = toIPv4(addrText);
  if (address === undefined) fail(`bad ${what} address "${addrText}" in dnat ${usage}`);
  const ep: DnatEndpoint = { address: address! };
  if (colon >= 0) {
    const portText = value.slice(colon + 1);
    const port = toPort(portText);
    if (port === undefined) fail(`bad ${what} port "${portText}" in dnat (expected 1-65535)`);
    ep.port = port!;
  }
  return ep;
}
