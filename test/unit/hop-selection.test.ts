import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chainConfigProblem, selectHops, type HopSelection } from '../../src/client/hop-selection';
import type { ProxySpec } from '../../src/config/config-types';
import { applyDnat } from '../../src/agent/dnat';

const P: ProxySpec[] = [1, 2, 3, 4].map((n) => ({ type: 'socks5', host: `10.0.0.${n}`, port: 1080 }));

function hops(plan: HopSelection): number[] {
  assert.ok(plan.ok, `expected a plan, got ${JSON.stringify(plan)}`);
  return plan.hops;
}

/** A deterministic random source: the given values in turn. */
function seq(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('hop-selection: strict and dynamic', () => {
  it('strict uses every proxy in order and fails when any is dead', () => {
    assert.deepEqual(hops(selectHops({ proxies: P, type: 'strict' })), [0, 1, 2, 3]);
    assert.equal(selectHops({ proxies: P, type: 'strict', dead: new Set([2]) }).ok, false);
    assert.deepEqual(hops(selectHops({ proxies: P, type: 'strict', chainLen: 2 })), [0, 1, 2, 3], 'chain_len is ignored');
  });

  it('dynamic uses the live proxies in list order and fails only when none is alive', () => {
    assert.deepEqual(hops(selectHops({ proxies: P, type: 'dynamic', dead: new Set([0, 2]) })), [1, 3]);
    assert.deepEqual(hops(selectHops({ proxies: P, type: 'dynamic', dead: new Set([0, 1, 2]) })), [3]);
    const none = selectHops({ proxies: P, type: 'dynamic', dead: new Set([0, 1, 2, 3]) });
    assert.deepEqual(none, { ok: false, reason: 'all 4 proxies are dead' });
  });
});

describe('hop-selection: random', () => {
  it('takes chain_len distinct live proxies, default 1', () => {
    assert.equal(hops(selectHops({ proxies: P, type: 'random', random: seq(0.99) })).length, 1);
    for (let trial = 0; trial < 200; trial++) {
      const h = hops(selectHops({ proxies: P, type: 'random', chainLen: 3, dead: new Set([1]) }));
      assert.equal(h.length, 3);
      assert.equal(new Set(h).size, 3, 'distinct');
      assert.ok(!h.includes(1), 'never a dead one');
    }
  });

  it('draws from the given random source (0.99 is never out of range)', () => {
    assert.deepEqual(hops(selectHops({ proxies: P, type: 'random', chainLen: 2, random: seq(0, 0) })), [0, 1]);
    assert.deepEqual(hops(selectHops({ proxies: P, type: 'random', chainLen: 2, random: seq(0.99, 0.99) })), [3, 0]);
    assert.deepEqual(hops(selectHops({ proxies: P, type: 'random', chainLen: 4, random: seq(0.999999) })).sort(), [0, 1, 2, 3]);
  });

  it('uses every proxy in every position over many draws', () => {
    const seen = new Set<string>();
    for (let trial = 0; trial < 2000; trial++) {
      hops(selectHops({ proxies: P, type: 'random', chainLen: 2 })).forEach((h, pos) => seen.add(`${pos}:${h}`));
    }
    assert.equal(seen.size, 8);
  });

  it('fails when fewer live proxies than chain_len remain', () => {
    const plan = selectHops({ proxies: P, type: 'random', chainLen: 3, dead: new Set([0, 1]) });
    assert.deepEqual(plan, { ok: false, reason: 'chain_len 3 needs 3 live proxies, 2 of 4 are alive' });
  });
});

describe('hop-selection: round robin (proxychains-ng 4.16 order)', () => {
  it('consecutive proxies from the cursor, wrapping, cursor just past the last used', () => {
    const three = P.slice(0, 3);
    let cursor = 0;
    const chains: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const plan = selectHops({ proxies: three, type: 'round_robin', chainLen: 2, cursor });
      assert.ok(plan.ok);
      chains.push(plan.hops);
      cursor = plan.nextCursor!;
    }
    assert.deepEqual(chains, [[0, 1], [2, 0], [1, 2], [0, 1]]);
  });

  it('chain_len 1 rotates through every proxy', () => {
    let cursor = 0;
    const firsts: number[] = [];
    for (let i = 0; i < 8; i++) {
      const plan = selectHops({ proxies: P, type: 'round_robin', cursor });
      assert.ok(plan.ok);
      firsts.push(...plan.hops);
      cursor = plan.nextCursor!;
    }
    assert.deepEqual(firsts, [0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('skips dead proxies and treats an out-of-range cursor as 0', () => {
    assert.deepEqual(selectHops({ proxies: P, type: 'round_robin', chainLen: 2, cursor: 1, dead: new Set([2]) }), {
      ok: true,
      hops: [1, 3],
      nextCursor: 0,
    });
    assert.deepEqual(hops(selectHops({ proxies: P, type: 'round_robin', cursor: 9 })), [0]);
    assert.equal(selectHops({ proxies: P, type: 'round_robin', chainLen: 4, dead: new Set([0]) }).ok, false);
  });
});

describe('hop-selection: configuration problems', () => {
  it('chain_len longer than the list is a configuration problem for random and round robin only', () => {
    assert.equal(chainConfigProblem('random', 2, 3), 'chain_len 3 is more than the 2 proxies in the list');
    assert.equal(chainConfigProblem('round_robin', 3, 3), undefined);
    assert.equal(chainConfigProblem('strict', 1, 5), undefined);
    assert.equal(chainConfigProblem('dynamic', 0), 'no proxy configured');
  });
});

describe('dnat (proxychains-ng 4.16 rules)', () => {
  const rules = [
    { from: { address: '1.1.1.1' }, to: { address: '2.2.2.2' } },
    { from: { address: '1.1.1.1', port: 443 }, to: { address: '3.3.3.3', port: 8443 } },
    { from: { address: '1.1.1.1', port: 443 }, to: { address: '4.4.4.4' } },
    { from: { address: '5.5.5.5', port: 22 }, to: { address: '6.6.6.6' } },
  ];

  it('a rule with the port wins over one without, whatever the order; the first of equals wins', () => {
    assert.deepEqual(applyDnat(rules, { kind: 'ipv4', host: '1.1.1.1', port: 443 }), { kind: 'ipv4', host: '3.3.3.3', port: 8443 });
  });

  it('an address-only rule keeps the port; a rule without a new port keeps the port', () => {
    assert.deepEqual(applyDnat(rules, { kind: 'ipv4', host: '1.1.1.1', port: 80 }), { kind: 'ipv4', host: '2.2.2.2', port: 80 });
    assert.deepEqual(applyDnat(rules, { kind: 'ipv4', host: '5.5.5.5', port: 22 }), { kind: 'ipv4', host: '6.6.6.6', port: 22 });
  });

  it('leaves other ports, names and IPv6 alone (the same object back)', () => {
    for (const t of [
      { kind: 'ipv4', host: '5.5.5.5', port: 23 },
      { kind: 'domain', host: '1.1.1.1', port: 443 },
      { kind: 'ipv6', host: '::1.1.1.1', port: 443 },
    ] as const) {
      assert.equal(applyDnat(rules, t), t);
    }
    const t = { kind: 'ipv4', host: '1.1.1.1', port: 1 } as const;
    assert.equal(applyDnat(undefined, t), t);
  });
});
