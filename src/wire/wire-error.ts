/**
 * A frame or body the wire does not allow. The agent drops the connection on one (the shim then
 * fails the call closed); it is never mapped to an errno.
 */
export class WireError extends Error {
  readonly code = 'wire-malformed';
}
