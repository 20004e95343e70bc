// The agent's DNS-over-TCP server for resolv.conf nameservers (issue 12, docs/fake-dns.md), over
// real loopback sockets: only a stream the agent opened (single-use key) is served; pipelined
// queries are each answered; garbage, a truncated length prefix, a response and a 0-length frame
// never throw and never disturb another connection. Random streams are fed in random chunks and
// every outcome is counted.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { DnsStreamServer } from '../../src/agent/dns-stream-server';
import { DnsResponder } from '../../src/agent/dns-responder';
import { FakeDnsTable } from '../../src/agent/fake-dns-table';
import { HostsFile } from '../../src/agent/hosts-file';
import { DnsFrameReader, frameDnsMessage } from '../../src/protocol/dns-message';
import { prng } from '../helpers/codec-vectors';

const responder = new DnsResponder(new FakeDnsTable(240), new HostsFile(''));
const server = new DnsStreamServer(async (query) => {
  const o = responder.respond(query);
  return o.kind === 'answer' ? o.message : o.kind === 'forward' ? o.refused : undefined;
});
after(() => server.close());

const q = (name: string, id: number) => dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });

/** Sends `chunks` on a stream the agent opened, half-closes, and collects the answers until the server closes. */
async function exchange(chunks: Buffer[]): Promise<Buffer[]> {
  const { socket } = await server.open('test[1] tcp 192.0.2.53:53');
  const reader = new DnsFrameReader();
  const answers: Buffer[] = [];
  socket.on('data', (d: Buffer) => answers.push(...reader.push(d)));
  socket.resume();
  for (const c of chunks) socket.write(c);
  socket.end();
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return answers;
}

describe('DNS stream server', () => {
  it('answers pipelined queries on one connection, each with its ID', async () => {
    const answers = await exchange([Buffer.concat([frameDnsMessage(q('a.test', 1)), frameDnsMessage(q('b.test', 2)), frameDnsMessage(q('c.test', 3))])]);
    assert.deepEqual(answers.map((a) => dnsPacket.decode(a).id).sort(), [1, 2, 3]);
    for (const a of answers) assert.match(String((dnsPacket.decode(a).answers![0] as { data: string }).data), /^240\./);
  });

  it('a connection without a key the agent made is closed unanswered', async () => {
    const { socket } = await server.open('x');
    const port = socket.remotePort!;
    socket.destroy();
    const s = net.connect({ host: '127.0.0.1', port });
    let got = 0;
    s.on('data', (d) => (got += d.length));
    s.write(Buffer.concat([Buffer.alloc(16, 7), frameDnsMessage(q('a.test', 1))]));
    await new Promise<void>((resolve) => s.once('close', () => resolve()));
    assert.equal(got, 0);
  });

  it('bad frames: a response and a short message get nothing, garbage gets FORMERR, a truncated prefix is just closed', async () => {
    const response = dnsPacket.encode({ type: 'response', id: 9, questions: [{ type: 'A', name: 'x.test' }] });
    const garbage = Buffer.concat([Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([0x3f, 1, 2])]);
    const answers = await exchange([frameDnsMessage(response), frameDnsMessage(Buffer.alloc(0)), frameDnsMessage(Buffer.alloc(5)), frameDnsMessage(garbage), Buffer.from([0])]);
    assert.deepEqual(answers.map((a) => [dnsPacket.decode(a).id, (dnsPacket.decode(a) as { rcode?: string }).rcode]), [[9, 'FORMERR']]);
    // The server still answers the next connection.
    assert.equal((await exchange([frameDnsMessage(q('after.test', 4))])).length, 1);
  });

  it('random streams in random chunks: never a throw, every answer well-formed; outcomes counted', async () => {
    const rnd = prng(0x5eed0012);
    const seen = { answered: 0, silent: 0 };
    for (let i = 0; i < 200; i++) {
      const frames: Buffer[] = [];
      for (let k = 0, n = 1 + Math.floor(rnd() * 4); k < n; k++) {
        const good = q(`n${i}-${k}.test`, i * 8 + k);
        if (rnd() < 0.5) {
          const bad = Buffer.from(good);
          for (let m = 0; m < 3; m++) bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
          frames.push(frameDnsMessage(rnd() < 0.3 ? bad.subarray(0, Math.floor(rnd() * bad.length)) : bad));
        } else frames.push(frameDnsMessage(good));
      }
      let all = Buffer.concat(frames);
      if (rnd() < 0.2) all = all.subarray(0, Math.floor(rnd() * all.length)); // cut anywhere, prefix included
      const chunks: Buffer[] = [];
      for (let at = 0; at < all.length; ) {
        const len = 1 + Math.floor(rnd() * (all.length - at));
        chunks.push(all.subarray(at, at + len));
        at += len;
      }
      const answers = await exchange(chunks);
      for (const a of answers) {
        const d = dnsPacket.decode(a);
        assert.equal(d.type, 'response');
      }
      if (answers.length) seen.answered++;
      else seen.silent++;
    }
    assert.ok(seen.answered > 0 && seen.silent > 0, JSON.stringify(seen));
  });
});
