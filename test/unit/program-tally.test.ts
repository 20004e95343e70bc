// status's program count (src/agent/program-tally.ts): one per process, whatever its threads'
// control connections do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ProgramTally } from '../../src/agent/program-tally';

test('a process that closes its only control connection and opens another is one program (curl: resolver thread, then main thread)', () => {
  const t = new ProgramTally();
  t.opened(process.pid);
  assert.equal(t.closed(process.pid), true, 'its last connection');
  t.opened(process.pid);
  t.opened(process.pid);
  assert.equal(t.closed(process.pid), false);
  assert.equal(t.programs, 1);
  assert.equal(t.now, 1);
  t.closed(process.pid);
  assert.equal(t.now, 0);
});

test('two processes are two programs; a pid whose start time cannot be read is counted by pid alone', () => {
  const t = new ProgramTally();
  t.opened(process.pid);
  t.opened(process.ppid);
  assert.equal(t.programs, 2);
  // A pid of a process that has exited: its start time cannot be read, unlike the first time.
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const gone = Number(child.stdout);
  t.opened(gone);
  t.closed(gone);
  t.opened(gone);
  assert.equal(t.programs, 3, 'unknown start time both times: the same pid is the same program');
});
