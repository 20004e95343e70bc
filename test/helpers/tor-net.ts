// A private Tor network inside a lab's proxy namespace, for the tests (issue 17; issue 18 reuses it).
//
//   a1 a2 a3   directory authorities (tor-gencert keys), also non-exit relays and HSDirs
//   r1 r2      exit relays: ExitPolicy accept *:*, ExitPolicyRejectPrivate 0, DNS from the lab's
//              dnsmasq (ServerDNSResolvConfFile), so names resolve only in the lab
//   hs         an onion service for the target's web server
//   client     SocksPort on the proxy ns's address (ExtendedErrors), ControlPort beside it, and a
//              ControlSocket the test process reaches from the host namespace
//
// Every node has DirAuthority lines for the three authorities only, so no node knows the real
// network's authorities or fallbacks; the namespace has no route out besides. TestingTorNetwork
// with a 10 s voting interval gets a first consensus in seconds. All nodes listen on the proxy
// ns's veth address (distinct ports): TestingTorNetwork sets AuthDirMaxServersPerAddr 0 and
// EnforceDistinctSubnets 0.
//
// The lab DNS (dnsmasq on TOR_WWW_IP) knows `www.tor.test` (A + PTR) on an address that only it
// names: /etc/hosts of the proxy ns does not, so a name or a PTR answered through Tor is proof that
// the exit asked the lab's DNS.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Lab } from './net-lab';
import { bin } from './peers';
import { HTTP_PORT } from './target-server';

export const TOR_SOCKS_PORT = 9050;
export const TOR_CONTROL_PORT = 9051;
export const TOR_WWW_NAME = 'www.tor.test';
/** Ports of the onion service: 80 → the target's web server. */
export const ONION_HTTP_PORT = 80;

export interface TorNet {
  /** The client's SocksPort (reachable from the client ns). */
  socksHost: string;
  socksPort: number;
  /** The client's ControlPort, on the same address (no authentication: lab only). */
  controlPort: number;
  /** The client's ControlSocket path, for the test process (host namespace). */
  controlSocket: string;
  /** The onion service's hostname (56 chars + ".onion"), serving the target's HTTP on port 80. */
  onion: string;
  /** Address of the lab's DNS server; also where www.tor.test points (a target server runs there). */
  wwwIp: string;
  /** Milliseconds from starting the first tor to the onion service being reachable. */
  bootstrapMs: number;
  /** One control command on the client's ControlSocket; returns the reply text (throws on non-250). */
  control(command: string): Promise<string>;
  /** The notice logs of all nodes, for assertion messages. */
  logs(): string;
  stop(): Promise<void>;
}

interface Node {
  name: string;
  dir: string;
  child?: ChildProcess;
  out: string;
}

const AUTH = 3;
const RELAYS = 2;

/** The address the www.tor.test name and the lab's DNS server use (on the proxy ns's lo). */
export function torWwwIp(lab: Lab): string {
  return `198.19.${lab.n}.80`;
}

function runSync(argv: string[], input = ''): string {
  const r = spawnSync(argv[0], argv.slice(1), { input, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Make a relay's identity keys in dir (tor exits at once) and return its fingerprint. */
function listFingerprint(lab: Lab, emptyTorrc: string, dir: string, orPort: number, nick: string): string {
  runSync(['ip', 'netns', 'exec', lab.proxy, bin('tor'), '--list-fingerprint', '--defaults-torrc', emptyTorrc, '-f', emptyTorrc,
    '--DataDirectory', dir, '--ORPort', String(orPort), '--Nickname', nick,
    '--DirAuthority', 'placeholder 127.0.0.1:1 ffffffffffffffffffffffffffffffffffffffff']);
  return readFileSync(join(dir, 'fingerprint'), 'utf8').trim().split(/\s+/)[1];
}

const COMMON = [
  'TestingTorNetwork 1',
  'AssumeReachable 1',
  'PathsNeededToBuildCircuits 0.67',
  'TestingDirAuthVoteHSDir *',
  'TestingDirAuthVoteGuard *',
  'TestingMinExitFlagThreshold 0',
  'TestingMinFastFlagThreshold 0',
  // Vanguards-lite (tor 0.4.7+) picks onion circuits' second hop from a set a network of five
  // relays sometimes cannot fill ("Could not find a node that matches the configured
  // _HSLayer2Nodes set"): the onion service then never built its introduction circuits.
  'VanguardsLiteEnabled 0',
  'V3AuthNIntervalsValid 2',
  'RunAsDaemon 0',
  'ShutdownWaitLength 0',
  'SafeLogging 0',
  'LogTimeGranularity 1',
  'Log notice stdout',
];

/**
 * Start the network in lab's proxy ns and wait until the client has bootstrapped and the onion
 * service answers. Prints the bootstrap time (a `#` line, shown in the test log).
 */
export async function startTorNet(lab: Lab): Promise<TorNet> {
  const started = Date.now();
  const ip = lab.proxyIp4;
  const wwwIp = torWwwIp(lab);
  const root = join(lab.dir, 'tor');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const empty = join(root, 'empty-torrc');
  writeFileSync(empty, '');
  const nodes: Node[] = [];
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    // TOR_KEEP_LOGS=DIR keeps every node's info log (they go with the lab otherwise).
    const keep = process.env.TOR_KEEP_LOGS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      for (const n of nodes) if (existsSync(join(n.dir, 'info.log'))) copyFileSync(join(n.dir, 'info.log'), join(keep, `${n.name}.log`));
    }
    await Promise.all(children.map((c) => new Promise<void>((res) => {
      if (c.exitCode !== null || c.signalCode !== null) return res();
      c.once('exit', () => res());
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 3000).unref();
    })));
  };
  try {
    // The lab DNS: the only resolver the exits have.
    spawnSync('ip', ['-n', lab.proxy, 'addr', 'add', `${wwwIp}/32`, 'dev', 'lo']);
    const rev = wwwIp.split('.').reverse().join('.') + '.in-addr.arpa';
    const dns = lab.spawn(lab.proxy, [
      bin('dnsmasq'), '--no-daemon', '--no-resolv', '--no-hosts', `--listen-address=${wwwIp}`, '--bind-interfaces',
      '--port', '53', `--host-record=${TOR_WWW_NAME},${wwwIp}`, `--ptr-record=${rev},${TOR_WWW_NAME}`,
      `--pid-file=${join(root, 'dnsmasq.pid')}`, '--log-queries', '--log-facility=-',
    ]);
    children.push(dns);
    const dnsOut: { text: string } = { text: '' };
    dns.stdout?.on('data', (b: Buffer) => { dnsOut.text += b.toString(); });
    dns.stderr?.on('data', (b: Buffer) => { dnsOut.text += b.toString(); });
    const resolv = join(root, 'resolv.conf');
    writeFileSync(resolv, `nameserver ${wwwIp}\n`);

    // Authorities: an authority identity + signing certificate each, and a relay fingerprint.
    const dirAuthLines: string[] = [];
    for (let i = 1; i <= AUTH; i++) {
      const dir = join(root, `a${i}`);
      mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
      runSync([bin('tor-gencert'), '--create-identity-key', '--passphrase-fd', '0', '-m', '12',
        '-a', `${ip}:${7000 + i}`, '-i', join(dir, 'keys', 'authority_identity_key'),
        '-s', join(dir, 'keys', 'authority_signing_key'), '-c', join(dir, 'keys', 'authority_certificate')], '\n');
      const cert = readFileSync(join(dir, 'keys', 'authority_certificate'), 'utf8');
      const v3ident = /^fingerprint ([0-9A-F]{40})$/m.exec(cert)?.[1];
      if (!v3ident) throw new Error(`no fingerprint in ${dir}/keys/authority_certificate`);
      const fp = listFingerprint(lab, empty, dir, 5000 + i, `a${i}`);
      dirAuthLines.push(`DirAuthority a${i} orport=${5000 + i} no-v2 v3ident=${v3ident} ${ip}:${7000 + i} ${fp}`);
      nodes.push({ name: `a${i}`, dir, out: '' });
    }
    // The exits' fingerprints, so the authorities give the Exit flag to them only (not to
    // themselves, which `TestingDirAuthVoteExit *` would do, whatever their exit policy).
    const exitFps: string[] = [];
    for (let i = 1; i <= RELAYS; i++) {
      const dir = join(root, `r${i}`);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      exitFps.push(listFingerprint(lab, empty, dir, 5000 + AUTH + i, `r${i}`));
      nodes.push({ name: `r${i}`, dir, out: '' });
    }
    nodes.push({ name: 'hs', dir: join(root, 'hs'), out: '' });
    nodes.push({ name: 'client', dir: join(root, 'client'), out: '' });

    const controlSocket = join(root, 'client', 'control');
    for (const [k, node] of nodes.entries()) {
      mkdirSync(node.dir, { recursive: true, mode: 0o700 });
      const lines = [...COMMON, `TestingDirAuthVoteExit ${exitFps.map((f) => '$' + f).join(',')}`, `Log info file ${join(node.dir, 'info.log')}`, `DataDirectory ${node.dir}`, `Nickname ${node.name}`, `__OwningControllerProcess ${process.pid}`, ...dirAuthLines];
      if (node.name.startsWith('a') || node.name.startsWith('r')) {
        const n = k + 1;
        lines.push(`Address ${ip}`, `ORPort ${ip}:${5000 + n}`, `DirPort ${ip}:${7000 + n}`, 'SocksPort 0',
          'ContactInfo lab@tor.test');
      }
      if (node.name.startsWith('a')) {
        lines.push('AuthoritativeDirectory 1', 'V3AuthoritativeDirectory 1', 'ExitRelay 0', 'ExitPolicy reject *:*',
          'TestingV3AuthInitialVotingInterval 10', 'TestingV3AuthInitialVoteDelay 2', 'TestingV3AuthInitialDistDelay 2',
          'V3AuthVotingInterval 10', 'V3AuthVoteDelay 2', 'V3AuthDistDelay 2');
      } else if (node.name.startsWith('r')) {
        lines.push('ExitRelay 1', 'ExitPolicy accept *:*', 'ExitPolicyRejectPrivate 0', 'IPv6Exit 1',
          `ServerDNSResolvConfFile ${resolv}`, 'ServerDNSDetectHijacking 0');
      } else if (node.name === 'hs') {
        lines.push('SocksPort 0', `HiddenServiceDir ${join(node.dir, 'service')}`,
          `HiddenServicePort ${ONION_HTTP_PORT} ${lab.targetIp4}:${HTTP_PORT}`);
      } else {
        lines.push(`SocksPort ${ip}:${TOR_SOCKS_PORT} ExtendedErrors`, `ControlPort ${ip}:${TOR_CONTROL_PORT}`,
          `ControlSocket ${controlSocket}`, 'CookieAuthentication 0');
      }
      writeFileSync(join(node.dir, 'torrc'), lines.join('\n') + '\n');
    }

    const waitLine = (node: Node, re: RegExp, ms: number): Promise<void> => new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`tor ${node.name}: no ${re} in ${ms} ms:\n${node.out.slice(-3000)}`)), ms);
      const check = (): void => {
        if (re.test(node.out)) { clearTimeout(timer); res(); }
      };
      node.child!.stdout!.on('data', check);
      node.child!.once('exit', (code, sig) => { clearTimeout(timer); rej(new Error(`tor ${node.name} exited (${code ?? sig}):\n${node.out.slice(-3000)}`)); });
      check();
    });
    for (const node of nodes) {
      const child = lab.spawn(lab.proxy, [bin('tor'), '--defaults-torrc', empty, '-f', join(node.dir, 'torrc')]);
      node.child = child;
      children.push(child);
      child.stdout!.on('data', (b: Buffer) => { node.out += b.toString(); });
      child.stderr!.on('data', (b: Buffer) => { node.out += b.toString(); });
    }
    const client = nodes.find((n) => n.name === 'client')!;
    const hs = nodes.find((n) => n.name === 'hs')!;
    const hostnameFile = join(hs.dir, 'service', 'hostname');
    await Promise.all([
      waitLine(client, /Bootstrapped 100%/, 180_000),
      waitLine(hs, /Bootstrapped 100%/, 180_000),
    ]);
    const bootstrapped = Date.now();
    if (!existsSync(hostnameFile)) throw new Error(`onion service wrote no ${hostnameFile}`);
    const onion = readFileSync(hostnameFile, 'utf8').trim();

    const control = (command: string): Promise<string> => controlCommand(controlSocket, command);
    // A relay that published late is missing from the first consensus: wait for one with all.
    await waitConsensus(controlSocket, AUTH + RELAYS, 120_000);
    // The onion service is ready when the client can fetch its descriptor: ask Tor (HSFETCH) and
    // wait for the HS_DESC RECEIVED event, asking again after each FAILED (not yet uploaded).
    await waitOnionDescriptor(controlSocket, onion, 120_000);
    // A young network's exits sometimes answer a first stream with END (SOCKS 0x01): ready means an
    // exit has resolved the lab's name (control RESOLVE answered by an ADDRMAP with an address).
    await waitExitResolves(controlSocket, TOR_WWW_NAME, 120_000);
    const bootstrapMs = Date.now() - started;
    console.log(`# private Tor network: client bootstrapped in ${((bootstrapped - started) / 1000).toFixed(1)} s, ` +
      `onion service reachable after ${(bootstrapMs / 1000).toFixed(1)} s (${AUTH} authorities, ${RELAYS} exits)`);
    return {
      socksHost: ip, socksPort: TOR_SOCKS_PORT, controlPort: TOR_CONTROL_PORT, controlSocket, onion, wwwIp,
      bootstrapMs, control,
      logs: () => nodes.map((n) => `--- tor ${n.name}\n${n.out.slice(-4000)}`).join('\n') + `\n--- dnsmasq\n${dnsOut.text.slice(-20000)}`,
      stop,
    };
  } catch (e) {
    const tail = nodes.map((n) => `--- tor ${n.name}\n${n.out.slice(-1500)}`).join('\n');
    await stop();
    throw new Error(`private Tor network did not start: ${(e as Error).message}\n${tail}`);
  }
}

/** Read control-protocol replies: yields each complete reply (all its lines) as text. */
class ReplyReader {
  private buf = '';
  private lines: string[] = [];
  private inData = false;
  readonly replies: string[] = [];
  readonly events: string[] = [];
  private wake: (() => void)[] = [];
  feed(chunk: string): void {
    this.buf += chunk;
    for (;;) {
      const nl = this.buf.indexOf('\r\n');
      if (nl < 0) break;
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 2);
      this.lines.push(line);
      if (this.inData) {
        if (line === '.') this.inData = false;
        continue;
      }
      if (/^\d{3}\+/.test(line)) { this.inData = true; continue; }
      if (/^\d{3} /.test(line)) {
        const text = this.lines.join('\n');
        this.lines = [];
        (line.startsWith('650') ? this.events : this.replies).push(text);
        for (const w of this.wake.splice(0)) w();
      }
    }
  }
  next<T>(take: () => T | undefined, ms: number, what: string): Promise<T> {
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`tor control: no ${what} in ${ms} ms`)), ms);
      const check = (): void => {
        const v = take();
        if (v !== undefined) { clearTimeout(timer); res(v); } else this.wake.push(check);
      };
      check();
    });
  }
}

function openControl(path: string): Promise<{ sock: net.Socket; reader: ReplyReader; send(cmd: string): Promise<string> }> {
  return new Promise((res, rej) => {
    const sock = net.connect({ path });
    const reader = new ReplyReader();
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => reader.feed(d));
    sock.once('error', rej);
    sock.once('connect', () => {
      const send = async (cmd: string): Promise<string> => {
        sock.write(cmd + '\r\n');
        const reply = await reader.next(() => reader.replies.shift(), 30_000, `reply to ${cmd}`);
        if (!/^250[ -]/.test(reply.split('\n').at(-1) ?? '')) throw new Error(`tor control: ${cmd} → ${reply}`);
        return reply;
      };
      send('AUTHENTICATE').then(() => res({ sock, reader, send }), rej);
    });
  });
}

async function controlCommand(path: string, command: string): Promise<string> {
  const c = await openControl(path);
  try {
    return await c.send(command);
  } finally {
    c.sock.destroy();
  }
}

async function waitConsensus(path: string, relays: number, ms: number): Promise<void> {
  const c = await openControl(path);
  try {
    await c.send('SETEVENTS NEWCONSENSUS');
    for (;;) {
      c.reader.events.length = 0;
      const ns = await c.send('GETINFO ns/all');
      if ((ns.match(/^r /gm) ?? []).length >= relays) return;
      await c.reader.next(() => c.reader.events.shift(), ms, `a consensus with ${relays} relays`);
    }
  } finally {
    c.sock.destroy();
  }
}

async function waitExitResolves(path: string, name: string, ms: number): Promise<void> {
  const c = await openControl(path);
  const deadline = Date.now() + ms;
  try {
    await c.send('SETEVENTS ADDRMAP');
    for (;;) {
      c.reader.events.length = 0;
      await c.send(`RESOLVE ${name}`);
      const ev = await c.reader.next(() => {
        const i = c.reader.events.findIndex((e) => e.includes(`ADDRMAP ${name} `));
        return i >= 0 ? c.reader.events.splice(i, 1)[0] : undefined;
      }, Math.max(1000, deadline - Date.now()), `ADDRMAP for ${name}`);
      if (!/ADDRMAP \S+ <error>/.test(ev)) return;
      if (Date.now() > deadline) throw new Error(`no exit resolved ${name}: ${ev}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    c.sock.destroy();
  }
}

async function waitOnionDescriptor(path: string, onion: string, ms: number): Promise<void> {
  const c = await openControl(path);
  const id = onion.replace(/\.onion$/, '');
  const deadline = Date.now() + ms;
  try {
    await c.send('SETEVENTS HS_DESC');
    for (;;) {
      c.reader.events.length = 0;
      await c.send(`HSFETCH ${id}`);
      const ev = await c.reader.next(() => {
        const i = c.reader.events.findIndex((e) => / (RECEIVED|FAILED) /.test(e) && e.includes(id));
        return i >= 0 ? c.reader.events.splice(i, 1)[0] : undefined;
      }, Math.max(1000, deadline - Date.now()), `HS_DESC for ${id}`);
      if (/ RECEIVED /.test(ev)) return;
      if (Date.now() > deadline) throw new Error(`onion descriptor never fetched: ${ev}`);
      // FAILED: not uploaded yet. The next upload comes with the service's next event; asking again
      // at once would spin, so wait for any further HS_DESC event from the service side or 1 s.
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    c.sock.destroy();
  }
}

/**
 * Wait until a stream by name reaches `url` through the client's SocksPort, unwrapped (curl's own
 * SOCKS5 in the client ns). An exit that has resolved the lab's name can still answer the first
 * stream to a port with END (SOCKS 0x01) while the young network settles; the tests prove
 * sockswrap, so they start once Tor itself carries a stream. Prints how many tries it took.
 */
export async function waitExitStream(lab: Lab, tor: TorNet, url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (let tries = 1; ; tries++) {
    const r = await lab.run(lab.client, [
      bin('curl'), '-sS', '-o', '/dev/null', '--max-time', '30',
      '--socks5-hostname', `${tor.socksHost}:${tor.socksPort}`, url,
    ]);
    if (r.status === 0) {
      if (tries > 1) console.log(`# private Tor network: a stream to ${url} went through on try ${tries}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`Tor carried no stream to ${url} in ${ms} ms: ${r.stderr.toString()}`);
    // Each failure is a finished stream; pause so a settling network gets a new circuit.
    await new Promise((res) => setTimeout(res, 1000));
  }
}
