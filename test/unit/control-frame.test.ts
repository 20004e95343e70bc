import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, decodeWireIp, encodeFrame, encodeWireIp } from '../../src/agent/control-frame';

test('frames are len u16be | kind | body, and split anywhere they decode the same', () => {
  const wire = Buffer.concat([encodeFrame(2, Buffer.from([1, 4, 198, 18, 0, 1, 0, 80])), encodeFrame(0)]);
  assert.deepEqual([...wire.subarray(0, 3)], [0, 9, 2]);
  for (let cut = 0; cut <= wire.length; cut++) {
    const decoder = new FrameDecoder();
    const frames = [...decoder.push(wire.subarray(0, cut)), ...decoder.push(wire.subarray(cut))];
    assert.equal(frames.length, 2);
    assert.equal(frames[0]!.kind, 2);
    assert.deepEqual([...frames[0]!.body], [1, 4, 198, 18, 0, 1, 0, 80]);
    assert.equal(frames[1]!.kind, 0);
    assert.equal(frames[1]!.body.length, 0);
  }
});

test('a zero or oversized length is rejected', () => {
  assert.throws(() => new FrameDecoder().push(Buffer.from([0, 0, 1])));
  assert.throws(() => new FrameDecoder().push(Buffer.from([0x04, 0x01])));
});

test('wire addresses round-trip for IPv4 and IPv6, and bad families are rejected', () => {
  assert.deepEqual([...encodeWireIp('198.18.0.1')], [4, 198, 18, 0, 1]);
  const v6 = encodeWireIp('2001:db8::1');
  assert.equal(v6.length, 17);
  assert.deepEqual(decodeWireIp(v6, 0), { ip: { family: 6, host: '2001:db8::1' }, length: 17 });
  assert.throws(() => decodeWireIp(Buffer.from([5, 1, 2, 3, 4]), 0));
  assert.throws(() => decodeWireIp(Buffer.from([6, 1, 2]), 0));
});
