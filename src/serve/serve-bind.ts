/**
 * SOCKS5 BIND (RFC 1928 §4): listen for one inbound connection on the client's behalf (FTP's
 * active mode and the like). The listener is on the address the client reached this server at,
 * port chosen by the kernel; the first reply names it. Only a peer from DST.ADDR is taken (any
 * peer when DST.ADDR is 0.0.0.0 or ::; a name is resolved first): anyone else is closed and the
 * wait goes on. The second reply names the peer, then bytes are relayed. Closing the control
 * connection ends the wait.
 */
import { lookup } from 'node:dns/promises';
import { createServer, type Socket } from 'node:net';
import type { TargetAddress } from '../protocol/target-address';
import { isUnspecified, sameHost, socketAddress } from './bound-address';
import { failureOf, RequestFailure } from './request-failure';

export interface BindHooks {
  track(closable: { close(): void }): () => void;
  listening(at: TargetAddress): void;
  connected(peer: Socket): void;
  fail(f: RequestFailure): void;
}

export async function startBind(control: Socket, expected: TargetAddress, hooks: BindHooks): Promise<void> {
  let allowed: string[] | undefined; // undefined: any peer
  if (expected.kind === 'domain') {
    try {
      allowed = (await lookup(expected.host, { all: true, verbatim: true })).map((a) => a.address);
    } catch (err) {
      return hooks.fail(failureOf(err, `cannot resolve ${expected.host}`));
    }
  } else if (!isUnspecified(expected.host)) {
    allowed = [expected.host];
  }
  if (control.destroyed) return;
  const listener = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  const untrack = hooks.track(listener);
  let taken = false;
  const stop = () => {
    listener.close();
    untrack();
  };
  control.once('close', () => {
    if (!taken) stop();
  });
  listener.on('error', (err) => {
    stop();
    if (!taken) hooks.fail(failureOf(err, 'BIND listener'));
  });
  listener.on('connection', (peer: Socket) => {
    peer.on('error', () => peer.destroy());
    if (taken || (allowed && !allowed.some((a) => sameHost(a, peer.remoteAddress)))) {
      peer.destroy();
      return;
    }
    taken = true;
    stop();
    hooks.connected(peer);
    peer.resume();
  });
  listener.listen({ host: control.localAddress, port: 0 }, () => {
    const a = listener.address();
    if (a && typeof a === 'object') hooks.listening(socketAddress(a.address, a.port));
    else hooks.fail(new RequestFailure('general-failure', 'BIND listener has no address'));
  });
}
