// Proxy URLs as given with -x (and accepted on proxychains.conf ProxyList lines):
//   scheme://[user[:password]@]host[:port][/]
import { ConfigError } from './config-error';
import { SUPPORTED_PROXY_TYPES, supportedProxyTypesText } from './config-support';
import { CONFIG_DEFAULTS, type ProxySpec, type ProxyType, type SockswrapConfig } from './config-types';
import { socks5CredentialTooLong, toHost, toIPv6, toPort } from './config-values';

interface SchemeInfo {
  type: ProxyType;
  /** Whether names are resolved by the proxy (curl's meaning of the scheme). */
  remoteDns: boolean;
}

// A Map, not an object literal: "constructor://" must not find Object.prototype.constructor.
const SCHEMES: ReadonlyMap<string, SchemeInfo> = new Map<string, SchemeInfo>([
  ['socks5', { type: 'socks5', remoteDns: false }],
  ['socks5h', { type: 'socks5', remoteDns: true }],
  ['socks4', { type: 'socks4', remoteDns: false }],
  // SOCKS4a and HTTP CONNECT both carry the name to the proxy, so the proxy resolves it.
  ['socks4a', { type: 'socks4a', remoteDns: true }],
  ['http', { type: 'http', remoteDns: true }],
  // HTTP CONNECT inside TLS to the proxy (curl's --proxy https://), port 443 unless given.
  ['https', { type: 'https', remoteDns: true }],
]);

const SCHEME_LIST = 'socks5, socks5h, socks4, socks4a, http or https';
/** RFC 1929, §2: what a SOCKS5 login may be, for messages that refuse one. */
const SOCKS5_CREDENTIALS_RULE = 'SOCKS5 login (RFC 1929) needs a user name and a password of 1-255 bytes each';

export interface ParsedProxyUrl {
  proxy: ProxySpec;
  remoteDns: boolean;
  /** Lower-cased scheme as written, e.g. "socks5h". */
  scheme: string;
  /** Something legal but probably not meant (the URL is redacted in it). */
  warning?: string;
}

/** URL text safe to print: the password is replaced, since errors end up in terminals and logs. */
export function redactProxyUrl(url: string): string {
  const sep = url.indexOf('://');
  if (sep < 0) return url;
  const rest = url.slice(sep + 3);
  const at = rest.lastIndexOf('@');
  if (at < 0) return url;
  const colon = rest.indexOf(':');
  if (colon < 0 || colon > at) return url;
  return `${url.slice(0, sep + 3)}${rest.slice(0, colon)}:***${rest.slice(at)}`;
}

/**
 * Full parse with the scheme kept; requirePort is for proxychains.conf, where (as in
 * proxychains-ng) the port is mandatory.
 */
export function parseProxyUrlDetailed(url: string, opts: { requirePort?: boolean } = {}): ParsedProxyUrl {
  const fail = (what: string): never => {
    throw new ConfigError(`bad proxy URL "${redactProxyUrl(url)}": ${what}`);
  };

  const m = /^([^:/?#@\s]*):\/\/(.*)$/s.exec(url);
  if (!m) return fail(`missing scheme (expected ${SCHEME_LIST}, as in socks5://HOST:PORT)`);
  const scheme = m[1]!.toLowerCase();
  const info = SCHEMES.get(scheme);
  if (!info) return fail(`unknown scheme "${m[1]}" (expected ${SCHEME_LIST})`);
  const rest = m[2]!;

  // One '@' at most: with two, which one ends the credentials is a guess (curl and browsers
  // disagree), and a wrong guess sends the password to another host. Encode it as %40.
  const at = rest.indexOf('@');
  if (at >= 0 && rest.indexOf('@', at + 1) >= 0) {
    fail('more than one "@" (write an "@" inside the user name or password as %40)');
  }
  const userinfo = at >= 0 ? rest.slice(0, at) : undefined;
  const afterUser = rest.slice(at + 1);
  const pathAt = afterUser.search(/[/?#]/);
  const hostport = pathAt >= 0 ? afterUser.slice(0, pathAt) : afterUser;
  const path = pathAt >= 0 ? afterUser.slice(pathAt) : '';
  // A lone trailing "/" is what people paste from browsers; anything more means a mistake.
  if (path !== '' && path !== '/') fail(`has a path "${path}" (expected nothing after host:port)`);

  let username: string | undefined;
  let password: string | undefined;
  let warning: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const rawUser = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    const rawPass = colon >= 0 ? userinfo.slice(colon + 1) : undefined;
    if (rawUser === '') fail('empty username before "@"');
    // SOCKS5 (RFC 1929) and HTTP Basic send a user name only with a password: "user@" alone
    // would be sent with an empty one and fail at every connection. SOCKS4 carries a user id alone.
    // RFC 1929 allows no empty password either (1-255 bytes each); HTTP Basic does.
    if (rawPass === undefined && info.type === 'socks5') {
      fail(`user name without a password before "@" (expected USER:PASSWORD@; ${SOCKS5_CREDENTIALS_RULE})`);
    }
    if (rawPass === undefined && (info.type === 'http' || info.type === 'https')) {
      fail('user name without a password before "@" (expected USER:PASSWORD@, or USER:@ for an empty password)');
    }
    if (rawPass === '' && info.type === 'socks5') fail(`empty password after "USER:" (${SOCKS5_CREDENTIALS_RULE})`);
    username = decode(rawUser, 'username', fail);
    if (rawPass !== undefined) password = decode(rawPass, 'password', fail);
    // "socks5h://1.2.3.4:1080@evil" is user "1.2.3.4", password "1080", proxy evil:1080:
    // legal, but far more likely a host:port someone put in front of another host.
    if (rawPass !== undefined && /^[0-9]{1,5}$/.test(rawPass) && toHost(rawUser) !== undefined && /[.]/.test(rawUser)) {
      warning =
        `proxy URL "${redactProxyUrl(url)}": "${rawUser}:…@" is read as a user name and password, ` +
        `so the proxy is the host after "@", not ${rawUser}`;
    }
  }

  let hostText: string;
  let portText: string | undefined;
  let host: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) return fail(`unclosed "[" in host "${hostport}"`);
    hostText = hostport.slice(1, close);
    const after = hostport.slice(close + 1);
    if (after.startsWith(':')) portText = after.slice(1);
    else if (after !== '') fail(`unexpected "${after}" after the IPv6 address (expected :PORT)`);
    // RFC 6874 writes a zone as %25zone inside the brackets.
    host = toIPv6(hostText.replace(/%25/, '%'), true);
    if (hostText === '') fail('missing host');
    if (host === undefined) fail(`bad IPv6 address "${hostText}"`);
  } else {
    const colons = hostport.split(':').length - 1;
    if (colons > 1) fail(`IPv6 address "${hostport}" must be in brackets, as in socks5://[::1]:1080`);
    const colon = hostport.indexOf(':');
    hostText = colon >= 0 ? hostport.slice(0, colon) : hostport;
    if (colon >= 0) portText = hostport.slice(colon + 1);
    if (hostText === '') fail('missing host');
    host = toHost(hostText);
    if (host === undefined) fail(`bad host "${hostText}"`);
  }

  let port: number;
  if (portText === undefined) {
    if (opts.requirePort) fail('missing port (expected HOST:PORT)');
    port = info.type === 'https' ? 443 : CONFIG_DEFAULTS.proxyPort;
  } else {
    const p = toPort(portText);
    if (p === undefined) return fail(`bad port "${portText}" (expected 1-65535)`);
    port = p;
  }

  if (info.type === 'socks5') {
    if (socks5CredentialTooLong(username)) fail('username longer than 255 bytes (the SOCKS5 limit)');
    if (socks5CredentialTooLong(password)) fail('password longer than 255 bytes (the SOCKS5 limit)');
  }
  // Caught here rather than at the first connection, so a bad URL is a usage error (exit 2).
  if ((info.type === 'http' || info.type === 'https') && username?.includes(':')) fail('username contains ":", which HTTP Basic authentication cannot carry');
  if ((info.type === 'socks4' || info.type === 'socks4a') && username?.includes('\0')) {
    fail('username contains a NUL byte, which SOCKS4 cannot carry');
  }

  const proxy: ProxySpec = { type: info.type, host: host!, port };
  if (username !== undefined) proxy.username = username;
  if (password !== undefined) proxy.password = password;
  const parsed: ParsedProxyUrl = { proxy, remoteDns: info.remoteDns, scheme };
  if (warning !== undefined) parsed.warning = warning;
  return parsed;
}

function decode(raw: string, what: string, fail: (what: string) => never): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return fail(`bad percent-encoding in the ${what}`);
  }
}

export function parseProxyUrl(url: string): { proxy: ProxySpec; remoteDns: boolean } {
  const { proxy, remoteDns } = parseProxyUrlDetailed(url);
  return { proxy, remoteDns };
}

/** What to say when names are resolved on this machine, worded for the last hop's scheme. */
export function localDnsNotice(scheme: string): string {
  const better = scheme === 'socks4' ? 'socks4a://' : 'socks5h://';
  return `names are resolved locally; use ${better} to resolve them through the proxy`;
}

/**
 * A strict chain through the given URLs, in order; the last hop decides remote DNS. `source`
 * names where they came from in messages ('-x', a --proxy-file path, SOCKSWRAP_PROXY); `where`
 * prefixes each URL's errors (a file's "FILE:LINE").
 */
export function configFromProxyUrls(urls: string[], source = '-x', where?: (index: number) => { file: string; line: number }): SockswrapConfig {
  if (urls.length === 0) throw new ConfigError('no proxy URL given (expected -x socks5://HOST:PORT)');
  const parsed = urls.map((url, i) => {
    const at = where?.(i);
    try {
      const p = parseProxyUrlDetailed(url);
      if (!SUPPORTED_PROXY_TYPES.has(p.proxy.type)) {
        throw new ConfigError(
          `proxy URL "${redactProxyUrl(url)}": ${p.scheme}:// proxies are not supported yet ` +
            `(supported: ${supportedProxyTypesText()})`,
        );
      }
      if (at && p.warning) p.warning = `${at.file}:${at.line}: ${p.warning}`;
      return p;
    } catch (e) {
      if (at && e instanceof ConfigError && e.file === undefined) throw new ConfigError(e.detail, at.file, at.line);
      throw e;
    }
  });
  const last = parsed[parsed.length - 1]!;
  const notices = parsed.flatMap((p) => (p.warning ? [p.warning] : []));
  if (!last.remoteDns) notices.push(localDnsNotice(last.scheme));
  const config: SockswrapConfig = {
    chainType: CONFIG_DEFAULTS.chainType,
    proxies: parsed.map((p) => p.proxy),
    proxyDns: last.remoteDns,
    remoteDnsSubnet: CONFIG_DEFAULTS.remoteDnsSubnet,
    tcpReadTimeoutMs: CONFIG_DEFAULTS.tcpReadTimeoutMs,
    tcpConnectTimeoutMs: CONFIG_DEFAULTS.tcpConnectTimeoutMs,
    localnets: [],
    quiet: CONFIG_DEFAULTS.quiet,
    source,
  };
  if (notices.length > 0) config.notices = notices;
  return config;
}
