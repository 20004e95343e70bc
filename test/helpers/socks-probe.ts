// A SOCKS5 test client with its bytes written out by hand from RFC 1928/1929 (it does not use
// sockswrap's codecs, so it tests the server and not the codecs' agreement with themselves), for
// what curl, ncat and proxychains4 do not show: raw reply codes, malformed requests, UDP
// ASSOCIATE speaking §7 itself, and BIND. Also a UDP echo server for the UDP target.
//
//   node socks-probe.js '{"op":"connect","proxy":[host,port],"request":"hex",...}'
// Prints one JSON line with what it saw, then exits 0 (or 1 with the error).
import { createConnection, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';

interface Args {
  op: 'connect' | 'udp' | 'bind' | 'udp-echo';
  proxy: [string, number];
  /** username, password: RFC 1929 offered (method 0x02) when given. */
  login?: [string, string];
  /** A whole request (after the greeting and login), as hex. */
  request?: string;
  /** udp: the target of the datagrams; bind: the peer address to announce (DST). */
  target?: [string, number];
  /** udp-echo: where to listen. */
  listen?: [string, number];
}

const args = JSON.parse(process.argv[2]!) as Args;

/** Bytes from a socket as they come, read exactly n at a time; 'eof' once it ended. */
class Reader {
  private buf = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  constructor(readonly s: Socket) {
    s.on('data', (b: Buffer) => { this.buf = Buffer.concat([this.buf, b]); this.wake?.(); });
    s.on('end', () => { this.ended = true; this.wake?.(); });
    s.on('error', () => { this.ended = true; this.wake?.(); });
  }
  async read(n: number): Promise<Buffer | 'eof'> {
    while (this.buf.length < n) {
      if (this.ended) return 'eof';
      await new Promise<void>((r) => { this.wake = r; });
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  /** A SOCKS5 reply: VER REP RSV ATYP ADDR PORT; 'eof' when the server closed first. */
  async reply(): Promise<Buffer | 'eof'> {
    const head = await this.read(4);
    if (head === 'eof') return head;
    const len = head[3] === 0x01 ? 6 : head[3] === 0x04 ? 18 : -1;
    if (len === -1) {
      const n = await this.read(1);
      if (n === 'eof') return n;
      const rest = await this.read(n[0]! + 2);
      return rest === 'eof' ? rest : Buffer.concat([head, n, rest]);
    }
    const rest = await this.read(len);
    return rest === 'eof' ? rest : Buffer.concat([head, rest]);
  }
  async closed(): Promise<boolean> {
    return (await this.read(1)) === 'eof';
  }
}

function hex(b: Buffer | 'eof'): string {
  return b === 'eof' ? 'eof' : b.toString('hex');
}

function open(host: string, port: number): Promise<{ s: Socket; r: Reader }> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host, port }, () => resolve({ s, r }));
    const r = new Reader(s);
    s.once('error', reject);
  });
}

/** RFC 1928 §3 and RFC 1929: greeting and login; what the server answered. */
async function hello(r: Reader, s: Socket): Promise<{ method: string; auth?: string }> {
  s.write(Buffer.from(args.login ? [5, 1, 2] : [5, 1, 0]));
  const m = await r.read(2);
  if (m === 'eof' || !args.login || m[1] !== 2) return { method: hex(m) };
  const [u, p] = args.login.map((x) => Buffer.from(x));
  s.write(Buffer.concat([Buffer.from([1, u!.length]), u!, Buffer.from([p!.length]), p!]));
  return { method: hex(m), auth: hex(await r.read(2)) };
}

/** ATYP 1 + IPv4 + port, as §4/§5 write it. */
function v4(host: string, port: number): Buffer {
  const b = Buffer.alloc(7);
  b[0] = 1;
  host.split('.').forEach((x, i) => { b[1 + i] = Number(x); });
  b.writeUInt16BE(port, 5);
  return b;
}

function addrOf(reply: Buffer): [string, number] {
  return [Array.from(reply.subarray(4, 8)).join('.'), reply.readUInt16BE(8)];
}

async function main(): Promise<unknown> {
  if (args.op === 'udp-echo') {
    const u = createSocket('udp4');
    u.on('message', (m, from) => u.send(m, from.port, from.address));
    await new Promise<void>((r) => u.bind(args.listen![1], args.listen![0], r));
    return { ready: true };
  }
  const [ph, pp] = args.proxy;
  const { s, r } = await open(ph, pp);
  const greeting = await hello(r, s);
  if (greeting.method !== '0500' && greeting.method !== '0502' || (greeting.auth && greeting.auth !== '0100')) {
    return { ...greeting, closed: await r.closed() };
  }
  if (args.op === 'connect') {
    s.write(Buffer.from(args.request!, 'hex'));
    const reply = await r.reply();
    return { ...greeting, reply: hex(reply), closed: reply === 'eof' || reply[1] !== 0 ? await r.closed() : false };
  }
  if (args.op === 'udp') {
    s.write(Buffer.concat([Buffer.from([5, 3, 0]), v4('0.0.0.0', 0)]));
    const reply = await r.reply();
    if (reply === 'eof' || reply[1] !== 0) return { ...greeting, reply: hex(reply) };
    const relay = addrOf(reply);
    const u = createSocket('udp4');
    const [th, tp] = args.target!;
    const header = (frag: number) => Buffer.concat([Buffer.from([0, 0, frag]), v4(th, tp)]);
    const got = new Promise<{ header: string; payload: string; from: string }>((resolve) =>
      u.once('message', (m, from) => resolve({ header: m.subarray(0, 10).toString('hex'), payload: m.subarray(10).toString(), from: `${from.address}:${from.port}` })));
    // A fragment first (FRAG=1, §7): a server that does not reassemble drops it, so the first
    // answer must be the whole datagram's.
    u.send(Buffer.concat([header(1), Buffer.from('fragment')]), relay[1], relay[0]);
    u.send(Buffer.concat([header(0), Buffer.from('whole datagram')]), relay[1], relay[0]);
    const answer = await got;
    u.close();
    s.destroy();
    return { ...greeting, reply: hex(reply), relay: `${relay[0]}:${relay[1]}`, ...answer };
  }
  // BIND (§4): announce the peer, get the listening address, be that peer, get the second reply.
  const [dh, dp] = args.target!;
  s.write(Buffer.concat([Buffer.from([5, 2, 0]), v4(dh, dp)]));
  const first = await r.reply();
  if (first === 'eof' || first[1] !== 0) return { ...greeting, first: hex(first) };
  const [bh, bp] = addrOf(first);
  const peer = await open(bh, bp);
  const second = await r.reply();
  if (second === 'eof') return { ...greeting, first: hex(first), second: 'eof' };
  peer.s.write('from-peer');
  s.write('from-client');
  const [atClient, atPeer] = await Promise.all([r.read(9), peer.r.read(11)]);
  const peerLocal = `${peer.s.localAddress}:${peer.s.localPort}`;
  s.destroy();
  peer.s.destroy();
  return {
    ...greeting, first: hex(first), bound: `${bh}:${bp}`, second: hex(second), peerLocal,
    second_addr: addrOf(second).join(':'),
    atClient: atClient === 'eof' ? 'eof' : atClient.toString(), atPeer: atPeer === 'eof' ? 'eof' : atPeer.toString(),
  };
}

main().then(
  (out) => {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    if (args.op !== 'udp-echo') process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
