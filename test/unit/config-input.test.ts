// Bad input found by the red-team pass (issue 11, item 9): files that are not config files,
// chain_len errors without a line, credentials that must not need argv, control characters.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config-error';
import { MAX_CONFIG_BYTES, readConfigFile } from '../../src/config/read-config-file';
import { parseProxychainsConf } from '../../src/config/proxychains-conf';
import { applyChainOptions } from '../../src/cli/chain-options';
import { loadConfig, loadProxyFile } from '../../src/cli/load-config';
import { configFromOptions } from '../../src/cli/config-options';
import { escapeControl } from '../../src/log/terminal-text';

function configError(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

describe('reading a config file: only a regular file, only so much', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sockswrap-unit-input-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a character device (-f /dev/zero would grow without bound)', () => {
    configError(() => readConfigFile('/dev/zero'), 'cannot read config file /dev/zero: a character device, not a regular file');
  });

  it('refuses a directory', () => {
    const sub = join(dir, 'a-dir');
    mkdirSync(sub);
    configError(() => readConfigFile(sub), `cannot read config file ${sub}: a directory, not a regular file`);
  });

  it('refuses a fifo without waiting for a writer', () => {
    const fifo = join(dir, 'a-fifo');
    execFileSync('mkfifo', [fifo]);
    configError(() => readConfigFile(fifo, 'proxy file'), `cannot read proxy file ${fifo}: a fifo, not a regular file`);
  });

  it('refuses a file over the cap, reads one at the cap', () => {
    const big = join(dir, 'big.conf');
    writeFileSync(big, Buffer.alloc(MAX_CONFIG_BYTES + 1, 0x23));
    configError(() => readConfigFile(big), `cannot read config file ${big}: larger than 1 MiB`);
    writeFileSync(big, Buffer.alloc(MAX_CONFIG_BYTES, 0x23));
    assert.equal(readConfigFile(big).length, MAX_CONFIG_BYTES);
  });

  it('names a missing file', () => {
    configError(() => readConfigFile(join(dir, 'none')), `cannot read config file ${join(dir, 'none')}: no such file`);
  });

  // Was "cannot read config file X: EACCES". Root reads any file, so the reader runs as nobody.
  it('says "permission denied" for a file this user may not read', { skip: process.getuid?.() !== 0 && 'needs root (to read as nobody)' }, () => {
    const open = mkdtempSync(join(tmpdir(), 'sockswrap-unit-eacces-'));
    try {
      chmodSync(open, 0o755);
      const secret = join(open, 'proxychains.conf');
      writeFileSync(secret, '[ProxyList]\nsocks5 127.0.0.1 1080\n', { mode: 0o600 });
      const script = `const { readConfigFile } = require(${JSON.stringify(require.resolve('../../src/config/read-config-file'))});
        try { readConfigFile(process.argv[1]); } catch (e) { process.stdout.write(e.message); }`;
      const out = execFileSync(process.execPath, ['-e', script, secret], { uid: 65534, gid: 65534, encoding: 'utf8' });
      assert.equal(out, `cannot read config file ${secret}: permission denied (check the permissions of the file and of the directories on its path)`);
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });

  it('words other errors too, not only their code', () => {
    const plain = join(dir, 'plain');
    writeFileSync(plain, '');
    configError(() => readConfigFile(join(plain, 'x.conf')), `cannot read config file ${join(plain, 'x.conf')}: a part of the path before the file name is not a directory`);
    const loop = join(dir, 'loop');
    symlinkSync(loop, loop);
    configError(() => readConfigFile(loop, 'proxy file'), `cannot read proxy file ${loop}: too many levels of symbolic links`);
    const long = join(dir, 'n'.repeat(300));
    configError(() => readConfigFile(long), `cannot read config file ${long}: file name too long`);
  });
});

// proxychains4 prints "config file found: PATH"; sockswrap says it with -v (a detail line).
describe('which config file was read', () => {
  let dir: string;
  let cwd: string;
  const LIST = '[ProxyList]\nsocks5 127.0.0.1 1080\n';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sockswrap-unit-which-'));
    cwd = process.cwd();
  });
  after(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the file and how it was chosen: -f, an environment variable, the search path', () => {
    const given = join(dir, 'given.conf');
    const fromEnv = join(dir, 'env.conf');
    writeFileSync(given, LIST);
    writeFileSync(fromEnv, LIST);
    writeFileSync(join(dir, 'proxychains.conf'), LIST);
    assert.deepEqual(loadConfig({ proxyUrls: [], configFile: given }, { PROXYCHAINS_CONF_FILE: fromEnv }).details, [`config file: ${given} (given with -f)`]);
    assert.deepEqual(loadConfig({ proxyUrls: [] }, { PROXYCHAINS_CONF_FILE: fromEnv }).details, [`config file: ${fromEnv} (from $PROXYCHAINS_CONF_FILE)`]);
    assert.deepEqual(loadConfig({ proxyUrls: [] }, { SOCKSWRAP_CONF: fromEnv }).details, [`config file: ${fromEnv} (from $SOCKSWRAP_CONF)`]);
    process.chdir(dir);
    // An unreadable $PROXYCHAINS_CONF_FILE is skipped, as proxychains-ng does: the line says which file it was instead.
    assert.deepEqual(loadConfig({ proxyUrls: [] }, { PROXYCHAINS_CONF_FILE: join(dir, 'missing.conf') }).details, [`config file: ${join(dir, 'proxychains.conf')} (found on the search path)`]);
  });

  it('says nothing of the kind for -x URLs', () => {
    assert.equal(loadConfig({ proxyUrls: ['socks5h://h:1'] }, {}).details, undefined);
  });
});

// proxychains4 -q sets PROXYCHAINS_QUIET_MODE=1 for its library, which is quiet when the value
// starts with "1" (libproxychains.c: env && *env == '1').
describe('PROXYCHAINS_QUIET_MODE', () => {
  const quiet = (value: string | undefined) => configFromOptions({ proxy: ['socks5h://h:1'] }, value === undefined ? {} : { PROXYCHAINS_QUIET_MODE: value }).quiet;
  it('is quiet mode when it starts with "1", as for proxychains-ng', () => {
    assert.equal(quiet('1'), true);
    assert.equal(quiet('10'), true);
    for (const value of [undefined, '', '0', 'yes', ' 1', 'true']) assert.equal(quiet(value), false, JSON.stringify(value));
  });
});

describe('chain_len errors carry file:line', () => {
  const FILE = 'chains.conf';

  it('chain_len longer than the list: the chain_len line', () => {
    const config = parseProxychainsConf('random_chain\nproxy_dns\nchain_len = 3\n[ProxyList]\nsocks5 10.0.0.1 1080\nsocks5 10.0.0.2 1080\n', FILE);
    configError(() => applyChainOptions(config, {}), `${FILE}:3: chain_len 3 is more than the 2 proxies in the list`);
  });

  it('--chain random over a file whose chain_len is too long: still the file line', () => {
    const config = parseProxychainsConf('proxy_dns\nchain_len = 2\n[ProxyList]\nsocks5 10.0.0.1 1080\n', FILE);
    configError(() => applyChainOptions(config, { chain: 'random' }), `${FILE}:2: chain_len 2 is more than the 1 proxy in the list`);
  });

  it('--chain-len too long: names the option', () => {
    const config = parseProxychainsConf('proxy_dns\n[ProxyList]\nsocks5 10.0.0.1 1080\n', FILE);
    configError(() => applyChainOptions(config, { chain: 'random', chainLen: 2 }), '--chain-len: chain_len 2 is more than the 1 proxy in the list');
  });
});

describe('credentials without argv: --proxy-file and $SOCKSWRAP_PROXY', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sockswrap-unit-creds-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--proxy-file: one URL a line, comments and blank lines skipped, chain order kept', () => {
    const file = join(dir, 'proxies');
    writeFileSync(file, '# my chain\n\nsocks5://a:1\n  socks5h://u:s3cret@b:2  \n');
    const config = loadProxyFile(file);
    assert.deepEqual(config.proxies, [
      { type: 'socks5', host: 'a', port: 1 },
      { type: 'socks5', host: 'b', port: 2, username: 'u', password: 's3cret' },
    ]);
    assert.equal(config.proxyDns, true);
    assert.equal(config.source, file);
  });

  it('--proxy-file errors name FILE:LINE and hide the password', () => {
    const file = join(dir, 'bad');
    writeFileSync(file, 'socks5h://a:1\n# x\nsocks5h://u:s3cret@b:0\n');
    configError(() => loadProxyFile(file), `${file}:3: bad proxy URL "socks5h://u:***@b:0": bad port "0" (expected 1-65535)`);
    writeFileSync(file, 'socks5h://a:1 socks5h://b:2\n');
    configError(() => loadProxyFile(file), `${file}:1: expected one proxy URL a line (no spaces)`);
    writeFileSync(file, '# nothing\n');
    configError(() => loadProxyFile(file), `${file}: no proxy URL in the file (expected lines like socks5h://USER:PASS@HOST:PORT)`);
  });

  it('$SOCKSWRAP_PROXY: URLs separated by white space, used when no option says otherwise', () => {
    const config = loadConfig({ proxyUrls: [] }, { SOCKSWRAP_PROXY: ' socks5://a:1\nsocks5h://u:p@b:2 ' });
    assert.deepEqual(config.proxies.map((p) => p.host), ['a', 'b']);
    assert.equal(config.source, 'SOCKSWRAP_PROXY');
    // -x wins over the environment.
    assert.equal(loadConfig({ proxyUrls: ['socks5h://c:3'] }, { SOCKSWRAP_PROXY: 'socks5://a:1' }).proxies[0]!.host, 'c');
  });

  it('-x, --proxy-file and -f exclude each other', () => {
    configError(() => loadConfig({ proxyUrls: ['socks5h://c:3'], proxyFile: 'f' }, {}), 'give one of -x URLs, --proxy-file FILE or -f FILE, not -x URLs and --proxy-file');
  });
});

describe('escapeControl: what reaches the terminal', () => {
  it('escapes C0, DEL, C1 and text-reordering characters; leaves the rest', () => {
    assert.equal(escapeControl('a\u001b[2Jb'), 'a\\x1b[2Jb');
    assert.equal(escapeControl('line\nnext\r\t'), 'line\\nnext\\r\\t');
    assert.equal(escapeControl('\u0000\u0007\u007f\u009b'), '\\x00\\x07\\x7f\\x9b');
    assert.equal(escapeControl('evil\u202etxt.exe'), 'evil\\u202etxt.exe');
    assert.equal(escapeControl('été 東京 [::1]:80 a\\b'), 'été 東京 [::1]:80 a\\b');
  });

  it('a config error quoting a control character is escaped where it is printed', () => {
    assert.throws(
      () => parseProxychainsConf('proxy_dns\nbad\u001b]0;pwned\u0007 1\n[ProxyList]\nsocks5 10.0.0.1 1\n', 'x.conf'),
      (e: unknown) => e instanceof ConfigError && escapeControl(e.message) === 'x.conf:2: unknown directive "bad\\x1b]0;pwned\\x07"',
    );
  });
});
