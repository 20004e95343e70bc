/**
 * HTTPS proxies (docs/upstreams.md, "https"): TLS to the proxy, then HTTP CONNECT inside it, as
 * the http hop does. The TLS lives here, in the agent (Node's tls); the shim cannot do TLS, so a
 * chain with an https hop always takes the relay path. An https hop may come anywhere in a chain:
 * its TLS then runs inside the tunnel the hops before it opened, and everything after it (the
 * next hops' handshakes, the program's bytes) inside that TLS.
 */
import { existsSync, readFileSync } from 'node:fs';
import type net from 'node:net';
import { isIP } from 'node:net';
import type tls from 'node:tls';
import type { ProxySpec } from '../config/config-types';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { ChainError } from './chain-error';
import { proxyAsTarget } from './proxy-hop';
import { deferredExtraCaCerts } from './extra-ca-certs';

/**
 * The system CA store (what curl verifies against on Debian), first found: $SSL_CERT_FILE, then
 * the bundles of Debian/Ubuntu, Fedora/RHEL, openSUSE and Alpine. Node's own bundled roots are
 * Mozilla's list, not the system's: they are used only when none of these exists.
 */
const SYSTEM_CA_FILES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/ssl/cert.pem'];

/**
 * TLS sessions by proxy and trust settings, so the next connection to the same proxy resumes
 * (one round trip and no certificate chain instead of a full handshake). Only sessions of
 * connections whose certificate passed (or that were --proxy-insecure) are kept.
 */
const sessions = new Map<string, Buffer>();
const MAX_SESSIONS = 64;

function sessionKey(proxy: ProxySpec): string {
  return `${proxy.host}|${proxy.port}|${proxy.tls?.caFile ?? ''}|${proxy.tls?.insecure ? 'insecure' : 'verified'}`;
}

let systemStore: CaStore | undefined;

export interface CaStore {
  /** What it is, for messages. */
  file: string;
  /** The PEM to verify against; undefined: Node's default store. */
  pem: string | undefined;
}

export function systemCaStore(): CaStore {
  systemStore ??= caStore([process.env.SSL_CERT_FILE, ...SYSTEM_CA_FILES], deferredExtraCaCerts());
  return systemStore;
}

/**
 * The first of `candidates` that exists; else Node's bundled list, with the NODE_EXTRA_CA_CERTS
 * file added when this node did not read it at its start (extra-ca-certs.ts), as Node's
 * default store would have it. An extra file that cannot be read is ignored with Node's warning.
 */
export function caStore(candidates: (string | undefined)[], extra: string | undefined): CaStore {
  const file = candidates.find((f): f is string => !!f && existsSync(f));
  if (file) return { file, pem: readFileSync(file, 'utf8') };
  const bundled = "Node's bundled CA list";
  if (extra === undefined) return { file: bundled, pem: undefined };
  let pem: string;
  try {
    pem = readFileSync(extra, 'utf8');
  } catch (err) {
    process.stderr.write(`sockswrap: ignoring extra certs from ${extra} (NODE_EXTRA_CA_CERTS): ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
    return { file: bundled, pem: undefined };
  }
  const { rootCertificates } = require('node:tls') as typeof import('node:tls');
  return { file: `${bundled} and ${extra} (NODE_EXTRA_CA_CERTS)`, pem: [...rootCertificates, pem].join('\n') };
}

/** Whether a strict chain needs TLS somewhere (then it is built by connectWithTlsHops). */
export function hasTlsHop(proxies: readonly ProxySpec[]): boolean {
  return proxies.some((p) => p.type === 'https');
}

/** "CN=proxy.test, O=Example": a certificate's subject or issuer, for messages. */
function dn(name: Record<string, string | string[]> | undefined): string {
  if (!name) return '(none)';
  return Object.entries(name).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`).join(', ') || '(empty)';
}

function certText(cert: tls.PeerCertificate | undefined): string {
  if (!cert || Object.keys(cert).length === 0) return 'no certificate';
  const names = cert.subjectaltname ? `; names ${cert.subjectaltname}` : '';
  return `subject ${dn(cert.subject as unknown as Record<string, string>)}, issuer ${dn(cert.issuer as unknown as Record<string, string>)}${names}`;
}

/** Why verification failed, in words, for the codes OpenSSL and Node give. */
function verifyText(code: string, proxy: ProxySpec): string {
  const where = proxy.tls?.caFile ? `the CAs in ${proxy.tls.caFile} (--proxy-cacert)` : `the system CA store (${systemCaStore().file}); give its CA with --proxy-cacert FILE`;
  switch (code) {
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the certificate is not for ${proxy.host} (name mismatch, ${code})`;
    case 'CERT_HAS_EXPIRED':
      return `the certificate has expired (${code})`;
    case 'CERT_NOT_YET_VALID':
      return `the certificate is not valid yet (${code})`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return `the certificate is not signed by a trusted CA (unknown CA, ${code}; trusted: ${where})`;
    default:
      return `the certificate was not accepted (${code})`;
  }
}

/**
 * TLS with `proxy` over `stream` (TCP to it, or the tunnel the previous hops opened). Resolves
 * once the certificate is verified — against proxy.tls.ca (--proxy-cacert) or the system store,
 * for the proxy's host name (SNI is that name; an IP literal is checked against the IP SANs and
 * sends no SNI) — or not verified with proxy.tls.insecure. Nothing is sent inside the TLS before
 * that, so credentials never reach a proxy that failed the check. Errors are ChainErrors whose
 * message says "TLS" and names the certificate.
 */
export function startTls(stream: net.Socket, proxy: ProxySpec, hopIndex: number, timeoutMs: number, signal?: AbortSignal): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const ca = proxy.tls?.ca ?? systemCaStore().pem;
    // Loaded on first use: most runs have no https hop, and every run starts an agent.
    const { connect } = require('node:tls') as typeof import('node:tls');
    const socket = connect({
      socket: stream,
      host: proxy.host,
      servername: isIP(proxy.host) === 0 ? proxy.host : undefined,
      ca,
      session: sessions.get(sessionKey(proxy)),
      // Checked below, so the message can name the certificate and the layer.
      rejectUnauthorized: false,
    });
    let settled = false;
    const finish = (err?: SockswrapError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) {
        socket.destroy();
        stream.destroy();
        reject(new ChainError(err, hopIndex, proxy));
        return;
      }
      socket.on('error', () => {});
      resolve(withReset(socket, stream));
    };
    const tlsFailure = (text: string) => new SockswrapError('proxy-tls', `TLS with the proxy failed: ${text}`);
    const onError = (err: NodeJS.ErrnoException) => finish(tlsFailure(`${err.code ?? 'error'}: ${err.message}`));
    const onClose = () => finish(tlsFailure('the proxy closed the connection during the TLS handshake (is it an https proxy?)'));
    const onAbort = () => finish(new SockswrapError('proxy-closed', 'the connection was given up'));
    const timer = setTimeout(() => finish(new SockswrapError('proxy-timeout', `TLS with the proxy failed: no TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    socket.on('session', (session: Buffer) => {
      if (!socket.authorized && !proxy.tls?.insecure) return;
      if (sessions.size >= MAX_SESSIONS && !sessions.has(sessionKey(proxy))) sessions.clear();
      sessions.set(sessionKey(proxy), session);
    });
    socket.once('secureConnect', () => {
      if (!socket.authorized && !proxy.tls?.insecure) {
        sessions.delete(sessionKey(proxy));
        const code = String(socket.authorizationError ?? 'unverified');
        finish(tlsFailure(`${verifyText(code, proxy)}: ${certText(socket.getPeerCertificate())}`));
        return;
      }
      finish();
    });
    socket.on('error', onError);
    socket.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * resetAndDestroy() of a TLSSocket throws (its handle is not TCP's): the relay resets a broken
 * connection's other side with it, so a reset goes to the TCP socket underneath, as it would
 * without TLS.
 */
function withReset(socket: tls.TLSSocket, under: net.Socket): tls.TLSSocket {
  socket.resetAndDestroy = function resetAndDestroy(this: tls.TLSSocket) {
    try {
      under.resetAndDestroy();
    } catch {
      under.destroy();
    }
    this.destroy();
    return this;
  };
  return socket;
}

type Segment = (stream: net.Socket, proxies: readonly ProxySpec[], target: TargetAddress) => Promise<Buffer>;

/**
 * A strict chain with https hops, in segments: the hops up to the next https hop are driven on the
 * current stream (asked to reach that hop), then TLS with it over that stream, then the next
 * segment inside the TLS. `drive` is one segment's handshake (driveHandshake over ChainHandshake);
 * hop indexes in errors are the chain's.
 */
export async function connectWithTlsHops(
  first: net.Socket,
  proxies: readonly ProxySpec[],
  target: TargetAddress,
  readMs: number,
  drive: Segment,
  signal?: AbortSignal,
): Promise<{ socket: net.Socket; rest: Buffer }> {
  let stream: net.Socket = first;
  let start = 0;
  try {
    for (;;) {
      if (proxies[start]!.type === 'https') stream = await startTls(stream, proxies[start]!, start, readMs, signal);
      let end = start + 1;
      while (end < proxies.length && proxies[end]!.type !== 'https') end++;
      const segmentTarget = end < proxies.length ? proxyAsTarget(proxies[end]!) : target;
      let rest: Buffer;
      try {
        rest = await drive(stream, proxies.slice(start, end), segmentTarget);
      } catch (err) {
        if (err instanceof ChainError) throw new ChainError(err.error, err.hopIndex + start, err.hop);
        throw err;
      }
      if (end >= proxies.length) return { socket: stream, rest };
      if (rest.length > 0) {
        throw new ChainError(new SockswrapError('proxy-protocol', 'bytes came before the TLS handshake of the next hop started'), end, proxies[end]!);
      }
      start = end;
    }
  } catch (err) {
    stream.destroy();
    first.destroy();
    throw err;
  }
}
