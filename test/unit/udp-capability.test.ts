import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpCapability, noUdpFinding } from '../../src/agent/udp-capability';
import { ChainError } from '../../src/client/chain-error';
import { CLOSED_ON_ASSOCIATE } from '../../src/client/udp-associate';
import { SockswrapError } from '../../src/protocol/sockswrap-error';
import type { ProxySpec } from '../../src/config/config-types';

const hop: ProxySpec = { type: 'socks5', host: '10.0.0.1', port: 1080 };
const chainError = (e: SockswrapError) => new ChainError(e, 0, hop);

test('noUdpFinding: a reply code or a hang-up on the request is "no UDP"; login and transport failures are not', () => {
  assert.match(noUdpFinding(chainError(new SockswrapError('command-not-supported', 'command not supported', 7)))!, /reply 0x07/);
  const closed = new SockswrapError('proxy-closed', 'closed the connection on the UDP ASSOCIATE request, after accepting the greeting');
  closed.cause = CLOSED_ON_ASSOCIATE;
  assert.match(noUdpFinding(chainError(closed))!, /^it closed the connection on the UDP ASSOCIATE request/);
  assert.equal(noUdpFinding(chainError(new SockswrapError('proxy-closed', 'closed during the greeting'))), undefined);
  assert.equal(noUdpFinding(chainError(new SockswrapError('proxy-auth-failed', 'rejected', 1))), undefined);
  assert.equal(noUdpFinding(chainError(new SockswrapError('proxy-unreachable', 'ECONNREFUSED'))), undefined);
  assert.equal(noUdpFinding(new Error('x')), undefined);
});

test('UdpCapability: a finding is recorded once per proxy and login; proven and no-UDP are per proxy', () => {
  const c = new UdpCapability();
  assert.equal(c.noUdp(hop), undefined);
  assert.equal(c.record(hop, 'why'), true);
  assert.equal(c.record({ ...hop }, 'again'), false, 'the same proxy, found once');
  assert.equal(c.noUdp({ ...hop }), 'why');
  assert.equal(c.noUdp({ ...hop, username: 'u' }), undefined, 'another login is another finding');
  const other: ProxySpec = { type: 'socks5', host: '10.0.0.2', port: 1080 };
  c.prove(other);
  assert.equal(c.proven(other), true);
  assert.equal(c.proven(hop), false);
  assert.deepEqual(c.list(), [{ hop: 'socks5 10.0.0.1:1080', noUdp: 'why' }, { hop: 'socks5 10.0.0.2:1080' }]);
});
