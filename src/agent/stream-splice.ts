// Two TCP sockets joined into one stream, as a relay of the agent hands them on: the bytes pass both
// ways; a reset on one side is a reset on the other; a FIN is passed on by pipe() as a FIN; once
// one side is gone for good, the other is finished after its queued bytes are out.
import type * as net from 'node:net';

/** Joins a and b. The caller resumes whichever side it paused. */
export function spliceStreams(a: net.Socket, b: net.Socket): void {
  b.on('error', () => a.resetAndDestroy());
  a.on('error', () => b.resetAndDestroy());
  b.on('close', () => {
    if (!a.destroyed) a.destroySoon();
  });
  a.on('close', () => {
    if (!b.destroyed) b.destroySoon();
  });
  a.pipe(b);
  b.pipe(a);
}
