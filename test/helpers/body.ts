// The deterministic body the target HTTP server serves at /big. Both the server and the tests
// build it from this one function; the tests compare sha256 of what the wrapped client received
// against sha256 of this buffer.
import { createHash } from 'node:crypto';

/** 8 MiB plus an odd tail, so an off-by-one or a lost last segment shows. */
export const BIG_SIZE = 8 * 1024 * 1024 + 4099;

export function makeBody(size = BIG_SIZE): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = 0x9e3779b9;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    buf.writeUInt32LE(x, i);
  }
  for (; i < size; i++) buf[i] = i & 0xff;
  return buf;
}

export function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

let cached: string | undefined;
export function bigSha256(): string {
  cached ??= sha256(makeBody());
  return cached;
}

export const BANNER = 'SSH-2.0-sockswrap-test\r\n';
