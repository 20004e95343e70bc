// Remembered program verdicts (src/cli/program-verdict-cache.ts) end to end, through the built
// CLI and the real checker: a verdict one run remembered must never let a later run start a
// program the checker would refuse (unhooked, its traffic direct). Differential: every later run
// is compared with the same run with the cache off (SOCKSWRAP_CHECK_CACHE=0).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOCKSWRAP } from '../helpers/sockswrap';
import { bin, skipUnless } from '../helpers/peer-gate';

const PROXY = 'socks5://127.0.0.1:9';
/** program-verdict-cache.ts RECENT_MS: a file changed since is not trusted yet. */
const SETTLE_MS = 2_000;

let dir: string;
let cacheHome: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sw-remembered-'));
  cacheHome = join(dir, 'cache');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function sockswrap(args: string[], env: NodeJS.ProcessEnv, prefix: string[] = []): SpawnSyncReturns<string> {
  const argv = [...prefix, process.execPath, SOCKSWRAP, '-q', '-x', PROXY, '--seccomp', 'never', '--', ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: cacheHome, ...env } });
  assert.equal(r.error, undefined, String(r.error));
  return r;
}
const outcome = (r: SpawnSyncReturns<string>) => ({ status: r.status, stdout: r.stdout, stderr: r.stderr });

/** Until every path's last change is older than the cache's settle time (its rule is wall time). */
function settled(paths: string[]): void {
  const newest = Math.max(...paths.map((p) => Math.max(statSync(p).ctimeMs, statSync(p).mtimeMs)));
  while (Date.now() <= newest + SETTLE_MS + 50) spawnSync('sleep', ['0.1']);
}

test('a static program of that name earlier on PATH, made executable after a run: the next run refuses it, as with the cache off', { skip: skipUnless(['busybox']) }, () => {
  const busybox = bin('busybox');
  const early = join(dir, 'early');
  mkdirSync(early);
  const shadow = join(early, 'true');
  copyFileSync(busybox, shadow);
  chmodSync(shadow, 0o644);
  const env = { PATH: `${early}:/usr/bin:/bin` };
  settled([early, shadow]);
  assert.deepEqual(outcome(sockswrap(['true'], env)), { status: 0, stdout: '', stderr: '' }, 'the first run: /usr/bin/true');
  assert.match(readFileSync(join(cacheHome, 'sockswrap', 'program-verdicts.json'), 'utf8'), /early\/true/, 'the verdict was remembered with the file it skipped');
  chmodSync(shadow, 0o755);
  const off = sockswrap(['true'], { ...env, SOCKSWRAP_CHECK_CACHE: '0' });
  assert.equal(off.status, 126, off.stderr);
  assert.deepEqual(outcome(sockswrap(['true'], env)), outcome(off));
});

test('a setuid program remembered as hookable under no_new_privs: a run without the flag refuses it, as with the cache off', { skip: skipUnless(['setpriv'], { root: true }) }, () => {
  // Set-user-ID to someone else (nobody): the checker refuses it, unless no_new_privs.
  const suidDir = join(dir, 'suid');
  mkdirSync(suidDir);
  const prog = join(suidDir, 'suid-true');
  copyFileSync('/bin/true', prog);
  chownSync(prog, 65534, 65534);
  chmodSync(prog, 0o4755);
  settled([suidDir, prog]);
  const withFlag = sockswrap([prog], {}, [bin('setpriv'), '--no-new-privs', '--']);
  assert.deepEqual(outcome(withFlag), { status: 0, stdout: '', stderr: '' }, 'under no_new_privs the kernel ignores the bit: hookable');
  const off = sockswrap([prog], { SOCKSWRAP_CHECK_CACHE: '0' });
  assert.equal(off.status, 126, off.stderr);
  assert.match(off.stderr, /setuid/);
  assert.deepEqual(outcome(sockswrap([prog], {})), outcome(off));
});
