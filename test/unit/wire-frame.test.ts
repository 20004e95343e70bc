import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, MAX_BODY, parseWireIp, serializeFrame, serializeWireIp, stampFrameId } from '../../src/wire';

test('frames are len u16be | kind | id u32be | body, and split anywhere they decode the same', () => {
  const wire = Buffer.concat([serializeFrame(2, Buffer.from([1, 4, 198, 18, 0, 1, 0, 80]), 0xdeadbeef), serializeFrame(0, undefined, 7)]);
  assert.deepEqual([...wire.subarray(0, 7)], [0, 13, 2, 0xde, 0xad, 0xbe, 0xef]);
  for (let cut = 0; cut <= wire.length; cut++) {
    const decoder = new FrameDecoder();
    const frames = [...decoder.push(wire.subarray(0, cut)), ...decoder.push(wire.subarray(cut))];
    assert.equal(frames.length, 2);
    assert.equal(frames[0]!.kind, 2);
    assert.equal(frames[0]!.id, 0xdeadbeef);
    assert.deepEqual([...frames[0]!.body], [1, 4, 198, 18, 0, 1, 0, 80]);
    assert.equal(frames[1]!.kind, 0);
    assert.equal(frames[1]!.id, 7);
    assert.equal(frames[1]!.body.length, 0);
  }
});

test('an answer built before its request id is known gets it stamped in place', () => {
  const answer = serializeFrame(0, Buffer.from([1, 2]));
  assert.equal(stampFrameId(answer, 0x01020304), answer);
  assert.deepEqual(new FrameDecoder().push(answer), [{ kind: 0, id: 0x01020304, body: Buffer.from([1, 2]) }]);
});

test('a length too short for kind and id, or oversized, is rejected; so is an oversized body', () => {
  assert.throws(() => new FrameDecoder().push(Buffer.from([0, 0, 1])));
  assert.throws(() => new FrameDecoder().push(Buffer.from([0, 1, 1])));
  assert.throws(() => new FrameDecoder().push(Buffer.from([0, 4, 1, 0, 0, 0])));
  assert.throws(() => new FrameDecoder().push(Buffer.from([0x04, 0x05])));
  assert.equal(new FrameDecoder().push(serializeFrame(1, Buffer.alloc(MAX_BODY)))[0]!.body.length, MAX_BODY);
  assert.throws(() => serializeFrame(1, Buffer.alloc(MAX_BODY + 1)));
});

test('wire addresses round-trip for IPv4 and IPv6, and bad families are rejected', () => {
  assert.deepEqual([...serializeWireIp('198.18.0.1')], [4, 198, 18, 0, 1]);
  const v6 = serializeWireIp('2001:db8::1');
  assert.equal(v6.length, 17);
  assert.deepEqual(parseWireIp(v6, 0), { ip: { family: 6, host: '2001:db8::1' }, length: 17 });
  assert.throws(() => parseWireIp(Buffer.from([5, 1, 2, 3, 4]), 0));
  assert.throws(() => parseWireIp(Buffer.from([6, 1, 2]), 0));
});
