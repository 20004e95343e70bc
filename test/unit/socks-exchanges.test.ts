// Both sides of each SOCKS codec from the same byte vectors (test/helpers/codec-vectors.ts): the
// client codec must produce exactly the client's bytes given the server's, and the server codec
// exactly the server's bytes given the client's. So the two can only agree with each other by
// both agreeing with the RFC's bytes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Socks5ClientHandshake } from '../../src/protocol/socks5-codec';
import { Socks5ServerHandshake } from '../../src/protocol/socks5-server-codec';
import { Socks4ClientHandshake } from '../../src/protocol/socks4-codec';
import { Socks4ServerHandshake } from '../../src/protocol/socks4-server-codec';
import { SOCKS4_EXCHANGES, SOCKS5_EXCHANGES, SOCKS5_LOGIN_FAILURES, type SocksExchange } from '../helpers/codec-vectors';

type Ev = { type: string; bytes?: Buffer; bound?: unknown; rest?: Buffer; target?: unknown; error?: { replyCode?: number } };
const sent = (events: Ev[]): string[] => events.filter((e) => e.type === 'send').map((e) => e.bytes!.toString('hex'));
const hexes = (bufs: Buffer[]): string[] => bufs.map((b) => b.toString('hex'));

function clientSide(x: SocksExchange, make: () => { start(): Ev[]; receive(b: Buffer): Ev[] }): void {
  const hs = make();
  const out: Ev[] = [...hs.start()];
  for (const s of x.server) out.push(...hs.receive(Buffer.from(s)));
  assert.deepEqual(sent(out), hexes(x.client), 'client bytes');
  const last = out.at(-1)!;
  if ('bound' in x.outcome) assert.deepEqual({ type: last.type, bound: last.bound }, { type: 'established', bound: x.outcome.bound });
  else assert.deepEqual({ type: last.type, rep: last.error?.replyCode }, { type: 'failed', rep: x.outcome.refuse });
}

interface Server { receive(b: Buffer): Ev[]; succeed(b: unknown): Ev[]; refuse(c: number): Ev[] }
function serverSide(x: SocksExchange, hs: Server, extra: (request: Ev) => void): void {
  const out: Ev[] = [];
  let request: Ev | undefined;
  for (const c of x.client) {
    for (const e of hs.receive(Buffer.from(c))) {
      out.push(e);
      if (e.type === 'request') {
        request = e;
        out.push(...('bound' in x.outcome ? hs.succeed(x.outcome.bound) : hs.refuse(x.outcome.refuse)));
      }
    }
  }
  assert.ok(request, 'no request event');
  assert.deepEqual(request.target, x.target, 'target');
  extra(request);
  assert.deepEqual(sent(out), hexes(x.server), 'server bytes');
  assert.equal(out.at(-1)!.type, 'bound' in x.outcome ? 'established' : 'failed');
}

describe('SOCKS5: both sides from one set of vectors', () => {
  for (const x of SOCKS5_EXCHANGES) {
    it(`client: ${x.name}`, () => clientSide(x, () => new Socks5ClientHandshake({ target: x.target, command: x.command, credentials: x.credentials }) as never));
    it(`server: ${x.name}`, () =>
      serverSide(x, new Socks5ServerHandshake({ credentials: x.credentials }) as unknown as Server, (r) => {
        assert.equal((r as { command?: string }).command, x.command ?? 'connect');
        assert.equal((r as { username?: string }).username, x.credentials?.username);
      }));
  }
  for (const x of SOCKS5_LOGIN_FAILURES) {
    it(`server: ${x.name}`, () => {
      const hs = new Socks5ServerHandshake({ credentials: x.serverCredentials });
      const out = x.client.flatMap((c) => hs.receive(c) as Ev[]);
      assert.deepEqual(sent(out), hexes(x.server));
      assert.equal(out.at(-1)!.type, 'failed');
      assert.equal(hs.state, 'failed');
    });
    if (x.clientCredentials) {
      it(`client: ${x.name}`, () => {
        const hs = new Socks5ClientHandshake({ target: { kind: 'ipv4', host: '1.2.3.4', port: 80 }, credentials: x.clientCredentials });
        const out: Ev[] = [...hs.start(), ...x.server.flatMap((s) => hs.receive(s) as Ev[])];
        assert.deepEqual(sent(out), hexes(x.client));
        assert.equal(out.at(-1)!.type, 'failed');
        assert.equal(out.at(-1)!.error?.replyCode, 0x01);
      });
    }
  }
});

function socks4Server(): Server {
  const hs = new Socks4ServerHandshake();
  return { receive: (b) => hs.receive(b), succeed: (b) => hs.succeed(b as never), refuse: () => hs.refuse() };
}

describe('SOCKS4/4a: both sides from one set of vectors', () => {
  for (const x of SOCKS4_EXCHANGES) {
    it(`client: ${x.name}`, () => clientSide(x, () => new Socks4ClientHandshake({ target: x.target, userId: x.userId }) as never));
    it(`server: ${x.name}`, () =>
      serverSide(x, socks4Server(), (r) => assert.equal((r as { userId?: string }).userId, x.userId ?? '')));
  }
});
