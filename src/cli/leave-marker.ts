/**
 * SOCKSWRAP_LEAVE: how a sockswrap process that runs hooked inside a session (a shell in shell
 * mode runs every `sockswrap` command with the shim) tells the shim's exec hook that the
 * environment it gives a child is meant to leave that session: `on`'s unhooked background agent,
 * and the program of a `sockswrap -- prog` run inside shell mode, which belongs to that run's own
 * agent. Without the marker the exec hook puts the session's variables and the shim back into
 * every child's environment, whatever the child's environment says (native-shims/hooks/exec-guard.c,
 * leave_marked; docs/shell-mode.md). The value is the first 8 bytes of
 * HMAC-SHA256(key: the session's 16-byte token, "sockswrap leave session") in lowercase hex, so
 * only a process that read the token and meant to leave can write it; a scrubbed or rewritten
 * environment (`env -i`, `SOCKSWRAP_SOCK=`, another agent's variables) cannot.
 */
export const LEAVE_VAR = 'SOCKSWRAP_LEAVE';
const LABEL = 'sockswrap leave session';

/** { SOCKSWRAP_LEAVE: marker } for the session this process runs in (env's token), or {} outside one. */
export function leaveMarker(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const token = env.SOCKSWRAP_TOKEN;
  if (token === undefined || !/^[0-9a-f]{32}$/.test(token)) return {};
  // node:crypto only here: a run outside any session never loads it (src/native/lazy-crypto.ts).
  const { createHmac } = require('node:crypto') as typeof import('node:crypto');
  return { [LEAVE_VAR]: createHmac('sha256', Buffer.from(token, 'hex')).update(LABEL).digest().subarray(0, 8).toString('hex') };
}
