// The pipelining probe over a real socket (pipelining.ts decides when; the bytes and the verdict
// are src/protocol/socks5-pipeline-probe.ts). One side connection per proxy and run, made when the
// first connection meets the proxy; that connection does not wait for it.
import type { ProxySpec } from '../config/config-types';
import { judgePipelineProbe, pipelineProbe } from '../protocol/socks5-pipeline-probe';
import { connectThroughChain, openTcp, type ChainTimeouts } from './chain-connect';
import { proxyAsTarget } from './proxy-hop';
import type { PipelineProber } from './pipelining';

/** A proxy that parses every message of the flight answers the refused request at once. */
const PROBE_WAIT_MS = 3000;

export function socketProber(timeouts: ChainTimeouts): PipelineProber {
  return async (hops, index) => {
    const proxy: ProxySpec = hops[index]!;
    const socket = index === 0
      ? await openTcp(proxy, timeouts.connectMs)
      : (await connectThroughChain(hops.slice(0, index), proxyAsTarget(proxy), timeouts)).socket;
    const credentials = proxy.username !== undefined ? { username: proxy.username, password: proxy.password ?? '' } : undefined;
    return new Promise<boolean>((resolve) => {
      let got = Buffer.alloc(0);
      const done = (yes: boolean) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(yes);
      };
      const timer = setTimeout(() => done(false), Math.min(PROBE_WAIT_MS, timeouts.readMs));
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        const verdict = judgePipelineProbe(got, credentials !== undefined);
        if (verdict !== 'incomplete') done(verdict === 'yes');
      });
      socket.on('end', () => done(false));
      socket.on('close', () => done(false));
      socket.on('error', () => done(false));
      socket.resume();
      socket.write(pipelineProbe(credentials));
    });
  };
}
