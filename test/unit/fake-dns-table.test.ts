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

// The bound (docs/fake-dns.md, "A bounded table"): a persistent agent lives for days.
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

test('bounded: a new name when full drops the least recently used entry, and gets a new address (not the dropped one)', () => {
  const c = clock();
  const table = new FakeDnsTable(240, { maxNames: 3, minIdleMs: 0, now: c.now });
  const a = table.addressesFor('a.test')!;
  c.advance(2000);
  table.addressesFor('b.test');
  c.advance(2000);
  table.addressesFor('c.test');
  c.advance(2000);
  const d = table.addressesFor('d.test')!;
  assert.equal(table.size, 3);
  assert.equal(table.nameFor(a.ipv4), undefined, 'a.test, the oldest, was dropped');
  assert.equal(table.nameFor(a.ipv6), undefined);
  assert.equal(d.ipv4, '240.0.0.4', 'the dropped address is not handed to the next name');
  assert.equal(table.nameFor('240.0.0.2'), 'b.test');
  assert.equal(table.nameFor(d.ipv4), 'd.test');
});

test('bounded: a use (lookup, connect, reverse) makes an entry young again, so the next oldest goes', () => {
  const c = clock();
  const table = new FakeDnsTable(240, { maxNames: 2, minIdleMs: 0, now: c.now });
  const a = table.addressesFor('a.test')!;
  c.advance(2000);
  const b = table.addressesFor('b.test')!;
  c.advance(2000);
  assert.equal(table.nameFor(a.ipv4), 'a.test'); // a connect to a's address: a use
  c.advance(2000);
  table.addressesFor('c.test');
  assert.equal(table.nameFor(a.ipv4), 'a.test');
  assert.equal(table.nameFor(b.ipv4), undefined, 'b.test was the least recently used');
  c.advance(2000);
  table.addressesFor('A.TEST.'); // a lookup of a: a use
  c.advance(2000);
  table.addressesFor('d.test');
  assert.equal(table.nameFor(a.ipv4), 'a.test');
  assert.equal(table.nameFor('240.0.0.3'), undefined, 'c.test went');
});

test('bounded: an entry used within minIdleMs is never dropped; the lookup fails instead, until one has been idle long enough', () => {
  const c = clock();
  const table = new FakeDnsTable(240, { maxNames: 2, minIdleMs: 60_000, now: c.now });
  const a = table.addressesFor('a.test')!;
  const b = table.addressesFor('b.test')!;
  c.advance(59_000);
  assert.equal(table.addressesFor('c.test'), undefined, 'full of young entries: no address rather than one in use');
  assert.equal(table.nameFor(a.ipv4), 'a.test'); // a use at 59 s: a is young again
  c.advance(2_000);
  assert.ok(table.addressesFor('c.test'), 'b.test has been idle 61 s: it goes');
  assert.equal(table.nameFor(b.ipv4), undefined);
  assert.equal(table.nameFor(a.ipv4), 'a.test');
});

test('bounded: indexes go round the range and skip the ones still held', () => {
  const c = clock();
  const table = new FakeDnsTable(240, { maxNames: 2, minIdleMs: 0, maxIndex: 3, now: c.now });
  const step = (name: string) => {
    c.advance(2000);
    return table.addressesFor(name)!.ipv4;
  };
  assert.equal(step('a.test'), '240.0.0.1');
  assert.equal(step('b.test'), '240.0.0.2');
  assert.equal(step('c.test'), '240.0.0.3'); // a dropped
  c.advance(2000);
  table.nameFor('240.0.0.2'); // b used: c is now the oldest
  assert.equal(step('d.test'), '240.0.0.1', 'round the range to the first free index'); // c dropped
  c.advance(2000);
  table.nameFor('240.0.0.2'); // b used again: d is the oldest
  assert.equal(step('e.test'), '240.0.0.3', '2 is still b.test: skipped'); // d dropped
  assert.equal(table.nameFor('240.0.0.2'), 'b.test');
  assert.equal(table.nameFor('240.0.0.3'), 'e.test');
});

test('bounded: 100,000 names through a table of 65,536 keep it at 65,536 and every held name answers', () => {
  const c = clock();
  const table = new FakeDnsTable(240, { minIdleMs: 0, now: c.now });
  const last = new Map<string, string>();
  for (let i = 0; i < 100_000; i++) {
    if (i % 1000 === 0) c.advance(2000);
    const name = `n${i}.test`;
    last.set(name, table.addressesFor(name)!.ipv4);
  }
  assert.equal(table.size, 65_536);
  assert.equal(table.nameFor(last.get('n0.test')!), undefined);
  assert.equal(table.nameFor(last.get('n99999.test')!), 'n99999.test');
  assert.equal(table.nameFor(last.get('n34464.test')!), 'n34464.test', 'the oldest still held');
  assert.equal(table.nameFor(last.get('n34463.test')!), undefined);
});
