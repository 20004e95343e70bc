/* exec/udp-calls.c: UDP of supervised programs through the agent's UDP relay. */
#ifndef SOCKSWRAP_UDP_CALLS_H
#define SOCKSWRAP_UDP_CALLS_H

#include <sys/socket.h>

#include "exec/tracee.h"

/* A datagram connect() to a destination the agent judges, on the duplicate fd: through the relay
 * (the socket kernel-connected to it), direct, or refused. 0, or the errno. */
int sw_udp_sup_connect(int fd, const struct sockaddr_storage *addr, socklen_t len);
/* One datagram with an address the agent judges, from the supervisor's copy m (its data and
 * name in the supervisor's memory): to the relay with the header, direct, or refused. The
 * length sent, or -1 with *err. */
long sw_udp_sup_send(int fd, int domain, int type, const struct msghdr *m, int flags, int *err);
/* getpeername of a datagram socket: 1 with *out the peer when it is connected through the relay,
 * 0 when it is not (the kernel's answer is the truth), or -errno. */
int sw_udp_sup_peer(int fd, struct sockaddr_storage *out, socklen_t *out_len);

/* recvfrom (recv() too), recvmsg, recvmmsg: CONTINUE for every socket but a UDP socket the
 * relay carries, whose datagrams are received here and handed over without the relay's header,
 * from the real peer. */
void sw_on_recvfrom(const struct sw_notif *n);
void sw_on_recvmsg(const struct sw_notif *n);
void sw_on_recvmmsg(const struct sw_notif *n);

#endif
