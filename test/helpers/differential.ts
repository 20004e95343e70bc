// The differential check (docs/testing.md): a program run wrapped in the client namespace, where only
// the proxy is reachable, and the same program unwrapped in the proxy namespace, where the targets
// are reachable directly; each prints one JSON line of what it saw, and the two must be equal.
import assert from 'node:assert/strict';
import type { Lab, RunResult } from './net-lab';
import { sockswrap, describe as show } from './sockswrap';

export interface Differential {
  /** `sockswrap <x> -- argv` in the client ns; x defaults to the suite's proxy. */
  wrapped(argv: string[], x?: string[]): Promise<RunResult>;
  /** argv unwrapped in the proxy ns. */
  direct(argv: string[]): Promise<RunResult>;
  /** The last stdout line of a run that exited 0, as JSON. */
  json(r: RunResult): Record<string, unknown>;
  /** Wrapped and direct print the same JSON; returns it. */
  same(argv: string[], x?: string[]): Promise<Record<string, unknown>>;
}

/** lab and proxy are read at each call: a suite sets them in its before(). */
export function differential(lab: () => Lab, proxy: () => string[]): Differential {
  const wrapped = (argv: string[], x = proxy()) => sockswrap(lab(), [...x, '--', ...argv]);
  const direct = (argv: string[]) => lab().run(lab().proxy, argv, { timeoutMs: 60_000 });
  const json = (r: RunResult): Record<string, unknown> => {
    assert.equal(r.status, 0, show(r));
    const line = r.stdout.toString().trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`no JSON line: ${show(r)}`);
    }
  };
  const same = async (argv: string[], x?: string[]) => {
    const [w, d] = await Promise.all([wrapped(argv, x), direct(argv)]);
    const out = json(w);
    assert.deepEqual(out, json(d), `wrapped and direct differ: ${show(w)}`);
    return out;
  };
  return { wrapped, direct, json, same };
}
