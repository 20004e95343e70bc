/* paths/relay-path.c: the program's fd connected to the agent's TCP relay with a ticket. */
#ifndef SOCKSWRAP_RELAY_PATH_H
#define SOCKSWRAP_RELAY_PATH_H

#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

/* The agent bounds every chain with its own timeouts; this only catches a wedged agent. */
#define SW_VERDICT_TIMEOUT_MS 300000

/* The relay listener a socket of this domain reaches (::1 for a v6-only one): 0, or -1 if none. */
int sw_relay_address(int fd, int domain, struct sockaddr_storage *relay, socklen_t *len);
/* Connects fd to the relay and writes the ticket; the verdict is left for the caller. Returns 0
 * or an errno. */
int sw_relay_present_ticket(int fd, int domain, const uint8_t ticket[16], const struct timespec *deadline);
/* A blocking connect through the relay: presents the ticket and reads the verdict. Returns it
 * (0 = established) or an errno. */
int sw_relay_join(int fd, int domain, const uint8_t ticket[16]);
/* Which relay listener the peer is: 4 (127.0.0.1, also v4-mapped), 6 (::1), or 0 for neither. */
int sw_relay_of_peer(const struct sockaddr_storage *peer);

#endif
