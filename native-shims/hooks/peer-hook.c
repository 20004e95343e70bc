/* getpeername(): a socket the shim connected to the relay, to a proxy (the dial path) or, for UDP,
 * to the UDP relay reports the destination the program asked for (paths/peer-lookup.c,
 * paths/udp-path.c); a connect in progress has no peer yet. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>

#include "core/libc.h"
#include "core/shim-init.h"
#include "core/shim.h"
#include "core/socket-ops.h"
#include "core/user-memory.h"
#include "paths/async-connect.h"
#include "paths/peer-lookup.h"
#include "paths/udp-path.h"

SHIM_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	shim_init();
	if (!addr || !len)
		return real.getpeername(fd, addr, len);
	if (sw_check_peer_buffers(fd, addr, len) != 0)
		return -1;
	/* A connect in progress has no peer yet; a failed one never will. */
	if (sw_async_maybe_pending(fd) && sw_async_learn(fd, 0) != 0) {
		errno = ENOTCONN;
		return -1;
	}
	if (sw_udp_owns(fd) && sw_udp_getpeername(fd, addr, len) == 0)
		return 0;
	struct sockaddr_storage peer;
	socklen_t peer_len = sizeof peer;
	if (real.getpeername(fd, (struct sockaddr *)&peer, &peer_len) != 0)
		return -1;
	int saved_errno = errno;
	struct sockaddr_storage original;
	socklen_t original_len;
	if (sw_original_destination(fd, &peer, &original, &original_len) == 0) {
		sw_copy_out_address(&original, original_len, addr, len);
		errno = saved_errno;
		return 0;
	}
	sw_copy_out_address(&peer, peer_len, addr, len);
	errno = saved_errno;
	return 0;
}
