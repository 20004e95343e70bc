// The pieces of packaging that need no install (docs/packaging.md): which shim the launcher picks
// and when it refuses, the build identity, --help's examples, the man page and completion's URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostLibc, locateShim, readShimIdentity } from '../../src/cli/shim-locator';
import { HELP_EXAMPLES } from '../../src/cli/help-examples';
import { URL_SCHEMES, completionModel, completionScript } from '../../src/cli/completion';
import { buildOnCommand, buildStatusCommand } from '../../src/cli/shell-commands';
import { buildAgentStopCommand } from '../../src/cli/agent-command';
import { buildProgram } from '../../src/cli/main';
import { buildCheckCommand } from '../../src/cli/check-command';
import { buildServeCommand } from '../../src/serve/serve-command';
import { parseProxyUrl } from '../../src/config/proxy-url';

const REPO = join(__dirname, '..', '..', '..');
const IDENTITY = '@(#)sockswrap-shim 1.2.3 x86_64-linux-gnu gcc 12.2.0 src 0123456789ab';

function fakePackage(t: { after(fn: () => void): void }, version: string, platforms: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'sw-locate-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'sockswrap', version }));
  for (const p of platforms) {
    mkdirSync(join(root, 'prebuilds', p), { recursive: true });
    writeFileSync(join(root, 'prebuilds', p, 'libsockswrap.so'), Buffer.concat([Buffer.alloc(300, 7), Buffer.from(`${IDENTITY}\0tail`)]));
  }
  return root;
}

test('a packed package: the prebuilt shim for the platform, with its identity', (t) => {
  const root = fakePackage(t, '1.2.3', ['linux-x64-gnu', 'linux-arm64-gnu']);
  const found = locateShim({ root, arch: 'x64', libc: 'gnu' });
  assert.equal(found.problem, undefined);
  assert.equal(found.kind, 'prebuilt');
  assert.equal(found.path, join(root, 'prebuilds', 'linux-x64-gnu', 'libsockswrap.so'));
  assert.deepEqual(found.identity, { version: '1.2.3', target: 'x86_64-linux-gnu', compiler: 'gcc 12.2.0', sources: '0123456789ab' });
});

test('no prebuilt shim for the platform: one line naming it, what the package carries, and how to build', (t) => {
  const root = fakePackage(t, '1.2.3', ['linux-x64-gnu', 'linux-arm64-gnu']);
  for (const [arch, libc] of [['riscv64', 'gnu'], ['x64', 'musl'], ['x64', 'unknown']]) {
    const { problem } = locateShim({ root, arch, libc });
    assert.equal(problem, `no prebuilt shim for linux-${arch}-${libc} in this package (it carries linux-arm64-gnu, linux-x64-gnu): ` +
      'build sockswrap from a clone of its repository with `npm install` (needs gcc and make) and run its bin/sockswrap.js');
  }
});

test('a shim of another version, or with no identity, is refused', (t) => {
  const root = fakePackage(t, '2.0.0', ['linux-x64-gnu']);
  const found = locateShim({ root, arch: 'x64', libc: 'gnu' });
  assert.equal(found.problem, `the shim ${found.path} is version 1.2.3, this launcher is 2.0.0: reinstall sockswrap`);
  writeFileSync(found.path, 'an ELF from before build identities');
  assert.match(locateShim({ root, arch: 'x64', libc: 'gnu' }).problem ?? '', /has no build identity/);
});

test('in a clone the source build comes first; without one the message says npm run build', (t) => {
  const root = fakePackage(t, '1.2.3', ['linux-x64-gnu']);
  mkdirSync(join(root, 'native-shims', 'build'), { recursive: true });
  writeFileSync(join(root, 'native-shims', 'Makefile'), '');
  assert.match(locateShim({ root, arch: 'arm64', libc: 'gnu' }).problem ?? '', /the shim is not built .*: run `npm run build`/);
  writeFileSync(join(root, 'native-shims', 'build', 'libsockswrap.so'), IDENTITY);
  const found = locateShim({ root, arch: 'x64', libc: 'gnu' });
  assert.equal(found.kind, 'source build');
  assert.equal(found.problem, undefined);
});

test('hostLibc reads the loader of a binary: this Node is glibc; a musl loader says musl', (t) => {
  assert.equal(hostLibc(), 'gnu');
  const dir = mkdtempSync(join(tmpdir(), 'sw-libc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'node'), Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(500), Buffer.from('/lib/ld-musl-x86_64.so.1\0')]));
  assert.equal(hostLibc(join(dir, 'node')), 'musl');
  assert.equal(hostLibc(join(dir, 'missing')), 'unknown');
});

test("the built shim's identity: this version, and the sha256 of the shim's sources", () => {
  const dir = join(REPO, 'native-shims');
  // As the Makefile hashes them: every layer's .c files in path order, then the headers.
  const layer = (ext: string) => ['core', 'paths', 'hooks'].flatMap((d) => readdirSync(join(dir, d))
    .filter((f) => f.endsWith(ext)).map((f) => `${d}/${f}`)).sort().map((f) => readFileSync(join(dir, f)));
  const hash = createHash('sha256').update(Buffer.concat([...layer('.c'), ...layer('.h')])).digest('hex').slice(0, 12);
  const id = readShimIdentity(join(dir, 'build', 'libsockswrap.so'));
  const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(id?.version, version);
  assert.equal(id?.sources, hash);
  assert.match(id?.target ?? '', /^(x86_64|aarch64)-linux-gnu$/);
  // An ELF note, in the first page: what readShimIdentity reads before the whole file.
  const at = readFileSync(join(dir, 'build', 'libsockswrap.so')).indexOf('@(#)sockswrap-shim ');
  assert.ok(at > 0 && at < 4000, `the identity is at ${at}`);
  const notes = spawnSync('readelf', ['-n', join(dir, 'build', 'libsockswrap.so')], { encoding: 'utf8' });
  assert.match(notes.stdout, /Displaying notes found in: \.note\.sockswrap\n.*\n\s+sockswrap\s+0x[0-9a-f]+\s/, notes.stdout + notes.stderr);
});

test('a shim whose identity is past its first page: still read, from the whole file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sw-identity-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const far = join(dir, 'far.so');
  writeFileSync(far, Buffer.concat([Buffer.alloc(10_000, 7), Buffer.from(`${IDENTITY}\0tail`)]));
  assert.deepEqual(readShimIdentity(far), { version: '1.2.3', target: 'x86_64-linux-gnu', compiler: 'gcc 12.2.0', sources: '0123456789ab' });
  // Cut by the page's end: the whole file is read, not the cut string.
  const cut = join(dir, 'cut.so');
  writeFileSync(cut, Buffer.concat([Buffer.alloc(4096 - 30, 7), Buffer.from(`${IDENTITY}\0tail`)]));
  assert.equal(readShimIdentity(cut)?.sources, '0123456789ab');
  writeFileSync(join(dir, 'none.so'), Buffer.alloc(9000, 7));
  assert.equal(readShimIdentity(join(dir, 'none.so')), undefined);
});

test("--help's examples parse with the real options, and each names a program after --", () => {
  assert.equal(HELP_EXAMPLES.length, 3);
  for (const { argv } of HELP_EXAMPLES) {
    const program = buildProgram();
    program.parse(argv, { from: 'user' });
    const [command] = program.processedArgs as [string];
    assert.equal(command, argv[argv.indexOf('--') + 1], argv.join(' '));
  }
});

test('--help ends with the three examples', () => {
  let text = '';
  const program = buildProgram().configureOutput({ writeOut: (s) => { text += s; } });
  program.outputHelp();
  const tail = text.trimEnd().split('\n').slice(-7);
  assert.equal(tail[0], 'Examples:');
  assert.deepEqual(tail.filter((l) => l.startsWith('  sockswrap ')), HELP_EXAMPLES.map((e) => `  sockswrap ${e.argv.join(' ')}`));
});

test('the man page describes every option of the run command, of check and of serve', () => {
  const page = readFileSync(join(REPO, 'man', 'sockswrap.1'), 'utf8').replace(/\\-/g, '-');
  const longs = [...buildProgram().options, ...buildCheckCommand().options, ...buildServeCommand().options].map((o) => o.long!);
  for (const long of [...new Set(longs), '--help']) assert.ok(page.includes(long), `man/sockswrap.1 does not mention ${long}`);
  const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  assert.match(page, new RegExp(`^\\.TH SOCKSWRAP 1 \\S+ "sockswrap ${version.replace(/\./g, '\\.')}"`, 'm'), 'the man page names another version');
});

test('completion offers the URL schemes -x accepts, and every option in each shell, shell mode\'s commands included', () => {
  for (const scheme of URL_SCHEMES) assert.doesNotThrow(() => parseProxyUrl(`${scheme}127.0.0.1:1080`), scheme);
  const model = completionModel(buildProgram(), buildCheckCommand(), buildServeCommand());
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const script = completionScript(shell, model);
    assert.ok(script.includes('serve'), `${shell}: the serve command`);
    for (const o of [...buildProgram().options, ...buildServeCommand().options, ...buildOnCommand().options, ...buildStatusCommand().options, ...buildAgentStopCommand().options]) {
      assert.ok(script.includes(shell === 'fish' ? `-l ${o.long!.slice(2)} ` : o.long!), `${shell}: ${o.long}`);
    }
    for (const word of ['on', 'off', 'status', 'agent', 'stop', '--all', '--json', '--shell']) {
      assert.ok(script.includes(shell === 'fish' ? word.replace(/^--/, '-l ') : word), `${shell}: ${word}`);
    }
  }
});
