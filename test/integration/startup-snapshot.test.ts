// The V8 start-up snapshot (tools/build-snapshot.js, bin/sockswrap, src/cli/snapshot-vouch.ts;
// docs/packaging.md, "Start-up snapshot"). Differential: a table of command lines run by the
// normal start (`node bin/sockswrap.js`) and by bin/sockswrap from the snapshot must give the
// same stdout, stderr and exit status (or signal). Then, in a copy of the package, each way a blob
// can be wrong — corrupt, of another Node, not yet vouched for, NODE_OPTIONS set — must give the
// normal start's output, never node's "Failed to load the startup snapshot" or an abort.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/sockswrap';
import { snapshotFiles, snapshotVouched, vouchForSnapshot } from '../../src/cli/snapshot-vouch';

const PROXY = 'socks5://127.0.0.1:9';
/** The wrapped program reports whether its parent (the sockswrap process) started from a snapshot. */
const HOW = ['-q', '-x', PROXY, '--', 'sh', '-c', 'if [ "$(tr "\\0" "\\n" < /proc/$PPID/cmdline | sed -n 2p)" = --snapshot-blob ]; then echo snapshot; else echo normal; fi'];

const TABLE: string[][] = [
  ['--version'],
  ['--help'],
  [],
  ['--no-such-option', '--', 'true'],
  ['-x', 'bogus://x', '--', 'true'],
  ['-x', 'socks5://127.0.0.1:99999', '--', 'true'],
  ['-q', '-x', PROXY, '--', 'sh', '-c', 'echo out; echo err >&2; exit 7'],
  ['-q', '-x', PROXY, '--', 'sh', '-c', 'case "$LD_PRELOAD" in *libsockswrap.so*) echo preloaded;; esac; env | grep -c "^SOCKSWRAP_SOCK="'],
  ['-q', '-x', PROXY, '--', 'sh', '-c', 'kill -TERM $$'],
  ['-q', '-x', PROXY, '--', 'no-such-program-sw'],
  // ffi-rs (outside the snapshot, required at run time) answers the program check: a static program.
  ['-x', PROXY, '--seccomp', 'never', '--', '/sbin/ldconfig', '--version'],
  ['-x', PROXY, '--allow-unhooked', '--seccomp', 'never', '--', '/sbin/ldconfig', '--version'],
  ['check', '--help'],
  ['completion', 'bash'],
  ['serve', '--bogus'],
];

function run(argv: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  assert.equal(r.error, undefined, String(r.error));
  return r;
}
const outcome = (r: SpawnSyncReturns<string>) => ({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr });
const normal = (root: string, args: string[], env?: NodeJS.ProcessEnv) => run([process.execPath, join(root, 'bin', 'sockswrap.js'), ...args], env);
const command = (root: string, args: string[], env?: NodeJS.ProcessEnv) => run([join(root, 'bin', 'sockswrap'), ...args], env);
const how = (root: string, env?: NodeJS.ProcessEnv) => {
  const r = command(root, HOW, env);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};

describe('start-up snapshot: the same sockswrap, started faster', { skip: existsSync('/sbin/ldconfig') ? false : 'no /sbin/ldconfig (a static program)' }, () => {
  let base: string;
  let copy: string;
  const node = realpathSync(process.execPath);

  before(() => {
    assert.ok(snapshotVouched(snapshotFiles(REPO), node), 'npm run build writes a blob bin/sockswrap takes for this node (dist/snapshot/)');
    base = mkdtempSync(join(tmpdir(), 'sw-snapshot-'));
    copy = join(base, 'pkg');
    for (const part of ['bin', 'package.json', 'dist/src', 'dist/snapshot', 'native-shims/build/libsockswrap.so', 'native-shims/build/libsockswrap-check.so', 'native-shims/build/sockswrap-exec']) {
      cpSync(join(REPO, part), join(copy, part), { recursive: true, preserveTimestamps: true });
    }
    symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'));
  });
  after(() => {
    if (base) rmSync(base, { recursive: true, force: true });
  });

  test('every command line of the table: the snapshot start prints and exits as the normal start', () => {
    assert.equal(how(REPO), 'snapshot');
    for (const args of TABLE) assert.deepEqual(outcome(command(REPO, args)), outcome(normal(REPO, args)), `sockswrap ${args.join(' ')}`);
  });

  test('through a symlink (as npm links the command), and without readlink on PATH', () => {
    const links = join(base, 'links');
    mkdirSync(links);
    symlinkSync(join(REPO, 'bin', 'sockswrap'), join(links, 'sockswrap'));
    symlinkSync(process.execPath, join(links, 'node'));
    symlinkSync(realpathSync('/bin/sh'), join(links, 'sh'));
    const args = ['-q', '-x', PROXY, '--', '/bin/sh', '-c', 'echo "$0 $1"; exit 3', 'a b'];
    const want = outcome(normal(REPO, args));
    assert.deepEqual(outcome(run([join(links, 'sockswrap'), ...args])), want, 'with readlink');
    assert.deepEqual(outcome(run([join(links, 'sockswrap'), ...args], { PATH: links })), want, 'PATH holding only node and sh');
  });

  test('a corrupt blob: the normal start, the same output, and no vouching for it', () => {
    const files = snapshotFiles(copy);
    writeFileSync(files.blob, 'not a snapshot');
    assert.equal(how(copy), 'normal');
    for (const args of [TABLE[0], TABLE[6], TABLE[8]]) assert.deepEqual(outcome(command(copy, args)), outcome(normal(copy, args)), `sockswrap ${args.join(' ')}`);
    // Dated as npm dates packed files, and no node-path: the trial start fails, nothing is vouched.
    rmSync(files.nodePath);
    utimesSync(files.blob, new Date('1985-10-26'), new Date('1985-10-26'));
    assert.equal(how(copy), 'normal');
    assert.ok(!existsSync(files.nodePath), 'a corrupt blob was vouched for');
  });

  test('a packed blob: the first run is normal and vouches for it, the next ones start from it', () => {
    const files = snapshotFiles(copy);
    cpSync(join(REPO, 'dist', 'snapshot', 'sockswrap.blob'), files.blob);
    rmSync(files.nodePath, { force: true });
    utimesSync(files.blob, new Date('1985-10-26'), new Date('1985-10-26'));
    assert.equal(how(copy), 'normal');
    assert.equal(readFileSync(files.nodePath, 'utf8'), `${node}\n`);
    assert.equal(how(copy), 'snapshot');
    for (const args of [TABLE[0], TABLE[6], TABLE[10]]) assert.deepEqual(outcome(command(copy, args)), outcome(normal(copy, args)), `sockswrap ${args.join(' ')}`);
    assert.equal(vouchForSnapshot(copy, () => ({ text: '', ok: true })), 'already');
  });

  test('a blob of another Node, NODE_OPTIONS, SOCKSWRAP_SNAPSHOT=0, another node binary: the normal start', () => {
    const files = snapshotFiles(copy);
    assert.equal(how(copy), 'snapshot');
    assert.equal(how(copy, { NODE_OPTIONS: '--max-old-space-size=200' }), 'normal');
    assert.equal(how(copy, { SOCKSWRAP_SNAPSHOT: '0' }), 'normal');
    const args = TABLE[6];
    assert.deepEqual(outcome(command(copy, args, { NODE_OPTIONS: '--max-old-space-size=200' })), outcome(normal(copy, args)));
    // node-path naming another binary: as when node was upgraded since.
    writeFileSync(files.nodePath, `${realpathSync('/bin/sh')}\n`);
    assert.equal(how(copy), 'normal', 'a blob of another node binary was taken');
    // node.json of another version: never vouched for, however it is dated.
    const meta = JSON.parse(readFileSync(files.nodeJson, 'utf8')) as { version: string };
    writeFileSync(files.nodeJson, JSON.stringify({ ...meta, version: 'v0.0.0' }));
    rmSync(files.nodePath);
    utimesSync(files.blob, new Date('1985-10-26'), new Date('1985-10-26'));
    assert.equal(how(copy), 'normal');
    assert.ok(!existsSync(files.nodePath), 'a blob of another Node version was vouched for');
    assert.deepEqual(outcome(command(copy, args)), outcome(normal(copy, args)));
  });

  test('NODE_EXTRA_CA_CERTS: not read by sockswrap\'s own node (either start), and the program gets it exactly as set', () => {
    // A file node cannot load makes node say so at its start: the observable sign of reading it.
    const missing = join(base, 'no-such-ca.pem');
    const bare = run([process.execPath, '-e', '0'], { NODE_EXTRA_CA_CERTS: missing });
    assert.match(bare.stderr, /^Warning: Ignoring extra certs from `[^`]*no-such-ca\.pem`/);
    const report = [process.execPath, '-e', 'console.log(JSON.stringify([process.env.NODE_EXTRA_CA_CERTS, process.env.SOCKSWRAP_NODE_EXTRA_CA_CERTS]))'];
    for (const start of [{}, { SOCKSWRAP_SNAPSHOT: '0' }]) {
      const own = command(REPO, ['-q', '-x', PROXY, '--', 'true'], { NODE_EXTRA_CA_CERTS: missing, ...start });
      assert.deepEqual(outcome(own), { status: 0, signal: null, stdout: '', stderr: '' }, `sockswrap's node read it (${JSON.stringify(start)})`);
      // The wrapped node reads it at its own start, as unwrapped.
      const wrapped = command(REPO, ['-q', '-x', PROXY, '--', ...report], { NODE_EXTRA_CA_CERTS: missing, ...start });
      assert.deepEqual(outcome(wrapped), { status: 0, signal: null, stdout: `${JSON.stringify([missing, undefined])}\n`, stderr: bare.stderr });
      // NODE_OPTIONS may choose another default store: node then reads the file itself, as before.
      const withOptions = command(REPO, ['-q', '-x', PROXY, '--', 'true'], { NODE_EXTRA_CA_CERTS: missing, NODE_OPTIONS: '--max-old-space-size=200', ...start });
      assert.deepEqual(outcome(withOptions), { status: 0, signal: null, stdout: '', stderr: bare.stderr });
      for (const value of ['', undefined]) {
        const env = { NODE_EXTRA_CA_CERTS: value, ...start };
        assert.deepEqual(outcome(command(REPO, ['-q', '-x', PROXY, '--', ...report], env)), outcome(run(report, env)), `NODE_EXTRA_CA_CERTS ${JSON.stringify(value)}`);
      }
    }
  });

  test('NODE_UNIQUE_ID (a cluster worker\'s): sockswrap\'s node does not start as one (either start), and the program gets it as set', () => {
    const script = ['sh', '-c', 'echo "ran ${NODE_UNIQUE_ID-unset} ${SOCKSWRAP_NODE_UNIQUE_ID-unset}"'];
    for (const value of ['1', '']) {
      // The same script unwrapped: what the program must see.
      const bare = outcome(run(script, { NODE_UNIQUE_ID: value }));
      assert.equal(bare.stdout, `ran ${value} unset\n`);
      for (const start of [{}, { SOCKSWRAP_SNAPSHOT: '0' }]) {
        assert.deepEqual(outcome(command(REPO, ['-q', '-x', PROXY, '--', ...script], { NODE_UNIQUE_ID: value, ...start })), bare, `NODE_UNIQUE_ID=${JSON.stringify(value)} ${JSON.stringify(start)}`);
      }
    }
  });

  test('the blob started by hand, without bin/sockswrap.js as argv[1]: one line and exit 1', () => {
    const r = run([process.execPath, '--snapshot-blob', snapshotFiles(REPO).blob, 'a-script.js']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'sockswrap: this start-up snapshot is started by bin/sockswrap (argv[1] must be its bin/sockswrap.js)\n');
  });
});
