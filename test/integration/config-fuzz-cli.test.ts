// Config fuzzer through the real CLI (issue 6): `node bin/sockswrap.js -f F -- true` on a few
// hundred random and mutated proxychains.conf files. A bad file: exit 2, exactly one stderr line,
// "sockswrap: F:LINE: ...", no stack trace, the program not run. A valid one: the program runs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedMessage, fuzzConfig } from '../helpers/config-fuzz';
import { escapeControl } from '../../src/log/terminal-text';

const SOCKSWRAP = join(__dirname, '..', '..', '..', 'bin', 'sockswrap.js');
const BAD = 170;
const GOOD = 30;

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SOCKSWRAP, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('config fuzz through the CLI', () => {
  test(`${BAD} bad and ${GOOD} valid fuzzed files: exit 2 with file:line:, or the program runs`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-conffuzz-'));
    try {
      const cases: { file: string; message: string | undefined; i: number }[] = [];
      let bad = 0;
      let good = 0;
      for (let i = 0; bad < BAD || good < GOOD; i++) {
        const c = fuzzConfig(1_000_000 + i);
        const file = join(dir, `case-${i}.conf`);
        const message = expectedMessage(c, file);
        if (message === undefined ? good++ >= GOOD : bad++ >= BAD) continue;
        writeFileSync(file, c.text);
        cases.push({ file, message, i });
      }
      const failures: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < cases.length) {
          const c = cases[next++];
          const r = await run(['-f', c.file, '--', 'sh', '-c', 'echo ran']);
          const where = `case ${c.i} (${c.file}): status ${r.status}, stderr ${JSON.stringify(r.stderr)}`;
          if (/\n\s+at /.test(r.stderr)) failures.push(`stack trace: ${where}`);
          else if (c.message === undefined) {
            if (r.status !== 0 || r.stdout !== 'ran\n') failures.push(`valid file not run: ${where}`);
          } else if (r.status !== 2 || r.stdout !== '' || r.stderr !== `sockswrap: ${escapeControl(c.message)}\n`) {
            // Control characters the fuzzer put in the file reach stderr escaped (issue 11).
            failures.push(`expected exit 2 and "sockswrap: ${c.message}": ${where}`);
          } else if (!r.stderr.startsWith(`sockswrap: ${c.file}:`)) {
            failures.push(`no file position: ${where}`);
          }
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      assert.deepEqual(failures.slice(0, 5), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
