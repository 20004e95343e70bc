// A SOCKS5 front for faults no real server gives on demand (docs/udp.md, "A SOCKS5 hop with no
// UDP"): it passes every byte to a real SOCKS5 server (danted) and back, except for UDP ASSOCIATE:
//   node udp-fault-proxy.js close <listen> <port> <upstream> <upstreamPort>
//     hangs up (FIN) on the ASSOCIATE request, after the greeting went through (as ssh -D does);
//   node udp-fault-proxy.js drop <listen> <port> <upstream> <upstreamPort>
//     lets danted grant it, but names as the relay a UDP socket of its own that drops every datagram;
//   node udp-fault-proxy.js frag <listen> <port> <upstream> <upstreamPort>
//     the same, but that socket answers each datagram (RFC 1928 §7) with what danted never sends:
//     a whole fragment sequence (FRAG 1, then 0x82), one with a non-zero RSV, one whose source is a
//     name, and then the datagram itself, FRAG 0, from the address it was sent to. It prints
//     "from <port>" per datagram: the port the client's datagrams came from;
//   node udp-fault-proxy.js echo <listen> <port> <upstream> <upstreamPort>
//     the same, but that socket answers each datagram with itself alone (FRAG 0, from the address
//     it was sent to), as a relay in front of an echo server would. A line "stop" on stdin ends
//     every association as a restarting proxy does: the relay socket is closed (its port freed)
//     and so is each ASSOCIATE's TCP connection; "stopped <port>" is printed once both are, and
//     later ASSOCIATEs get a new relay socket.
// CONNECT goes to danted untouched, so DNS over TCP through the front works. On stdout, one line
// per event: "ready", "associate <n>" (requests seen), "dropped <n>" (datagrams eaten).
import dgram from 'node:dgram';
import net from 'node:net';

type Mode = 'close' | 'drop' | 'frag' | 'echo';

function main(): void {
  const [mode, listen, port, upstream, upstreamPort] = process.argv.slice(2) as [Mode, string, string, string, string];
  if (!['close', 'drop', 'frag', 'echo'].includes(mode) || !upstreamPort) throw new Error('usage: udp-fault-proxy close|drop|frag|echo <listen> <port> <upstream> <upstreamPort>');
  let associates = 0;
  let dropped = 0;
  const makeHole = (): dgram.Socket => {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg, rinfo) => {
      if (mode !== 'frag' && mode !== 'echo') {
        console.log(`dropped ${++dropped}`);
        return;
      }
      console.log(`from ${rinfo.port}`);
      if (msg.length < 10 || msg[3] !== 1) return;
      const address = msg.subarray(3, 10); // ATYP 1, IPv4, port: the destination it was sent to
      const payload = msg.subarray(10);
      const header = (rsv: number, frag: number, addr: Buffer) => Buffer.concat([Buffer.from([0, rsv, frag]), addr]);
      const named = Buffer.concat([Buffer.from([3, 9]), Buffer.from('fault.test'.slice(0, 9)), address.subarray(5)]);
      const faults = mode === 'echo' ? [] : [
        Buffer.concat([header(0, 1, address), Buffer.from('FRAGMENT-A')]),
        Buffer.concat([header(0, 0x82, address), Buffer.from('FRAGMENT-B')]),
        Buffer.concat([header(1, 0, address), Buffer.from('BAD-RSV')]),
        Buffer.concat([header(0, 0, named), Buffer.from('NAMED')]),
      ];
      for (const d of [...faults, Buffer.concat([header(0, 0, address), payload])]) socket.send(d, rinfo.port, rinfo.address);
    });
    return socket;
  };
  let hole = makeHole();
  /** The client side of every granted ASSOCIATE, for "stop". */
  const associations = new Set<net.Socket>();
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (line: string) => {
    if (!line.includes('stop')) return;
    const old = hole;
    const port = old.address().port;
    const closed = [...associations].map((c) => new Promise<void>((resolve) => {
      if (c.destroyed) resolve();
      else c.once('close', () => resolve()).destroy();
    }));
    associations.clear();
    closed.push(new Promise<void>((resolve) => old.close(() => resolve())));
    void Promise.all(closed).then(() => {
      hole = makeHole();
      hole.bind(0, listen, () => console.log(`stopped ${port}`));
    });
  });
  hole.bind(0, listen, () => {
    const server = net.createServer((client) => {
      const up = net.connect({ host: upstream, port: Number(upstreamPort) });
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
      let fromClient = Buffer.alloc(0);
      let greeted = false;
      let decided = false;
      let rewriteReply = false;
      client.on('data', (chunk: Buffer) => {
        if (decided) {
          up.write(chunk);
          return;
        }
        fromClient = Buffer.concat([fromClient, chunk]);
        if (!greeted) {
          if (fromClient.length < 2 || fromClient.length < 2 + fromClient[1]!) return;
          const n = 2 + fromClient[1]!;
          up.write(fromClient.subarray(0, n));
          fromClient = fromClient.subarray(n);
          greeted = true;
        }
        if (fromClient.length < 2) return;
        decided = true;
        if (fromClient[1] === 0x03) {
          console.log(`associate ${++associates}`);
          if (mode === 'close') {
            client.end();
            up.destroy();
            return;
          }
          rewriteReply = true;
        }
        up.write(fromClient);
      });
      // Upstream to client: the method reply (2 bytes), then the request's reply, rewritten for
      // a granted ASSOCIATE in drop mode to name the hole; everything after is passed through.
      let fromUp = Buffer.alloc(0);
      let methodDone = false;
      let replyDone = false;
      up.on('data', (chunk: Buffer) => {
        if (replyDone || (methodDone && !rewriteReply && decided)) {
          client.write(chunk);
          return;
        }
        fromUp = Buffer.concat([fromUp, chunk]);
        if (!methodDone) {
          if (fromUp.length < 2) return;
          client.write(fromUp.subarray(0, 2));
          fromUp = fromUp.subarray(2);
          methodDone = true;
        }
        if (!rewriteReply) {
          if (fromUp.length > 0) client.write(fromUp);
          fromUp = Buffer.alloc(0);
          if (decided) replyDone = true;
          return;
        }
        if (fromUp.length < 5) return;
        const atyp = fromUp[3];
        const len = atyp === 1 ? 10 : atyp === 4 ? 22 : 7 + fromUp[4]!;
        if (fromUp.length < len) return;
        const reply = Buffer.from(fromUp.subarray(0, len));
        const rest = fromUp.subarray(len);
        replyDone = true;
        if (reply[1] !== 0) {
          client.write(Buffer.concat([reply, rest]));
          return;
        }
        associations.add(client);
        const addr = hole.address();
        const out = Buffer.alloc(10);
        out.set([5, 0, 0, 1], 0);
        out.set(addr.address.split('.').map(Number), 4);
        out.writeUInt16BE(addr.port, 8);
        client.write(Buffer.concat([out, rest]));
      });
    });
    server.listen({ host: listen, port: Number(port), exclusive: true }, () => console.log('ready'));
  });
}

if (require.main === module) main();
