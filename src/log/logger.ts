import { writeSync } from 'node:fs';
import { escapeControl } from './terminal-text';

/** How much sockswrap says on stderr: quiet (fatal launcher errors only), normal (errors), verbose. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

export interface Logger {
  /** A connection or lookup that failed: shown unless quiet. */
  error(line: string): void;
  /** One line per connection: shown with -v. */
  info(line: string): void;
  /** False when info() lines are dropped, so a hot path can skip building them (absent: shown). */
  readonly showsInfo?: boolean;
}

/** Writes `[sockswrap] …` lines to stderr; never to stdout, which belongs to the program. */
export class StderrLogger implements Logger {
  readonly showsInfo: boolean;

  constructor(private readonly verbosity: Verbosity) {
    this.showsInfo = verbosity === 'verbose';
  }

  error(line: string): void {
    if (this.verbosity !== 'quiet') writeLine(line);
  }

  info(line: string): void {
    if (this.verbosity === 'verbose') writeLine(line);
  }
}

/**
 * Synchronous, so a line is out before the program's next output and even on the way to exit.
 * Escaped: hostnames in log lines come from the program, words from config files.
 */
function writeLine(line: string): void {
  try {
    writeSync(2, `[sockswrap] ${escapeControl(line)}\n`);
  } catch {
    // stderr closed or full: nothing sensible to do with a log line.
  }
}
