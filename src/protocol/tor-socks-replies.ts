/**
 * Tor's extended SOCKS5 reply codes (proposal 304; tor 0.4.3+): a SocksPort with the
 * `ExtendedErrors` flag answers a failed .onion CONNECT with one of 0xF0-0xF7 instead of the
 * generic 0x01/0x04. Nothing is asked for in the handshake: the flag is the Tor operator's, on the
 * SocksPort line, so the codec knows these codes always and a Tor without the flag just never
 * sends them. (0xF0/0xF1 are also Tor's RESOLVE/RESOLVE_PTR *commands*: another field.)
 * Each gets its own error code, mapped to an errno in errno-map.ts, and a message that says
 * what happened and what to try.
 */
import type { ErrorCode } from './sockswrap-error';

export const TOR_REPLIES: Readonly<Record<number, [ErrorCode, string]>> = {
  0xf0: ['onion-descriptor-not-found', "onion service descriptor can not be found (the service is not published: it is offline, or no service has this well-formed address)"],
  0xf1: ['onion-descriptor-invalid', 'onion service descriptor is invalid (the service published a descriptor Tor could not parse or verify)'],
  0xf2: ['onion-introduction-failed', 'onion service introduction failed (every introduction point failed; the service may be down)'],
  0xf3: ['onion-rendezvous-failed', 'onion service rendezvous failed (the service did not join the rendezvous circuit)'],
  0xf4: ['onion-auth-missing', "onion service missing client authorization (it needs a client key: add one to tor's ClientOnionAuthDir)"],
  0xf5: ['onion-auth-wrong', "onion service wrong client authorization (tor's client key for it was refused)"],
  0xf6: ['onion-address-invalid', 'onion service invalid address (not a v3 address: 56 base32 characters with a valid checksum and version, then .onion)'],
  0xf7: ['onion-introduction-timeout', 'onion service introduction timed out'],
};
