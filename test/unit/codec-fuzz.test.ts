// A million random and mutated proxy replies through every sans-IO parser (issue 6, "bad input").
// For each input: only SockswrapError comes out (as a 'failed' event or, tolerated, thrown), never
// another exception; the outcome does not depend on how the bytes were split; an established
// handshake hands back exactly the bytes after the reply (no over-read: checked against a
// byte-at-a-time feed, which finds where the reply ends); nothing loops (the test's timeout).
//
// CODECS is the list to extend: a streaming handshake needs a `make` that builds one and a
// `templates` list of well-formed replies to mutate; a datagram parser needs `decode`.
// Codec modules are loaded by path at run time, so one still being written elsewhere does not
// break this file; a codec that is absent is reported as skipped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';
import { SockswrapError } from '../../src/protocol/sockswrap-error';

const TOTAL = Number(process.env.SOCKSWRAP_FUZZ_CASES ?? 1_000_000);
const SEED = Number(process.env.SOCKSWRAP_FUZZ_SEED ?? 0x5eed0006);

/** xorshift32: deterministic, so a failure names a seed and a case that reproduce it. */
class Rng {
  constructor(private x: number) {
    if (this.x === 0) this.x = 1;
  }
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }
  int(n: number): number {
    return this.next() % n;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
}

type Event = { type: string; bytes?: Buffer; rest?: Buffer; error?: unknown };
interface Handshake {
  start(): Event[];
  receive(chunk: Buffer): Event[];
}

interface StreamCodec {
  name: string;
  module: string;
  share: number;
  make(mod: Record<string, unknown>, rng: Rng): Handshake;
  templates: Buffer[];
}
interface DatagramCodec {
  name: string;
  module: string;
  share: number;
  /** Checks one datagram's outcome and returns its name (every datagram is counted). */
  decode(mod: Record<string, unknown>, datagram: Buffer, rng: Rng): string;
  templates: Buffer[];
  /**
   * The only outcomes there may be; each of them the mutations must reach (a fuzzer that never
   * rejects, or never accepts, tests nothing).
   */
  outcomes: string[];
  /** Outcomes that may also come, without being required (rare answers of a valid input). */
  mayAlso?: string[];
}

const HEX = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const TARGETS = [
  { kind: 'domain', host: 'target.test', port: 80 },
  { kind: 'ipv4', host: '198.19.1.1', port: 443 },
  { kind: 'ipv6', host: '2001:db8::1', port: 22 },
];
const BANNER = Buffer.from('SSH-2.0-x\r\n');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor = new (opts: any) => Handshake;

const STREAM_CODECS: StreamCodec[] = [
  {
    name: 'socks5',
    module: 'socks5-codec',
    share: 0.4,
    make: (mod, rng) => {
      const credentials = rng.int(2) ? { username: 'user', password: 'secret' } : undefined;
      return new (mod.Socks5ClientHandshake as Ctor)({ target: rng.pick(TARGETS), credentials });
    },
    templates: [
      HEX('0500 05000001c6130101 0050'),
      HEX('0502 0100 05000001c6130101 0050'),
      Buffer.concat([HEX('0500 050000030b'), Buffer.from('target.test'), HEX('01bb')]),
      HEX('0500 0500000420010db8000000000000000000000001 0016'),
      Buffer.concat([HEX('0500 05000001c6130101 0050'), BANNER]),
      HEX('05ff'),
      HEX('0502 0101'),
      HEX('0500 0505000100000000 0000'),
    ],
  },
  {
    name: 'socks4',
    module: 'socks4-codec',
    share: 0.2,
    make: (mod, rng) =>
      new (mod.Socks4ClientHandshake as Ctor)({ target: rng.pick(TARGETS.slice(0, 2)), userId: rng.int(2) ? 'u' : undefined }),
    templates: [HEX('005a 0050 c6130101'), HEX('005b 0000 00000000'), Buffer.concat([HEX('005a 0000 00000000'), BANNER]), HEX('045a 0050 c6130101')],
  },
  {
    name: 'http-connect',
    module: 'http-connect-codec',
    share: 0.2,
    make: (mod, rng) =>
      new (mod.HttpConnectClientHandshake as Ctor)({
        target: rng.pick(TARGETS),
        credentials: rng.int(2) ? { username: 'user', password: 'pw' } : undefined,
      }),
    templates: [
      Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n'),
      Buffer.from('HTTP/1.0 200 OK\r\nProxy-Agent: x\r\nContent-Length: 0\r\n\r\n'),
      Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), BANNER]),
      Buffer.from('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\nContent-Length: 3\r\n\r\nabc'),
      Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n'),
      Buffer.from('HTTP/1.1 502 Bad Gateway\r\n\r\n'),
    ],
  },
  // The server side (sockswrap serve): random and mutated client requests. The caller's part is
  // played by serverCaller: it grants or refuses each request, so both ends are reached.
  {
    name: 'socks5-server',
    module: 'socks5-server-codec',
    share: 0.1,
    make: (mod, rng) =>
      serverCaller(new (mod.Socks5ServerHandshake as Ctor)({ credentials: rng.int(2) ? { username: 'user', password: 'secret' } : undefined }), rng),
    templates: [
      HEX('050100 050100 01c6130101 0050'),
      Buffer.concat([HEX('050100 05010003 0b'), Buffer.from('target.test'), HEX('01bb')]),
      Buffer.concat([HEX('05020002 0104'), Buffer.from('user'), HEX('06'), Buffer.from('secret'), HEX('050100 01c6130101 0050'), BANNER]),
      HEX('050100 050300 0100000000 0000'),
      HEX('050100 050200 0420010db8000000000000000000000001 0016'),
      HEX('050100 050400 01c6130101 0050'),
    ],
  },
  {
    name: 'socks4-server',
    module: 'socks4-server-codec',
    share: 0.05,
    make: (mod, rng) => serverCaller(new (mod.Socks4ServerHandshake as Ctor)({}), rng),
    templates: [
      HEX('0401 0050 c6130101 00'),
      Buffer.concat([HEX('0401 01bb 00000001'), Buffer.from('u'), HEX('00'), Buffer.from('target.test'), HEX('00'), BANNER]),
      HEX('0402 0050 c6130101 7500'),
    ],
  },
];

/**
 * A server codec driven as its caller drives it: every 'request' is answered at once, granted
 * (twice for a BIND) or refused, so the harness sees 'established' or 'failed' like a client's.
 */
function serverCaller(codec: Handshake, rng: Rng): Handshake {
  const hs = codec as Handshake & { succeed(b: unknown): Event[]; refuse(c?: unknown): Event[] };
  const grant = rng.int(4) !== 0;
  const answer = (events: Event[]): Event[] =>
    events.flatMap((e) => {
      if (e.type !== 'request') return [e];
      if (!grant) return hs.refuse('connection-refused');
      const first = hs.succeed({ kind: 'ipv4', host: '127.0.0.1', port: 1080 });
      return (e as { command?: string }).command === 'bind' ? [...first, ...hs.succeed({ kind: 'ipv4', host: '198.19.1.1', port: 20 })] : first;
    });
  return { start: () => hs.start(), receive: (chunk) => answer(hs.receive(chunk)) };
}

const DATAGRAM_CODECS: DatagramCodec[] = [
  {
    name: 'udp-header',
    module: 'udp-header-codec',
    share: 0.2,
    decode: (mod, datagram) => {
      const out = (mod.decodeUdpDatagram as (d: Buffer) => unknown)(datagram);
      // A bad datagram is a typed error value with its code, never a throw (caught by the loop).
      if (out instanceof SockswrapError) {
        assert.equal(out.code, 'proxy-protocol', `error code ${out.code}: ${out.message}`);
        assert.ok(out.message.length > 0, 'an error without a message');
        return 'error';
      }
      const d = out as { frag: number; payload: Buffer };
      // The payload is what follows the header, inside the datagram: no over-read.
      assert.ok(Buffer.isBuffer(d.payload) && d.payload.length <= datagram.length - 4, 'payload beyond the datagram');
      assert.ok(datagram.subarray(datagram.length - d.payload.length).equals(d.payload), 'payload is not the datagram tail');
      assert.ok(Number.isInteger(d.frag) && d.frag >= 0 && d.frag <= 0xff, `frag ${d.frag}`);
      return d.frag === 0 ? 'parsed' : 'fragment';
    },
    templates: [
      HEX('000000 01c6130101 0035 abcdef'),
      Buffer.concat([HEX('000000 030b'), Buffer.from('target.test'), HEX('0035 00')]),
      HEX('000000 0420010db8000000000000000000000001 0035 ff'),
      HEX('000081 01c6130101 0035 01'),
    ],
    outcomes: ['parsed', 'fragment', 'error'],
  },
  {
    // The agent's DNS responder (issue 12): whatever arrives, it answers well-formed (ID echoed,
    // QR set, the question byte for byte when there is one), forwards with a REFUSED ready, or drops.
    name: 'dns-responder',
    module: 'agent/dns-responder',
    share: 0.1,
    decode: (mod, datagram) => {
      const outcome = dnsResponder(mod).respond(datagram) as { kind: string; message?: Buffer; refused?: Buffer; reason?: string };
      if (outcome.kind === 'drop') {
        assert.equal(typeof outcome.reason, 'string');
        return 'drop';
      }
      const message = outcome.kind === 'answer' ? outcome.message! : outcome.refused!;
      assert.ok(Buffer.isBuffer(message) && message.length >= 12 && message.length <= 0xffff, 'answer size');
      assert.equal(message.readUInt16BE(0), datagram.readUInt16BE(0), 'ID not echoed');
      assert.ok(message[2]! & 0x80, 'QR not set');
      const decoded = dnsPacket.decode(message) as dnsPacket.DecodedPacket & { rcode: string };
      if (message.readUInt16BE(4) === 1) {
        const q = (dnsPacket as unknown as { question: { decode: ((b: Buffer, o: number) => unknown) & { bytes: number } } }).question;
        q.decode(datagram, 12);
        const end = 12 + q.decode.bytes;
        assert.ok(datagram.subarray(12, end).equals(message.subarray(12, end)), 'question not echoed byte for byte');
      }
      return outcome.kind === 'forward' ? 'forward' : decoded.rcode.toLowerCase();
    },
    templates: [
      dnsPacket.encode({ type: 'query', id: 0x1234, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'target.test' }] }),
      dnsPacket.encode({
        type: 'query', id: 0x4321, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'AAAA', name: 'www.example.test' }],
        additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [] } as unknown as dnsPacket.Answer],
      }),
      dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'PTR', name: '1.0.0.240.in-addr.arpa' }] }),
      dnsPacket.encode({ type: 'query', id: 8, questions: [{ type: 'MX', name: 'mail.test' }] }),
    ],
    outcomes: ['noerror', 'formerr', 'notimp', 'refused', 'forward', 'drop'],
    mayAlso: ['nxdomain', 'servfail'],
  },
];

let responderInstance: { respond(b: Buffer): unknown } | undefined;
/** One responder (its own fake table) for the whole run, as the agent has. */
function dnsResponder(mod: Record<string, unknown>): { respond(b: Buffer): unknown } {
  if (!responderInstance) {
    const { FakeDnsTable } = loadCodec('agent/fake-dns-table') as { FakeDnsTable: new (n: number) => unknown };
    const { HostsFile } = loadCodec('agent/hosts-file') as { HostsFile: new (t: string) => unknown };
    const Responder = mod.DnsResponder as new (f: unknown, h: unknown) => { respond(b: Buffer): unknown };
    responderInstance = new Responder(new FakeDnsTable(240), new HostsFile('192.0.2.1 printer.lan\n'));
  }
  return responderInstance;
}

function mutate(rng: Rng, template: Buffer): Buffer {
  let b = Buffer.from(template);
  const rounds = 1 + rng.int(3);
  for (let r = 0; r < rounds; r++) {
    const at = b.length ? rng.int(b.length) : 0;
    switch (rng.int(8)) {
      case 0: // flip bits
        if (b.length) b[at] ^= 1 << rng.int(8);
        break;
      case 1: // an interesting value
        if (b.length) b[at] = rng.pick([0x00, 0x01, 0x03, 0x04, 0x05, 0x0a, 0x0d, 0x20, 0x7f, 0x80, 0xff]);
        break;
      case 2: // truncate
        b = b.subarray(0, at);
        break;
      case 3: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(4)), b.subarray(at)]);
        break;
      case 4: // delete a byte
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
        break;
      case 5: // duplicate a slice
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + rng.int(8)), b.subarray(at)]);
        break;
      case 6: // random tail
        b = Buffer.concat([b, rng.bytes(rng.int(24))]);
        break;
      default: // a huge length byte somewhere
        if (b.length) b[at] = 0xff;
    }
  }
  return b;
}

function input(rng: Rng, templates: Buffer[]): Buffer {
  const r = rng.int(10);
  if (r < 3) return rng.bytes(rng.int(48));
  if (r < 9) return mutate(rng, rng.pick(templates));
  return Buffer.from(rng.pick(templates));
}

/** Random split points (possibly none). */
function split(rng: Rng, b: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < b.length) {
    const n = rng.int(4) === 0 ? b.length - at : 1 + rng.int(b.length - at);
    chunks.push(b.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

type Outcome = { kind: 'established'; after: string } | { kind: 'failed'; code: string } | { kind: 'incomplete' };

/**
 * Feeds the chunks (which concatenate to `all`). For an established handshake, `after` is every
 * byte past the reply: the `rest` it handed back plus the chunks never fed.
 */
function drive(h: Handshake, chunks: Buffer[], all: Buffer): Outcome {
  let fed = 0;
  const check = (events: Event[]): Outcome | undefined => {
    for (const e of events) {
      if (e.type === 'failed') {
        assert.ok(e.error instanceof SockswrapError, `a failure that is not a SockswrapError: ${String(e.error)}`);
        return { kind: 'failed', code: (e.error as SockswrapError).code };
      }
      if (e.type === 'established') {
        assert.ok(Buffer.isBuffer(e.rest), 'established without rest');
        const rest = e.rest as Buffer;
        assert.ok(rest.length <= fed, 'rest longer than what was fed');
        assert.ok(all.subarray(fed - rest.length, fed).equals(rest), 'rest is not the tail of what was fed');
        return { kind: 'established', after: all.subarray(fed - rest.length).toString('hex') };
      }
      assert.equal(e.type, 'send', `unknown event ${e.type}`);
    }
    return undefined;
  };
  const first = check(h.start());
  if (first) return first;
  for (const c of chunks) {
    fed += c.length;
    let events: Event[];
    try {
      events = h.receive(c);
    } catch (err) {
      if (err instanceof SockswrapError) return { kind: 'failed', code: err.code };
      throw err;
    }
    const out = check(events);
    if (out) return out;
  }
  return { kind: 'incomplete' };
}

function loadCodec(module: string): Record<string, unknown> | undefined {
  // A bare name is a codec of src/protocol; 'agent/x' names another directory of src.
  const path = join(__dirname, '..', '..', 'src', module.includes('/') ? '' : 'protocol', `${module}.js`);
  if (!existsSync(path)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path) as Record<string, unknown>;
}

describe('codec fuzz: a million random and mutated server replies', () => {
  const present = [...STREAM_CODECS, ...DATAGRAM_CODECS].filter((c) => loadCodec(c.module));
  const shares = present.reduce((s, c) => s + c.share, 0);

  for (const codec of STREAM_CODECS) {
    const mod = loadCodec(codec.module);
    const cases = mod ? Math.round((TOTAL * codec.share) / shares) : 0;
    test(`${codec.name}: ${cases} replies`, { skip: mod ? false : `src/protocol/${codec.module}.ts not present`, timeout: 60_000 }, () => {
      const rng = new Rng(SEED ^ codec.name.length * 0x9e3779b1);
      const seen = { established: 0, failed: 0, incomplete: 0 };
      for (let i = 0; i < cases; i++) {
        const bytes = input(rng, codec.templates);
        const makeSeed = rng.next();
        const fresh = () => codec.make(mod!, new Rng(makeSeed));
        let whole: Outcome;
        try {
          whole = drive(fresh(), [bytes], bytes);
          // Split invariance; one case in eight byte by byte, so every split point is tried.
          const pieces = i % 8 === 0 ? [...bytes].map((b) => Buffer.from([b])) : split(rng, bytes);
          assert.deepEqual(drive(fresh(), pieces, bytes), whole, 'the outcome depends on how the reply was split');
          // No over-read: a reply that establishes on its own, followed by stream bytes, must
          // hand every one of them back.
          if (whole.kind === 'established') {
            const tail = rng.bytes(1 + rng.int(16));
            const more = drive(fresh(), split(rng, Buffer.concat([bytes, tail])), Buffer.concat([bytes, tail]));
            assert.deepEqual(more, { kind: 'established', after: whole.after + tail.toString('hex') }, 'bytes after the reply were swallowed');
          }
        } catch (err) {
          assert.fail(`${codec.name} case ${i} (seed ${SEED}): input ${bytes.toString('hex')}: ${err instanceof Error ? err.stack : String(err)}`);
        }
        seen[whole.kind]++;
      }
      // The mutations must reach every outcome, or the fuzzer is not exercising the parser.
      assert.ok(seen.established > 0 && seen.failed > 0, JSON.stringify(seen));
    });
  }

  for (const codec of DATAGRAM_CODECS) {
    const mod = loadCodec(codec.module);
    const cases = mod ? Math.round((TOTAL * codec.share) / shares) : 0;
    test(`${codec.name}: ${cases} datagrams`, { skip: mod ? false : `src/protocol/${codec.module}.ts not present`, timeout: 60_000 }, () => {
      const rng = new Rng(SEED ^ 0x51ed);
      const seen: Record<string, number> = {};
      for (let i = 0; i < cases; i++) {
        const bytes = input(rng, codec.templates);
        let outcome: string;
        try {
          outcome = codec.decode(mod!, bytes, rng);
        } catch (err) {
          assert.fail(`${codec.name} case ${i} (seed ${SEED}): input ${bytes.toString('hex')}: ${err instanceof Error ? err.stack : String(err)}`);
        }
        const known = [...codec.outcomes, ...(codec.mayAlso ?? [])];
        assert.ok(known.includes(outcome), `${codec.name} case ${i}: outcome ${outcome} is none of ${known.join(', ')}`);
        seen[outcome] = (seen[outcome] ?? 0) + 1;
      }
      // Every datagram has exactly one outcome, and the mutations reached each of them.
      assert.equal(Object.values(seen).reduce((a, b) => a + b, 0), cases, JSON.stringify(seen));
      for (const o of codec.outcomes) assert.ok((seen[o] ?? 0) > 0, `outcome ${o} never reached: ${JSON.stringify(seen)}`);
      console.log(`# ${codec.name}: ${JSON.stringify(seen)}`);
    });
  }
});

