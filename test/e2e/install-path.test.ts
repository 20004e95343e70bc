// ld.so splits LD_PRELOAD on spaces and colons and silently runs the program unhooked when it
// cannot use an entry: an install path with either must still give a hooked program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

test('installed under a path with a space and a colon, the program is still hooked', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'sw-path-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const install = join(base, 'my tools:v1');
  for (const part of ['bin', 'dist', 'package.json', 'node_modules', join('native-shims', 'build')]) {
    cpSync(join(ROOT, part), join(install, part), { recursive: true });
  }
  // With remote DNS on, a hooked getaddrinfo answers from the agent's fake range without any
  // network; an unhooked one would fail (or leak a query).
  const r = spawnSync(
    process.execPath,
    [join(install, 'bin', 'sockswrap.js'), '-q', '-x', 'socks5h://127.0.0.1:9', '--', 'python3', '-c',
      "import socket; print(socket.gethostbyname('only-the-proxy-knows.test'))"],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.trim(), /^240\.\d+\.\d+\.\d+$/);
  assert.doesNotMatch(r.stderr, /cannot be preloaded/);
});
