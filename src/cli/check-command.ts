// `sockswrap check`: walks the configured chain hop by hop and says what works (docs/chains.md).
import { Command, InvalidArgumentError } from 'commander';
import type net from 'node:net';
import { isIP } from 'node:net';
import { constants } from 'node:os';
import { isatty } from 'node:tty';
import { ChainError, connectChain, connectThroughChain, driveHandshake, openTcp, type ChainTimeouts } from '../client/chain-connect';
import { ChainHandshake, DESTINATION_FAILURES, asSockswrapError } from '../client/chain-driver';
import { CLOSED_ON_ASSOCIATE, associateOver } from '../client/udp-associate';
import { hopsPerConnection } from '../client/hop-selection';
import { describeHop, proxyAsTarget } from '../client/proxy-hop';
import { startTls } from '../client/tls-hop';
import { probeUdpRelay } from './udp-relay-probe';
import type { ProxySpec, SockswrapConfig } from '../config/config-types';
import { chainDirective } from '../config/config-support';
import { errnoFor } from '../protocol/errno-map';
import { SockswrapError } from '../protocol/sockswrap-error';
import { formatTarget, type TargetAddress } from '../protocol/target-address';
import { addChainOptions, applyChainOptions, type ChainCliOptions } from './chain-options';
import { loadConfig } from './load-config';
import { escapeControl } from '../log/terminal-text';
import { probeTor, torLines, type TorReport } from './tor-check';
import { applyTorIsolation, torConfig } from '../config/tor-config';

export const EXIT_OK = 0;
export const EXIT_BROKEN = 1;
export const EXIT_USAGE = 2;

export interface ErrorReport {
  code: string;
  message: string;
  /** The errno a wrapped program would see, by name (ECONNREFUSED, ...). */
  errno: string;
}

export interface HopReport {
  hop: number;
  type: string;
  address: string;
  /** ok: reached and handshake done; dead: not reachable or handshake failed; untested: not reached. */
  status: 'ok' | 'dead' | 'untested';
  auth: { method: string | null; result: 'ok' | 'rejected' | 'no acceptable method' | null };
  handshakeMs: number | null;
  error: ErrorReport | null;
}

export interface CheckReport {
  ok: boolean;
  source: string;
  chain: string;
  chainLen: number | null;
  hops: HopReport[];
  udpAssociate: { hop: number | null; granted: boolean; detail: string };
  target: null | {
    address: string;
    reachable: boolean;
    via: string[];
    timeMs: number | null;
    error: ErrorReport | null;
  };
  /** Why the chain does not work, when it does not. */
  problem: string | null;
  /** Each hop marked Tor (--tor, tor_proxy): whether it answers as Tor's SocksPort (tor-check.ts). */
  tor?: TorReport[];
}

interface CheckOptions extends ChainCliOptions {
  proxy: string[];
  proxyFile?: string;
  config?: string;
  json?: boolean;
  tor?: string | true;
}

/** The `check` subcommand; its action sets process.exitCode. */
export function buildCheckCommand(): Command {
  const command = new Command('check')
    .description('test the configured chain hop by hop: reachability, authentication, UDP ASSOCIATE, and a target if given')
    .usage('[-f FILE | -x URL... | --proxy-file FILE] [--chain TYPE] [--chain-len N] [--json] [host:port]')
    .option('-x, --proxy <url>', 'proxy URL, repeatable in chain order', (url: string, all: string[]) => [...all, url], [] as string[])
    .option('--proxy-file <file>', 'proxy URLs, one a line in chain order (credentials stay out of the command line)')
    .option('-f, --config <file>', 'proxychains.conf to read (default: the search path)')
    .option('--json', 'print one JSON object (shape in docs/chains.md)')
    .option('--tor [host:port]', "check Tor's SocksPort ($TOR_SOCKS_HOST:$TOR_SOCKS_PORT, else 127.0.0.1:9050): is it Tor, and a test circuit to host:port")
    .argument('[target]', 'host:port to reach through the chain ([v6addr]:port for IPv6)', parseTarget);
  addChainOptions(command);
  return command
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .action(async (target: TargetAddress | undefined, opts: CheckOptions) => {
      let config: SockswrapConfig;
      try {
        const loaded = opts.tor !== undefined ? torConfig(opts.tor === true ? '' : opts.tor) : loadConfig({ proxyUrls: opts.proxy, configFile: opts.config, proxyFile: opts.proxyFile });
        config = applyChainOptions(applyTorIsolation(loaded, undefined, false), opts);
      } catch (err) {
        process.stderr.write(`sockswrap: ${escapeControl(err instanceof Error ? err.message : String(err))}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const report = await runCheck(config, target);
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : isatty(1) ? formatTable(report) : formatPlain(report));
      process.exitCode = report.ok ? EXIT_OK : EXIT_BROKEN;
    });
}

export function parseTarget(text: string): TargetAddress {
  const m = /^\[([^\]]+)\]:([0-9]+)$/.exec(text) ?? /^([^:[\]]+):([0-9]+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) {
    throw new InvalidArgumentError('expected host:port, as in example.com:443, 10.0.0.1:22 or [2001:db8::1]:80');
  }
  const host = m[1]!;
  const family = isIP(host);
  if (text.startsWith('[') && family !== 6) throw new InvalidArgumentError(`"${host}" in brackets is not an IPv6 address`);
  return { kind: family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : 'domain', host, port };
}

/**
 * Hop 1 directly, hop k through the hops before it that work (for a strict chain: all of them; a
 * dynamic, random or round-robin chain skips dead hops as it would for a connection). Each hop is
 * probed with a fresh connection, so one hop's state never leaks into the next row.
 */
export async function runCheck(config: SockswrapConfig, target?: TargetAddress): Promise<CheckReport> {
  const timeouts: ChainTimeouts = { connectMs: config.tcpConnectTimeoutMs, readMs: config.tcpReadTimeoutMs };
  const strict = config.chainType === 'strict';
  const hops: HopReport[] = [];
  const working: ProxySpec[] = [];
  let lastUdp: CheckReport['udpAssociate'] = { hop: null, granted: false, detail: 'no hop reached' };

  for (let i = 0; i < config.proxies.length; i++) {
    const proxy = config.proxies[i]!;
    const row: HopReport = {
      hop: i + 1,
      type: proxy.type,
      address: describeHop(proxy).slice(proxy.type.length + 1),
      status: 'untested',
      auth: { method: null, result: null },
      handshakeMs: null,
      error: null,
    };
    hops.push(row);
    if (strict && hops.some((h) => h.status === 'dead')) continue;

    let socket: net.Socket;
    let pending: Buffer = Buffer.alloc(0);
    try {
      if (working.length === 0) socket = await openTcp(proxy, timeouts.connectMs);
      else {
        const tunnel = await connectThroughChain(working, proxyAsTarget(proxy), timeouts);
        socket = tunnel.socket;
        pending = tunnel.rest;
      }
      if (proxy.type === 'https') socket = await startTls(socket, proxy, i, timeouts.readMs);
    } catch (err) {
      row.status = 'dead';
      row.error = errorReport(err);
      continue;
    }

    const next = config.proxies[i + 1];
    const isLast = i === config.proxies.length - 1;
    const probe = await probeHop(socket, proxy, pending, timeouts.readMs, next && !isLast ? proxyAsTarget(next) : target);
    socket.destroy();
    row.auth = probe.auth;
    row.handshakeMs = probe.handshakeMs;
    if (probe.error) {
      row.status = 'dead';
      row.error = errorReport(probe.error);
      continue;
    }
    row.status = 'ok';
    working.push(proxy);
    lastUdp = { hop: i + 1, granted: probe.udp.granted, detail: probe.udp.detail };
  }

  const alive = hops.filter((h) => h.status === 'ok').length;
  const needed = strict ? config.proxies.length : Math.max(1, hopsPerConnection(config.chainType, config.proxies.length, config.chainLen));
  let problem: string | null = null;
  if (config.chainType === 'dynamic' && alive === 0) problem = 'no hop is alive';
  else if (config.chainType !== 'dynamic' && alive < needed) {
    problem = strict ? `hop ${hops.find((h) => h.status === 'dead')!.hop} is dead (a strict chain needs every hop)` : `${alive} live hop(s), chain_len needs ${needed}`;
  }

  // UDP goes to the last hop of the chain a program would use: the last live one (strict: the last).
  if (strict && problem !== null) lastUdp = { hop: null, granted: false, detail: 'not tested (the chain is broken)' };
  // A DNS server as the target: its relay is asked one query, as the agent would judge it (docs/udp.md).
  if (target?.port === 53 && lastUdp.granted && config.proxies.length === 1) {
    lastUdp = { hop: lastUdp.hop, ...(await probeUdpRelay(config.proxies[0]!, target, timeouts)) };
  }

  let targetReport: CheckReport['target'] = null;
  if (target) {
    const started = Date.now();
    try {
      const chain = await connectChain(target, {
        proxies: config.proxies,
        type: config.chainType,
        chainLen: config.chainLen,
        timeouts,
      });
      chain.socket.destroy();
      targetReport = {
        address: formatTarget(target),
        reachable: true,
        via: (chain.hops ?? config.proxies).map(describeHop),
        timeMs: Date.now() - started,
        error: null,
      };
    } catch (err) {
      targetReport = { address: formatTarget(target), reachable: false, via: [], timeMs: null, error: errorReport(err) };
      problem ??= `target ${formatTarget(target)} is not reachable`;
    }
  }

  const tor: TorReport[] = [];
  for (const [i, proxy] of config.proxies.entries()) {
    // Hop 1 only: a later hop is reached through the others, where the probe would be a CONNECT.
    if (proxy.tor && i === 0) tor.push(await probeTor(proxy, i + 1, timeouts.readMs));
  }
  const notTor = tor.find((t) => !t.isTor);
  if (notTor) problem ??= `hop ${notTor.hop} is marked Tor, and ${notTor.socksPort} does not answer as Tor's SocksPort`;

  return {
    ...(tor.length > 0 ? { tor } : {}),
    ok: problem === null,
    source: config.source,
    chain: chainDirective(config.chainType),
    chainLen: config.chainType === 'random' || config.chainType === 'round_robin' ? (config.chainLen ?? 1) : null,
    hops,
    udpAssociate: lastUdp,
    target: targetReport,
    problem,
  };
}

interface Probe {
  auth: HopReport['auth'];
  handshakeMs: number | null;
  error?: ChainError | SockswrapError;
  udp: { granted: boolean; detail: string };
}

/**
 * One handshake with the proxy at the end of `socket`. SOCKS5: UDP ASSOCIATE, which tests the
 * greeting and authentication and tells whether UDP would be granted; a refused UDP ASSOCIATE
 * still proves the hop works. Other types cannot be asked anything without a destination: they
 * CONNECT to `destination` (the next hop, or the target) when there is one.
 */
async function probeHop(socket: net.Socket, proxy: ProxySpec, pending: Buffer, timeoutMs: number, destination?: TargetAddress): Promise<Probe> {
  if (proxy.type === 'socks5') return socks5Probe(socket, proxy, pending, timeoutMs);
  const method = proxy.username === undefined ? 'none' : proxy.type === 'http' || proxy.type === 'https' ? 'basic' : 'userid';
  const udp = { granted: false, detail: `no (${proxy.type} proxy)` };
  if (!destination) return { auth: { method, result: null }, handshakeMs: null, udp };
  const started = process.hrtime.bigint();
  try {
    await driveHandshake(socket, new ChainHandshake([proxy], destination), timeoutMs, undefined, pending);
    return { auth: { method, result: proxy.username === undefined ? null : 'ok' }, handshakeMs: msSince(started), udp };
  } catch (err) {
    const code = err instanceof ChainError ? err.error.code : undefined;
    // A destination the hop could not reach is the next hop's problem, found on its own row.
    if (code !== undefined && DESTINATION_FAILURES.has(code)) {
      return { auth: { method, result: proxy.username === undefined ? null : 'ok' }, handshakeMs: msSince(started), udp };
    }
    const rejected = code === 'proxy-auth-failed' || code === 'proxy-auth-required';
    return { auth: { method, result: rejected ? 'rejected' : null }, handshakeMs: msSince(started), udp, error: err as ChainError };
  }
}

/**
 * A SOCKS5 hop: UDP ASSOCIATE with the agent's own driver (associateOver, udp-associate.ts). The
 * method the proxy chose is known once it answered the greeting, whatever happens after.
 */
async function socks5Probe(socket: net.Socket, proxy: ProxySpec, pending: Buffer, timeoutMs: number): Promise<Probe> {
  const started = process.hrtime.bigint();
  let method: HopReport['auth']['method'] = null;
  const auth = (result: HopReport['auth']['result']): HopReport['auth'] => ({ method, result });
  try {
    const bound = await associateOver(socket, proxy, { kind: 'ipv4', host: '0.0.0.0', port: 0 }, { readMs: timeoutMs, pending, onMethod: (m) => { method = m; } });
    return { auth: auth('ok'), handshakeMs: msSince(started), udp: { granted: true, detail: `yes (relay at ${formatTarget(bound)})` } };
  } catch (err) {
    const error = err instanceof ChainError ? err.error : asSockswrapError(err);
    const handshakeMs = msSince(started);
    const untested = { granted: false, detail: 'not tested' };
    if (error.code === 'proxy-auth-failed') return { error, udp: untested, auth: auth('rejected'), handshakeMs };
    if (error.code === 'proxy-auth-required') return { error, udp: untested, auth: auth('no acceptable method'), handshakeMs };
    // A reply code to the request: the greeting and authentication went through.
    if (error.replyCode !== undefined) {
      return { udp: { granted: false, detail: `no (${error.message.replace(/^.*\(reply /, 'reply ').replace(/\)$/, '')})` }, auth: auth('ok'), handshakeMs };
    }
    // Hung up on the request itself (ssh -D): the hop works, and has no UDP (docs/udp.md).
    if (error.cause === CLOSED_ON_ASSOCIATE) {
      const how = error.message.startsWith('reset') ? 'reset' : 'closed';
      return { udp: { granted: false, detail: `no (${how} the connection on UDP ASSOCIATE)` }, auth: auth('ok'), handshakeMs };
    }
    return { error, udp: untested, auth: auth(null), handshakeMs };
  }
}

function msSince(started: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
}

function errorReport(err: unknown): ErrorReport {
  const error = err instanceof ChainError ? err.error : err instanceof SockswrapError ? err : undefined;
  if (!error) return { code: 'internal', message: err instanceof Error ? err.message : String(err), errno: 'ECONNABORTED' };
  return { code: error.code, message: err instanceof ChainError ? err.message : error.message, errno: errnoName(errnoFor(error.code)) };
}

function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(constants.errno)) if (value === errno) return name;
  return String(errno);
}

function authText(h: HopReport): string {
  if (h.auth.method === null && h.auth.result === null) return '-';
  if (h.auth.method === null) return String(h.auth.result);
  return h.auth.result === null ? h.auth.method : `${h.auth.method} ${h.auth.result}`;
}

function summaryLines(r: CheckReport): string[] {
  const lines: string[] = torLines(r.tor ?? []);
  lines.push(`udp associate${r.udpAssociate.hop !== null ? ` at hop ${r.udpAssociate.hop}` : ''}: ${r.udpAssociate.detail}`);
  if (r.target) {
    lines.push(
      r.target.reachable
        ? `target ${r.target.address}: reachable via ${r.target.via.join(' > ')} in ${r.target.timeMs} ms`
        : `target ${r.target.address}: unreachable (${r.target.error!.errno}): ${r.target.error!.message}`,
    );
  }
  lines.push(r.ok ? `chain: ok (${r.chain}${r.chainLen !== null ? `, chain_len ${r.chainLen}` : ''})` : `chain: broken: ${r.problem}`);
  return lines;
}

/** One line per hop and per finding: stable for grep and for tests. */
export function formatPlain(r: CheckReport): string {
  const lines = r.hops.map((h) => {
    const head = `hop ${h.hop} ${h.type} ${h.address}: ${h.status}`;
    if (h.status === 'untested') return head;
    const time = h.handshakeMs !== null ? `, handshake ${h.handshakeMs} ms` : '';
    return `${head} (auth ${authText(h)}${time})${h.error ? `: ${h.error.message} [${h.error.errno}]` : ''}`;
  });
  return [`config: ${r.source}, ${r.chain}`, ...lines, ...summaryLines(r)].join('\n') + '\n';
}

export function formatTable(r: CheckReport): string {
  const header = ['HOP', 'TYPE', 'ADDRESS', 'AUTH', 'HANDSHAKE', 'STATUS'];
  const rows = r.hops.map((h) => [
    String(h.hop),
    h.type,
    h.address,
    authText(h),
    h.handshakeMs !== null ? `${h.handshakeMs} ms` : '-',
    h.status + (h.error ? `: ${h.error.message}` : ''),
  ]);
  const widths = header.map((_, c) => Math.max(header[c]!.length, ...rows.map((row) => row[c]!.length)));
  const fmt = (row: string[]) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
  return [`config: ${r.source}, ${r.chain}`, fmt(header), ...rows.map(fmt), '', ...summaryLines(r)].join('\n') + '\n';
}
