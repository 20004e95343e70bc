/**
 * Every failure sockswrap reports is one of these codes, so the errno a program sees and the
 * message a user reads are decided in one place (errno-map.ts), not at each throw site.
 */
export type ErrorCode =
  | 'proxy-unreachable' // could not open TCP to the proxy itself
  | 'proxy-timeout' // connect or read to a proxy took longer than the configured timeout
  | 'proxy-closed' // proxy closed the connection mid-handshake
  | 'proxy-tls' // TLS with an https proxy failed (certificate not trusted, wrong name, handshake error)
  | 'proxy-protocol' // proxy answered bytes that are not the protocol (wrong version, truncated, bad field)
  | 'proxy-auth-failed' // the proxy rejected our credentials
  | 'proxy-auth-required' // the proxy offered no method we can use (0xFF), e.g. it wants a password we lack
  | 'general-failure' // SOCKS5 0x01
  | 'not-allowed' // SOCKS5 0x02 / SOCKS4 0x5B
  | 'network-unreachable' // SOCKS5 0x03
  | 'host-unreachable' // SOCKS5 0x04, name resolution failure
  | 'connection-refused' // SOCKS5 0x05
  | 'ttl-expired' // SOCKS5 0x06
  | 'command-not-supported' // SOCKS5 0x07
  | 'address-not-supported' // SOCKS5 0x08, or a hop that cannot carry this address
  | 'unknown-reply' // any other reply code
  // Tor's extended SOCKS5 replies 0xF0-0xF7 (tor-socks-replies.ts)
  | 'onion-descriptor-not-found'
  | 'onion-descriptor-invalid'
  | 'onion-introduction-failed'
  | 'onion-rendezvous-failed'
  | 'onion-auth-missing'
  | 'onion-auth-wrong'
  | 'onion-address-invalid'
  | 'onion-introduction-timeout'
  | 'no-proxy'; // nothing configured that can carry this traffic (fail closed)

export class SockswrapError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The raw reply code from the proxy, when there was one. */
    readonly replyCode?: number,
  ) {
    super(message);
    this.name = 'SockswrapError';
  }
}
