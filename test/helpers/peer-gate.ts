// The one skip gate of the suite. A test (or a describe) that needs real peers asks
// `skipUnless([...])` for its `skip` option:
//   - every peer here (and root, where asked): false, the test runs;
//   - something missing, CI unset: the reason naming the Debian packages to install, printed once;
//   - something missing under CI=true: it throws, so the file fails (a missing peer is a failure).
// Programs are looked up by name in Debian's own directories first, so `bin()` finds the same
// program the gate found.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Each peer: the programs that make it (any one will do) and the Debian package that has them. */
const PEERS = {
  danted: { bins: ['danted'], pkg: 'dante-server' },
  microsocks: { bins: ['microsocks'], pkg: 'microsocks' },
  vsftpd: { bins: ['vsftpd'], pkg: 'vsftpd' },
  tinyproxy: { bins: ['tinyproxy'], pkg: 'tinyproxy' },
  sshd: { bins: ['sshd'], pkg: 'openssh-server' },
  ssh: { bins: ['ssh'], pkg: 'openssh-client' },
  curl: { bins: ['curl'], pkg: 'curl' },
  wget: { bins: ['wget'], pkg: 'wget' },
  git: { bins: ['git'], pkg: 'git' },
  ncat: { bins: ['ncat'], pkg: 'ncat' },
  python3: { bins: ['python3'], pkg: 'python3' },
  ruby: { bins: ['ruby'], pkg: 'ruby' },
  php: { bins: ['php'], pkg: 'php-cli' },
  nft: { bins: ['nft'], pkg: 'nftables' },
  ip: { bins: ['ip'], pkg: 'iproute2' },
  sh: { bins: ['sh'], pkg: 'dash' },
  bash: { bins: ['bash'], pkg: 'bash' },
  zsh: { bins: ['zsh'], pkg: 'zsh' },
  fish: { bins: ['fish'], pkg: 'fish' },
  tmux: { bins: ['tmux'], pkg: 'tmux' },
  dig: { bins: ['dig'], pkg: 'dnsutils' },
  host: { bins: ['host'], pkg: 'bind9-host' },
  nslookup: { bins: ['nslookup'], pkg: 'dnsutils' },
  dnsmasq: { bins: ['dnsmasq'], pkg: 'dnsmasq-base' },
  setpriv: { bins: ['setpriv'], pkg: 'util-linux' },
  setcap: { bins: ['setcap'], pkg: 'libcap2-bin' },
  gcc: { bins: ['gcc'], pkg: 'build-essential' },
  man: { bins: ['man'], pkg: 'man-db' },
  busybox: { bins: ['busybox'], pkg: 'busybox-static' },
  go: { bins: ['go'], pkg: 'golang-go' },
  file: { bins: ['file'], pkg: 'file' },
  tor: { bins: ['tor'], pkg: 'tor' },
  openssl: { bins: ['openssl'], pkg: 'openssl' },
  proxychains4: { bins: ['proxychains4'], pkg: 'proxychains4' },
  'tor-gencert': { bins: ['tor-gencert'], pkg: 'tor' },
  'qemu-aarch64': { bins: ['qemu-aarch64'], pkg: 'qemu-user' },
  'aarch64-linux-gnu-gcc': { bins: ['aarch64-linux-gnu-gcc'], pkg: 'gcc-aarch64-linux-gnu' },
} as const satisfies Record<string, { bins: readonly string[]; pkg: string }>;
export type PeerName = keyof typeof PEERS;

const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin', '/usr/local/sbin'];

/** Absolute path of a program; Debian's own directories first (so pyenv shims are not used). */
export function which(name: string): string | undefined {
  for (const d of [...SEARCH, ...(process.env.PATH ?? '').split(delimiter)]) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

/** Absolute path of a program the gate let through; throws, naming its package, when it is not here. */
export function bin(name: string): string {
  const p = which(name);
  if (p) return p;
  const pkg = (PEERS as Record<string, { pkg: string }>)[name]?.pkg;
  throw new Error(`${name} not found${pkg ? `: apt-get install ${pkg}` : ''}`);
}

export interface GateOptions {
  /** The tests need root (network namespaces, nft). */
  root?: boolean;
}

/** For a test's or describe's `skip` option: false, or why it cannot run here (see the file header). */
export function skipUnless(names: PeerName[], opts: GateOptions = {}): false | string {
  const why: string[] = [];
  if (opts.root && process.getuid && process.getuid() !== 0) why.push('needs root (ip netns, nft)');
  const missing = names.filter((n) => !PEERS[n].bins.some((b) => which(b)));
  if (missing.length) why.push(`missing ${missing.join(', ')}: apt-get install ${[...new Set(missing.map((m) => PEERS[m].pkg))].join(' ')}`);
  return decide(why);
}

/** The policy itself, for the reasons found (none: run). */
export function decide(why: string[]): false | string {
  if (why.length === 0) return false;
  const reason = why.join('; ');
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: a missing peer is a failure)`);
  console.log(`# skipping: ${reason}`);
  return reason;
}

// The name the suite used before this file, kept as a thin wrapper of the one gate until the
// program-verdict and program-check tests move to skipUnless().

/** @deprecated skipUnless([name]). */
export function needTool(name: string, debianPackage: string): false | string {
  return decide(which(name) ? [] : [`${name} not found: apt-get install ${debianPackage}`]);
}

