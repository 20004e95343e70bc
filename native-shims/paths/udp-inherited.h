/* paths/udp-inherited.c: UDP sockets an exec'd program inherited, found once per image. */
#ifndef SOCKSWRAP_UDP_INHERITED_H
#define SOCKSWRAP_UDP_INHERITED_H

#include <sys/socket.h>

/* Once per image (again in a fork child of a process that was looking): fills the fd table's
 * entries of inherited sockets the agent knows. */
void sw_udp_inherited(void);
/* fd's entry, dropped and filled again from the agent (UDP_LOOKUP, UDP_FAST_LOOKUP): 1 when the
 * agent knows the socket, 0 when not, -1 when the agent does not answer. For the seccomp
 * supervisor (exec/udp-calls.c), whose duplicates' numbers say nothing about the socket. */
int sw_udp_adopt(int fd);
/* Which relay a socket reaches: 4 (127.0.0.1) or 6 (::1). */
int sw_udp_choose_relay(int fd, int domain, const struct sockaddr_storage *bound);

#endif
