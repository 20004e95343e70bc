// The one routing decision (src/agent/routing.ts): agent DNS -> fake name -> localnet -> dnat ->
// chain, and the lookup rule hosts -> fake. The relay path, the dial path and UDP all ask this.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ipaddr from 'ipaddr.js';
import { FakeDnsTable } from '../../src/agent/fake-dns-table';
import { HostsFile } from '../../src/agent/hosts-file';
import { RoutePolicy } from '../../src/agent/route-policy';
import { Router, lookupName, nameOfAddress, type Route } from '../../src/agent/routing';
import { serializeWireAddress } from '../../src/wire';
import type { DnatRule } from '../../src/config/config-types';

const ip = (s: string) => ipaddr.parse(s);
const wire = (host: string, port: number) => serializeWireAddress(host, port);

function router(opts: { localnet?: string; dnat?: DnatRule[]; nameserver?: string } = {}) {
  const fakeDns = new FakeDnsTable(240);
  const [address, prefix] = (opts.localnet ?? '192.168.0.0/16').split('/');
  const policy = new RoutePolicy([{ address: address!, prefixLength: Number(prefix) }]);
  const agentDns = opts.nameserver ? { claims: (a: ipaddr.IPv4 | ipaddr.IPv6, port: number) => port === 53 && a.toString() === opts.nameserver } : undefined;
  return { fakeDns, r: new Router({ fakeDns, policy, dnat: opts.dnat, agentDns }) };
}

describe('routing: the order of the rules', () => {
  it('anything else goes through the chain by address, v4-mapped as IPv4, its meaning fixed', () => {
    const { r } = router();
    const t = { kind: 'ipv4', host: '198.51.100.1', port: 80 } as const;
    assert.deepEqual(r.route(ip('198.51.100.1'), 80), { kind: 'proxy', target: t, effective: t, fixed: true });
    assert.deepEqual(r.route(ip('::ffff:198.51.100.1'), 80), { kind: 'proxy', target: t, effective: t, fixed: true });
    const t6 = { kind: 'ipv6', host: '2001:db8::1', port: 443 } as const;
    assert.deepEqual(r.routeWire(wire('2001:db8::1', 443)), { kind: 'proxy', target: t6, effective: t6, fixed: true });
  });

  it('loopback and localnet go direct', () => {
    const { r } = router();
    for (const a of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '192.168.3.4']) assert.deepEqual(r.route(ip(a), 80), { kind: 'direct' }, a);
  });

  it('a fake address becomes its name, even inside a localnet range; an unnamed one is not fixed', () => {
    const { r, fakeDns } = router({ localnet: '240.0.0.0/8' });
    const fake = fakeDns.addressesFor('x.test')!;
    const name = { kind: 'domain', host: 'x.test', port: 22 } as const;
    assert.deepEqual(r.route(ip(fake.ipv4), 22), { kind: 'proxy', target: name, effective: name, fixed: true });
    assert.deepEqual(r.route(ip(fake.ipv6), 22), { kind: 'proxy', target: name, effective: name, fixed: true });
    const unnamed = r.route(ip('fd73:6f63:6b73::ffff'), 22) as Extract<Route, { kind: 'proxy' }>;
    assert.equal(unnamed.kind, 'proxy');
    assert.equal(unnamed.fixed, false, 'a later lookup may give it a name');
    assert.deepEqual(r.route(ip('240.255.255.254'), 22), { kind: 'direct' }, 'unnamed and in the localnet: the range decides');
  });

  it('agent DNS comes first: a loopback nameserver is answered by the agent, not sent direct', () => {
    const { r } = router({ nameserver: '127.0.0.53' });
    assert.deepEqual(r.route(ip('127.0.0.53'), 53), { kind: 'agent-dns' });
    assert.deepEqual(r.route(ip('127.0.0.53'), 54), { kind: 'direct' });
  });

  it('dnat rewrites where the chain is asked to go, after localnet, never a name', () => {
    const dnat: DnatRule[] = [
      { from: { address: '198.51.100.9', port: 9 }, to: { address: '198.19.0.1', port: 7007 } },
      { from: { address: '192.168.1.1' }, to: { address: '198.19.0.2' } },
    ];
    const { r, fakeDns } = router({ dnat });
    const route = r.route(ip('198.51.100.9'), 9) as Extract<Route, { kind: 'proxy' }>;
    assert.deepEqual(route.target, { kind: 'ipv4', host: '198.51.100.9', port: 9 }, 'the program keeps its own destination');
    assert.deepEqual(route.effective, { kind: 'ipv4', host: '198.19.0.1', port: 7007 });
    assert.deepEqual(r.route(ip('192.168.1.1'), 80), { kind: 'direct' }, 'localnet decides before dnat');
    const fake = fakeDns.addressesFor('y.test')!;
    const named = r.route(ip(fake.ipv4), 9) as Extract<Route, { kind: 'proxy' }>;
    assert.equal(named.effective, named.target, 'names are never rewritten (proxychains-ng 4.16)');
  });

  it('a malformed wire address throws (the control connection is dropped)', () => {
    const { r } = router();
    assert.throws(() => r.routeWire(Buffer.from([4, 1, 2, 3, 4])));
    assert.throws(() => r.routeWire(Buffer.from([9, 1, 2, 3, 4, 0, 80])));
  });
});

describe('routing: names', () => {
  const hosts = new HostsFile('198.19.0.5 box.test\n2001:db8::5 box.test\n');
  it('/etc/hosts before the fake table', () => {
    const fakeDns = new FakeDnsTable(240);
    assert.deepEqual(lookupName(fakeDns, hosts, 'BOX.test.'), { from: 'hosts', addresses: ['198.19.0.5', '2001:db8::5'] });
    assert.deepEqual(lookupName(fakeDns, hosts, 'localhost'), { from: 'hosts', addresses: ['127.0.0.1', '::1'] });
    const other = lookupName(fakeDns, hosts, 'other.test');
    assert.equal(other.from, 'fake');
    assert.deepEqual(other.from === 'fake' && other.fake, fakeDns.addressesFor('other.test'));
  });
  it('reverse: a fake address\'s name, else the hosts name (also of a v4-mapped address)', () => {
    const fakeDns = new FakeDnsTable(240);
    const fake = fakeDns.addressesFor('z.test')!;
    assert.equal(nameOfAddress(fakeDns, hosts, fake.ipv4), 'z.test');
    assert.equal(nameOfAddress(fakeDns, hosts, `::ffff:${fake.ipv4}`), 'z.test');
    assert.equal(nameOfAddress(fakeDns, hosts, '198.19.0.5'), 'box.test');
    assert.equal(nameOfAddress(fakeDns, hosts, '::ffff:198.19.0.5'), 'box.test');
    assert.equal(nameOfAddress(fakeDns, hosts, '198.19.0.6'), undefined);
  });
});

it('a dropped fake address never goes direct: it is sent to the chain as the address, and kept by no standing plan', () => {
  let t = 0;
  const fakeDns = new FakeDnsTable(240, { maxNames: 1, minIdleMs: 0, now: () => t });
  const router = new Router({ fakeDns, policy: new RoutePolicy([]) });
  const old = fakeDns.addressesFor('old.test')!;
  const before = router.route(ipaddr.parse(old.ipv4), 80);
  t += 5000;
  fakeDns.addressesFor('new.test');
  assert.equal(fakeDns.nameFor(old.ipv4), undefined);
  // A connection opened before keeps the name its route carries.
  assert.equal(before.kind === 'proxy' && before.target.host, 'old.test');
  const after = router.route(ipaddr.parse(old.ipv4), 80);
  assert.equal(after.kind, 'proxy');
  assert.equal(after.kind === 'proxy' && after.target.host, old.ipv4);
  assert.equal(after.kind === 'proxy' && after.fixed, false);
});
