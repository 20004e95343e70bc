// The end of `sockswrap --help`: three command lines a user can run as they are, given the proxy.
// A unit test parses each against the real option definitions, so they stay valid.
export const HELP_EXAMPLES: readonly { argv: string[]; what: string }[] = [
  { argv: ['-x', 'socks5h://127.0.0.1:9050', '--', 'curl', 'https://example.com/'], what: 'through Tor; the proxy resolves the name' },
  { argv: ['-x', 'http://proxy1:3128', '-x', 'socks5h://proxy2:1080', '--', 'ssh', 'host'], what: 'a two-hop chain: HTTP CONNECT, then SOCKS5' },
  { argv: ['-f', '/etc/proxychains4.conf', '--chain', 'dynamic', '--', 'python3', 'client.py'], what: 'a proxychains.conf, skipping dead proxies' },
];

export function helpExamples(): string {
  const lines = HELP_EXAMPLES.map((e) => `  sockswrap ${e.argv.join(' ')}\n      ${e.what}`);
  return `\nExamples:\n${lines.join('\n')}\n`;
}
