// The build helper of the seccomp tests (test/helpers/fixture-builds.ts): each program builds, is
// linked as claimed (its ELF header, and file(1) agreeing), runs, and a second request reuses the
// first build. Loopback only: one echo server of this process.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import * as net from 'node:net';
import { promisify } from 'node:util';
import { cProgram, elfLinking, goProgram, type CFixture } from '../helpers/fixture-builds';
import { skipUnless, which } from '../helpers/peer-gate';

const run = promisify(execFile);
const fileSays = (p: string) => spawnSync('file', ['-b', p], { encoding: 'utf8' }).stdout;

describe('fixture builds', { skip: skipUnless(['go', 'gcc', 'file']) }, () => {
  let echo: net.Server;
  let port: number;
  before(async () => {
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    port = (echo.address() as net.AddressInfo).port;
  });
  after(() => echo.close());

  for (const link of ['static', 'cgo'] as const) {
    test(`go-net ${link}: linked as claimed, a Go program, runs offline`, async () => {
      const p = goProgram(link);
      assert.equal(elfLinking(p), link === 'static' ? 'static' : 'dynamic');
      assert.match(fileSays(p), link === 'static' ? /statically linked/ : /dynamically linked/);
      assert.match(fileSays(p), /Go BuildID/);
      const { stdout } = await run(p, ['connects', '127.0.0.1', String(port), '5']);
      assert.deepEqual(JSON.parse(stdout), { ok: 5, bad: [], remotes: [`127.0.0.1:${port}`] });
      const usage = spawnSync(p, [], { encoding: 'utf8' });
      assert.equal(usage.status, 2);
      assert.match(usage.stderr, /^usage: go-net/);
      const again = goProgram(link);
      assert.equal(again, p);
    });
  }

  for (const name of ['tcp-client', 'signal-storm', 'bench-echo', 'stall-exit', 'udp-client'] as CFixture[]) {
    for (const link of ['static', 'dynamic'] as const) {
      test(`${name} ${link}: linked as claimed`, () => {
        const p = cProgram(name, link);
        assert.equal(elfLinking(p), link);
        assert.match(fileSays(p), link === 'static' ? /statically linked/ : /dynamically linked/);
        const mtime = statSync(p).mtimeMs;
        assert.equal(cProgram(name, link), p);
        assert.equal(statSync(p).mtimeMs, mtime, 'the second request reused the build');
      });
    }
  }

  test('the C fixtures run: tcp-client echoes, bench-echo counts, signal-storm connects under signals', async () => {
    const tc = JSON.parse((await run(cProgram('tcp-client', 'static'), ['127.0.0.1', String(port), 'hello'])).stdout);
    assert.deepEqual(tc, { connected: true, peer: `127.0.0.1:${port}`, echo: true });
    const be = JSON.parse((await run(cProgram('bench-echo', 'static'), ['connects', '20', '127.0.0.1', String(port)])).stdout);
    assert.equal(be.connects, 20);
    for (const mode of ['restart', 'retry']) {
      const ss = JSON.parse((await run(cProgram('signal-storm', 'static'), ['127.0.0.1', String(port), '10', mode])).stdout);
      assert.deepEqual([ss.blocking_ok, ss.nonblocking_ok, ss.errors], [10, 10, []], mode);
    }
  });

  test('elfLinking of programs it did not build: sh is dynamic, busybox-static is static', { skip: skipUnless(['busybox']) }, () => {
    assert.equal(elfLinking(which('sh')!), 'dynamic');
    if (/statically linked/.test(fileSays(which('busybox')!))) assert.equal(elfLinking(which('busybox')!), 'static');
  });
});
