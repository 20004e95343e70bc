import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSearchPath, findConfigFile } from '../../src/config/config-search';

const CWD = '/work/proj';
const HOME = '/home/u';
const ALL = {
  sockswrapEnv: '/env/sockswrap.conf',
  proxychainsEnv: '/env/proxychains.conf',
  cwd: '/work/proj/proxychains.conf',
  home: '/home/u/.proxychains/proxychains.conf',
  etc4: '/etc/proxychains4.conf',
  etc: '/etc/proxychains.conf',
};
const ENV = { SOCKSWRAP_CONF: ALL.sockswrapEnv, PROXYCHAINS_CONF_FILE: ALL.proxychainsEnv };

/** A fake filesystem holding exactly these files; records what was asked. */
function fakeExists(files: string[]): { exists: (p: string) => boolean; asked: string[] } {
  const asked: string[] = [];
  return { asked, exists: (p) => (asked.push(p), files.includes(p)) };
}

describe('findConfigFile', () => {
  it('returns -f as given, even when missing, without looking anywhere', () => {
    const fs = fakeExists(Object.values(ALL));
    assert.equal(findConfigFile({ explicit: 'rel/my.conf', env: ENV, cwd: CWD, home: HOME, exists: fs.exists }), 'rel/my.conf');
    assert.deepEqual(fs.asked, []);
  });

  it('walks the order and takes the first that exists', () => {
    const order = Object.values(ALL);
    for (let i = 0; i < order.length; i++) {
      const fs = fakeExists(order.slice(i));
      assert.equal(findConfigFile({ env: ENV, cwd: CWD, home: HOME, exists: fs.exists }), order[i]);
      assert.deepEqual(fs.asked, order.slice(0, i + 1));
    }
  });

  it('returns undefined when nothing exists, after asking every candidate', () => {
    const fs = fakeExists([]);
    assert.equal(findConfigFile({ env: ENV, cwd: CWD, home: HOME, exists: fs.exists }), undefined);
    assert.deepEqual(fs.asked, Object.values(ALL));
  });

  it('skips unset and empty environment variables', () => {
    const fs = fakeExists([]);
    findConfigFile({ env: { SOCKSWRAP_CONF: '' }, cwd: CWD, home: HOME, exists: fs.exists });
    assert.deepEqual(fs.asked, [ALL.cwd, ALL.home, ALL.etc4, ALL.etc]);
  });

  it('resolves relative environment paths against cwd', () => {
    const fs = fakeExists(['/work/proj/conf/p.conf']);
    assert.equal(
      findConfigFile({ env: { PROXYCHAINS_CONF_FILE: 'conf/p.conf' }, cwd: CWD, home: HOME, exists: fs.exists }),
      '/work/proj/conf/p.conf',
    );
  });

  it('skips the home candidate when there is no home', () => {
    assert.deepEqual(configSearchPath({ env: {}, cwd: CWD, home: '' }), [ALL.cwd, ALL.etc4, ALL.etc]);
  });

  it('by default finds readable regular files only', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sockswrap-search-'));
    try {
      // A directory named proxychains.conf in cwd must not stop the search.
      mkdirSync(path.join(dir, 'proxychains.conf'));
      const homeConf = path.join(dir, '.proxychains', 'proxychains.conf');
      mkdirSync(path.dirname(homeConf));
      writeFileSync(homeConf, '[ProxyList]\nsocks5 127.0.0.1 1080\n');
      assert.equal(findConfigFile({ env: {}, cwd: dir, home: dir }), homeConf);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
