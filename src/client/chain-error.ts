import type { ProxySpec } from '../config/config-types';
import type { SockswrapError } from '../protocol/sockswrap-error';
import { describeHop } from './proxy-hop';

/** A failure while building the chain, with the hop it happened at (for the log line). */
export class ChainError extends Error {
  constructor(
    readonly error: SockswrapError,
    readonly hopIndex: number,
    readonly hop: ProxySpec,
  ) {
    super(`via ${describeHop(hop)}: ${error.message}`);
    this.name = 'ChainError';
  }
}
