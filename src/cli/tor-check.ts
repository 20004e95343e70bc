// `sockswrap check --tor`: is the hop marked Tor really Tor's SocksPort? (docs/tor.md)
import { openTcp } from '../client/chain-connect';
import { describeHop } from '../client/proxy-hop';
import type { ProxySpec } from '../config/config-types';

export interface TorReport {
  hop: number;
  socksPort: string;
  isTor: boolean;
  detail: string;
}

/**
 * Tor's SocksPort answers a request that starts like HTTP with "HTTP/1.0 501 Tor is not an HTTP
 * Proxy" (it sniffs the first byte: neither 4 nor 5) and closes: a fingerprint that needs no
 * circuit and reaches nothing beyond the SocksPort. Anything else, or no answer, is "not Tor".
 */
export async function probeTor(proxy: ProxySpec, hop: number, timeoutMs: number): Promise<TorReport> {
  const socksPort = describeHop(proxy).slice(proxy.type.length + 1);
  let socket;
  try {
    socket = await openTcp(proxy, timeoutMs);
  } catch (err) {
    return { hop, socksPort, isTor: false, detail: `not reachable: ${err instanceof Error ? err.message : String(err)}` };
  }
  const s = socket;
  const answer = await new Promise<string>((resolve) => {
    let got = '';
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, timeoutMs);
    s.on('data', (b: Buffer) => {
      got += b.toString('latin1');
      if (got.includes('\r\n') || got.length > 512) done();
    });
    s.on('end', done);
    s.on('error', done);
    s.write('GET / HTTP/1.0\r\n\r\n');
  });
  const status = answer.split('\r\n')[0]!.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
  if (/^HTTP\/1\.[01] 501 Tor is not an HTTP Proxy/.test(status)) return { hop, socksPort, isTor: true, detail: `Tor's SocksPort (it answers HTTP with "${status}")` };
  return { hop, socksPort, isTor: false, detail: status ? `it answered HTTP with "${status}", not as Tor's SocksPort does` : 'it gave no answer to HTTP, as Tor\'s SocksPort would ("501 Tor is not an HTTP Proxy")' };
}

/** The plain-text line for each Tor hop. */
export function torLines(reports: readonly TorReport[]): string[] {
  return reports.map((t) => `tor at hop ${t.hop} ${t.socksPort}: ${t.isTor ? 'yes' : 'NO'}, ${t.detail}`);
}
