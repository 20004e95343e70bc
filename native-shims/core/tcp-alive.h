/* core/tcp-alive.c: is a TCP connection still established? Asked of the kernel (sock_diag). */
#ifndef SOCKSWRAP_TCP_ALIVE_H
#define SOCKSWRAP_TCP_ALIVE_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/net-addr.h"

/* 1 when the kernel holds a TCP socket local <-> remote (local: its own end) in ESTABLISHED; 0 when
 * not (closed, closing, reset, or another socket with the same addresses than the one *cookie
 * names); -1 when it cannot tell (no sock_diag here, another network namespace). *cookie: 0 the
 * first time, then the socket cookie of the one found, which alone counts from then on. One
 * netlink round trip (about 5 µs), on a per-thread socket of the shim's own. */
int sw_tcp_established(const struct wire_addr *local, const struct wire_addr *remote, _Atomic uint64_t *cookie);

#endif
