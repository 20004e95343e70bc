// A proxy given by hostname (issue 3): the launcher resolves the proxy's name itself, as the
// user's machine knows it (here: the client namespace's /etc/hosts); target names still go to the
// proxy.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { HTTP_PORT, BANNER_PORT, CLOSED_PORT } from '../helpers/peers';
import { takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { BANNER } from '../helpers/body';
import { PY_BANNER, PY_CONNECT_ERRNO } from '../helpers/programs';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'microsocks', 'curl', 'python3'], { root: true });
const PROXY_NAME = 'socks.proxy.lab';

describe('a proxy given by hostname', { skip: SKIP }, () => {
  let lab: Lab;
  let port: number;

  standardLab({ microsocks: 1085, leaks: 'reset' }, (s) => ({ lab, port } = { lab: s.lab, port: s.micro!.port }));
  before(() => { appendFileSync(join('/etc/netns', lab.client, 'hosts'), `${lab.proxyIp4}\t${PROXY_NAME}\n`); });

  test('-x socks5h://NAME:PORT: curl (non-blocking) fetches by a name only the proxy resolves', async () => {
    takeLeaks(lab);
    const r = await sockswrap(lab, ['-x', `socks5h://${PROXY_NAME}:${port}`, '--', 'curl', '-sS', '--max-time', '20', `http://target.test:${HTTP_PORT}/hello`]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'hello from target\n');
    assertNoLeaks(lab);
  });

  test('proxychains.conf `socks5 NAME PORT`: python3 reads the banner intact, and a blocking connect gets errno 111 from a closed port', async () => {
    takeLeaks(lab);
    const conf = join(lab.dir, 'by-name.conf');
    writeFileSync(conf, `strict_chain\nproxy_dns\n[ProxyList]\nsocks5 ${PROXY_NAME} ${port}\n`);
    const r = await sockswrap(lab, ['-f', conf, '--', bin('python3'), '-c', PY_BANNER, 'target.test', String(BANNER_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.equal(JSON.parse(r.stdout.toString()).first, BANNER, show(r));
    // A blocking connect with a proxy given by name keeps the relay path (the dial path dials
    // IP addresses only); the refusal still comes back as the real errno.
    const refused = await sockswrap(lab, ['-f', conf, '--', bin('python3'), '-c', PY_CONNECT_ERRNO, 'target.test', String(CLOSED_PORT)]);
    assert.equal(refused.stdout.toString().trim(), 'errno 111', show(refused));
    assertNoLeaks(lab);
  });
});
