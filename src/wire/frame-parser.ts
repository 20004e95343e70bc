import { HEAD_LEN, ID_LEN, LEN_SIZE, MAX_FRAME } from './layout';
import { WireError } from './wire-error';

export interface Frame {
  /** A request's op, or a response's status. */
  kind: number;
  /** The request id: a response carries its request's (docs/wire-protocol.md). */
  id: number;
  body: Buffer;
}

/** Splits the control stream into frames: `len u16be | kind | id u32be | body`. Sans-IO. */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  /** Frames completed by this chunk; throws on a length the protocol forbids. */
  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buffer.length >= LEN_SIZE) {
      const len = this.buffer.readUInt16BE(0);
      if (len < 1 + ID_LEN || len > MAX_FRAME) throw new WireError(`bad control frame length ${len}`);
      if (this.buffer.length < LEN_SIZE + len) break;
      // The body is a copy: handlers may keep parts of it (a CONNECT's address) without pinning the stream.
      frames.push({ kind: this.buffer[LEN_SIZE]!, id: this.buffer.readUInt32BE(LEN_SIZE + 1), body: Buffer.from(this.buffer.subarray(HEAD_LEN, LEN_SIZE + len)) });
      this.buffer = this.buffer.subarray(LEN_SIZE + len);
    }
    return frames;
  }
}

/** One whole frame (a golden vector, a test's bytes): throws unless `bytes` is exactly one. */
export function parseFrame(bytes: Buffer): Frame {
  const frames = new FrameDecoder().push(bytes);
  const len = bytes.length >= LEN_SIZE ? bytes.readUInt16BE(0) : 0;
  if (frames.length !== 1 || bytes.length !== LEN_SIZE + len) throw new WireError('not exactly one control frame');
  return frames[0]!;
}
