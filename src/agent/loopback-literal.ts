/**
 * Listening on a loopback literal (127.0.0.1, ::1) without Node's name lookup. net's listen and
 * dgram's bind pass every host through dns.lookup, which first runs net.isIP on it; for '::1'
 * that is Node's IPv6 regular expression, compiled on its first run and again (to machine code) on
 * its second: ~5–10 ms of CPU per sockswrap start-up for two listeners whose address is a literal
 * we wrote (docs/benchmarks.md, "Case 1, start-up"). The answer such a lookup gives is the
 * literal itself, so these give it directly.
 */
import dns from 'node:dns';

const realLookup = dns.lookup;
const FAMILY: Record<string, number> = { '127.0.0.1': 4, '::1': 6 };

/**
 * dns.lookup, answering our two loopback literals itself (on the next tick, as dns.lookup does);
 * any other name or address (a dgram socket's sends) goes to dns.lookup as before.
 */
export const literalLookup = ((address: string, ...rest: unknown[]) => {
  const family = Object.hasOwn(FAMILY, address) ? FAMILY[address] : undefined;
  if (family === undefined) return (realLookup as (...args: unknown[]) => void)(address, ...rest);
  // (address, callback) from net's listen, (address, options, callback) from dgram
  process.nextTick(rest[rest.length - 1] as (...args: unknown[]) => void, null, address, family);
}) as unknown as (hostname: string, options: dns.LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void) => void;

/**
 * Runs `listen` (a synchronous net.Server#listen call on a literal host) with dns.lookup answering
 * the literal: net has no lookup option for listening, and it reads dns.lookup inside the call.
 */
export function withLiteralLookup(listen: () => void): void {
  const before = dns.lookup;
  (dns as { lookup: unknown }).lookup = literalLookup;
  try {
    listen();
  } finally {
    (dns as { lookup: unknown }).lookup = before;
  }
}
