// The lab itself, checked with the real peers and NO sockswrap: the premises every other e2e
// test relies on for its proof of path.
//   - the client ns can reach the proxies, but neither reach nor resolve the targets;
//   - the proxies resolve target.test / target6.test and reach the targets;
//   - the leak counter sees a packet that tries to go anywhere but the proxy.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { HTTP_PORT, type Danted, type Peer } from '../helpers/peers';
import { takeLeaks, assertNoLeaks } from '../helpers/proof';
import { bigSha256, sha256 } from '../helpers/body';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'microsocks', 'curl'], { root: true });

describe('e2e lab (no sockswrap)', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;
  let micro: Peer;

  standardLab({ danted: 1080, microsocks: 1081, leaks: 'reset' }, (s) => ({ lab, danted, micro } = { lab: s.lab, danted: s.danted!, micro: s.micro! }));

  test('curl --socks5-hostname through danted gets the 8 MB body (name resolved in the proxy ns)', async () => {
    const r = await lab.run(lab.client, [bin('curl'), '-sS', '--max-time', '20', '--socks5-hostname', `${danted.host}:${danted.port}`, `http://target.test:${HTTP_PORT}/big`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(sha256(r.stdout), bigSha256());
    assertNoLeaks(lab);
    assert.match(danted.log(), /target\.test|198\.19\./);
  });

  test('curl through microsocks: the target sees the proxy, not the client, as its peer', async () => {
    const r = await lab.run(lab.client, [bin('curl'), '-sS', '--max-time', '10', '--socks5-hostname', `${micro.host}:${micro.port}`, `http://target.test:${HTTP_PORT}/whoami`]);
    assert.equal(r.status, 0, r.stderr);
    const peer = r.stdout.toString().trim();
    assert.notEqual(peer, lab.clientIp4);
    assert.ok([lab.targetIp4, lab.proxyIp4].includes(peer.replace(/^::ffff:/, '')), peer);
    assertNoLeaks(lab);
  });

  test('curl through danted to the IPv6 target name, proxy on its IPv6 address', async () => {
    const r = await lab.run(lab.client, [bin('curl'), '-sS', '--max-time', '10', '--socks5-hostname', `[${lab.proxyIp6}]:${danted.port}`, `http://target6.test:${HTTP_PORT}/whoami`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString().trim(), lab.targetIp6);
    assertNoLeaks(lab);
  });

  test('the client cannot reach the target directly (no route)', async () => {
    const r = await lab.run(lab.client, [bin('curl'), '-sS', '--max-time', '5', `http://${lab.targetIp4}:${HTTP_PORT}/hello`]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unreachable|Couldn't connect|Failed to connect/i);
    const r6 = await lab.run(lab.client, [bin('curl'), '-sS', '--max-time', '5', `http://[${lab.targetIp6}]:${HTTP_PORT}/hello`]);
    assert.notEqual(r6.status, 0);
  });

  test('the client cannot resolve target.test, and the leak counter sees it try', async () => {
    takeLeaks(lab);
    const r = await lab.run(lab.client, ['getent', 'ahosts', 'target.test'], { timeoutMs: 15_000 });
    assert.notEqual(r.status, 0, r.stdout.toString());
    const leaks = takeLeaks(lab);
    assert.ok(leaks.packets > 0, 'a DNS query to the nowhere resolver must be counted');
    assert.ok(leaks.destinations.some((d) => d.startsWith(lab.nowhereDns)), leaks.destinations.join(','));
  });
});
