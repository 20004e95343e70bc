export type ProxyType = 'socks5' | 'socks4' | 'socks4a' | 'http' | 'https' | 'raw';

export interface ProxySpec {
  type: ProxyType;
  /** An IP literal (IPv6 without brackets, normalized by ipaddr.js) or a hostname as written. */
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** This hop is Tor's SocksPort (--tor, tor_proxy): docs/tor.md. */
  tor?: true;
  /** Set on a Tor hop whose credentials sockswrap made for stream isolation (tor-config.ts). */
  isolation?: 'run' | 'process';
  /** https hops: how the proxy's certificate is checked (--proxy-cacert, --proxy-insecure); absent: the system CA store. */
  tls?: ProxyTlsOptions;
}

export interface ProxyTlsOptions {
  /** PEM text of the CAs to trust instead of the system store, and the file it came from. */
  ca?: string;
  caFile?: string;
  /** --proxy-insecure: the certificate is not checked (with a warning at start). */
  insecure?: boolean;
}

/** Stream isolation for Tor hops (--isolate, tor_isolate): docs/tor.md. */
export type TorIsolation = 'run' | 'process' | 'off';

/** A localnet exclusion: traffic to address/prefixLength (and port, when given) goes direct. */
export interface LocalNet {
  /** Normalized by ipaddr.js (IPv6 in RFC 5952 form). */
  address: string;
  prefixLength: number;
  port?: number;
}

export type ChainType = 'strict' | 'dynamic' | 'random' | 'round_robin';

/** One side of a proxychains `dnat` rule; IPv4 only, as in proxychains-ng 4.16. */
export interface DnatEndpoint {
  address: string;
  /** Absent: any port (on the original side) / keep the port (on the new side). */
  port?: number;
}

export interface DnatRule {
  from: DnatEndpoint;
  to: DnatEndpoint;
}

export interface SockswrapConfig {
  /** strict, dynamic, random or round_robin (docs/chains.md); config-support.ts says which are accepted. */
  chainType: ChainType;
  /** Chain order, at least one. */
  proxies: ProxySpec[];
  /** Remote DNS via the proxy. */
  proxyDns: boolean;
  /** First octet of the fake IPv4 /8; 240 when not set (224/4 looks like multicast to some tools). */
  remoteDnsSubnet: number;
  tcpReadTimeoutMs: number;
  tcpConnectTimeoutMs: number;
  localnets: LocalNet[];
  /** quiet_mode */
  quiet: boolean;
  /** File path as given, or '-x' when built from URLs. */
  source: string;
  /**
   * Lines to tell the user once at start, unless quiet: names resolved locally (item 6 of
   * issue 11), a URL that probably does not say what was meant. Absent: none.
   */
  notices?: string[];
  /** Lines to tell the user once at start with -v only: which config file was read. Absent: none. */
  details?: string[];
  /** Lines of the file where the chain settings were written, for errors found later (chain_len). */
  origin?: { chain?: number; chainLen?: number; proxyList?: number };

  // The fields below are absent unless their directive was in effect. The parser reads every
  // directive proxychains-ng 4.16 has; config-support.ts alone decides which are accepted
  // (chain_len and dnat are; proxy_dns_old and proxy_dns_daemon are parsed, then refused).
  /** no_bind, --no-bind: listening sockets stay local, no SOCKS BIND (docs/bind.md). */
  noBind?: true;
  /** chain_len: hops per connection for random / round_robin chains. */
  chainLen?: number;
  /** dnat rules, in file order. */
  dnat?: DnatRule[];
  /** proxy_dns_old was the last DNS directive (proxyDns is true then too). */
  proxyDnsOld?: true;
  /** proxy_dns_daemon ADDR:PORT was the last DNS directive (proxyDns is true then too). */
  proxyDnsDaemon?: { address: string; port: number };
  /**
   * --dns-server / remote_dns_server IP[:PORT]: with remote DNS on, the DNS types the agent does
   * not answer itself (MX, TXT, ...) are asked there, as DNS over TCP through the chain.
   */
  dnsServer?: { address: string; port: number };
  /** tor_isolate MODE: the isolation Tor hops get unless --isolate says otherwise. */
  torIsolate?: TorIsolation;
  /** --tor-real-addresses: name lookups answered with the addresses Tor resolves, not fakes. */
  torRealAddresses?: boolean;
}

/**
 * Values used when a setting is absent. Timeouts are those of the stock proxychains.conf (its
 * built-in fallbacks, 4000/10000, surprise people). The fake-DNS /8 is 240, not proxychains'
 * 224: addresses in 224.0.0.0/4 make some tools treat the peer as multicast (proxychains-ng #280).
 */
export const CONFIG_DEFAULTS = {
  chainType: 'strict',
  proxyDns: false,
  remoteDnsSubnet: 240,
  tcpReadTimeoutMs: 15000,
  tcpConnectTimeoutMs: 8000,
  quiet: false,
  proxyPort: 1080,
} as const;
