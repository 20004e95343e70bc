/* paths/udp-path.c: UDP sockets through the agent's loopback UDP relay (docs/udp.md). */
#ifndef SOCKSWRAP_UDP_PATH_H
#define SOCKSWRAP_UDP_PATH_H

#include <sys/socket.h>
#include <sys/types.h>

/* shim_init(), and once per image the look for UDP sockets inherited across exec. */
void sw_udp_init(void);
struct sw_fd;
/* fd is a UDP socket the relay carries (an association this process knows). */
int sw_udp_owns(int fd);
/* ... its entry (checked once, for sw_udp_recvmsg_owned), or NULL. */
struct sw_fd *sw_udp_owner(int fd);
/* ... and kernel-connected to the relay (a datagram connect() the agent proxies). */
int sw_udp_is_connected(int fd);
/* One datagram with an address on an IP socket that is not a stream: to the relay, direct, or
 * refused (raw and other IP sockets, anywhere but loopback). */
ssize_t sw_udp_send_one(int fd, int domain, int type, const struct msghdr *msg, int flags);
/* 1 when fd is a socket connected through the relay: *result is the send's. */
int sw_udp_connected_send(int fd, const struct msghdr *msg, int flags, ssize_t *result);
/* A datagram socket's connect(): through the relay, direct, or refused. */
int sw_udp_connect(int fd, const struct sockaddr *addr, socklen_t len);
/* A UDP socket connected through the relay reports its peer (0), else -1. */
int sw_udp_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
/* The receive side for a socket this file owns: strips the relay's header, reports the source. */
ssize_t sw_udp_recvmsg(int fd, struct msghdr *msg, int flags);
/* The same for an entry sw_udp_owner(fd) just gave (NULL: passed through). */
ssize_t sw_udp_recvmsg_owned(struct sw_fd *e, int fd, struct msghdr *msg, int flags);
/* The program is closing fd; ends its association with the agent. */
void sw_udp_closing(int fd);

#endif
