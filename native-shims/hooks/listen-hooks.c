/* bind, listen, getsockname, accept, accept4: listening sockets for a server behind the proxy go
 * through SOCKS BIND (paths/bind-path.c, docs/bind.md); every other socket is libc's alone. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/libc.h"
#include "core/net-addr.h"
#include "core/shim-init.h"
#include "core/shim.h"
#include "core/socket-ops.h"
#include "paths/bind-path.h"

static int is_unspecified(const struct wire_addr *a)
{
	static const uint8_t zero[16];
	return memcmp(a->bytes, zero, a->family == 4 ? 4 : 16) == 0;
}

/* A TCP socket over IPv4 or IPv6: 1 with its domain. */
static int tcp_socket(int fd, int *domain)
{
	int type, protocol;
	return sw_socket_is_ip(fd, domain, &type) && type == SOCK_STREAM &&
	       sw_int_option(fd, SOL_SOCKET, SO_PROTOCOL, &protocol) == 0 && protocol == IPPROTO_TCP;
}

SHIM_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	shim_init();
	struct wire_addr want;
	int domain;
	/* Only port 0 asks for "any port", the FTP pattern; an explicit port is a local server. */
	if (!addr || wire_addr_from_sockaddr(addr, len, &want) != 0 || want.port != 0 || !tcp_socket(fd, &domain))
		return real.bind(fd, addr, len);
	if (real.bind(fd, addr, len) == 0) {
		if (is_unspecified(&want))
			sw_bind_note_wildcard(fd, domain);
		return 0;
	}
	/* An address this host does not have: the proxy's side, which getsockname reported for a
	 * proxied connection (curl -P - binds the control connection's address). */
	if (errno != EADDRNOTAVAIL || wire_addr_is_local(&want))
		return -1;
	return sw_bind_outside(fd, domain);
}

SHIM_EXPORT int listen(int fd, int backlog)
{
	shim_init();
	if (sw_bind_before_listen(fd) != 0)
		return -1;
	return real.listen(fd, backlog);
}

SHIM_EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	shim_init();
	if (!addr || !len)
		return real.getsockname(fd, addr, len);
	socklen_t room = *len;
	/* The kernel checks fd and the program's buffers first, as without the shim. */
	if (real.getsockname(fd, addr, len) != 0)
		return -1;
	int saved_errno = errno;
	struct sockaddr_storage side;
	socklen_t side_len;
	if (sw_bind_sockname(fd, &side, &side_len) == 0) {
		*len = room;
		sw_copy_out_address(&side, side_len, addr, len);
	}
	errno = saved_errno;
	return 0;
}

static int accept_any(int fd, struct sockaddr *addr, socklen_t *len, int flags, int four)
{
	shim_init();
	if (!sw_bind_is_proxied(fd))
		return four ? real.accept4(fd, addr, len, flags) : real.accept(fd, addr, len);
	for (;;) {
		struct sockaddr_storage peer, original;
		socklen_t peer_len = sizeof peer, original_len;
		int nfd = four ? real.accept4(fd, (struct sockaddr *)&peer, &peer_len, flags)
			       : real.accept(fd, (struct sockaddr *)&peer, &peer_len);
		if (nfd < 0)
			return -1;
		if (sw_bind_accepted(fd, nfd, &peer, &original, &original_len) == 0) {
			if (addr && len)
				sw_copy_out_address(&original, original_len, addr, len);
			return nfd;
		}
		/* Not the agent's connection (another local process reached the listener): the
		 * program never sees it. Non-blocking: as if nothing were queued. */
		real.close(nfd);
		if (sw_fd_is_nonblocking(fd)) {
			errno = EAGAIN;
			return -1;
		}
	}
}

SHIM_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accept_any(fd, addr, len, 0, 0);
}

SHIM_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return accept_any(fd, addr, len, flags, 1);
}
