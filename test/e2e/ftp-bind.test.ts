// SOCKS BIND (issue 16, docs/bind.md): FTP active mode through the proxy. vsftpd runs on the
// target address in the proxy namespace, which the client namespace cannot reach, and refuses a
// PORT/EPRT address other than its control connection's peer (danted's external address): so a
// transfer works only if the program's listen really went to the proxy. Real clients (curl -P -,
// python3 ftplib with set_pasv(False)), files hash-checked, no packet leaves the client namespace
// for anyone but the proxy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { startBindDanted, startVsftpd, type Vsftpd } from '../helpers/ftp-peers';
import { startMicrosocks, type Danted, type Peer } from '../helpers/peers';
import { assertNoLeaks } from '../helpers/proof';
import { REPO, lineReader, sockswrap, spawnSockswrap, describe as show } from '../helpers/sockswrap';
import { sha256 } from '../helpers/body';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'microsocks', 'vsftpd', 'curl', 'python3', 'gcc'], { root: true });
const FTP_PORT = 2121;
const LOGIN = { username: 'swbind', password: 'bind-pass-1929' };

/** ftplib in active mode: the file's bytes on stdout. argv: host port name [timeout]. */
const PY_FTP_ACTIVE = `
import ftplib, sys
host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
f = ftplib.FTP(timeout=float(sys.argv[4])) if len(sys.argv) > 4 else ftplib.FTP()
f.connect(host, port)
f.login()
f.set_pasv(False)
chunks = []
f.retrbinary('RETR ' + name, chunks.append)
f.quit()
sys.stdout.buffer.write(b''.join(chunks))
`;

/** In the proxy ns: connect from the target address to host:port, send a line, print our port and the answer. */
const PY_CONNECT_BACK = `
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
s.connect((sys.argv[2], int(sys.argv[3])))
print(s.getsockname()[1], flush=True)
s.sendall(b"hello over BIND\\n")
got = b""
while not got.endswith(b"\\n"):
    b = s.recv(100)
    if not b: break
    got += b
print(got.decode(), end="")
`;

/** After a proxied connection: servers on 127.0.0.1:0 and on 0.0.0.0 with a fixed port answer locally. */
const PY_LOCAL_SERVERS = `
import socket, sys, threading
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
for host, port in (("127.0.0.1", 0), ("0.0.0.0", 47000)):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port)); srv.listen(1)
    port = srv.getsockname()[1]
    t = threading.Thread(target=lambda: (lambda a: (a[0].sendall(a[0].recv(10)), a[0].close()))(srv.accept()))
    t.start()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"ping")
    assert s.recv(10) == b"ping"
    t.join()
print("local ok")
`;

describe('FTP active mode through SOCKS BIND', { skip: SKIP }, () => {
  let lab: Lab;
  let ftp: Vsftpd;
  let open: Danted;
  let login: Danted;
  let micro: Peer;
  let fixture: string;
  // big.bin is larger than every buffer between vsftpd and the program together (~20 MB: two
  // sockets each way through danted and the agent): vsftpd cannot finish, and send its 226 on the
  // control connection, before the program has taken the data connection. With a file the buffers
  // hold, that 226 can come first under load, and curl, which watches the control connection while
  // it waits, gives up (docs/bind.md, "Known limits": seen 5 times in 25 runs with 3 MB, 0 in 25
  // with 40 MB).
  const files = { 'small.txt': Buffer.from('hello through BIND\n'), 'big.bin': randomBytes(40 * 1024 * 1024 + 17) };

  standardLab({ targets: false, leaks: 'each' }, (s) => { lab = s.lab; });
  before(async () => {
    [ftp, open, login, micro] = await Promise.all([
      startVsftpd(lab, FTP_PORT, files),
      startBindDanted(lab, 1080),
      startBindDanted(lab, 1081, { login: LOGIN }),
      startMicrosocks(lab, { port: 1082 }),
    ]);
  });
  before(() => {
    fixture = join(lab.dir, 'bind-accept');
    const cc = spawnSync(bin('gcc'), ['-O1', '-Wall', '-Wextra', '-Werror', '-o', fixture, join(REPO, 'test', 'fixtures', 'bind-accept.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
  });
  after(async () => {
    await Promise.all([ftp, open, login, micro].filter(Boolean).map((p) => p.stop()));
  });

  const url = (name: string) => `ftp://${lab.targetIp4}:${FTP_PORT}/${name}`;
  const viaOpen = () => ['-x', `socks5://${open.host}:${open.port}`];
  const viaLogin = () => ['-x', `socks5://${LOGIN.username}:${LOGIN.password}@${login.host}:${login.port}`];

  test('curl -P - (EPRT) fetches a 40 MB file through danted; sha256 matches', async () => {
    const r = await sockswrap(lab, [...viaOpen(), '-v', '--', 'curl', '-sS', '--max-time', '60', '-P', '-', url('big.bin')]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), sha256(files['big.bin']), show(r));
    assert.match(r.stderr, /BIND for 198\.19\.\d+\.1:2121 via socks5 198\.18\.\d+\.1:1080: the proxy listens on 198\.19\.\d+\.1:\d+/);
    assert.match(ftp.log(), /EPRT \|1\|198\.19\.\d+\.1\|\d+\|/, 'curl advertised the proxy\'s address');
  });

  test('curl --disable-eprt (PORT) through danted with an RFC 1929 login', async () => {
    const r = await sockswrap(lab, [...viaLogin(), '--', 'curl', '-sS', '--max-time', '60', '--disable-eprt', '-P', '-', url('big.bin')]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), sha256(files['big.bin']), show(r));
    assert.match(ftp.log(), /"PORT 198,19,\d+,1,\d+,\d+"/);
  });

  for (const [name, via] of [['no auth', viaOpen], ['RFC 1929 login', viaLogin]] as const) {
    test(`python3 ftplib active mode, with a timeout (non-blocking sockets), ${name}`, async () => {
      const r = await sockswrap(lab, [...via(), '-v', '--', bin('python3'), '-c', PY_FTP_ACTIVE, lab.targetIp4, String(FTP_PORT), 'big.bin', '10']);
      assert.equal(r.status, 0, show(r) + ftp.log().slice(-3000));
      assert.equal(sha256(r.stdout), sha256(files['big.bin']));
    });

    test(`python3 ftplib active mode, blocking sockets (the dial path), ${name}`, async () => {
      const r = await sockswrap(lab, [...via(), '-v', '--', bin('python3'), '-c', PY_FTP_ACTIVE, lab.targetIp4, String(FTP_PORT), 'small.txt']);
      assert.equal(r.status, 0, show(r));
      assert.deepEqual(r.stdout, files['small.txt']);
    });
  }

  test('SOCKS4 BIND (danted speaks v4): curl -P - and python3 ftplib, files hash-checked', async () => {
    const v4 = ['-v', '-x', `socks4://${open.host}:${open.port}`];
    const c = await sockswrap(lab, [...v4, '--', 'curl', '-sS', '--max-time', '60', '-P', '-', url('big.bin')]);
    assert.equal(c.status, 0, show(c));
    assert.equal(sha256(c.stdout), sha256(files['big.bin']));
    assert.match(c.stderr, /BIND for 198\.19\.\d+\.1:2121 via socks4 198\.18\.\d+\.1:1080: the proxy listens on 198\.19\.\d+\.1:\d+/);
    const p = await sockswrap(lab, [...v4, '--', bin('python3'), '-c', PY_FTP_ACTIVE, lab.targetIp4, String(FTP_PORT), 'big.bin', '30']);
    assert.equal(p.status, 0, show(p));
    assert.equal(sha256(p.stdout), sha256(files['big.bin']));
  });

  test('a strict chain (microsocks, then danted): CONNECT to danted through microsocks, BIND at danted', async () => {
    const chain = ['-v', '-x', `socks5://${micro.host}:${micro.port}`, '-x', `socks5://${open.host}:${open.port}`];
    const r = await sockswrap(lab, [...chain, '--', 'curl', '-sS', '--max-time', '60', '-P', '-', url('big.bin')]);
    assert.equal(r.status, 0, show(r));
    assert.equal(sha256(r.stdout), sha256(files['big.bin']));
    assert.match(r.stderr, /BIND for 198\.19\.\d+\.1:2121 via socks5 198\.18\.\d+\.1:1082 > socks5 198\.18\.\d+\.1:1080: the proxy listens on 198\.19\.\d+\.1:\d+/);
  });

  test('passive mode is unchanged (EPSV, then PASV)', async () => {
    for (const extra of [[], ['--disable-epsv']]) {
      const r = await sockswrap(lab, [...viaOpen(), '--', 'curl', '-sS', '--max-time', '60', ...extra, url('big.bin')]);
      assert.equal(r.status, 0, show(r));
      assert.equal(sha256(r.stdout), sha256(files['big.bin']));
      assert.doesNotMatch(r.stderr, /BIND/);
    }
  });

  test('a proxy that refuses BIND (microsocks): a log line, and curl fails without listening locally', async () => {
    const r = await sockswrap(lab, ['-x', `socks5://${micro.host}:${micro.port}`, '--', 'curl', '-sS', '--max-time', '30', '-P', '-', url('small.txt')]);
    assert.notEqual(r.status, 0, show(r));
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /curl\[\d+\] BIND for 198\.19\.\d+\.1:2121 via socks5 198\.18\.\d+\.1:1082: BIND 198\.19\.\d+\.1:0 refused by proxy \(reply 0x07 command not supported\); the listen fails with EADDRNOTAVAIL/, show(r));
    assert.match(r.stderr, /curl: \(30\) bind\(port=0\) failed: Cannot assign requested address/, 'the program saw EADDRNOTAVAIL');
  });

  test('--no-bind: the listen stays local, so vsftpd refuses the address and nothing leaks', async () => {
    const r = await sockswrap(lab, [...viaOpen(), '--no-bind', '--', 'curl', '-sS', '--max-time', '30', '-P', '-', url('small.txt')]);
    assert.notEqual(r.status, 0, show(r));
    assert.equal(r.stdout.length, 0);
    assert.doesNotMatch(r.stderr, /BIND/);
    assertNoLeaks(lab);
  });

  for (const mode of ['block', 'nonblock'] as const) {
    test(`C: bind/listen/getsockname/accept through BIND (${mode}${mode === 'nonblock' ? ', edge-triggered epoll' : ''}); the peer is the one the proxy saw`, async () => {
      const child = spawnSockswrap(lab, [...viaOpen(), '--', fixture, lab.targetIp4, String(FTP_PORT), mode]);
      let err = '';
      child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      const line = lineReader(child);
      const listen = await line((l) => l.startsWith('LISTEN') || l.startsWith('FAIL'));
      const [, host, port] = listen.split(' ');
      assert.equal(host, lab.targetIp4, `getsockname gives danted's external address: ${listen} ${err}`);
      const back = await lab.run(lab.proxy, [bin('python3'), '-c', PY_CONNECT_BACK, lab.targetIp4, host!, port!], { timeoutMs: 20_000 });
      assert.equal(back.status, 0, back.stderr);
      const [fromPort, answer] = back.stdout.toString().split('\n');
      assert.equal(answer, 'got:hello over BIND', 'bytes both ways');
      assert.equal(await exited, 0, err);
      const peer = await line((l) => l.startsWith('PEER'));
      const getpeer = await line((l) => l.startsWith('GETPEER'));
      const sock = await line((l) => l.startsWith('SOCK'));
      assert.equal(peer, `PEER ${lab.targetIp4} ${fromPort}`, 'accept() gives the peer from the second reply');
      assert.equal(getpeer, `GETPEER ${lab.targetIp4} ${fromPort}`);
      assert.equal(sock, `SOCK ${lab.targetIp4} ${port}`, "the accepted connection's getsockname is the proxy's side too");
      if (mode === 'nonblock') await line((l) => l === 'EAGAIN ok');
    });
  }

  test('C: through a proxy that refuses BIND, listen() fails with EADDRNOTAVAIL (99) and says why', async () => {
    const r = await sockswrap(lab, ['-x', `socks5://${micro.host}:${micro.port}`, '--', fixture, lab.targetIp4, String(FTP_PORT), 'block']);
    assert.equal(r.status, 3, show(r));
    assert.equal(r.stdout.toString(), 'LISTEN-ERR 99\n');
    assert.match(r.stderr, /refused by proxy \(reply 0x07 command not supported\); the listen fails with EADDRNOTAVAIL/);
  });

  test('a listen on loopback, or with an explicit port, stays local after a proxied connection', async () => {
    const r = await sockswrap(lab, [...viaOpen(), '--', bin('python3'), '-c', PY_LOCAL_SERVERS, lab.targetIp4, String(FTP_PORT)]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout.toString(), 'local ok\n');
    assert.doesNotMatch(r.stderr, /BIND/);
  });
});
