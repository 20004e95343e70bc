/* core/socket-ops.c: small questions and actions on a socket, through libc's real functions. */
#ifndef SOCKSWRAP_SOCKET_OPS_H
#define SOCKSWRAP_SOCKET_OPS_H

#include <sys/socket.h>

/* getsockopt of an int option (the real one: the hook would treat SO_ERROR as the program's). */
int sw_int_option(int fd, int level, int name, int *value);
/* The socket's bound port (filling *bound when given), or -1. */
int sw_local_port(int fd, struct sockaddr_storage *bound);
/* An AF_INET/AF_INET6 socket: 1 with its domain and type. */
int sw_socket_is_ip(int fd, int *domain, int *type);
/* A stream socket that is TCP (SO_PROTOCOL IPPROTO_TCP, or IPPROTO_MPTCP, which connects and
 * sends as TCP does): not SCTP or any other SOCK_STREAM protocol, whose sendto with an address
 * may start an association (an implicit connect). */
int sw_stream_is_tcp(int fd);
int sw_protocol_is_tcp(int protocol);
/* The kernel knows a peer. */
int sw_is_connected(int fd);
/* Makes the fd an unconnected socket again, as after a failed real connect, with no pending
 * error left (disconnecting an established socket leaves ECONNRESET, which is not the program's). */
void sw_disconnect(int fd);
/* Whether O_NONBLOCK is set on the open file. */
int sw_fd_is_nonblocking(int fd);
/* As the kernel does: copy at most *len bytes of the address, report its full length. */
void sw_copy_out_address(const void *src, socklen_t src_len, void *dst, socklen_t *len);

#endif
