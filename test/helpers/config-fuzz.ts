// Deterministic random and mutated proxychains.conf files for the config fuzzers
// (test/unit/config-fuzz.test.ts in-process, test/integration/config-fuzz-cli.test.ts via the CLI).
import { ConfigError } from '../../src/config/config-error';
import { parseProxychainsConf } from '../../src/config/proxychains-conf';

export const FUZZ_FILE = '/fuzz/proxychains.conf';

export interface FuzzCase {
  text: string;
  /** The 1-based line that was generated or mutated. */
  line: number;
}

/** Lines proxychains.conf files really contain, to mutate. */
const CORPUS = [
  'strict_chain', 'dynamic_chain', 'random_chain', 'round_robin_chain', 'chain_len = 2', 'quiet_mode',
  'proxy_dns', 'proxy_dns_old', 'proxy_dns_daemon 127.0.0.1:1053', 'remote_dns_subnet 224',
  'tcp_read_time_out 15000', 'tcp_connect_time_out 8000', 'localnet 127.0.0.0/255.0.0.0',
  'localnet 10.0.0.0:80/255.0.0.0', 'localnet ::1/128', 'dnat 1.1.1.1:1234  1.1.1.2:443',
  '# a comment', '', '[ProxyList]', 'socks5 127.0.0.1 1080', 'socks5 192.168.1.1 1080 user pass',
  'socks4 127.0.0.1 9050', 'http 10.0.0.1 3128 user secret', 'socks5 ::1 1080', 'raw 127.0.0.1 1',
  'socks5\t127.0.0.1\t1080', 'socks4a proxy.example 1080',
];

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz_0123456789 \t.:/[]#=-+@%"\'\\\r\u00e9\u0000\u200b\uffff';

function rng(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function mutateLine(next: () => number, line: string): string {
  let s = line;
  const rounds = 1 + (next() % 3);
  for (let r = 0; r < rounds; r++) {
    const at = s.length ? next() % (s.length + 1) : 0;
    const words = s.split(/(\s+)/);
    switch (next() % 10) {
      case 0: s = s.slice(0, at) + ALPHABET[next() % ALPHABET.length] + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1); break;
      case 2: s = s.slice(0, at); break;
      case 3: s = s.slice(0, at) + ['99999999999999999999', '-1', '0', '65536', '1e3', '0x50', 'NaN', '4294967296', '1.5'][next() % 9] + s.slice(at); break;
      case 4: words.splice(next() % (words.length + 1), 0, ' ', CORPUS[next() % CORPUS.length]); s = words.join(''); break;
      case 5: if (words.length > 1) { words.splice(next() % words.length, 1); s = words.join(''); } break;
      case 6: s = s.toUpperCase(); break;
      case 7: s = s + ' ' + 'x'.repeat(next() % 3 === 0 ? 5000 : 3); break;
      case 8: s = s.replace(/\d+/, String(next())); break;
      default: s = s.replace(/[. :]/, ['', '::', ' ', '/', '..'][next() % 5]);
    }
  }
  return s;
}

function randomLine(next: () => number): string {
  const n = next() % 40;
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[next() % ALPHABET.length];
  return s;
}

/** Case i: a valid file with one line mutated, replaced by random text, or inserted. */
export function fuzzConfig(i: number): FuzzCase {
  const next = rng(i + 1);
  const lines = ['strict_chain', 'proxy_dns', 'tcp_read_time_out 15000', 'tcp_connect_time_out 8000', '[ProxyList]', 'socks5 127.0.0.1 1080'];
  const at = next() % (lines.length + 1);
  const kind = next() % 4;
  let line: string;
  if (kind === 0) line = randomLine(next);
  else if (kind === 1 && at < lines.length) line = mutateLine(next, lines[at]);
  else line = mutateLine(next, CORPUS[next() % CORPUS.length]);
  if (kind === 1 && at < lines.length) lines[at] = line;
  else lines.splice(at, 0, line);
  // Inserting a newline-free line keeps the numbering: the generated line is line at + 1.
  return { text: lines.join('\n') + '\n', line: at + 1 };
}

/** The message sockswrap prints for this file (undefined when it is valid); throws what is not a ConfigError. */
export function expectedMessage(c: FuzzCase, file = FUZZ_FILE): string | undefined {
  try {
    parseProxychainsConf(c.text, file);
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message;
  }
}
