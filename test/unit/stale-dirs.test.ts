// kill -9 of a launcher leaves its private directory behind (issue 11, item 9): the next start
// removes it, and only it: never a live run's, another user's, or one it cannot vouch for.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OWNER_FILE, removeStaleDirs, writeOwner } from '../../src/agent/stale-dirs';

/** A pid that was a process and is gone now (spawnSync reaps it). */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}

describe('stale run directories', () => {
  let parent: string;
  const ns = readlinkSync('/proc/self/ns/pid');
  const myStart = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[19]!;

  before(() => {
    parent = mkdtempSync(join(tmpdir(), 'sw-unit-stale-'));
  });
  after(() => rmSync(parent, { recursive: true, force: true }));

  function runDir(name: string, owner?: string, mode = 0o700): string {
    const dir = join(parent, `sockswrap-${name}`);
    mkdirSync(dir, { mode });
    writeFileSync(join(dir, 'agent.sock'), '');
    if (owner !== undefined) writeFileSync(join(dir, OWNER_FILE), owner, { mode: 0o600 });
    return dir;
  }

  it('removes the directories of dead owners and keeps every other', () => {
    const dead = runDir('dead', `${deadPid()} 12345 ${ns}\n`);
    const reused = runDir('reused', `${process.pid} 1 ${ns}\n`); // our pid, but another start time
    const live = runDir('live');
    writeOwner(live);
    assert.equal(readFileSync(join(live, OWNER_FILE), 'utf8'), `${process.pid} ${myStart} ${ns}\n`);
    const legacy = runDir('no-owner-file');
    const otherNs = runDir('other-ns', `${deadPid()} 12345 pid:[1]\n`);
    const garbage = runDir('garbage', 'not an owner\n');
    const loose = runDir('loose-mode', `${deadPid()} 12345 ${ns}\n`, 0o755);
    const other = join(parent, 'not-ours');
    mkdirSync(other);
    writeFileSync(join(other, OWNER_FILE), `${deadPid()} 12345 ${ns}\n`);
    const target = runDir('link-target', `${deadPid()} 12345 ${ns}\n`);
    const link = join(parent, 'sockswrap-link');
    symlinkSync(target, link);
    let foreign: string | undefined;
    if (process.getuid?.() === 0) {
      foreign = runDir('other-user', `${deadPid()} 12345 ${ns}\n`);
      chownSync(foreign, 65534, 65534);
    }

    const removed = removeStaleDirs(parent, undefined).sort();
    assert.deepEqual(removed, [dead, target, reused].sort());
    for (const kept of [live, legacy, otherNs, garbage, loose, other, link, ...(foreign ? [foreign] : [])]) {
      assert.ok(existsSync(kept) || kept === link, `${kept} must stay`);
    }
    assert.equal(existsSync(dead), false);
    assert.equal(existsSync(reused), false);
    // The link itself is never followed into a removal of what it points at by name: its target
    // went as a stale directory of its own (it is one), the link stays as it was.
    assert.ok(readlinkSync(link) === target);
  });

  it('a parent that cannot be read: nothing removed, nothing thrown', () => {
    assert.deepEqual(removeStaleDirs(join(parent, 'missing')), []);
  });
});
