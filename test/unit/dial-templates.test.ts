// Dial templates (src/agent/dial-templates.ts) and their scope (src/agent/template-scope.ts): each
// routing rule gives the exception it must, a destination the scope admits is one the router sends
// through the chain unchanged, and a template filled with a destination is exactly the plan the
// agent answers a CONNECT to it with — for SOCKS5 (pipelined or not), SOCKS4, HTTP CONNECT with a
// learned reply and a 2-hop chain. Plans that depend on the destination otherwise get no template.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ipaddr from 'ipaddr.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DialSessions } from '../../src/agent/dial-sessions';
import { fillTemplate } from '../../src/agent/dial-templates';
import { FakeDnsTable } from '../../src/agent/fake-dns-table';
import { RoutePolicy } from '../../src/agent/route-policy';
import { Router } from '../../src/agent/routing';
import { compileScope, inTemplateScope } from '../../src/agent/template-scope';
import { PipelineLedger } from '../../src/client/pipelining';
import type { DnatRule, ProxySpec, SockswrapConfig } from '../../src/config/config-types';
import { DialArg, DialEvent, Status, parseTemplateResponse, serializeWireAddress, type PlanTemplate, type ScopeException } from '../../src/wire';

const quiet = { error: () => {}, info: () => {} };
const S5: ProxySpec = { type: 'socks5', host: '198.18.0.1', port: 1080 };
const S5b: ProxySpec = { type: 'socks5', host: '198.18.0.2', port: 1081 };
const S4: ProxySpec = { type: 'socks4', host: '198.18.0.3', port: 1082 };
const HTTP: ProxySpec = { type: 'http', host: '198.18.0.4', port: 8080 };

function config(proxies: ProxySpec[], chainType: SockswrapConfig['chainType'] = 'strict'): SockswrapConfig {
  return { chainType, proxies, proxyDns: true, remoteDnsSubnet: 240, tcpReadTimeoutMs: 15000, tcpConnectTimeoutMs: 8000, localnets: [], quiet: false, source: '-x' };
}

const LOCALNETS = [
  { address: '10.0.0.0', prefixLength: 8 },
  { address: '192.168.1.0', prefixLength: 24, port: 8080 },
  { address: 'fd00::', prefixLength: 8 },
];
const DNAT: DnatRule[] = [
  { from: { address: '198.51.100.7', port: 80 }, to: { address: '203.0.113.9', port: 8080 } },
  { from: { address: '198.51.100.8' }, to: { address: '203.0.113.10' } },
];
const NAMESERVERS = ['192.0.2.53', '2001:db8::53'];

function router(withDns = true) {
  const fakeDns = new FakeDnsTable(240);
  const policy = new RoutePolicy(LOCALNETS);
  const agentDns = withDns
    ? {
        claims: (a: ipaddr.IPv4 | ipaddr.IPv6, port: number) => port === 53 && NAMESERVERS.includes(a.toString()),
        claimedRanges: () => NAMESERVERS.map((address) => ({ address, prefix: address.includes(':') ? 128 : 32, port: 53 })),
      }
    : undefined;
  return { fakeDns, r: new Router({ fakeDns, policy, dnat: DNAT, agentDns }) };
}

const has = (scope: ScopeException[], address: string, prefix: number, port = 0) =>
  scope.some((e) => e.prefix === prefix && e.port === port && e.address.equals(Buffer.from(ipaddr.parse(address).toByteArray())));

/** Deterministic pseudo-random destinations (xorshift), both families, every port range. */
function* destinations(n: number): Generator<{ host: string; port: number }> {
  let x = 0x9e3779b9;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
  for (let i = 0; i < n; i++) {
    const port = [next() & 0xffff, 53, 80, 8080, 1, 65535][i % 6]!;
    if (i % 3 === 2) {
      const groups = Array.from({ length: 8 }, () => (next() & 0xffff).toString(16));
      if (i % 9 === 2) groups[0] = 'fd73';
      yield { host: ipaddr.parse(groups.join(':')).toString(), port };
    } else {
      const a = next();
      const first = [a >>> 24, 10, 240, 127, 192, 198, 224, 0][i % 8]!;
      yield { host: `${first}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`, port };
    }
  }
}

describe('template scope: each routing rule gives its exception', () => {
  it('agent DNS, the fake ranges, loopback, localnet (with its port), dnat (with its port), and the doubtful ranges', () => {
    const scope = router().r.templateScope()!;
    assert.ok(has(scope, '192.0.2.53', 32, 53) && has(scope, '2001:db8::53', 128, 53), 'agent DNS: each nameserver, port 53');
    assert.ok(has(scope, '240.0.0.0', 8) && has(scope, 'fd73:6f63:6b73::', 96), 'the fake ranges, named or not');
    assert.ok(has(scope, '127.0.0.0', 8) && has(scope, '::1', 128), 'loopback');
    assert.ok(has(scope, '10.0.0.0', 8) && has(scope, '192.168.1.0', 24, 8080) && has(scope, 'fd00::', 8), 'localnet, with its port');
    assert.ok(has(scope, '198.51.100.7', 32, 80) && has(scope, '198.51.100.8', 32), 'dnat, with its port');
    assert.ok(has(scope, '0.0.0.0', 8) && has(scope, '224.0.0.0', 3) && has(scope, 'ff00::', 8) && has(scope, '::', 128), 'unspecified, multicast, broadcast');
  });

  it('a rule that cannot say its ranges: no scope, so no templates', () => {
    const fakeDns = new FakeDnsTable(240);
    const r = new Router({ fakeDns, policy: new RoutePolicy([]), agentDns: { claims: () => false } });
    assert.equal(r.templateScope(), undefined);
    assert.equal(compileScope([[{ address: 'not an address', prefix: 8 }]]), undefined);
    assert.equal(compileScope([[{ address: '10.0.0.0', prefix: 33 }]]), undefined);
  });

  it('a destination in scope is one the router sends through the chain, unchanged and fixed; every excepted one is out', () => {
    const { r, fakeDns } = router();
    fakeDns.addressesFor('named.test');
    const scope = r.templateScope()!;
    let inside = 0;
    const edges = [
      { host: '192.0.2.53', port: 53 }, { host: '192.0.2.53', port: 54 }, { host: '240.0.0.1', port: 80 }, { host: '10.255.255.255', port: 1 },
      { host: '192.168.1.1', port: 8080 }, { host: '192.168.1.1', port: 8081 }, { host: '198.51.100.7', port: 80 }, { host: '198.51.100.7', port: 81 },
      { host: '198.51.100.8', port: 1 }, { host: 'fd73:6f63:6b73::1', port: 80 }, { host: 'fd12::1', port: 80 }, { host: '2001:db8::53', port: 53 },
    ];
    for (const d of [...edges, ...destinations(3000)]) {
      const route = r.route(ipaddr.parse(d.host), d.port);
      const plain = route.kind === 'proxy' && route.fixed && route.effective === route.target;
      if (inTemplateScope(scope, d.host, d.port)) {
        inside++;
        assert.ok(plain, `${d.host}:${d.port} is in scope but routes ${JSON.stringify(route)}`);
      }
    }
    assert.ok(inside > 1000, `most random destinations are in scope (${inside})`);
    assert.equal(inTemplateScope(scope, '192.168.1.1', 8081), true);
    assert.equal(inTemplateScope(scope, '198.51.100.7', 81), true);
    assert.equal(inTemplateScope(scope, '::ffff:10.1.1.1', 80), false, 'v4-mapped is IPv4');
  });
});

describe('template scope: the golden TEMPLATE answer\'s checks (test/vectors/wire-frames.json)', () => {
  // The same destinations native-shims/test/wire-codec-test.c checks with core/plan-template.c:
  // what the agent's inTemplateScope says is what the shim decides, at every prefix edge.
  const doc = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'vectors', 'wire-frames.json'), 'utf8'));
  const vector = doc.frames.find((f: { name: string }) => f.name === 'template-ok');
  const frame = Buffer.from(vector.frame, 'hex');
  const parsed = parseTemplateResponse({ kind: frame[2]!, id: 0, body: frame.subarray(7) } as never);
  it('every check of the vector: served or excepted, as the shim says', () => {
    assert.equal(parsed.status, Status.ok);
    const { scope } = parsed as { scope: ScopeException[] };
    assert.ok(vector.scopeChecks.length >= 20, 'the vector carries its checks');
    for (const c of vector.scopeChecks as { family: number; address: string; port: number; served: boolean }[]) {
      assert.equal(ipaddr.parse(c.address).kind() === 'ipv4' ? 4 : 6, c.family, c.address);
      assert.equal(inTemplateScope(scope, c.address, c.port), c.served, `${c.address}:${c.port}`);
    }
  });
});

/** The templates a DialSessions compiles, parsed. */
function templatesOf(dial: DialSessions): PlanTemplate[] {
  const frame = dial.templateResponse();
  const parsed = parseTemplateResponse({ kind: frame[2]!, id: 0, body: frame.subarray(7) } as never);
  return 'templates' in parsed ? parsed.templates : [];
}

/** What CONNECT answers for this destination (no session; the templates bit, an offer, masked). */
function planOf(dial: DialSessions, host: string, port: number): Buffer {
  const target = { kind: host.includes(':') ? 'ipv6' : 'ipv4', host, port } as const;
  const answer = dial.open({ target, effective: target }, serializeWireAddress(host, port), { name: 't', pid: 1 }, { v4: true, v6: true })!;
  const plan = Buffer.from(answer.subarray(4));
  assert.ok((plan[1]! & DialArg.standing) !== 0, 'a standing plan');
  plan[1]! &= ~DialArg.templates;
  return plan;
}

function settledLedger(state: 'yes' | 'no', ...proxies: ProxySpec[]): PipelineLedger {
  const ledger = new PipelineLedger();
  for (const p of proxies) (ledger as unknown as { states: Map<string, string> }).states.set(`${p.host}|${p.port}|${p.username !== undefined ? 'login' : ''}`, state);
  return ledger;
}

describe('dial templates: a filled template is the plan the agent answers', () => {
  const scope = () => router().r.templateScope();
  const cases: { name: string; proxies: ProxySpec[]; ledger?: PipelineLedger; families: number[]; warm?: (d: DialSessions) => void }[] = [
    { name: 'one SOCKS5 proxy, one message per round trip', proxies: [S5], ledger: settledLedger('no', S5), families: [4, 6] },
    { name: 'one SOCKS5 proxy, pipelined', proxies: [S5], ledger: settledLedger('yes', S5), families: [4, 6] },
    { name: 'SOCKS5 with RFC 1929 credentials', proxies: [{ ...S5, username: 'alice', password: 's3cret' }], families: [4, 6] },
    { name: 'a 2-hop pipelined SOCKS5 chain', proxies: [S5, S5b], ledger: settledLedger('yes', S5, S5b), families: [4, 6] },
    { name: 'SOCKS4 (IPv4 only: SOCKS4 cannot carry IPv6)', proxies: [S4], families: [4] },
    {
      name: 'HTTP CONNECT, its reply learned (IPv4 only: the IPv6 text form is not templated)',
      proxies: [HTTP],
      families: [4],
      warm: (d) => {
        // One connect whose whole 2xx reply came in one STEP: learned, expected from then on.
        const answer = d.open({ target: { kind: 'ipv4', host: '198.51.100.1', port: 443 }, effective: { kind: 'ipv4', host: '198.51.100.1', port: 443 } }, serializeWireAddress('198.51.100.1', 443), { name: 't', pid: 1 }, { v4: true, v6: true })!;
        d.step({ session: answer.readUInt32BE(0), event: DialEvent.data, errno: 0, localPort: 40000, matched: 0, bytes: Buffer.from('HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n') });
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const dial = new DialSessions(config(c.proxies), quiet, { cursor: 0 }, true, undefined, c.ledger, scope);
      c.warm?.(dial);
      const templates = templatesOf(dial);
      assert.deepEqual(templates.map((t) => t.family), c.families);
      for (const t of templates) assert.equal(t.reach, 2, 'the proxies are IPv4: the socket must reach IPv4');
      let checked = 0;
      for (const d of destinations(600)) {
        const t = templates.find((x) => x.family === (d.host.includes(':') ? 6 : 4));
        if (!t) continue;
        assert.deepEqual(fillTemplate(t, d.host, d.port), planOf(dial, d.host, d.port), `${d.host}:${d.port}`);
        checked++;
      }
      assert.ok(checked > 100);
    });
  }

  it('no templates for chains without standing plans: round robin of several, random, --isolate=process, SOCKSWRAP_STANDING=0, no scope', () => {
    for (const type of ['round_robin', 'random'] as const) {
      const dial = new DialSessions({ ...config([S5, S5b], type), chainLen: 1 }, quiet, { cursor: 0 }, true, undefined, undefined, scope);
      assert.equal(dial.templateResponse()[2], Status.notFound, type);
    }
    const isolated = new DialSessions(config([{ ...S5, isolation: 'process' } as ProxySpec]), quiet, { cursor: 0 }, true, undefined, undefined, scope);
    assert.equal(isolated.templateResponse()[2], Status.notFound);
    assert.equal(new DialSessions(config([S5]), quiet, { cursor: 0 }, false, undefined, undefined, scope).templateResponse()[2], Status.notFound);
    assert.equal(new DialSessions(config([S5]), quiet, { cursor: 0 }, true).templateResponse()[2], Status.notFound);
    assert.equal(new DialSessions(config([S5]), quiet, { cursor: 0 }, true, undefined, undefined, () => undefined).templateResponse()[2], Status.notFound);
  });

  it('while a hop is being probed for pipelining there are no templates, and no offer on the standing answers', () => {
    const ledger = new PipelineLedger(() => new Promise(() => {}));
    const dial = new DialSessions(config([S5]), quiet, { cursor: 0 }, true, undefined, ledger, scope);
    const answer = dial.open({ target: { kind: 'ipv4', host: '198.51.100.1', port: 80 }, effective: { kind: 'ipv4', host: '198.51.100.1', port: 80 } }, serializeWireAddress('198.51.100.1', 80), { name: 't', pid: 1 }, { v4: true, v6: true })!;
    assert.equal(answer[5]! & (DialArg.standing | DialArg.templates), 0);
    assert.equal(dial.templateResponse()[2], Status.notFound);
  });

  it('a standing answer offers templates exactly when TEMPLATE has them', () => {
    const dial = new DialSessions(config([S5]), quiet, { cursor: 0 }, true, undefined, settledLedger('yes', S5), scope);
    const answer = dial.open({ target: { kind: 'ipv4', host: '198.51.100.1', port: 80 }, effective: { kind: 'ipv4', host: '198.51.100.1', port: 80 } }, serializeWireAddress('198.51.100.1', 80), { name: 't', pid: 1 }, { v4: true, v6: true })!;
    assert.equal(answer[5]! & (DialArg.standing | DialArg.templates), DialArg.standing | DialArg.templates);
    assert.equal(dial.templateResponse()[2], Status.ok);
  });
});
