/**
 * Sans-IO: does a SOCKS5 proxy read a greeting, an RFC 1929 login and a request sent in one write
 * (pipelining, docs/chains.md)? The probe is that flight, with a request no server can carry out
 * (CONNECT 0.0.0.0 port 0: nothing is dialled, the server just refuses it). A proxy that parses
 * every message it was sent answers each one; one that parses one message per recv (microsocks)
 * answers the greeting only and waits, which the caller's deadline turns into 'no'.
 */
import { encodeCredentials, type Socks5Credentials } from './socks5-codec';

const PROBE_REQUEST = Buffer.from([0x05, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);

/** The probe's bytes: greeting (username/password only, with credentials), login, request. */
export function pipelineProbe(credentials?: Socks5Credentials): Buffer {
  if (!credentials) return Buffer.concat([Buffer.from([0x05, 0x01, 0x00]), PROBE_REQUEST]);
  return Buffer.concat([Buffer.from([0x05, 0x01, 0x02]), encodeCredentials(credentials), PROBE_REQUEST]);
}

/**
 * What the bytes read so far say: 'yes' once the request was answered (any reply code: the proxy
 * read it), 'no' for an answer that tells nothing (no acceptable method, a refused login, bytes
 * that are not SOCKS5), 'incomplete' while more is needed. EOF or the deadline means 'no'.
 */
export function judgePipelineProbe(reply: Buffer, withCredentials: boolean): 'yes' | 'no' | 'incomplete' {
  if (reply.length < 2) return reply.length === 1 && reply[0] !== 0x05 ? 'no' : 'incomplete';
  if (reply[0] !== 0x05 || reply[1] !== (withCredentials ? 0x02 : 0x00)) return 'no';
  let at = 2;
  if (withCredentials) {
    if (reply.length < at + 2) return 'incomplete';
    if (reply[at] !== 0x01 || reply[at + 1] !== 0x00) return 'no';
    at += 2;
  }
  if (reply.length < at + 2) return 'incomplete';
  return reply[at] === 0x05 ? 'yes' : 'no';
}
