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
