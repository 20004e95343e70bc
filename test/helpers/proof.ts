// Proof of path: where did the client's packets go?
//
// An nftables table in the client namespace counts every packet the client ns sends to anyone
// but the proxy address (loopback, and IPv6 neighbour discovery, excepted) and remembers each
// such destination. After every case the tests assert that count is 0: nothing went direct,
// no DNS query left for the (nonexistent) resolver 198.18.N.53.
import { spawnSync } from 'node:child_process';
import type { Lab } from './net-lab';

function nft(lab: Lab, args: string[], input?: string): string {
  const r = spawnSync('ip', ['netns', 'exec', lab.client, 'nft', ...args], { input, encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`nft ${args.join(' ')} in ${lab.client}: ${r.stderr}`);
  return r.stdout;
}

export function installLeakCounter(lab: Lab): void {
  nft(lab, ['-f', '-'], `
table inet swleak {
  counter leak { }
  set leaked4 { type ipv4_addr . inet_proto; flags dynamic; size 256; }
  set leaked6 { type ipv6_addr . inet_proto; flags dynamic; size 256; }
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    ip daddr ${lab.proxyIp4} accept
    ip6 daddr ${lab.proxyIp6} accept
    meta l4proto ipv6-icmp icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, mld-listener-report, mld2-listener-report } accept
    counter name leak
    meta nfproto ipv4 add @leaked4 { ip daddr . meta l4proto }
    meta nfproto ipv6 add @leaked6 { ip6 daddr . meta l4proto }
  }
}
`);
}

export interface Leaks {
  packets: number;
  /** "addr proto" of each destination that got a packet, for the failure message. */
  destinations: string[];
}

/** Packets that left the client ns for anyone but the proxy since the last call; resets. */
export function takeLeaks(lab: Lab): Leaks {
  const out = nft(lab, ['-j', 'reset', 'counter', 'inet', 'swleak', 'leak']);
  let packets = 0;
  for (const item of JSON.parse(out).nftables ?? []) {
    if (item.counter && item.counter.name === 'leak') packets += item.counter.packets;
  }
  const destinations: string[] = [];
  for (const set of ['leaked4', 'leaked6']) {
    const s = JSON.parse(nft(lab, ['-j', 'list', 'set', 'inet', 'swleak', set]));
    for (const item of s.nftables ?? []) {
      for (const e of item.set?.elem ?? []) {
        const c = e.concat ?? e.elem?.val?.concat;
        destinations.push(Array.isArray(c) ? c.join(' ') : JSON.stringify(e));
      }
    }
    nft(lab, ['flush', 'set', 'inet', 'swleak', set]);
  }
  return { packets, destinations };
}

/** Throws unless nothing left the client namespace except to the proxy since the last check. */
export function assertNoLeaks(lab: Lab, what = ''): void {
  const l = takeLeaks(lab);
  if (l.packets !== 0) {
    throw new Error(`${what ? what + ': ' : ''}${l.packets} packet(s) left the client namespace for someone other than the proxy: ${l.destinations.join(', ')}`);
  }
}
