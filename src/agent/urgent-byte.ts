import type net from 'node:net';
import { ffi } from '../native/ffi';

/** send(2)'s flag for TCP urgent data. */
const MSG_OOB = 1;
const URGENT = Buffer.from([0]);
let libcOpened = false;

/**
 * Sends one urgent (MSG_OOB) byte on a connected socket: the "connected" verdict of a non-blocking
 * connect. Out of band, it makes the program's fd report POLLPRI without making it readable or
 * adding a byte to its stream (docs/async-connect.md). Node has no MSG_OOB, hence ffi-rs: one call
 * per connection, on the control path. Returns false when the byte could not be sent.
 */
export function sendUrgentByte(socket: net.Socket): boolean {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return false;
  let lib;
  try {
    lib = ffi();
    if (!libcOpened) {
      lib.open({ library: 'libc', path: '' });
      libcOpened = true;
    }
  } catch {
    return false;   // no ffi-rs build for this platform: the connect fails, closed
  }
  const { DataType } = lib;
  const sent = lib.load({
    library: 'libc',
    funcName: 'send',
    retType: DataType.I64,
    paramsType: [DataType.I32, DataType.U8Array, DataType.I64, DataType.I32],
    paramsValue: [fd, URGENT, 1, MSG_OOB],
  }) as number;
  return sent === 1;
}
