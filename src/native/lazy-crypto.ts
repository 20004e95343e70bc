/**
 * The few node:crypto calls the launcher and agent make, without loading node:crypto at start-up:
 * it brings 16 internal modules with it, a few ms of every run (docs/benchmarks.md, "Start-up"),
 * and a run like `sockswrap -- true` needs only the session token. Random bytes come from the
 * kernel (/dev/urandom, read a page at a time into a pool); the rest loads node:crypto on first use.
 */
import { closeSync, openSync, readSync } from 'node:fs';

type Crypto = typeof import('node:crypto');
let loaded: Crypto | undefined;
const crypto = (): Crypto => (loaded ??= require('node:crypto') as Crypto);

const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);

/** n random bytes (a fresh Buffer), as crypto.randomBytes. */
export function randomBytes(n: number): Buffer {
  if (n > POOL_SIZE) return crypto().randomBytes(n);
  if (pool.length < n) {
    try {
      const fresh = Buffer.allocUnsafe(POOL_SIZE);
      const fd = openSync('/dev/urandom', 'r');
      try {
        for (let got = 0; got < POOL_SIZE; ) got += readSync(fd, fresh, got, POOL_SIZE - got, null);
      } finally {
        closeSync(fd);
      }
      pool = fresh;
    } catch {
      return crypto().randomBytes(n);
    }
  }
  const out = Buffer.from(pool.subarray(0, n));
  // Each byte is handed out once.
  pool.fill(0, 0, n);
  pool = pool.subarray(n);
  return out;
}

export function timingSafeEqual(a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean {
  return crypto().timingSafeEqual(a, b);
}

export function createHmac(algorithm: string, key: Buffer): import('node:crypto').Hmac {
  return crypto().createHmac(algorithm, key);
}
