import type { Logger } from '../log/logger';

/**
 * One refusal line per program and key (a destination, a name), not one per attempt. The keys
 * are kept by pid and dropped with the pid's last control connection (forget), so a long run that
 * sees many processes does not keep every one it ever refused, and capped per pid.
 */
export class RefusalLog {
  private readonly byPid = new Map<number, Set<string>>();

  constructor(
    private readonly log: Logger,
    private readonly capPerPid = 256,
  ) {}

  /** Pids with lines logged (agent-leak.test.ts: none may be left once their processes are gone). */
  get size(): number {
    return this.byPid.size;
  }

  once(pid: number, key: string, line: string): void {
    let logged = this.byPid.get(pid);
    if (!logged) this.byPid.set(pid, (logged = new Set()));
    if (logged.has(key)) return;
    if (logged.size >= this.capPerPid) logged.clear();
    logged.add(key);
    this.log.error(line);
  }

  forget(pid: number): void {
    this.byPid.delete(pid);
  }
}
