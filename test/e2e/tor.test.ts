// Tor as an upstream (issue 17, docs/tor.md), against the project's own private Tor network
// (test/helpers/tor-net.ts, in this lab's proxy namespace): one network for the whole file.
// Names the client ns cannot resolve and addresses it cannot reach: www.tor.test exists only in
// the lab DNS the exits use, the onion service only in the private network.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../helpers/net-lab';
import { peerGate, startTargets, HTTP_PORT } from '../helpers/peers';
import { installLeakCounter, takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { bigSha256, sha256 } from '../helpers/body';
import { startTorNet, TOR_WWW_NAME, type TorNet } from '../helpers/tor-net';

const gate = peerGate(['ip', 'nft', 'tor', 'tor-gencert', 'dnsmasq', 'curl', 'python3']);

const PY_GET = `
import sys, urllib.request, hashlib
with urllib.request.urlopen(sys.argv[1], timeout=60) as r:
    print(hashlib.sha256(r.read()).hexdigest())
`;

describe('e2e: Tor (private network)', { skip: gate.skip, timeout: 600_000 }, () => {
  let lab: Lab;
  let tor: TorNet;
  let socks5h: string[];
  let hello: string;

  before(async () => {
    gate.check();
    lab = createLab();
    installLeakCounter(lab);
    tor = await startTorNet(lab);
    await startTargets(lab, [tor.wwwIp]);
    socks5h = ['-x', `socks5h://${tor.socksHost}:${tor.socksPort}`];
    const r = await lab.run(lab.proxy, ['curl', '-sS', `http://${lab.targetIp4}:${HTTP_PORT}/hello`]);
    hello = r.stdout.toString();
    assert.ok(hello.length > 0, 'the target answers /hello');
  });
  after(async () => {
    await tor?.stop();
    lab?.destroy();
  });
  beforeEach(() => { if (lab) takeLeaks(lab); });

  test('the network: the client is bootstrapped on a consensus of the lab\'s 5 relays only', async () => {
    assert.match(await tor.control('GETINFO status/bootstrap-phase'), /PROGRESS=100/);
    const ns = await tor.control('GETINFO ns/all');
    const relays = [...ns.matchAll(/^r (\S+) \S+ \S+ \S+ \S+ (\S+) /gm)].map((m) => `${m[1]}@${m[2]}`).sort();
    assert.deepEqual(relays, ['a1', 'a2', 'a3', 'r1', 'r2'].map((n) => `${n}@${tor.socksHost}`), ns);
  });

  test('curl by name (socks5h): 8 MiB through Tor, hash-checked; the name resolved by the lab DNS via the exit', async () => {
    const r = await sockswrap(lab, [...socks5h, '--', 'curl', '-sS', '--max-time', '120', `http://${TOR_WWW_NAME}:${HTTP_PORT}/big`], { timeoutMs: 150_000 });
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), bigSha256());
    assertNoLeaks(lab, 'curl by name');
  });

  test('curl and python by .onion address (socks5h), through the onion service', async () => {
    const url = `http://${tor.onion}/hello`;
    const c = await sockswrap(lab, [...socks5h, '--', 'curl', '-sS', '--max-time', '90', url], { timeoutMs: 120_000 });
    assert.equal(c.status, 0, show(c));
    assert.equal(c.stdout.toString(), hello);
    const p = await sockswrap(lab, [...socks5h, '--', 'python3', '-c', PY_GET, url], { timeoutMs: 120_000 });
    assert.equal(p.status, 0, show(p));
    assert.equal(p.stdout.toString().trim(), sha256(hello));
    assertNoLeaks(lab, 'onion');
  });
});
