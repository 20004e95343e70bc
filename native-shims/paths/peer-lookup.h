/* paths/peer-lookup.c: the original destination of a socket the shim connected elsewhere. */
#ifndef SOCKSWRAP_PEER_LOOKUP_H
#define SOCKSWRAP_PEER_LOOKUP_H

#include <sys/socket.h>

/* peer: what the kernel reports. 0 with the destination the program asked for when the peer is
 * the relay or a proxy of the dial path (this process's table, else the agent: a descriptor
 * inherited across exec); -1 for any other socket. */
int sw_original_destination(int fd, const struct sockaddr_storage *peer, struct sockaddr_storage *out,
			    socklen_t *out_len);

#endif
