// BIND in the client codecs, byte for byte: RFC 1928 §4 (SOCKS5: a request, then two replies) and
// the SOCKS4 protocol description (CD=2, DSTIP the application server, two 8-byte replies, a first
// reply's DSTIP 0 meaning "the SOCKS server's address"). Each vector is also fed one byte at a time
// and in one chunk, so the outcome never depends on how the stream was split.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Socks4ClientHandshake } from '../../src/protocol/socks4-codec';
import { Socks5ClientHandshake } from '../../src/protocol/socks5-codec';
import { Socks5ServerHandshake } from '../../src/protocol/socks5-server-codec';
import type { TargetAddress } from '../../src/protocol/target-address';
import { ascii, h, norm, type Norm } from '../helpers/codec-vectors';

const SERVER: TargetAddress = { kind: 'ipv4', host: '198.19.1.1', port: 21 }; // the FTP server
const BOUND: TargetAddress = { kind: 'ipv4', host: '198.19.1.1', port: 40000 }; // where the proxy listens
const PEER: TargetAddress = { kind: 'ipv4', host: '198.19.1.1', port: 20 }; // who connected

type Codec = { start(): Parameters<typeof norm>[0]; receive(b: Buffer): Parameters<typeof norm>[0] };

/** start(), then `input` as chunks of `size` bytes (0: one chunk); all events. */
function drive(make: () => Codec, input: Buffer, size: number): Norm[] {
  const hs = make();
  const events = norm(hs.start());
  const chunks = size === 0 ? [input] : Array.from({ length: Math.ceil(input.length / size) }, (_, i) => input.subarray(i * size, (i + 1) * size));
  let rest = '';
  for (const c of chunks) {
    const last = events.at(-1);
    if (last?.type === 'established' || last?.type === 'failed') {
      rest += c.toString('hex');
      continue;
    }
    events.push(...norm(hs.receive(c)));
  }
  const last = events.at(-1);
  if (last?.type === 'established') last.rest += rest;
  return events;
}

function eachSplit(make: () => Codec, input: Buffer, expected: Norm[]): void {
  for (const size of [0, 1, 3]) assert.deepEqual(drive(make, input, size), expected, `split into ${size || 'one'}-byte chunks`);
}

describe('SOCKS5 BIND (RFC 1928 §4)', () => {
  it('no auth: request names the expected peer; the first reply is BND, the second the peer, then its bytes', () => {
    const make = () => new Socks5ClientHandshake({ target: SERVER, command: 'bind' });
    eachSplit(make, h('05 00', '05 00 00 01 c6130101 9c40', '05 00 00 01 c6130101 0014', ascii('220 hi')), [
      { type: 'send', bytes: '050100' },
      { type: 'send', bytes: '05020001c61301010015' },
      { type: 'bound', bound: BOUND },
      { type: 'established', bound: PEER, rest: Buffer.from('220 hi').toString('hex') },
    ]);
  });

  it('RFC 1929 login, then BIND', () => {
    const make = () => new Socks5ClientHandshake({ target: SERVER, command: 'bind', credentials: { username: 'u', password: 'p' } });
    eachSplit(make, h('05 02', '01 00', '05 00 00 01 c6130101 9c40', '05 00 00 01 c6130101 0014'), [
      { type: 'send', bytes: '05020002' },
      { type: 'send', bytes: h('01 01', ascii('u'), '01', ascii('p')).toString('hex') },
      { type: 'send', bytes: '05020001c61301010015' },
      { type: 'bound', bound: BOUND },
      { type: 'established', bound: PEER, rest: '' },
    ]);
  });

  it('an IPv6 first reply and a name as the expected peer', () => {
    const make = () => new Socks5ClientHandshake({ target: { kind: 'domain', host: 'ftp.test', port: 21 }, command: 'bind' });
    const out = drive(make, h('05 00', '05 00 00 04 20010db8000000000000000000000002 9c40'), 0);
    assert.deepEqual(out, [
      { type: 'send', bytes: '050100' },
      { type: 'send', bytes: h('05 02 00 03 08', ascii('ftp.test'), '0015').toString('hex') },
      { type: 'bound', bound: { kind: 'ipv6', host: '2001:db8::2', port: 40000 } },
    ]);
  });

  it('refused (0x07 command not supported): a failure naming BIND, reply code kept', () => {
    const make = () => new Socks5ClientHandshake({ target: SERVER, command: 'bind' });
    const out = drive(make, h('05 00', '05 07 00 01 00000000 0000'), 0);
    const last = out.at(-1)!;
    assert.equal(last.type, 'failed');
    assert.equal(last.type === 'failed' && last.code, 'command-not-supported');
    assert.equal(last.type === 'failed' && last.replyCode, 0x07);
    assert.match(last.type === 'failed' ? last.message : '', /BIND 198\.19\.1\.1:21 refused by proxy \(reply 0x07 command not supported\)/);
  });

  it('a second reply that fails (the peer never came, or was refused by the rules)', () => {
    const make = () => new Socks5ClientHandshake({ target: SERVER, command: 'bind' });
    const out = drive(make, h('05 00', '05 00 00 01 c6130101 9c40', '05 02 00 01 00000000 0000'), 0);
    assert.equal(out[2]!.type, 'bound');
    const last = out.at(-1)!;
    assert.equal(last.type === 'failed' && last.code, 'not-allowed');
    assert.match(last.type === 'failed' ? last.message : '', /failed at the proxy before a peer connected/);
  });

  it('agrees with the server codec (sockswrap serve) byte for byte', () => {
    const client = new Socks5ClientHandshake({ target: SERVER, command: 'bind' });
    const server = new Socks5ServerHandshake({});
    const sent = (events: readonly { type: string }[]) => Buffer.concat(events.filter((e) => e.type === 'send').map((e) => (e as unknown as { bytes: Buffer }).bytes));
    const greetingReply = server.receive(sent(client.start()));
    const req = server.receive(sent(client.receive(sent(greetingReply))));
    const request = req.find((e) => e.type === 'request') as { type: 'request'; command: string; target: TargetAddress } | undefined;
    assert.equal(request?.command, 'bind');
    assert.deepEqual(request?.target, SERVER);
    const events = norm(client.receive(Buffer.concat([sent(server.succeed(BOUND)), sent(server.succeed(PEER))])));
    assert.deepEqual(events, [{ type: 'bound', bound: BOUND }, { type: 'established', bound: PEER, rest: '' }]);
  });
});

describe('SOCKS4 BIND', () => {
  it('CD=2 with DSTIP/DSTPORT of the application server; two 8-byte replies', () => {
    const make = () => new Socks4ClientHandshake({ target: SERVER, command: 'bind', userId: 'ftp' });
    eachSplit(make, h('00 5a 9c40 c6130101', '00 5a 0014 c6130101', ascii('150 ok')), [
      { type: 'send', bytes: h('04 02 0015 c6130101', ascii('ftp'), '00').toString('hex') },
      { type: 'bound', bound: BOUND },
      { type: 'established', bound: PEER, rest: Buffer.from('150 ok').toString('hex') },
    ]);
  });

  it('a first reply with DSTIP 0 means the SOCKS server\'s own address (serverIp)', () => {
    const make = () => new Socks4ClientHandshake({ target: SERVER, command: 'bind', serverIp: '198.18.1.1' });
    const out = drive(make, h('00 5a 9c40 00000000'), 0);
    assert.deepEqual(out.at(-1), { type: 'bound', bound: { kind: 'ipv4', host: '198.18.1.1', port: 40000 } });
  });

  it('refused (0x5B): a failure naming BIND', () => {
    const make = () => new Socks4ClientHandshake({ target: SERVER, command: 'bind' });
    const out = drive(make, h('00 5b 0000 00000000'), 0);
    const last = out.at(-1)!;
    assert.equal(last.type === 'failed' && last.replyCode, 0x5b);
    assert.match(last.type === 'failed' ? last.message : '', /^BIND 198\.19\.1\.1:21 refused by SOCKS4 proxy \(reply 0x5b/);
  });

  it('a second reply that is a refusal', () => {
    const make = () => new Socks4ClientHandshake({ target: SERVER, command: 'bind' });
    const out = drive(make, h('00 5a 9c40 c6130101', '00 5b 0000 00000000'), 0);
    assert.equal(out[1]!.type, 'bound');
    assert.match(out.at(-1)!.type === 'failed' ? (out.at(-1) as { message: string }).message : '', /before a peer connected/);
  });
});
