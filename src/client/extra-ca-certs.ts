/**
 * NODE_EXTRA_CA_CERTS, read when a TLS hop needs it rather than at every start (docs/benchmarks.md,
 * "Case 1"). Node reads that file while it starts, before any of our code runs: ~40 ms for a system
 * bundle of ~140 certificates, paid by every `sockswrap -- prog` although only an https hop on a
 * machine with no system CA store could use it (tls-hop.ts; with a store, or with
 * --proxy-cacert, the hop passes its own CAs and Node ignores the variable anyway). So bin/sockswrap
 * moves it to MOVED_VAR for node's start, and the launcher puts it back before anything else:
 * the program and everything it starts see the variable as the user set it.
 */
export const MOVED_VAR = 'SOCKSWRAP_NODE_EXTRA_CA_CERTS';

let deferred: string | undefined;

/** Puts NODE_EXTRA_CA_CERTS back as bin/sockswrap found it; remembers the file this node skipped. */
export function restoreExtraCaCerts(env: NodeJS.ProcessEnv = process.env): void {
  const moved = env[MOVED_VAR];
  if (moved === undefined) return;
  delete env[MOVED_VAR];
  // Set again after the move (by hand): node has read that one itself.
  if (env.NODE_EXTRA_CA_CERTS !== undefined) return;
  env.NODE_EXTRA_CA_CERTS = moved;
  if (moved !== '') deferred = moved;
}

/** The NODE_EXTRA_CA_CERTS file node did not read at its start, if any. */
export function deferredExtraCaCerts(): string | undefined {
  return deferred;
}
