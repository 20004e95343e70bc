// Issue 11, items 1, 2 and 4: what another local user, or a hostile wrapped program, can do to a
// session (docs/threat-model.md). In the netns lab with a sink default route, danted's UDP
// relay as the real peer, and the leak counter at 0 after every case. The other user is uid
// 65534 (nobody), run with setpriv in the client namespace.
import { describe, test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Op } from '../../src/agent/control-frame';
import { requestFrame } from '../helpers/control-client';
import { createLab, type Lab } from '../helpers/net-lab';
import { peerGate, startDanted, startTargets, bin, ECHO_PORT, type Danted } from '../helpers/peers';
import { installLeakCounter, takeLeaks, assertNoLeaks } from '../helpers/proof';
import { addSinkRoute } from '../helpers/sink-route';
import { PY_UDP_ECHO_SERVER } from '../helpers/programs';
import { spawnSockswrap, lineReader } from '../helpers/sockswrap';

const gate = peerGate(['ip', 'nft', 'danted', 'python3', 'setpriv']);
const UDP_ECHO_PORT = 7007;

/** Runs python3 code as uid/gid 65534 with no groups, in the client namespace. */
function asOtherUser(lab: Lab, code: string, args: string[] = []): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return lab
    .run(lab.client, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', bin('python3'), '-c', code, ...args], { timeoutMs: 30_000 })
    .then((r) => ({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }));
}

describe('e2e: a local attacker and a hostile program (issue 11)', { skip: gate.skip }, () => {
  let lab: Lab;
  let danted: Danted;

  before(async () => {
    gate.check();
    lab = createLab();
    addSinkRoute(lab);
    installLeakCounter(lab);
    await startTargets(lab);
    const py = bin('python3');
    const echo = lab.spawn(lab.proxy, [py, '-c', PY_UDP_ECHO_SERVER, lab.targetIp4, lab.targetIp6, String(UDP_ECHO_PORT)]);
    await new Promise<void>((resolve) => echo.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve()));
    danted = await startDanted(lab, 1080);
  });
  after(() => lab?.destroy());
  beforeEach(() => { if (lab) takeLeaks(lab); });
  afterEach((t) => { if (lab) assertNoLeaks(lab, t.name); });

  test('a frame the program writes to the shim\'s control descriptor is never taken for an answer: the next connect fails closed, nothing direct', async () => {
    // What the agent answers "direct" to: a CONNECT for loopback, well formed as the shim would send it.
    const frame = requestFrame(Op.connect, Buffer.from([1, 4, 127, 0, 0, 1, 0, 9]), 1).toString('hex');
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
});
