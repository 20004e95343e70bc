/* paths/destinations.c: the original destination of each socket this process connected to the
 * relay, or dialed straight to a proxy itself (getpeername reports it). */
#ifndef SOCKSWRAP_DESTINATIONS_H
#define SOCKSWRAP_DESTINATIONS_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "core/net-addr.h"

/* via: the first proxy (the dial path), or NULL for the relay. */
void sw_dest_remember(int fd, int local_port, const struct sockaddr *addr, socklen_t len, const struct wire_addr *via);
/* 0 with the remembered destination when fd's entry is for this local port, else -1. */
int sw_dest_recall(int fd, int local_port, struct sockaddr_in6 *addr, socklen_t *len, struct wire_addr *via);
/* fd has an entry (maybe stale: recall checks). */
int sw_dest_known(int fd);

#endif
