import { Option, type Command } from 'commander';
import { TOR_ISOLATION_MODES, parseTorEndpoint } from '../config/tor-config';

/** --tor, --isolate (docs/tor.md). */
export function addTorOptions(command: Command): Command {
  return command
    .option('--tor [host:port]', "use Tor's SocksPort: $TOR_SOCKS_HOST:$TOR_SOCKS_PORT, else 127.0.0.1:9050; remote DNS, stream isolation (--isolate) and Tor's error messages on")
    .option('--tor-real-addresses', 'with a Tor hop: name lookups get the addresses Tor resolves (RESOLVE) instead of fake ones; see docs/tor.md for the cost')
    .addOption(new Option('--isolate [mode]', 'Tor stream isolation: run (the default with --tor: each sockswrap run on circuits of its own), process (each process), off').choices([...TOR_ISOLATION_MODES]));
}

/**
 * Commander takes the word after an option with an optional value as its value, so
 * `sockswrap --tor curl URL` would read "curl" as the SocksPort. Before parsing, a bare `--tor`
 * not followed by HOST:PORT becomes `--tor=` (the default), and a bare `--isolate` becomes
 * `--isolate=run` (its mode is given only with '='). Only options before the program count: the
 * scan stops at `--` and at the first word that is not an option or an option's value.
 */
export function normalizeTorArgs(command: Command, argv: string[]): string[] {
  const out = [...argv];
  const takesValue = (token: string): boolean => {
    const name = token.startsWith('--') ? token.split('=')[0] : token.slice(0, 2);
    const opt = command.options.find((o) => o.long === name || o.short === name);
    if (!opt || !opt.required) return false;
    return token.startsWith('--') ? !token.includes('=') : token.length === 2;
  };
  for (let i = 0; i < out.length; i++) {
    const token = out[i]!;
    if (token === '--' || !token.startsWith('-') || token === '-') break;
    if (token === '--tor') {
      const next = out[i + 1];
      if (next !== undefined && parseTorEndpoint(next) !== undefined) i++;
      else out[i] = '--tor=';
    } else if (token === '--isolate') {
      out[i] = '--isolate=run';
    } else if (takesValue(token)) {
      i++;
    }
  }
  return out;
}
