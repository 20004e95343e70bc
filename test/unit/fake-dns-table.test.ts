import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeDnsTable } from '../../src/agent/fake-dns-table';

test('a name gets one IPv4 in the configured /8 and one IPv6 in the fake /96, stable across calls', () => {
  const table = new FakeDnsTable(240);
  const first = table.addressesFor('example.test');
  assert.deepEqual(first, { ipv4: '240.0.0.1', ipv6: 'fd73:6f63:6b73::1' });
  assert.deepEqual(table.addressesFor('EXAMPLE.test.'), first, 'case and trailing dot do not make a new name');
  assert.deepEqual(table.addressesFor('other.test'), { ipv4: '240.0.0.2', ipv6: 'fd73:6f63:6b73::2' });
});

test('fake addresses map back to their name, v4-mapped included; others do not', () => {
  const table = new FakeDnsTable(224);
  table.addressesFor('a.test');
  const b = table.addressesFor('b.test')!;
  assert.equal(b.ipv4, '224.0.0.2');
  assert.equal(table.nameFor('224.0.0.2'), 'b.test');
  assert.equal(table.nameFor('::ffff:224.0.0.2'), 'b.test');
  assert.equal(table.nameFor(b.ipv6), 'b.test');
  assert.equal(table.nameFor('224.0.0.3'), undefined, 'not handed out yet');
  assert.equal(table.nameFor('224.0.0.0'), undefined);
  assert.equal(table.nameFor('10.0.0.2'), undefined);
  assert.equal(table.nameFor('fd73:6f63:6b74::2'), undefined);
  assert.equal(table.nameFor('not an address'), undefined);
});

test('indexes carry into the second and third octets', () => {
  const table = new FakeDnsTable(240);
  let last;
  for (let i = 0; i < 300; i++) last = table.addressesFor(`n${i}.test`);
  assert.deepEqual(last, { ipv4: '240.0.1.44', ipv6: 'fd73:6f63:6b73::12c' });
  assert.equal(table.nameFor('240.0.1.44'), 'n299.test');
});

test('a subnet outside 0-255 is refused', () => {
  assert.throws(() => new FakeDnsTable(256), RangeError);
});
