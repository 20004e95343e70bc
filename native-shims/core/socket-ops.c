/* Small questions and actions on a socket, through libc's real functions: shared by every path
 * and hook, so each is written once. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/libc.h"
#include "core/socket-ops.h"

int sw_int_option(int fd, int level, int name, int *value)
{
	socklen_t len = sizeof *value;
	return real.getsockopt(fd, level, name, value, &len);
}

int sw_local_port(int fd, struct sockaddr_storage *bound)
{
	struct sockaddr_storage own;
	struct sockaddr_storage *ss = bound ? bound : &own;
	socklen_t len = sizeof *ss;
	if (real.getsockname(fd, (struct sockaddr *)ss, &len) != 0)
		return -1;
	if (ss->ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)ss)->sin6_port);
	return -1;
}

int sw_socket_is_ip(int fd, int *domain, int *type)
{
	return sw_int_option(fd, SOL_SOCKET, SO_DOMAIN, domain) == 0 && (*domain == AF_INET || *domain == AF_INET6) &&
	       sw_int_option(fd, SOL_SOCKET, SO_TYPE, type) == 0;
}

int sw_protocol_is_tcp(int protocol)
{
	return protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP;
}

int sw_stream_is_tcp(int fd)
{
	int protocol;
	return sw_int_option(fd, SOL_SOCKET, SO_PROTOCOL, &protocol) == 0 && sw_protocol_is_tcp(protocol);
}

int sw_is_connected(int fd)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	return real.getpeername(fd, (struct sockaddr *)&peer, &len) == 0;
}

void sw_disconnect(int fd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	real.connect(fd, &unspec, sizeof unspec);
	int ignored;
	sw_int_option(fd, SOL_SOCKET, SO_ERROR, &ignored);
}

int sw_fd_is_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

void sw_copy_out_address(const void *src, socklen_t src_len, void *dst, socklen_t *len)
{
	memcpy(dst, src, *len < src_len ? *len : src_len);
	*len = src_len;
}
