import type net from 'node:net';
import type { Requester } from './connect-broker';
import { FrameDecoder, Op, Status, serializeStatus, stampFrameId, type Frame } from '../wire';

const HELLO_WAIT_MS = 5_000;

/** What a control connection's frames mean: ControlServer's answers (control-server.ts). */
export interface ControlHandlers {
  /** The first frame: who is asking, or undefined to drop the connection unanswered. */
  hello(frame: Frame): Requester | undefined;
  /** A NOTE (no answer). Throws on a malformed one. */
  note(body: Buffer, requester: Requester): void;
  /** Any other request's answer (a frame whose id is stamped here). Throws on a malformed one. */
  answer(frame: Frame, requester: Requester): Buffer | Promise<Buffer>;
  /** The connection closed after its HELLO. */
  gone(requester: Requester): void;
}

/**
 * The transport of one control connection (docs/wire-protocol.md): frames in, answers out in
 * request order — even when one must wait (UDP_ROUTE opens an association) — each stamped with
 * its request's id. The first frame must be HELLO within HELLO_WAIT_MS. Anything malformed drops
 * the connection: a bad request from our own shim is a bug, and dropping it fails closed.
 */
export function serveControlConnection(socket: net.Socket, handlers: ControlHandlers): void {
  socket.on('error', () => {});
  const decoder = new FrameDecoder();
  let requester: Requester | undefined;
  let queue: Promise<void> = Promise.resolve();
  /** Asynchronous answers not yet written (and answers queued behind them write after them). */
  let waiting = 0;
  socket.on('close', () => {
    if (requester) handlers.gone(requester);
  });
  const helloTimer = setTimeout(() => socket.destroy(), HELLO_WAIT_MS);
  socket.once('close', () => clearTimeout(helloTimer));
  socket.on('data', (chunk: Buffer) => {
    let frames: Frame[];
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    // The answers this chunk's frames get at once leave in one write (a new connection's HELLO
    // and its first request come together: docs/wire-protocol.md).
    socket.cork();
    try {
      answerFrames(frames);
    } finally {
      if (!socket.destroyed) socket.uncork();
    }
  });

  function answerFrames(frames: Frame[]): void {
    for (const frame of frames) {
      if (socket.destroyed) return;
      if (!requester) {
        requester = handlers.hello(frame);
        if (!requester) {
          socket.destroy();
          return;
        }
        clearTimeout(helloTimer);
        socket.write(stampFrameId(serializeStatus(Status.ok), frame.id));
        continue;
      }
      // NOTE (dial path): the one request with no response (docs/wire-protocol.md).
      if (frame.kind === Op.note) {
        try {
          handlers.note(frame.body, requester);
        } catch {
          socket.destroy();
          return;
        }
        continue;
      }
      let answer: Buffer | Promise<Buffer>;
      try {
        answer = handlers.answer(frame, requester);
      } catch {
        socket.destroy();
        return;
      }
      // Every answer carries its request's id, so the shim can tell it from a frame someone
      // else wrote on its connection (docs/wire-protocol.md).
      const id = frame.id;
      if (answer instanceof Buffer) {
        // Nothing waiting before it (the usual case): out now, in this tick, without a promise.
        if (waiting === 0) {
          socket.write(stampFrameId(answer, id));
          continue;
        }
        const ready = stampFrameId(answer, id);
        queue = queue.then(() => {
          if (!socket.destroyed) socket.write(ready);
        });
      } else {
        const pending = answer as Promise<Buffer>;
        waiting++;
        const settled = () => {
          waiting--;
        };
        pending.then(settled, settled);
        queue = queue.then(() =>
          pending.then(
            (bytes) => {
              if (!socket.destroyed) socket.write(stampFrameId(bytes, id));
            },
            () => {
              socket.destroy();
            },
          ),
        );
      }
    }
  }
}
