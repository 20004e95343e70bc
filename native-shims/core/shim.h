/* libsockswrap, the LD_PRELOAD shim, in layers that call only downward (docs/architecture.md):
 * core/ (libc, environment, descriptors, agent connection, wire, addresses, deadlines) < paths/
 * (relay, dial, async, udp) < hooks/ (the exported functions). Each concern has its own header;
 * this one holds only what marks a hook. The build checks the layering (check-layers.sh). */
#ifndef SOCKSWRAP_SHIM_H
#define SOCKSWRAP_SHIM_H

/* Everything is hidden except the hooks, so the shim never interposes on anything by accident. */
#define SHIM_EXPORT __attribute__((visibility("default")))

#endif
