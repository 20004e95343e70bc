import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoutePolicy } from '../../src/agent/route-policy';

test('loopback is always direct, in every spelling', () => {
  const policy = new RoutePolicy([]);
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(policy.isDirect(a, 80), true, a);
  for (const a of ['10.0.0.1', '198.18.0.1', '2001:db8::1', '::ffff:198.18.0.1', '::']) assert.equal(policy.isDirect(a, 80), false, a);
});

test('localnet ranges are direct, with their port when one is given', () => {
  const policy = new RoutePolicy([
    { address: '10.0.0.0', prefixLength: 8 },
    { address: '192.168.1.0', prefixLength: 24, port: 80 },
    { address: '2001:db8:1::', prefixLength: 48 },
  ]);
  assert.equal(policy.isDirect('10.200.3.4', 443), true);
  assert.equal(policy.isDirect('::ffff:10.200.3.4', 443), true, 'v4-mapped is IPv4');
  assert.equal(policy.isDirect('11.0.0.1', 443), false);
  assert.equal(policy.isDirect('192.168.1.9', 80), true);
  assert.equal(policy.isDirect('192.168.1.9', 81), false);
  assert.equal(policy.isDirect('2001:db8:1:2::3', 22), true);
  assert.equal(policy.isDirect('2001:db8:2::3', 22), false);
});

test('localnet forms of proxychains-ng 4.16: IPv6 with a port, /0, /128, and v4-mapped destinations', () => {
  const policy = new RoutePolicy([
    { address: '2001:db8::', prefixLength: 32, port: 8080 },
    { address: 'fd00::1', prefixLength: 128 },
    { address: '172.16.0.0', prefixLength: 12, port: 53 },
  ]);
  assert.equal(policy.isDirect('2001:db8:ffff::1', 8080), true);
  assert.equal(policy.isDirect('2001:db8:ffff::1', 80), false, 'port must match');
  assert.equal(policy.isDirect('2001:db9::1', 8080), false);
  assert.equal(policy.isDirect('fd00::1', 1), true);
  assert.equal(policy.isDirect('fd00::2', 1), false);
  assert.equal(policy.isDirect('::ffff:172.31.255.255', 53), true, 'v4-mapped matches an IPv4 localnet');
  assert.equal(policy.isDirect('172.32.0.1', 53), false);
  assert.equal(policy.isDirect('::ffff:ac10:1', 53), true, 'hex v4-mapped spelling');
  const everything6 = new RoutePolicy([{ address: '::', prefixLength: 0 }]);
  assert.equal(everything6.isDirect('2001:db8::1', 1), true);
  assert.equal(everything6.isDirect('10.0.0.1', 1), false, 'an IPv6 range never matches IPv4');
});
