// Mainstream runtimes whose event loops depend on a non-blocking connect telling the truth
// (issue 10): Ruby, PHP, Python asyncio, node, curl's multi interface, and a connect scan.
//
// Each program runs unwrapped in the proxy namespace (the target reachable) and wrapped in the
// client namespace (only danted reachable). A fetch prints the sha256 of the 8 MiB body; a
// connect to a refused port prints the runtime's own error. Both runs must print the same, on both
// paths a non-blocking connect can take (dialled by the shim; the relay, SOCKSWRAP_ASYNC_DIAL=0).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanEnv, Lab, RunResult } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { HTTP_PORT, CLOSED_PORT, type Danted } from '../helpers/peers';
import { bigSha256 } from '../helpers/body';
import { takeLeaks, assertNoLeaks } from '../helpers/proof';
import { sockswrap, describe as show } from '../helpers/sockswrap';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'curl', 'python3', 'ruby', 'php'], { root: true });

const RUBY_HTTP = `
require 'net/http'; require 'digest'
begin
  body = Net::HTTP.get(URI(ARGV[0]))
  puts Digest::SHA256.hexdigest(body)
rescue SystemCallError => e
  puts "#{e.class}: #{e.message}"
end`;

const RUBY_TCPSOCKET = `
require 'socket'
begin
  s = TCPSocket.new(ARGV[0], ARGV[1].to_i, connect_timeout: 10)
  s.write("GET /hello HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
  puts s.read.split("\\r\\n\\r\\n", 2)[1]
rescue SystemCallError => e
  puts "#{e.class}: #{e.message}"
end`;

const PHP_GET = `$b = @file_get_contents($argv[1]); if ($b === false) { echo error_get_last()['message'], "\\n"; } else { echo hash('sha256', $b), "\\n"; }`;

const PHP_FSOCKOPEN = `
$s = @fsockopen($argv[1], (int)$argv[2], $errno, $errstr, 10);
if (!$s) { echo "fsockopen: $errno $errstr\\n"; exit; }
fwrite($s, "GET /hello HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n");
$r = stream_get_contents($s);
echo explode("\\r\\n\\r\\n", $r, 2)[1];`;

const PY_ASYNCIO = `
import asyncio, hashlib, sys
async def main(host, port):
    try:
        r, w = await asyncio.open_connection(host, port)
    except OSError as e:
        print(type(e).__name__, e.errno, e.strerror); return
    w.write(b"GET /big HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
    data = await r.read()
    print(hashlib.sha256(data.split(b"\\r\\n\\r\\n", 1)[1]).hexdigest())
asyncio.run(main(sys.argv[1], int(sys.argv[2])))
`;

const NODE_GET = `
const http = require('http'), crypto = require('crypto');
http.get(process.argv[1], (res) => {
  const h = crypto.createHash('sha256');
  res.on('data', (d) => h.update(d)).on('end', () => console.log(h.digest('hex')));
}).on('error', (e) => console.log(e.code, e.syscall));
`;

/** Non-blocking connects to every port at once; each outcome from poll + SO_ERROR. */
const PY_SCAN = `
import errno, os, select, socket, sys
host, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks, poller = {}, select.poll()
for port in range(first, last + 1):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    e = s.connect_ex((host, port))
    assert e == errno.EINPROGRESS, e
    socks[s.fileno()] = (s, port)
    poller.register(s.fileno(), select.POLLOUT)
result = {}
while len(result) < len(socks):
    for fd, ev in poller.poll(20000):
        s, port = socks[fd]
        poller.unregister(fd)
        e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        result[port] = 'open' if e == 0 else errno.errorcode[e]
print(' '.join('%d:%s' % (p, result[p]) for p in sorted(result)))
`;

/** Listens on every other port of the scanned range, inside the proxy namespace. */
const NODE_LISTEN = `
const net = require('net');
const [host, first, last] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
let up = 0, want = 0;
for (let p = first; p <= last; p += 2) {
  want++;
  net.createServer((s) => s.destroy()).listen(p, host, () => { if (++up === want) console.log('ready'); });
}
`;

for (const path of [{ name: 'dialled', env: {} }, { name: 'relay', env: { SOCKSWRAP_ASYNC_DIAL: '0' } }])
describe(`e2e: runtimes over non-blocking connects (issue 10), ${path.name}`, { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;

  standardLab({ danted: 1080, leaks: 'reset' }, (s) => ({ lab, danted } = { lab: s.lab, danted: s.danted! }));

  /** The same argv unwrapped (proxy ns) and wrapped (client ns through danted). */
  async function both(argv: string[]): Promise<{ direct: RunResult; wrapped: RunResult }> {
    const direct = await lab.run(lab.proxy, argv, { timeoutMs: 60_000 });
    takeLeaks(lab);
    const wrapped = await sockswrap(lab, ['-q', '-x', `socks5://${danted.host}:${danted.port}`, '--', ...argv], { timeoutMs: 60_000, env: cleanEnv(path.env) });
    assertNoLeaks(lab);
    return { direct, wrapped };
  }

  function same(r: { direct: RunResult; wrapped: RunResult }, expected?: string | RegExp): void {
    assert.equal(r.direct.status, 0, `direct: ${show(r.direct)}`);
    assert.equal(r.wrapped.status, 0, `wrapped: ${show(r.wrapped)}`);
    const out = r.direct.stdout.toString();
    if (typeof expected === 'string') assert.equal(out, expected, `direct: ${show(r.direct)}`);
    else if (expected) assert.match(out, expected, `direct: ${show(r.direct)}`);
    assert.equal(r.wrapped.stdout.toString(), out, `wrapped: ${show(r.wrapped)}`);
  }

  const url = (path: string, port = HTTP_PORT) => `http://${lab.targetIp4}:${port}${path}`;
  const REFUSED = /refused/i;

  test('ruby Net::HTTP: the 8 MiB body hashes right; a refused port is Errno::ECONNREFUSED', async () => {
    same(await both([bin('ruby'), '-e', RUBY_HTTP, url('/big')]), `${bigSha256()}\n`);
    same(await both([bin('ruby'), '-e', RUBY_HTTP, url('/big', CLOSED_PORT)]), /^Errno::ECONNREFUSED: Failed to open TCP connection to .*Connection refused/);
  });

  test('ruby TCPSocket.new (connect_timeout: a non-blocking connect): a reply, and ECONNREFUSED', async () => {
    same(await both([bin('ruby'), '-e', RUBY_TCPSOCKET, lab.targetIp4, String(HTTP_PORT)]), 'hello from target\n');
    same(await both([bin('ruby'), '-e', RUBY_TCPSOCKET, lab.targetIp4, String(CLOSED_PORT)]), /^Errno::ECONNREFUSED/);
  });

  test('php file_get_contents: the body hashes right; a refused port names the refusal', async () => {
    same(await both([bin('php'), '-r', PHP_GET, url('/big')]), `${bigSha256()}\n`);
    same(await both([bin('php'), '-r', PHP_GET, url('/big', CLOSED_PORT)]), REFUSED);
  });

  test('php fsockopen: a reply, and errno 111 Connection refused', async () => {
    same(await both([bin('php'), '-r', PHP_FSOCKOPEN, lab.targetIp4, String(HTTP_PORT)]), 'hello from target\n');
    same(await both([bin('php'), '-r', PHP_FSOCKOPEN, lab.targetIp4, String(CLOSED_PORT)]), 'fsockopen: 111 Connection refused\n');
  });

  test('python asyncio open_connection: the body hashes right; ConnectionRefusedError', async () => {
    same(await both([bin('python3'), '-c', PY_ASYNCIO, lab.targetIp4, String(HTTP_PORT)]), `${bigSha256()}\n`);
    same(await both([bin('python3'), '-c', PY_ASYNCIO, lab.targetIp4, String(CLOSED_PORT)]), /^ConnectionRefusedError 111/);
  });

  test('node http.get: the body hashes right; ECONNREFUSED from connect', async () => {
    same(await both([process.execPath, '-e', NODE_GET, url('/big')]), `${bigSha256()}\n`);
    same(await both([process.execPath, '-e', NODE_GET, url('/big', CLOSED_PORT)]), 'ECONNREFUSED connect\n');
  });

  test("curl's multi interface (--parallel): bodies right; a refused port is exit 7, as unwrapped", async () => {
    const ok = await both(['curl', '-sS', '--parallel', '-o', '/dev/null', '-o', '/dev/null', '-w', '%{http_code} %{size_download}\\n', url('/big'), url('/hello')]);
    // Parallel transfers finish in either order: the set of results is what must agree.
    const lines = (r: RunResult) => r.stdout.toString().trim().split('\n').sort();
    assert.equal(ok.direct.status, 0, show(ok.direct));
    assert.equal(ok.wrapped.status, 0, show(ok.wrapped));
    assert.deepEqual(lines(ok.direct), ['200 18', '200 8392707'], show(ok.direct));
    assert.deepEqual(lines(ok.wrapped), lines(ok.direct), show(ok.wrapped));
    const refused = await both(['curl', '-sS', '--parallel', url('/hello', CLOSED_PORT)]);
    assert.equal(refused.direct.status, 7, show(refused.direct));
    assert.equal(refused.wrapped.status, 7, show(refused.wrapped));
  });

  test('a connect scan of 50 ports at once: the open/refused map equals the unwrapped one', async () => {
    const first = 20001, last = 20050;
    const listener = lab.spawn(lab.proxy, [process.execPath, '-e', NODE_LISTEN, lab.targetIp4, String(first), String(last)]);
    await new Promise<void>((resolve) => listener.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('ready')) resolve(); }));
    const r = await both([bin('python3'), '-c', PY_SCAN, lab.targetIp4, String(first), String(last)]);
    const expected = Array.from({ length: last - first + 1 }, (_, i) => `${first + i}:${i % 2 === 0 ? 'open' : 'ECONNREFUSED'}`).join(' ') + '\n';
    same(r, expected);
    listener.kill();
  });
});
