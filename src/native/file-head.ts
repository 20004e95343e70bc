import { closeSync, openSync, readSync } from 'node:fs';

/** The first `bytes` of a file (fewer when it is shorter): one read, not the whole file. Throws as openSync does. */
export function readFileHead(file: string, bytes: number): Buffer {
  const head = Buffer.alloc(bytes);
  const fd = openSync(file, 'r');
  try {
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
}
