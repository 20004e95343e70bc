// Small client programs the e2e tests run wrapped (python3 scripts passed with -c).

/** Blocking connect to argv[1]:argv[2]; prints "errno N" or "connected". */
export const PY_CONNECT_ERRNO = `
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
ai = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
s = socket.socket(ai[0], socket.SOCK_STREAM)
s.settimeout(None)
try:
    s.connect(ai[4])
    print("connected")
except OSError as e:
    print("errno", e.errno)
`;

/** Reads the server's first line before sending anything, then one echo round. Prints JSON. */
export const PY_BANNER = `
import socket, sys, json
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
first = b""
while not first.endswith(b"\\r\\n"):
    b = s.recv(1)
    if not b: break
    first += b
s.sendall(b"ping\\n")
rest = b""
while True:
    b = s.recv(4096)
    if not b: break
    rest += b
print(json.dumps({"first": first.decode("latin-1"), "rest": rest.decode("latin-1")}))
`;

/** getaddrinfo + connect + getpeername. Prints JSON {resolved, peer}. */
export const PY_PEERNAME = `
import socket, sys, json
host, port = sys.argv[1], int(sys.argv[2])
fam = {"any": socket.AF_UNSPEC, "4": socket.AF_INET, "6": socket.AF_INET6}[sys.argv[3] if len(sys.argv) > 3 else "any"]
ai = socket.getaddrinfo(host, port, fam, socket.SOCK_STREAM)[0]
s = socket.socket(ai[0], socket.SOCK_STREAM)
s.connect(ai[4])
s.sendall(b"x")
assert s.recv(1) == b"x"
print(json.dumps({"resolved": ai[4][0], "peer": list(s.getpeername()[:2])}))
`;

/** T threads x C connections to an echo server, each with its own payload; prints JSON counts. */
export const PY_THREADS = `
import socket, sys, threading, json, hashlib
host, port, T, C = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ok = []; bad = []; lock = threading.Lock()
def worker(t):
    for c in range(C):
        tag = ("%d.%d|" % (t, c)).encode()
        payload = hashlib.sha256(tag).digest() * 1000 + tag   # 32 kB, unique per connection
        try:
            s = socket.create_connection((host, port), timeout=60)
            s.sendall(payload)
            got = b""
            while len(got) < len(payload):
                b = s.recv(65536)
                if not b: break
                got += b
            s.close()
            with lock:
                (ok if got == payload else bad).append("%d.%d" % (t, c) if got == payload else "%d.%d:%d bytes" % (t, c, len(got)))
        except OSError as e:
            with lock: bad.append("%d.%d:%s" % (t, c, e))
threads = [threading.Thread(target=worker, args=(t,)) for t in range(T)]
for th in threads: th.start()
for th in threads: th.join()
print(json.dumps({"ok": len(ok), "bad": bad[:10], "nbad": len(bad)}))
`;

/** Waits for SIGTERM/SIGHUP, reports it on stdout, exits 42. */
export const PY_SIGNAL_WAITER = `
import signal, sys, os
def h(sig, frame):
    print("got", signal.Signals(sig).name, flush=True)
    os._exit(42)
for name in ("SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGINT", "SIGQUIT"):
    signal.signal(getattr(signal, name), h)
print("ready", flush=True)
while True:
    signal.pause()
`;

/** node: fetch a URL and print the body. */
export function nodeFetch(url: string): string {
  return `fetch(${JSON.stringify(url)}).then(async (r) => { process.stdout.write(await r.text()); process.exitCode = r.ok ? 0 : 3; }, (e) => { console.error(e, e.cause); process.exitCode = 4; })`;
}

/** Listens on 127.0.0.1 and ::1 itself, connects to both, echoes a line; prints "loopback ok". */
export const PY_LOOPBACK = `
import socket, threading
for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.bind((host, 0)); srv.listen(1)
    port = srv.getsockname()[1]
    def serve():
        c, _ = srv.accept(); c.sendall(c.recv(100)); c.close()
    t = threading.Thread(target=serve); t.start()
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(b"hi")
    assert s.recv(100) == b"hi"
    assert s.getpeername()[:2] == (host, port), s.getpeername()
    t.join()
print("loopback ok")
`;

/** After a proxied connection and some I/O, are fds 0, 1, 2 still as the program found them? */
export const PY_STDIO_FLAGS = `
import fcntl, os, socket, sys, json
def nb(fd): return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK)
before = [nb(0), nb(1), nb(2)]
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
s.sendall(b"x"); assert s.recv(1) == b"x"; s.close()
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
s.sendall(b"y"); assert s.recv(1) == b"y"; s.close()
print(json.dumps({"before": before, "after": [nb(0), nb(1), nb(2)]}))
`;

/** A UDP echo server for the proxy ns: argv ipv4 ipv6 port. Prints "ready" once bound. */
export const PY_UDP_ECHO_SERVER = `
import socket, select, sys
socks = []
for fam, host in ((socket.AF_INET, sys.argv[1]), (socket.AF_INET6, sys.argv[2])):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((host, int(sys.argv[3])))
    socks.append(s)
print("ready", flush=True)
while True:
    r, _, _ = select.select(socks, [], [])
    for s in r:
        data, addr = s.recvfrom(65535)
        s.sendto(data, addr)
`;

/**
 * UDP echo client: argv host port count mode (unconnected | connected). Sends count datagrams
 * of varied sizes, checks each echo's payload and reported source; unconnected also checks
 * MSG_PEEK, MSG_TRUNC and an 8000-byte datagram; connected reports getpeername. Prints JSON.
 */
export const PY_UDP_CLIENT = `
import socket, sys, json, os
host, port, count, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ai = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
s = socket.socket(ai[0], socket.SOCK_DGRAM)
s.settimeout(10)
addr = ai[4]
if mode == "connected":
    s.connect(addr)
ok = 0
bad = []
for i in range(count):
    payload = os.urandom(16) + (b"%d" % i) * (i % 7 + 1)
    if mode == "connected":
        s.send(payload)
        data = s.recv(65535)
        src = s.getpeername()
    else:
        s.sendto(payload, addr)
        data, src = s.recvfrom(65535)
    if data == payload and src[:2] == addr[:2]:
        ok += 1
    else:
        bad.append([i, repr(src), len(data)])
out = {"ok": ok, "bad": bad[:5], "addr": list(addr[:2])}
if mode == "unconnected":
    s.sendto(b"x" * 100, addr)
    d, anc, flags, a = s.recvmsg(10, 0, socket.MSG_PEEK)
    out["peek"] = [len(d), bool(flags & socket.MSG_TRUNC), a[:2] == addr[:2]]
    buf = bytearray(10)
    out["trunc"] = s.recv_into(buf, 10, socket.MSG_TRUNC)
    large = os.urandom(8000)
    s.sendto(large, addr)
    d, a = s.recvfrom(65535)
    out["large"] = d == large
else:
    out["peer"] = list(s.getpeername()[:2])
print(json.dumps(out))
`;

/** One sendto to argv host port; prints "sent" or "errno N" (fail-closed checks). */
export const PY_UDP_SEND_ERRNO = `
import socket, sys
ai = socket.getaddrinfo(sys.argv[1], int(sys.argv[2]), type=socket.SOCK_DGRAM)[0]
s = socket.socket(ai[0], socket.SOCK_DGRAM)
try:
    s.sendto(b"hello", ai[4])
    print("sent")
except OSError as e:
    print("errno", e.errno)
try:
    s.connect(ai[4])
    print("connected")
except OSError as e:
    print("errno", e.errno)
`;

/** node dgram: 20 ping-pongs with argv host port, source checked. Prints "ok 20". */
export const NODE_DGRAM_CLIENT = `
const dgram = require('dgram');
const [host, port] = [process.argv[1], Number(process.argv[2])];
const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
let n = 0;
s.on('message', (m, r) => {
  if (m.toString() !== 'ping' + n) { console.log('bad payload ' + m); process.exit(1); }
  if (r.address !== host || r.port !== port) { console.log('bad source ' + r.address + ':' + r.port); process.exit(1); }
  if (++n === 20) { console.log('ok ' + n); process.exit(0); }
  s.send('ping' + n, port, host);
});
s.send('ping0', port, host);
setTimeout(() => { console.log('timeout after ' + n); process.exit(2); }, 15000);
`;

/**
 * A UDP socket inherited across exec: argv host port mode (unconnected | connected). The first
 * image does 5 round trips, sends one more datagram and execs a second python3 before its echo
 * is read; the second image keeps using the inherited fd: the pending echo first, then 20 round
 * trips (recvfrom/sendto, or recv/send and getpeername when connected). Prints JSON.
 */
export const PY_UDP_EXEC = `
import socket, sys, json, os
STAGE2 = r'''
import socket, sys, json, os
fd, host, port, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
addr = tuple(json.loads(sys.argv[5]))
before = json.loads(sys.argv[6])
s = socket.socket(fileno=fd)
s.settimeout(10)
def rx():
    if mode == "connected":
        return s.recv(65535), s.getpeername()
    return s.recvfrom(65535)
data, src = rx()
first = [data == b"in flight across exec", src[:2] == addr[:2], repr(src)]
ok, bad = 0, []
for i in range(20):
    payload = os.urandom(8) + b"after exec %d" % i
    if mode == "connected":
        s.send(payload)
    else:
        s.sendto(payload, addr)
    data, src = rx()
    if data == payload and src[:2] == addr[:2]:
        ok += 1
    else:
        bad.append([i, repr(src), len(data)])
out = {"before": before, "first": first, "ok": ok, "bad": bad[:5], "pid": os.getpid()}
if mode == "connected":
    out["peer"] = list(s.getpeername()[:2])
print(json.dumps(out))
'''
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ai = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
s = socket.socket(ai[0], socket.SOCK_DGRAM)
s.settimeout(10)
addr = ai[4]
if mode == "connected":
    s.connect(addr)
before = 0
for i in range(5):
    payload = os.urandom(8) + b"before exec %d" % i
    if mode == "connected":
        s.send(payload)
        data, src = s.recv(65535), s.getpeername()
    else:
        s.sendto(payload, addr)
        data, src = s.recvfrom(65535)
    before += data == payload and src[:2] == addr[:2]
if mode == "connected":
    s.send(b"in flight across exec")
else:
    s.sendto(b"in flight across exec", addr)
s.set_inheritable(True)
sys.stdout.flush()
os.execv(sys.executable, [sys.executable, "-c", STAGE2, str(s.fileno()), host, str(port), mode, json.dumps(list(addr)), json.dumps({"ok": before, "pid": os.getpid()})])
`;
