/**
 * A request that cannot be done, as a value: the code its reply carries (through the one errno
 * mapping, src/protocol/errno-map.ts) and the reason the log gives.
 */
import { lookup } from 'node:dns/promises';
import { errorCodeForErrno } from '../protocol/errno-map';
import type { ErrorCode } from '../protocol/sockswrap-error';
import type { TargetAddress } from '../protocol/target-address';

/** A failure on the way to an answer: the reply's code and the log's reason. */
export class RequestFailure {
  constructor(readonly code: ErrorCode, readonly reason: string) {}
}

/** Why a socket call failed, as the log says it, and the reply code it gets. */
export function failureOf(err: unknown, what: string): RequestFailure {
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const code = errorCodeForErrno(errno);
  return new RequestFailure(code, `${what}: ${errno ?? (err instanceof Error ? err.message : String(err))}`);
}

/** An IP for the target: names are resolved here (the server is where the proxy's DNS is). */
export async function resolveTarget(target: TargetAddress): Promise<string> {
  if (target.kind !== 'domain') return target.host;
  try {
    return (await lookup(target.host, { verbatim: true })).address;
  } catch (err) {
    throw failureOf(err, `cannot resolve ${target.host}`);
  }
}

