# UDP ping-pong for bench case 5: argv mode (plain | socks) target_host target_port count
# [proxy_host proxy_port]. plain: sendto/recvfrom the target (run it wrapped by sockswrap).
# socks: speaks SOCKS5 UDP ASSOCIATE itself (RFC 1928 §4, §7) with the proxy, no wrapper.
# Sends one 64-byte datagram at a time and waits for its echo; prints "dgrams_per_s N".
import socket, struct, sys, time

mode, host, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
payload = b"x" * 64
if mode == "plain":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    send = lambda: s.sendto(payload, (host, port))
    def recv():
        data, _ = s.recvfrom(65535)
        return data
else:
    phost, pport = sys.argv[5], int(sys.argv[6])
    ctl = socket.create_connection((phost, pport), timeout=5)
    ctl.sendall(b"\x05\x01\x00")
    assert ctl.recv(2) == b"\x05\x00", "no-auth refused"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.bind((ctl.getsockname()[0], 0))
    me, myport = s.getsockname()
    ctl.sendall(b"\x05\x03\x00\x01" + socket.inet_aton(me) + struct.pack("!H", myport))
    rep = ctl.recv(10)
    assert rep[1] == 0 and rep[3] == 1, "UDP ASSOCIATE refused"
    relay = (socket.inet_ntoa(rep[4:8]), struct.unpack("!H", rep[8:10])[0])
    if relay[0] == "0.0.0.0":
        relay = (phost, relay[1])
    header = b"\x00\x00\x00\x01" + socket.inet_aton(host) + struct.pack("!H", port)
    send = lambda: s.sendto(header + payload, relay)
    def recv():
        data, _ = s.recvfrom(65535)
        return data[10:]
t0 = time.perf_counter()
for i in range(count):
    send()
    assert recv() == payload
print("dgrams_per_s %.1f" % (count / (time.perf_counter() - t0)))
