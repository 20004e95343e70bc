/**
 * With remote DNS on, the agent stands in for the nameservers of /etc/resolv.conf (docs/fake-dns.md):
 * a program's own DNS queries to them, over UDP (udp-relay.ts hands them here) or TCP (a stream
 * the agent serves itself, dns-stream-server.ts), are answered by the DnsResponder; what it does
 * not answer goes as DNS over TCP through the chain to the resolver the user named
 * (--dns-server / remote_dns_server), or is REFUSED with one log line.
 */
import ipaddr from 'ipaddr.js';
import type { Logger } from '../log/logger';
import { connectChain, type EstablishedChain, type RoundRobinCursor } from '../client/chain-connect';
import type { SockswrapConfig } from '../config/config-types';
import { Rcode, buildDnsReply, fitDnsAnswerToUdp } from '../protocol/dns-message';
import { formatTarget, type TargetAddress } from '../protocol/target-address';
import { parseWireIpAddr } from '../wire';
import { queryDnsOverTcp, type OpenStream } from './dns-over-tcp';
import { DnsResponder } from './dns-responder';
import { DnsStreamServer } from './dns-stream-server';
import type { FakeDnsTable } from './fake-dns-table';
import type { HostsFile } from './hosts-file';
import { Nameservers } from './resolv-conf';
import type { ScopeRange } from './template-scope';
import { unmap } from './route-policy';

export const DNS_PORT = 53;

export interface DnsServiceDeps {
  log: Logger;
  fakeDns: FakeDnsTable;
  hosts: HostsFile;
  nameservers: Nameservers;
  /** The resolver other types go to, through the chain; absent: REFUSED. */
  dnsServer?: TargetAddress;
  /** A TCP stream through the chain (connectChain). */
  open: OpenStream;
  /** For one forwarded query, connect + answer. */
  timeoutMs: number;
}

/** An IP destination in wire form (`fam | 4 or 16 bytes | port`) as a target, v4-mapped unwrapped. */
export function wireTarget(wire: Buffer): TargetAddress {
  const { ip, length } = parseWireIpAddr(wire, 0);
  const host = unmap(ip);
  return { kind: host.kind() === 'ipv4' ? 'ipv4' : 'ipv6', host: host.toString(), port: wire.readUInt16BE(length) };
}

/** connectChain with the run's chain, for DNS over TCP. */
export function chainOpener(config: SockswrapConfig, roundRobin?: RoundRobinCursor): OpenStream {
  return (target, signal) =>
    connectChain(target, {
      proxies: config.proxies,
      type: config.chainType,
      chainLen: config.chainLen,
      timeouts: { connectMs: config.tcpConnectTimeoutMs, readMs: config.tcpReadTimeoutMs },
      signal,
      roundRobin,
    });
}

/** The DnsService of a run with remote DNS on; undefined with it off. */
export function dnsServiceFor(config: SockswrapConfig, deps: { log: Logger; fakeDns: FakeDnsTable; hosts: HostsFile; roundRobin?: RoundRobinCursor }): DnsService | undefined {
  if (!config.proxyDns) return undefined;
  const server = config.dnsServer;
  return new DnsService({
    ...deps,
    nameservers: Nameservers.load(),
    dnsServer: server && { kind: ipaddr.parse(server.address).kind() === 'ipv4' ? 'ipv4' : 'ipv6', host: server.address, port: server.port },
    open: chainOpener(config, deps.roundRobin),
    timeoutMs: config.tcpConnectTimeoutMs + config.tcpReadTimeoutMs,
  });
}

export class DnsService {
  readonly responder: DnsResponder;
  private refusalLogged = false;
  private readonly streams: DnsStreamServer;

  constructor(private readonly deps: DnsServiceDeps) {
    this.responder = new DnsResponder(deps.fakeDns, deps.hosts);
    this.streams = new DnsStreamServer((query, who) => this.answer(query, 'tcp', who));
  }

  /** For a program's TCP connect to a claimed nameserver: the stream the relay pipes it to. */
  openStream(who: string): Promise<EstablishedChain> {
    return this.streams.open(who);
  }

  close(): void {
    this.streams.close();
  }

  /** What claims() answers for, as ranges of one address each (dial templates' scope, template-scope.ts). */
  claimedRanges(): ScopeRange[] {
    return this.deps.nameservers.list.map((address) => ({ address, prefix: ipaddr.parse(address).kind() === 'ipv4' ? 32 : 128, port: DNS_PORT }));
  }

  /** A destination the agent answers: a resolv.conf nameserver, port 53. */
  claims(ip: ipaddr.IPv4 | ipaddr.IPv6, port: number): boolean {
    return port === DNS_PORT && this.deps.nameservers.has(unmap(ip));
  }

  /** claims() of a destination in wire form (`fam | 4 or 16 bytes | port`); false for a malformed one. */
  claimsWire(wire: Buffer): boolean {
    try {
      const { ip, length } = parseWireIpAddr(wire, 0);
      return wire.length >= length + 2 && this.claims(ip, wire.readUInt16BE(length));
    } catch {
      return false;
    }
  }

  /**
   * The answer to one query from `who` (for log lines), or undefined when it is dropped. Over UDP
   * an answer past the client's size goes truncated (TC), and the client asks again over TCP.
   * Never rejects.
   */
  async answer(query: Buffer, transport: 'udp' | 'tcp', who: string): Promise<Buffer | undefined> {
    const whole = await this.answerWhole(query, who);
    if (!whole || transport === 'tcp') return whole;
    return fitDnsAnswerToUdp(query, whole);
  }

  private async answerWhole(raw: Buffer, who: string): Promise<Buffer | undefined> {
    const { log, dnsServer } = this.deps;
    const outcome = this.responder.respond(raw);
    if (outcome.kind === 'drop') {
      log.info(`${who}: DNS query dropped: ${outcome.reason}`);
      return undefined;
    }
    if (outcome.kind === 'answer') {
      if (log.showsInfo !== false) log.info(`${who}: DNS answered by sockswrap (${outcome.what})`);
      return outcome.message;
    }
    const q = outcome.query.question;
    const asked = `${q.typeName.replace(/^UNKNOWN_/, 'TYPE')} ${q.name || '.'}`;
    if (!dnsServer) {
      if (!this.refusalLogged) {
        this.refusalLogged = true;
        log.error(
          `${who}: DNS ${asked}: REFUSED: with remote DNS, sockswrap answers A, AAAA and PTR itself; to have other types asked through the proxy, name a resolver with --dns-server IP[:PORT] (proxychains.conf: remote_dns_server IP[:PORT])`,
        );
      }
      return outcome.refused;
    }
    const started = Date.now();
    try {
      const answer = await queryDnsOverTcp(this.deps.open, dnsServer, raw, this.deps.timeoutMs);
      log.info(`${who}: DNS ${asked}: asked ${formatTarget(dnsServer)} over TCP through the chain, answered in ${Date.now() - started} ms`);
      return answer;
    } catch (err) {
      log.error(`${who}: DNS ${asked}: ${formatTarget(dnsServer)} over TCP through the chain failed: ${err instanceof Error ? err.message : String(err)}; SERVFAIL`);
      return buildDnsReply(outcome.query, Rcode.servFail);
    }
  }
}
