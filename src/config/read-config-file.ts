// Reading a file the user named as configuration (-f, --proxy-file, the search path): only a
// regular file, and only so much of it, so `-f /dev/zero` or a fifo is a message and exit 2
// instead of a launcher that eats memory or blocks forever.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { ConfigError } from './config-error';

/** Far above any real proxychains.conf (the stock one is 6 KiB); a larger file is a mistake. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/**
 * Per line: a proxy line with two 255-byte credentials, percent-encoded, fits with room to spare.
 * Checked by the parsers, which know the line number.
 */
export const MAX_LINE_CHARS = 4096;

/** The file's text; throws ConfigError naming the file and why it was not read. */
export function readConfigFile(file: string, what = 'config file'): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a fifo must not wait for a writer (it is refused below anyway).
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${file}: ${errnoText(err)}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ConfigError(`cannot read ${what} ${file}: ${kindOf(st)}, not a regular file`);
    if (st.size > MAX_CONFIG_BYTES) throw tooLarge(what, file);
    // Read at most one byte past the cap: a file that grows while read is still bounded.
    const buf = Buffer.allocUnsafe(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, length, buf.length - length, null);
      } catch (err) {
        throw new ConfigError(`cannot read ${what} ${file}: ${errnoText(err)}`);
      }
      if (n === 0) break;
      length += n;
      if (length > MAX_CONFIG_BYTES) throw tooLarge(what, file);
    }
    return buf.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** Why a file could not be read, in words ("permission denied"), not an errno name alone. */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied (check the permissions of the file and of the directories on its path)',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path before the file name is not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EISDIR: 'a directory, not a regular file',
  EIO: 'input/output error',
};

export function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const known = e.code !== undefined ? ERRNO_TEXT[e.code] : undefined;
  if (known !== undefined) return known;
  // Any other code: the system's description Node put in the message ("EROFS: read-only file
  // system, open '/x'"), with the code kept after it for searching.
  const m = /^[A-Z0-9_]+: ([^,]+),/.exec(e.message ?? '');
  if (m && e.code !== undefined) return `${m[1]} (${e.code})`;
  return e.code ?? String(err);
}

function tooLarge(what: string, file: string): ConfigError {
  return new ConfigError(`cannot read ${what} ${file}: larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB`);
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a fifo';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}
