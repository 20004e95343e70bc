/* What this process connected to the relay, or straight to a proxy (the dial path: `via`),
 * itself. Entries are validated by the fd's local port (and real peer, for `via`), so a stale
 * entry (fd closed and reused) can never be mistaken for a live one. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <string.h>

#include "paths/destinations.h"

#define DEST_FDS 65536
struct destination {
	_Atomic uint32_t local_port;          /* 0: empty */
	socklen_t original_len;
	struct sockaddr_in6 original;         /* also holds a sockaddr_in */
	struct wire_addr via;                 /* the first proxy; family 0 for the relay */
};
static struct destination destinations[DEST_FDS];

void sw_dest_remember(int fd, int local_port, const struct sockaddr *addr, socklen_t len, const struct wire_addr *via)
{
	if (fd < 0 || fd >= DEST_FDS || local_port <= 0)
		return;
	struct destination *r = &destinations[fd];
	if (len > sizeof r->original)
		len = sizeof r->original;
	atomic_store(&r->local_port, 0);
	memcpy(&r->original, addr, len);
	r->original_len = len;
	if (via)
		r->via = *via;
	else
		memset(&r->via, 0, sizeof r->via);
	atomic_store(&r->local_port, (uint32_t)local_port);
}

int sw_dest_recall(int fd, int local_port, struct sockaddr_in6 *addr, socklen_t *len, struct wire_addr *via)
{
	if (fd < 0 || fd >= DEST_FDS || local_port <= 0)
		return -1;
	struct destination *r = &destinations[fd];
	if (atomic_load(&r->local_port) != (uint32_t)local_port)
		return -1;
	*addr = r->original;
	*len = r->original_len;
	*via = r->via;
	/* A concurrent reconnect of the same fd would have changed the port meanwhile. */
	return atomic_load(&r->local_port) == (uint32_t)local_port ? 0 : -1;
}

int sw_dest_known(int fd)
{
	return fd >= 0 && fd < DEST_FDS && atomic_load(&destinations[fd].local_port) != 0;
}
