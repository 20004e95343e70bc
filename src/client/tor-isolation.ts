/**
 * Per-process stream isolation for Tor hops (`--isolate=process`, src/config/tor-config.ts): a
 * hop whose isolation is 'process' gets, for each program pid, the run's isolation string with
 * `-pid-N` appended, so Tor puts each process's streams on circuits of their own. Chains are
 * built once per pid and kept while the run lasts (a pid reused by a later process of the same
 * run shares its circuits: pids are all the agent knows of a process).
 */
import type { ProxySpec } from '../config/config-types';

const byPid = new WeakMap<readonly ProxySpec[], Map<number, readonly ProxySpec[]>>();
/** A run that starts more processes than this forgets the oldest chains (they are rebuilt alike). */
const MAX_PIDS = 4096;

function needsPid(proxies: readonly ProxySpec[]): boolean {
  return proxies.some((p) => p.isolation === 'process');
}

/** The chain's hops as the process `pid` must send them; `proxies` itself when no hop isolates by process. */
export function proxiesForPid(proxies: readonly ProxySpec[], pid: number): readonly ProxySpec[] {
  if (!needsPid(proxies)) return proxies;
  let cache = byPid.get(proxies);
  if (!cache) byPid.set(proxies, (cache = new Map()));
  let hops = cache.get(pid);
  if (hops) return hops;
  hops = proxies.map((p) => {
    if (p.isolation !== 'process') return p;
    const hop = { ...p };
    if (hop.type === 'socks5') hop.password = `${p.password}-pid-${pid}`;
    else hop.username = `${p.username}-pid-${pid}`;
    return hop;
  });
  cache.set(pid, hops);
  if (cache.size > MAX_PIDS) cache.delete(cache.keys().next().value as number);
  return hops;
}

/** Whether connections must take the relay path, where the agent sends per-process credentials. */
export function isolatesByProcess(proxies: readonly ProxySpec[]): boolean {
  return needsPid(proxies);
}
