// Value checks shared by the proxychains.conf and URL parsers. Each returns undefined for a bad
// value so the caller can word the error with its own context (line, URL part).
import ipaddr from 'ipaddr.js';

/** A TCP port 1-65535 written in plain decimal. */
export function toPort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** A non-negative decimal integer no larger than max (no sign, no exponent, no hex). */
export function toInt(text: string, min: number, max: number): number | undefined {
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** Strict dotted quad: ipaddr.parse alone would take "127.1" or "0x7f.0.0.1" as inet_aton does. */
export function toIPv4(text: string): string | undefined {
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text).toString() : undefined;
}

export function toIPv6(text: string, allowZone: boolean): string | undefined {
  if (!allowZone && text.includes('%')) return undefined;
  if (!ipaddr.IPv6.isValid(text)) return undefined;
  return ipaddr.IPv6.parse(text).toString();
}

// Labels as DNS allows plus '_' (seen in internal names); 255 is SOCKS5's ATYP 0x03 limit.
const HOSTNAME = /^(?=.{1,255}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;

/**
 * A proxy host: an IPv4 literal, an IPv6 literal (brackets optional; returned without them)
 * or a hostname (returned as written). Digits-and-dots that are not a valid IPv4 are refused,
 * not sent out as a "name".
 */
export function toHost(text: string): string | undefined {
  if (text.startsWith('[') && text.endsWith(']')) return toIPv6(text.slice(1, -1), true);
  if (text.includes(':')) return toIPv6(text, true);
  if (/^[0-9.]+$/.test(text)) return toIPv4(text);
  return HOSTNAME.test(text) ? text : undefined;
}

/** RFC 1929 carries user and password in at most 255 bytes each. */
export function socks5CredentialTooLong(value: string | undefined): boolean {
  return value !== undefined && Buffer.byteLength(value, 'utf8') > 255;
}
