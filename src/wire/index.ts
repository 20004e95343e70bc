/**
 * The shim ↔ agent wire, defined once (docs/wire-protocol.md, docs/architecture.md "Where a wire
 * op lives"): op numbers (ops.ts), the codes inside frames (codes.ts), sizes (layout.ts), typed
 * messages (messages.ts), parse and serialize per op (request-/response- parser and serializer),
 * the framing (frame-parser.ts, frame-serializer.ts), the UDP relay header (udp-datagram.ts) and
 * the table the C header is generated from (c-header.ts).
 */
export * from './ops';
export * from './codes';
export * from './layout';
export * from './messages';
export * from './address';
export * from './wire-error';
export * from './frame-parser';
export * from './frame-serializer';
export * from './request-parser';
export * from './request-serializer';
export * from './response-parser';
export * from './response-serializer';
export * from './udp-datagram';
