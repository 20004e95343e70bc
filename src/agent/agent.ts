import { mkdtempSync, readdirSync, rmSync, rmdirSync, unlinkSync, chmodSync } from 'node:fs';
import { randomBytes } from '../native/lazy-crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import type { SockswrapConfig } from '../config/config-types';
import type { Logger } from '../log/logger';
import { BindBroker } from './bind-broker';
import { ConnectBroker } from './connect-broker';
import { ControlServer, type AgentCounts } from './control-server';
export type { AgentCounts } from './control-server';
import { DialSessions } from './dial-sessions';
import { TOKEN_LEN, serializeWireAddress } from '../wire';
import { TorNames } from './tor-names';
import { dnsServiceFor, type DnsService } from './dns-service';
import { FakeDnsTable } from './fake-dns-table';
import { HostsFile } from './hosts-file';
import { PeerTable } from './peer-table';
import { RoutePolicy } from './route-policy';
import { Router } from './routing';
import { TcpRelay } from './tcp-relay';
import { UdpRelay } from './udp-relay';
import { hasTlsHop } from '../client/tls-hop';
import { PipelineLedger } from '../client/pipelining';
import { socketProber } from '../client/pipeline-probe';
import { describeHop } from '../client/proxy-hop';
import { DIR_PREFIX, removeStaleDirs, writeOwner } from './stale-dirs';

/**
 * The SOCKS client side of a run, living in the launcher process: the control socket the shim
 * asks, the relay its sockets are connected to, and the fake-DNS table of the whole process tree.
 */
export class Agent {
  private constructor(
    /** The private 0700 directory of this run (control socket, shim link). */
    readonly dir: string,
    /** Where earlier runs' directories are (a run's own agent only). */
    private readonly tidyParent: string | undefined,
    private readonly control: ControlServer,
    private readonly relay: TcpRelay,
    private readonly broker: ConnectBroker,
    private readonly binds: BindBroker,
    private readonly udp: UdpRelay,
    private readonly dns: DnsService | undefined,
    /** What the program's environment needs to reach this agent. */
    readonly env: Record<string, string>,
  ) {}

  /**
   * Removes what kill -9 of earlier runs left behind (stale-dirs.ts: only dirs whose owner is
   * gone). The launcher calls it once the program is started, so the program does not wait for it.
   * Returns the directories removed.
   */
  tidy(): string[] {
    return this.tidyParent === undefined ? [] : removeStaleDirs(this.tidyParent);
  }

  /**
   * `dir`: a persistent agent's own 0700 directory, made by its caller (shell mode,
   * src/cli/agent-state.ts); absent, a run's private directory is made here.
   */
  static async start(config: SockswrapConfig, log: Logger, opts: { dir?: string } = {}): Promise<Agent> {
    let dir = opts.dir;
    let tidyParent: string | undefined;
    if (dir === undefined) {
      const parent = socketParent();
      // What kill -9 of earlier runs left behind (stale-dirs.ts): only dirs whose owner is gone.
      // Tidied once the program is started (tidy(), below): off its start-up path.
      tidyParent = parent;
      dir = mkdtempSync(join(parent, DIR_PREFIX));
      chmodSync(dir, 0o700);
      writeOwner(dir);
    }
    const socketPath = join(dir, 'agent.sock');
    const token = randomBytes(TOKEN_LEN);
    // SOCKSWRAP_PIPELINE=0 (diagnostics, the benchmark's "before"): no SOCKS5 handshake is pipelined.
    const pipelining = process.env.SOCKSWRAP_PIPELINE === '0' ? undefined : new PipelineLedger(
      socketProber({ connectMs: config.tcpConnectTimeoutMs, readMs: config.tcpReadTimeoutMs }),
      (proxy, state) => log.info(`${describeHop(proxy)}: ${state === 'yes' ? 'takes pipelined handshakes' : state === 'no' ? 'does not take pipelined handshakes (one message per round trip)' : 'failed a pipelined handshake; no more pipelining with it'}`),
    );
    const broker = new ConnectBroker(config, log, pipelining);
    // The original destination of every proxied TCP socket, relay and dial path alike (PEER).
    const peers = new PeerTable();
    const relay = new TcpRelay(broker, peers);
    const policy = new RoutePolicy(config.localnets);
    const fakeDns = new FakeDnsTable(config.remoteDnsSubnet);
    const hosts = HostsFile.load();
    const dns = dnsServiceFor(config, { log, fakeDns, hosts, roundRobin: broker.roundRobin });
    // The one routing decision (routing.ts), for the relay path, the dial path and UDP.
    const router = new Router({ fakeDns, policy, dnat: config.dnat, agentDns: dns });
    // SOCKSWRAP_UDP_FAST=0 (diagnostics, the tests' and the benchmark's "before"): every datagram
    // goes through the agent's relay (docs/udp.md, "The fast path").
    const udp = new UdpRelay({ config, log, router, roundRobin: broker.roundRobin, dns, fast: process.env.SOCKSWRAP_UDP_FAST !== '0', epochFile: join(dir, 'udp-epoch') });
    // --no-bind / no_bind: listening sockets stay local (docs/bind.md).
    const binds = new BindBroker(config, log, peers, broker.roundRobin, config.noBind !== true);
    const control = new ControlServer({
      token,
      broker,
      router,
      fakeDns,
      udp,
      hosts,
      remoteDns: config.proxyDns,
      peers,
      // SOCKSWRAP_DIAL=0 (diagnostics, the benchmark's "before"): every proxied connect takes the relay.
      // SOCKSWRAP_STANDING=0 (diagnostics): the dial path asks the agent for every connect.
      // SOCKSWRAP_TEMPLATES=0 (diagnostics, the benchmark's "before"): no dial templates; a first connect to each destination asks.
      // A chain with an https hop too: the shim cannot do TLS (docs/upstreams.md, "https").
      dial: process.env.SOCKSWRAP_DIAL === '0' || hasTlsHop(config.proxies) ? undefined : new DialSessions(config, log, broker.roundRobin, process.env.SOCKSWRAP_STANDING !== '0', peers, pipelining, process.env.SOCKSWRAP_TEMPLATES === '0' ? undefined : () => router.templateScope()),
      // SOCKSWRAP_ASYNC_DIAL=0 (diagnostics, comparisons): non-blocking connects keep the relay.
      asyncDial: process.env.SOCKSWRAP_ASYNC_DIAL !== '0',
      binds,
      proxyAddresses: proxyAddresses(config),
      dns,
      tor: config.proxyDns ? TorNames.for(config, log) : undefined,
      log,
    });
    try {
      const { port4, port6 } = await relay.listen();
      const udpPorts = await udp.listen();
      await control.listen(socketPath);
      chmodSync(socketPath, 0o600);
      return new Agent(dir, tidyParent, control, relay, broker, binds, udp, dns, {
        SOCKSWRAP_SOCK: socketPath,
        SOCKSWRAP_TOKEN: token.toString('hex'),
        SOCKSWRAP_RELAY_PORT4: String(port4),
        SOCKSWRAP_RELAY_PORT6: String(port6),
        SOCKSWRAP_UDP_PORT4: String(udpPorts.port4),
        SOCKSWRAP_UDP_PORT6: String(udpPorts.port6),
        SOCKSWRAP_REMOTE_DNS: config.proxyDns ? '1' : '0',
      });
    } catch (err) {
      relay.close();
      binds.close();
      udp.close();
      dns?.close();
      control.close();
      if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** What `sockswrap status` shows: programs and connections seen so far. */
  counts(): AgentCounts {
    return this.control.counts();
  }

  /** Synchronous, so it can run on the way out of a signal death. */
  close(): void {
    this.control.close();
    this.relay.close();
    this.udp.close();
    this.dns?.close();
    this.broker.close();
    this.binds.close();
    removeRunDir(this.dir);
  }
}

/**
 * The run's directory holds files only (the control socket, the owner record, a shim link): they
 * are unlinked one by one, a few system calls, where rmSync's recursive walk loads and runs a
 * JS rimraf on every exit (docs/benchmarks.md, "Start-up"). Anything else falls back to it.
 */
function removeRunDir(dir: string): void {
  try {
    for (const name of readdirSync(dir)) unlinkSync(join(dir, name));
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The proxies given by IP address, wire form with port: what a socket on the dial path can be connected to. */
function proxyAddresses(config: SockswrapConfig): Buffer[] {
  return config.proxies
    .filter((p) => isIP(p.host) !== 0)
    .map((p) => serializeWireAddress(p.host, p.port));
}

/** A Unix socket path must fit in 108 bytes; a long $TMPDIR falls back to /tmp. */
function socketParent(): string {
  const dir = tmpdir();
  return dir.length <= 60 ? dir : '/tmp';
}
