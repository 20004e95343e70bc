import { constants } from 'node:os';
import type { ErrorCode } from './sockswrap-error';

const E = constants.errno;

/**
 * The single mapping from sockswrap failures to the errno a wrapped program sees from connect().
 * Chosen so programs print what they would print without a proxy: a refused target is
 * ECONNREFUSED, an unreachable one ENETUNREACH/EHOSTUNREACH, a timeout ETIMEDOUT; anything that
 * is the proxy's fault rather than the target's is ECONNABORTED, with the cause in the log.
 */
const ERRNO_BY_CODE: Record<ErrorCode, number> = {
  'proxy-unreachable': E.ECONNREFUSED,
  'proxy-timeout': E.ETIMEDOUT,
  'proxy-closed': E.ECONNABORTED,
  'proxy-tls': E.ECONNABORTED,
  'proxy-protocol': E.ECONNABORTED,
  'proxy-auth-failed': E.EACCES,
  'proxy-auth-required': E.EACCES,
  'general-failure': E.ECONNABORTED,
  'not-allowed': E.EACCES,
  'network-unreachable': E.ENETUNREACH,
  'host-unreachable': E.EHOSTUNREACH,
  'connection-refused': E.ECONNREFUSED,
  'ttl-expired': E.ETIMEDOUT,
  'command-not-supported': E.ECONNABORTED,
  'address-not-supported': E.EAFNOSUPPORT,
  'unknown-reply': E.ECONNABORTED,
  // Tor's onion errors (docs/tor.md): a service that cannot be reached is EHOSTUNREACH, as a name
  // Tor cannot resolve (0x04) is; an address that is no onion address is EINVAL; a refused or
  // missing client key EACCES, as a proxy's auth failure; an introduction that timed out ETIMEDOUT.
  'onion-descriptor-not-found': E.EHOSTUNREACH,
  'onion-descriptor-invalid': E.EHOSTUNREACH,
  'onion-introduction-failed': E.EHOSTUNREACH,
  'onion-rendezvous-failed': E.EHOSTUNREACH,
  'onion-auth-missing': E.EACCES,
  'onion-auth-wrong': E.EACCES,
  'onion-address-invalid': E.EINVAL,
  'onion-introduction-timeout': E.ETIMEDOUT,
  'no-proxy': E.ENETUNREACH,
};

export function errnoFor(code: ErrorCode): number {
  return ERRNO_BY_CODE[code];
}

/**
 * The other direction, for `sockswrap serve`: what a failed connect (or name lookup) of the server
 * is called, so its reply code (socks5ReplyCode) is what a client maps back to the same errno.
 * `errnoName` is Node's err.code ('ECONNREFUSED', 'ENOTFOUND', ...).
 */
const CODE_BY_ERRNO: Record<string, ErrorCode> = {
  ECONNREFUSED: 'connection-refused',
  EHOSTUNREACH: 'host-unreachable',
  EHOSTDOWN: 'host-unreachable',
  ENETUNREACH: 'network-unreachable',
  ENETDOWN: 'network-unreachable',
  ETIMEDOUT: 'ttl-expired', // 0x06, as microsocks answers; clients map it back to ETIMEDOUT
  // A name the server cannot resolve: the target's host is unreachable from here (0x04).
  ENOTFOUND: 'host-unreachable',
  EAI_AGAIN: 'host-unreachable',
  EAI_FAIL: 'host-unreachable',
  EAI_NODATA: 'host-unreachable',
  EACCES: 'not-allowed',
  EPERM: 'not-allowed',
  EAFNOSUPPORT: 'address-not-supported',
};

export function errorCodeForErrno(errnoName: string | undefined): ErrorCode {
  return (errnoName !== undefined && Object.hasOwn(CODE_BY_ERRNO, errnoName) ? CODE_BY_ERRNO[errnoName] : undefined) ?? 'general-failure';
}
