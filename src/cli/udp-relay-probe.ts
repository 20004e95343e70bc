// `sockswrap check HOST:53` with a SOCKS5 hop that grants UDP ASSOCIATE: one DNS query through its
// relay, judged as the agent judges a relay (docs/udp.md, "A SOCKS5 hop with no UDP"): an answer
// within UDP_SILENCE_MS proves it; none, while the server answers over TCP (check's target test),
// means the relay drops and programs get the no-UDP behaviour.
import { randomBytes } from 'node:crypto';
import type { ProxySpec } from '../config/config-types';
import { udpAssociate } from '../client/udp-associate';
import { closeProxy } from '../agent/udp-association';
import { UDP_SILENCE_MS } from '../agent/udp-capability';
import { encodeUdpDatagram } from '../protocol/udp-header-codec';
import { formatTarget, type TargetAddress } from '../protocol/target-address';

/** "." NS, recursion desired: any nameserver answers it (even REFUSED is an answer). */
function rootNsQuery(): Buffer {
  const header = Buffer.from([0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  randomBytes(2).copy(header, 0);
  return Buffer.concat([header, Buffer.from([0, 0, 2, 0, 1])]);
}

/** Whether the relay carried a DNS query to `server` and its answer back, in words for check's udp line. */
export async function probeUdpRelay(proxy: ProxySpec, server: TargetAddress, timeouts: { connectMs: number; readMs: number }): Promise<{ granted: boolean; detail: string }> {
  let association;
  try {
    association = await udpAssociate(proxy, timeouts);
  } catch (err) {
    return { granted: false, detail: `not tested (${err instanceof Error ? err.message : String(err)})` };
  }
  const relay = `${association.relay.host}:${association.relay.port}`;
  const started = Date.now();
  try {
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), UDP_SILENCE_MS);
      association.socket.on('message', (_msg, rinfo) => {
        if (rinfo.port !== association.relay.port) return;
        clearTimeout(timer);
        resolve(true);
      });
      association.socket.send(encodeUdpDatagram(server, rootNsQuery()), association.relay.port, association.relay.host);
    });
    return answered
      ? { granted: true, detail: `yes (relay at ${relay}; a DNS query to ${formatTarget(server)} answered through it in ${Date.now() - started} ms)` }
      : { granted: false, detail: `no (relay at ${relay} answered no DNS query to ${formatTarget(server)} within ${UDP_SILENCE_MS} ms; programs get DNS over TCP, other UDP ENETUNREACH)` };
  } finally {
    closeProxy(association);
  }
}
