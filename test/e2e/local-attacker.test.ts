// Issue 11, items 1, 2 and 4: what another local user, or a hostile wrapped program, can do to a
// session (docs/threat-model.md). In the netns lab with a sink default route, danted's UDP
// relay as the real peer, and the leak counter at 0 after every case. The other user is uid
// 65534 (nobody), run with setpriv in the client namespace.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Op, Relay, Socktype, parseUdpLookupResponse, serializeConnectRequest, serializeUdpLookupRequest, serializeWireAddress } from '../../src/wire';
import { ControlClient, requestFrame } from '../helpers/control-client';
import type { Lab } from '../helpers/net-lab';
import { standardLab } from '../helpers/standard-lab';
import { ECHO_PORT, type Danted } from '../helpers/peers';
import { PY_UDP_ECHO_SERVER } from '../helpers/programs';
import { spawnSockswrap, lineReader } from '../helpers/sockswrap';
import { bin, skipUnless } from '../helpers/peer-gate';

const SKIP = skipUnless(['ip', 'nft', 'danted', 'python3', 'setpriv'], { root: true });
const UDP_ECHO_PORT = 7007;

const OTHER_USER = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** Runs python3 code as uid/gid 65534 with no groups, in the client namespace. */
function asOtherUser(lab: Lab, code: string, args: string[] = []): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return lab
    .run(lab.client, [...OTHER_USER, bin('python3'), '-c', code, ...args], { timeoutMs: 30_000 })
    .then((r) => ({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }));
}

describe('e2e: a local attacker and a hostile program (issue 11)', { skip: SKIP }, () => {
  let lab: Lab;
  let danted: Danted;

  standardLab({ sinkRoute: true, danted: 1080 }, (s) => ({ lab, danted } = { lab: s.lab, danted: s.danted! }));
  before(async () => {
    const echo = lab.spawn(lab.proxy, [bin('python3'), '-c', PY_UDP_ECHO_SERVER, lab.targetIp4, lab.targetIp6, String(UDP_ECHO_PORT)]);
    await new Promise<void>((resolve) => echo.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve()));
  });

  test('a frame the program writes to the shim\'s control descriptor is never taken for an answer: the next connect fails closed, nothing direct', async () => {
    // What the agent answers "direct" to: a CONNECT for loopback, well formed as the shim would send it.
    const frame = requestFrame(Op.connect, serializeConnectRequest({ socktype: Socktype.stream, address: serializeWireAddress('127.0.0.1', 9) }), 1).toString('hex');
    const prog = `
import json, os, select, socket, sys
out = {}
s = socket.create_connection(("${lab.targetIp4}", ${ECHO_PORT}), 10)
s.sendall(b"x"); assert s.recv(1) == b"x"; s.close()
control = []
for name in os.listdir("/proc/self/fd"):
    try:
        if not os.readlink("/proc/self/fd/" + name).startswith("socket:"): continue
        t = socket.socket(fileno=os.dup(int(name)))
    except OSError:
        continue
    try:
        if t.family == socket.AF_UNIX and t.getpeername() == os.environ["SOCKSWRAP_SOCK"]: control.append(int(name))
    finally:
        t.close()
out["found"] = len(control)
for fd in control:
    os.write(fd, bytes.fromhex(sys.argv[1]))
    p = select.poll(); p.register(fd, select.POLLIN)
    p.poll(10000)   # the agent's answer to it is now waiting there
out["answered"] = []
for fd in control:
    p = select.poll(); p.register(fd, select.POLLIN)
    out["answered"].append(bool(p.poll(0)))
c = socket.socket(); c.settimeout(3)
try:
    c.connect(("${lab.targetIp4}", ${ECHO_PORT})); c.sendall(b"y"); out["next"] = "echo" if c.recv(1) == b"y" else "connected"
except OSError as e:
    out["next"] = "errno %s" % e.errno
c.close()
c = socket.create_connection(("${lab.targetIp4}", ${ECHO_PORT}), 10)
c.sendall(b"z"); out["after"] = c.recv(1).decode()
print(json.dumps(out), flush=True)
`;
    const child = spawnSockswrap(lab, ['-x', `socks5h://${danted.host}:${danted.port}`, '--', bin('python3'), '-c', prog, frame]);
    const next = lineReader(child);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const out = JSON.parse(await next((l) => l.startsWith('{'), 40_000).catch((e: Error) => assert.fail(`${e.message} stderr: ${stderr}`))) as Record<string, unknown>;
    assert.equal(out.found, 1, `the program found the shim's one control connection: ${JSON.stringify(out)}`);
    assert.deepEqual(out.answered, [true], 'the agent answered the injected frame');
    assert.equal(out.next, 'errno 111', `the connect that met the stray answer fails closed (ECONNREFUSED): ${JSON.stringify(out)}`);
    assert.equal(out.after, 'z', 'the next connect gets a fresh control connection, through the proxy');
    await new Promise((r) => child.once('exit', r));
  });
  test('another user who binds 127.0.0.2 with a connected socket\'s port cannot send through its association nor get its replies', async () => {
    const go = join(lab.dir, 'go-hijack');
    const victim = `
import json, os, socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(10)
u.connect(("${lab.targetIp4}", ${UDP_ECHO_PORT}))
u.send(b"victim-1"); assert u.recv(100) == b"victim-1"
print(json.dumps({"port": u.getsockname()[1], "relay": int(os.environ["SOCKSWRAP_UDP_PORT4"])}), flush=True)
while not os.path.exists(${JSON.stringify(go)}): time.sleep(0.02)
u.send(b"victim-2")
try:
    print(json.dumps({"got": u.recv(100).decode()}), flush=True)
except OSError as e:
    print(json.dumps({"got": "errno %s" % e.errno}), flush=True)
`;
    const child = spawnSockswrap(lab, ['-x', `socks5h://${danted.host}:${danted.port}`, '--', bin('python3'), '-c', victim]);
    const next = lineReader(child);
    const { port, relay } = JSON.parse(await next((l) => l.startsWith('{"port"'))) as { port: number; relay: number };
    const attacker = `
import json, socket, sys
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.2", int(sys.argv[1])))
a.settimeout(3)
a.sendto(b"attacker", ("127.0.0.1", int(sys.argv[2])))
try:
    print(json.dumps({"got": a.recvfrom(100)[0].decode()}))
except socket.timeout:
    print(json.dumps({"got": None}))
`;
    const attack = await asOtherUser(lab, attacker, [String(port), String(relay)]);
    assert.equal(attack.status, 0, attack.stderr);
    assert.deepEqual(JSON.parse(attack.stdout), { got: null }, 'nothing came back to the other user (before the fix: the echo of its datagram, through the victim\'s proxy association)');
    writeFileSync(go, '');
    assert.deepEqual(JSON.parse(await next((l) => l.startsWith('{"got"'))), { got: 'victim-2' }, 'the program\'s own replies still reach it');
    await new Promise((r) => child.once('exit', r));
  });

  test('after kill -9 of the agent, another user who binds the freed UDP relay port gets no datagram and cannot forge a reply', async () => {
    const go = join(lab.dir, 'go-relay-taken');
    const victim = `
import json, os, socket, time
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(10)
c.connect(("${lab.targetIp4}", ${UDP_ECHO_PORT}))
c.send(b"c-1"); assert c.recv(100) == b"c-1"
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(10)
u.sendto(b"u-1", ("${lab.targetIp4}", ${UDP_ECHO_PORT})); assert u.recvfrom(100)[0] == b"u-1"
print(json.dumps({"ports": [c.getsockname()[1], u.getsockname()[1]], "relay": int(os.environ["SOCKSWRAP_UDP_PORT4"]), "sock": os.environ["SOCKSWRAP_SOCK"], "token": os.environ["SOCKSWRAP_TOKEN"]}), flush=True)
while not os.path.exists(${JSON.stringify(go)}): time.sleep(0.02)
out = {}
for name, send in (("c", lambda: c.send(b"secret-c")), ("u", lambda: u.sendto(b"secret-u", ("${lab.targetIp4}", ${UDP_ECHO_PORT})))):
    try:
        send(); out[name + "-send"] = "sent"
    except OSError as e:
        out[name + "-send"] = "errno %s" % e.errno
for name, s in (("c", c), ("u", u)):
    s.settimeout(2)
    try:
        out[name + "-recv"] = s.recv(100).decode(errors="replace")
    except socket.timeout:
        out[name + "-recv"] = "timeout"
    except OSError as e:
        out[name + "-recv"] = "errno %s" % e.errno
print(json.dumps(out), flush=True)
`;
    const child = spawnSockswrap(lab, ['-x', `socks5h://${danted.host}:${danted.port}`, '--', 'setsid', bin('python3'), '-c', victim]);
    const next = lineReader(child);
    const { ports, relay, sock, token } = JSON.parse(await next((l) => l.startsWith('{"ports"'))) as { ports: number[]; relay: number; sock: string; token: string };
    // The worst case for the unconnected socket: its association id is known (as to anyone who
    // held the port while the program still sent), so only the MAC can tell a forged reply.
    const control = await ControlClient.open(sock, token, 1);
    const known = parseUdpLookupResponse(await control.ask(Op.udpLookup, serializeUdpLookupRequest({ relay: Relay.v4, localPort: ports[1]! })));
    assert.ok('id' in known, 'the agent knows the unconnected socket');
    const id = known.id.toString('hex');
    await control.close();
    child.kill('SIGKILL'); // the launcher's node process, agent and all; python is in its own session
    await new Promise((r) => child.once('exit', r));
    // The other user takes the relay's port, forges "replies" to both sockets (bare for the
    // connected one, with a header bearing the association's id for the other), and collects
    // what the program sends.
    const attacker = `
import json, socket, sys
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", int(sys.argv[1])))
a.sendto(b"forged", ("127.0.0.1", int(sys.argv[2])))
a.sendto(bytes.fromhex(sys.argv[4]) + bytes([4, ${lab.targetIp4.split('.').join(', ')}]) + bytes(12) + (${UDP_ECHO_PORT}).to_bytes(2, "big") + b"forged", ("127.0.0.1", int(sys.argv[3])))
print("bound", flush=True)
a.settimeout(4)
got = []
try:
    while True: got.append(a.recv(100).decode(errors="replace"))
except socket.timeout:
    pass
print(json.dumps({"got": got}), flush=True)
`;
    const thief = lab.spawn(lab.client, [...OTHER_USER, bin('python3'), '-c', attacker, String(relay), String(ports[0]), String(ports[1]), id], { stdio: ['ignore', 'pipe', 'pipe'] });
    const thiefLines = lineReader(thief);
    await thiefLines((l) => l === 'bound');
    writeFileSync(go, '');
    const out = JSON.parse(await next((l) => l.startsWith('{"c-send"'))) as Record<string, string>;
    const stolen = JSON.parse(await thiefLines((l) => l.startsWith('{"got"'))) as { got: string[] };
    assert.deepEqual(stolen.got, [], 'the program sent nothing to whoever holds the relay port now');
    assert.equal(out['c-send'], 'errno 111', `connected send fails closed: ${JSON.stringify(out)}`);
    assert.equal(out['u-send'], 'errno 111', `unconnected sendto fails closed: ${JSON.stringify(out)}`);
    assert.notEqual(out['c-recv'], 'forged', `no forged reply on the connected socket: ${JSON.stringify(out)}`);
    assert.notEqual(out['u-recv'], 'forged', `no forged reply on the unconnected socket: ${JSON.stringify(out)}`);
  });
});
