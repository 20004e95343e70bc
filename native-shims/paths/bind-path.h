/* paths/bind-path.c: listening sockets through SOCKS BIND (docs/bind.md). The program's socket
 * really listens (on this host, where only the agent reaches it); the proxy listens for it, and
 * the agent brings the one inbound connection to it. getsockname reports the proxy's side. */
#ifndef SOCKSWRAP_BIND_PATH_H
#define SOCKSWRAP_BIND_PATH_H

#include <sys/socket.h>

/* bind() of a TCP socket to the wildcard address, port 0, succeeded: a BIND candidate at listen(). */
void sw_bind_note_wildcard(int fd, int domain);
/* bind() of a TCP socket to an address this host lacks (EADDRNOTAVAIL), port 0: the address a
 * proxied connection's getsockname reported. 0 when the proxy listens for the socket now; -1
 * with errno (EADDRNOTAVAIL) otherwise. */
int sw_bind_outside(int fd, int domain);
/* Before the real listen(): 0 to go on (a BIND done, or none wanted), -1 with errno. */
int sw_bind_before_listen(int fd);
/* The socket listens through the proxy (accept's connections come from the agent). */
int sw_bind_is_proxied(int fd);
/* nfd was accepted from the proxied listener fd with the kernel's `peer`: 0 with the peer the
 * proxy saw in *out (getpeername of nfd reports it from now on); -1 when nfd is not the agent's. */
int sw_bind_accepted(int fd, int nfd, const struct sockaddr_storage *peer, struct sockaddr_storage *out,
		     socklen_t *out_len);
/* getsockname: 0 with the proxy's side of fd (a BIND socket, a connection accepted from one, or
 * a proxied connection: SOCKNAME), -1 when the kernel's answer stands. */
int sw_bind_sockname(int fd, struct sockaddr_storage *out, socklen_t *out_len);

#endif
