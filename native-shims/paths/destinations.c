/* What this process connected to the relay, or straight to a proxy (the dial path: `via`),
 * itself, in the fd table (core/fd-table.h). Entries are validated by the fd's local port (and
 * real peer, for `via`), so a stale entry (fd closed and reused) can never be mistaken for a live
 * one. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <string.h>

#include "core/fd-table.h"
#include "paths/destinations.h"

void sw_dest_remember(int fd, int local_port, const struct sockaddr *addr, socklen_t len, const struct wire_addr *via)
{
	struct sw_fd *r = local_port > 0 ? sw_fd_get(fd) : NULL;
	if (!r)
		return;
	if (len > sizeof r->dest)
		len = sizeof r->dest;
	atomic_store(&r->dest_port, 0);
	memcpy(&r->dest, addr, len);
	r->dest_len = len;
	if (via)
		r->via = *via;
	else
		memset(&r->via, 0, sizeof r->via);
	atomic_store(&r->dest_port, (uint32_t)local_port);
}

int sw_dest_recall(int fd, int local_port, struct sockaddr_in6 *addr, socklen_t *len, struct wire_addr *via)
{
	struct sw_fd *r = sw_fd_peek(fd);
	if (!r || local_port <= 0 || atomic_load(&r->dest_port) != (uint32_t)local_port)
		return -1;
	*addr = r->dest;
	*len = r->dest_len;
	*via = r->via;
	/* A concurrent reconnect of the same fd would have changed the port meanwhile. */
	return atomic_load(&r->dest_port) == (uint32_t)local_port ? 0 : -1;
}

int sw_dest_known(int fd)
{
	struct sw_fd *r = sw_fd_peek(fd);
	return r && atomic_load(&r->dest_port) != 0;
}
