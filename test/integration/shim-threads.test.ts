// The shim's once-per-image work under thread cancellation: a thread cancelled in the middle of
// the look for inherited UDP sockets (its agent calls wait in cancellation points) must not leave
// every other thread waiting for that look forever (test/fixtures/cancel-scan.c). Loopback only:
// the proxy is never dialled.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..');

describe('shim and thread cancellation', () => {
  let dir: string;
  let program: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sw-threads-'));
    program = join(dir, 'cancel-scan');
    const cc = spawnSync('gcc', ['-O2', '-Wall', '-pthread', '-o', program, join(REPO, 'test', 'fixtures', 'cancel-scan.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a thread cancelled during the look for inherited UDP sockets: the next hook in another thread returns', () => {
    const r = spawnSync(process.execPath, [join(REPO, 'bin', 'sockswrap.js'), '-q', '-x', 'socks5://127.0.0.1:9', '--', program], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.signal, null, `the program hung (killed by ${r.signal}): ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'EAGAIN\n');
  });
});
