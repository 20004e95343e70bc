/* paths/udp-inherited.c: UDP sockets an exec'd program inherited, found once per image. */
#ifndef SOCKSWRAP_UDP_INHERITED_H
#define SOCKSWRAP_UDP_INHERITED_H

#include <sys/socket.h>

/* Once per image (again in a fork child of a process that was looking): fills the fd table's
 * entries of inherited sockets the agent knows. */
void sw_udp_inherited(void);
/* Which relay a socket reaches: 4 (127.0.0.1) or 6 (::1). */
int sw_udp_choose_relay(int fd, int domain, const struct sockaddr_storage *bound);

#endif
