// The lab most e2e files start with, in one place: the two namespaces (net-lab.ts), the leak
// counter (proof.ts), optionally the sink default route, the target servers, and danted and/or
// microsocks in the proxy ns. Call standardLab() inside a describe: it registers the hooks
//   before      make the lab and start its peers, then hand them to `take`
//   beforeEach  reset the leak counter (leaks: 'each' also asserts none after each test)
//   after       destroy the lab: its processes, namespaces and scratch directory
// A file's own setup goes in a `before` registered after standardLab(); hooks run in order.
import { after, afterEach, before, beforeEach } from 'node:test';
import { createLab, type Lab } from './net-lab';
import { startDanted, startMicrosocks, startTargets, type Danted, type Peer, type Targets } from './peers';
import { assertNoLeaks, installLeakCounter, takeLeaks } from './proof';
import { addSinkRoute } from './sink-route';

export interface StandardLabOptions {
  /** A default route into a sink, so a packet that went direct is counted, not refused (sink-route.ts). */
  sinkRoute?: boolean;
  /** The target servers (target-server.ts) on the target addresses; default true. */
  targets?: boolean;
  /** danted on this port of the proxy's addresses. */
  danted?: number;
  /** microsocks (no auth) on this port of the proxy's IPv4 address. */
  microsocks?: number;
  /**
   * 'each' (default): the counter is reset before each test and must read 0 after it;
   * 'reset': only reset before each test (the file asserts where it wants);
   * 'file': never reset by the hooks; it must read 0 at the end of the file, before the lab goes
   *         (the file may takeLeaks() once its own setup is done).
   */
  leaks?: 'each' | 'reset' | 'file';
}

export interface StandardLab {
  lab: Lab;
  targets?: Targets;
  danted?: Danted;
  micro?: Peer;
  /** `-x socks5h://…` for the first proxy started: danted when there is one, else microsocks. */
  X: string[];
}

export function standardLab(opts: StandardLabOptions, take: (s: StandardLab) => void): void {
  let lab: Lab | undefined;
  const leaks = opts.leaks ?? 'each';
  before(async () => {
    lab = createLab();
    if (opts.sinkRoute) addSinkRoute(lab);
    installLeakCounter(lab);
    const l = lab;
    const [targets, danted, micro] = await Promise.all([
      opts.targets === false ? undefined : startTargets(l),
      opts.danted === undefined ? undefined : startDanted(l, opts.danted),
      opts.microsocks === undefined ? undefined : startMicrosocks(l, { port: opts.microsocks }),
    ]);
    const first = danted ?? micro;
    take({ lab: l, targets, danted, micro, X: first ? ['-x', `socks5h://${first.host}:${first.port}`] : [] });
  });
  after(() => {
    if (!lab) return;
    try {
      if (leaks === 'file') assertNoLeaks(lab, 'the whole file');
    } finally {
      lab.destroy();
    }
  });
  if (leaks !== 'file') beforeEach(() => { if (lab) takeLeaks(lab); });
  if (leaks === 'each') afterEach((t) => { if (lab) assertNoLeaks(lab, t.name); });
}
