// Config fuzzer (issue 6, "bad input"): random and mutated proxychains.conf lines, in-process.
// Every input either parses, or throws a ConfigError whose message starts with "FILE:LINE: ".
// The one error without a line is a file that has no [ProxyList] at all (there is no line to
// name); it must still name the file. The same inputs through the real CLI are in
// test/integration/config-fuzz-cli.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedMessage, fuzzConfig, FUZZ_FILE } from '../helpers/config-fuzz';

const CASES = Number(process.env.SOCKSWRAP_CONFIG_FUZZ_CASES ?? 100_000);

describe('config fuzz (in-process)', () => {
  test(`${CASES} random and mutated proxychains.conf files: a config or a file:line: ConfigError`, { timeout: 60_000 }, () => {
    let valid = 0;
    let noLine = 0;
    for (let i = 0; i < CASES; i++) {
      const c = fuzzConfig(i);
      let message: string | undefined;
      try {
        message = expectedMessage(c);
      } catch (err) {
        assert.fail(`case ${i}: not a ConfigError: ${err instanceof Error ? err.stack : String(err)}\n--- input ---\n${c.text}`);
      }
      if (message === undefined) {
        valid++;
        continue;
      }
      assert.ok(!message.includes('\n'), `case ${i}: a multi-line message: ${JSON.stringify(message)}`);
      if (new RegExp(`^${FUZZ_FILE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: \\S`).test(message)) continue;
      // Only a file with no [ProxyList] header at all has no line to point at.
      assert.match(message, new RegExp(`^${FUZZ_FILE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: no \\[ProxyList\\] section`), `case ${i}: ${message}\n--- input ---\n${c.text}`);
      noLine++;
    }
    // The generator must produce both outcomes, or it tests nothing.
    assert.ok(valid > CASES / 50 && valid < CASES * 0.9, `valid ${valid} of ${CASES}`);
    assert.ok(noLine < CASES / 20, `${noLine} without a line`);
  });
});
