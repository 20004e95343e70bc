import { HEAD_LEN, ID_LEN, LEN_SIZE, MAX_BODY } from './layout';
import { WireError } from './wire-error';

/** A frame; `id` 0 is stamped later with stampFrameId (the agent answers with the request's). */
export function serializeFrame(kind: number, body: Buffer = EMPTY, id = 0): Buffer {
  if (body.length > MAX_BODY) throw new WireError(`control frame body of ${body.length} bytes`);
  const out = Buffer.allocUnsafe(HEAD_LEN + body.length);
  writeFrameHead(out, kind, body.length, id);
  body.copy(out, HEAD_LEN);
  return out;
}

/**
 * A frame whose body is `lead bytes | rest`, in one allocation (a CONNECT or UDP_ROUTE answer:
 * `action | ticket`, `action | session | instruction`).
 */
export function serializeFrameOf(kind: number, lead: readonly number[], rest: Buffer = EMPTY, id = 0): Buffer {
  const bodyLength = lead.length + rest.length;
  if (bodyLength > MAX_BODY) throw new WireError(`control frame body of ${bodyLength} bytes`);
  const out = Buffer.allocUnsafe(HEAD_LEN + bodyLength);
  writeFrameHead(out, kind, bodyLength, id);
  for (let i = 0; i < lead.length; i++) out[HEAD_LEN + i] = lead[i]!;
  rest.copy(out, HEAD_LEN + lead.length);
  return out;
}

function writeFrameHead(out: Buffer, kind: number, bodyLength: number, id: number): void {
  out.writeUInt16BE(1 + ID_LEN + bodyLength, 0);
  out[LEN_SIZE] = kind;
  out.writeUInt32BE(id >>> 0, LEN_SIZE + 1);
}

/** Writes the request id into a serialized frame (in place) and returns it. */
export function stampFrameId(frame: Buffer, id: number): Buffer {
  frame.writeUInt32BE(id >>> 0, LEN_SIZE + 1);
  return frame;
}

const EMPTY = Buffer.alloc(0);
