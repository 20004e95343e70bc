/**
 * The operations of the control connection: a request frame's `kind` (docs/wire-protocol.md).
 * 0x08 and 0x09 are free. A new op goes here, its codes in codes.ts or layout.ts, its messages in
 * messages.ts, and a parse and a serialize per direction; then `npm run wire-header` rewrites the
 * C header (`npm run build` fails until it has). docs/architecture.md, "Where a wire op lives".
 */
export const Op = {
  hello: 0x01,
  connect: 0x02,
  resolve: 0x03,
  reverse: 0x04,
  peer: 0x05,
  udpRoute: 0x06,
  udpRelease: 0x07,
  udpLookup: 0x0a,
  step: 0x0b,
  proxies: 0x0c,
  note: 0x0d,
  resume: 0x0e,
  verdict: 0x0f,
  // SOCKS BIND (docs/bind.md): a proxied socket's local address, a listen through the proxy, its connection.
  sockname: 0x10,
  bind: 0x11,
  bindPeer: 0x12,
  // The UDP fast path (docs/udp.md): UDP_ROUTE for an unconnected send that may speak to the proxy's relay itself; its exec lookup.
  udpFast: 0x13,
  udpFastLookup: 0x14,
  // Dial templates (docs/wire-protocol.md): plans with a hole for the destination, and the scope they may serve.
  template: 0x15,
} as const;

export type OpName = keyof typeof Op;
export type OpCode = (typeof Op)[OpName];
