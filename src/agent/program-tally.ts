/**
 * `status`'s program count (docs/shell-mode.md): one per process, however many control
 * connections it opens and closes. The shim opens one connection per thread and closes it when
 * the thread ends, so a process whose only open connection closes and which later opens another
 * (curl: its resolver thread asks RESOLVE and exits, then the main thread asks CONNECT) is still
 * one program. A process is its pid and its start time (/proc/PID/stat), so a pid reused by a new
 * process counts again. Processes whose connections all closed are remembered, the most recent
 * RECENT of them, which bounds the memory over days of short programs.
 */
import { readFileSync } from 'node:fs';

const RECENT = 4096;

/** The start time of pid (field 22 of /proc/PID/stat), or '' when it cannot be read. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

export class ProgramTally {
  /** Processes seen, by pid: their start time and their open control connections. */
  private readonly open = new Map<number, { start: string; connections: number }>();
  /** Processes with no connection open now, oldest first: pid → start time. */
  private readonly recent = new Map<number, string>();
  programs = 0;

  /** A control connection of pid said HELLO. */
  opened(pid: number): void {
    const live = this.open.get(pid);
    if (live) {
      live.connections++;
      return;
    }
    const start = startTime(pid);
    const before = this.recent.get(pid);
    this.recent.delete(pid);
    if (before === undefined || before !== start) this.programs++;
    this.open.set(pid, { start, connections: 1 });
  }

  /** One of pid's control connections closed; true when it was its last. */
  closed(pid: number): boolean {
    const live = this.open.get(pid);
    if (!live) return true;
    if (--live.connections > 0) return false;
    this.open.delete(pid);
    this.recent.set(pid, live.start);
    if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value!);
    return true;
  }

  /** Processes with a control connection open now. */
  get now(): number {
    return this.open.size;
  }
}
