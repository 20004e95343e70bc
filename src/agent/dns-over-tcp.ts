/**
 * A DNS query that arrived as a UDP datagram, asked over TCP instead (RFC 7766: each message
 * preceded by its length, u16be), through the same proxy chain a TCP connect would use. For
 * chains that cannot carry UDP: the program still gets its answer, from the server it asked,
 * and nothing is sent outside the proxy.
 */
import type net from 'node:net';
import { SockswrapError } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';
import { DNS_HEADER_LENGTH, DnsFrameReader, frameDnsMessage } from '../protocol/dns-message';

export type OpenStream = (target: TargetAddress, signal: AbortSignal) => Promise<{ socket: net.Socket; rest: Buffer }>;

export { frameDnsMessage, dnsUdpLimit, fitDnsAnswerToUdp, DNS_UDP_MIN } from '../protocol/dns-message';

/** Sans-IO: collects stream bytes and returns the first complete framed message, once. */
export class DnsStreamReader {
  private readonly frames = new DnsFrameReader();
  private done = false;
  push(chunk: Buffer): Buffer | undefined {
    if (this.done) return undefined;
    const first = this.frames.push(chunk)[0];
    if (first) this.done = true;
    return first;
  }
}

/** One query, one answer, one TCP connection through the chain. Rejects on any failure. */
export async function queryDnsOverTcp(open: OpenStream, server: TargetAddress, query: Buffer, timeoutMs: number): Promise<Buffer> {
  if (query.length < DNS_HEADER_LENGTH) throw new SockswrapError('proxy-protocol', `a ${query.length}-byte datagram to port 53 is not a DNS query`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const { socket, rest } = await open(server, controller.signal);
    return await new Promise<Buffer>((resolve, reject) => {
      const reader = new DnsStreamReader();
      let settled = false;
      const done = (outcome: Buffer | Error) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        controller.signal.removeEventListener('abort', onAbort);
        if (outcome instanceof Buffer) resolve(outcome);
        else reject(outcome);
      };
      const onData = (chunk: Buffer) => {
        const answer = reader.push(chunk);
        if (answer) done(answer);
      };
      const onAbort = () => done(new SockswrapError('proxy-timeout', `no DNS answer over TCP within ${timeoutMs} ms`));
      controller.signal.addEventListener('abort', onAbort, { once: true });
      socket.on('data', onData);
      socket.once('close', () => done(new SockswrapError('proxy-closed', 'the DNS server closed the TCP connection without a whole answer')));
      socket.on('error', () => {});
      if (rest.length) onData(rest);
      socket.write(frameDnsMessage(query));
      socket.resume();
    });
  } finally {
    clearTimeout(timer);
  }
}
