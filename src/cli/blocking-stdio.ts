/**
 * The wrapped program shares our stdout and stderr. Node's own stdio streams would switch those
 * descriptors to O_NONBLOCK (for every process sharing them), and a program writing faster than
 * its reader would then fail with EAGAIN. So sockswrap's process.stdout/stderr are plain
 * blocking writers, installed before anything can touch the real ones: by bin/sockswrap.js on a
 * normal start, by the start-up snapshot's main function (tools/build-snapshot.js) on the other.
 */
import { Writable } from 'node:stream';
import { writeSync } from 'node:fs';

function blockingWriter(fd: number): Writable {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      let offset = 0;
      while (offset < chunk.length) {
        try {
          offset += writeSync(fd, chunk, offset);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') break;
        }
      }
      callback();
    },
  });
  Object.assign(stream, { fd, isTTY: false });
  return stream;
}

export function installBlockingStdio(): void {
  for (const [name, fd] of [['stdout', 1], ['stderr', 2]] as const) {
    const stream = blockingWriter(fd);
    Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => stream });
  }
}
