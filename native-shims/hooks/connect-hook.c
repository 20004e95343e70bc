/* connect(): a TCP destination the agent proxies is reached on the program's own fd, so the
 * descriptor the program registered (epoll, poll) stays the same open file. The agent decides
 * (CONNECT, paths/connect-request.c):
 *   - direct: libc's connect, unchanged;
 *   - execute (blocking sockets): the shim dials the first proxy and runs the handshake on the fd
 *     (paths/dial-path.c; a standing plan, paths/plan-cache.c, without asking);
 *   - a ticket: the fd joins the agent's relay (paths/relay-path.c); a non-blocking connect returns
 *     EINPROGRESS at once and learns its verdict out of band (paths/async-connect.c);
 *   - execute for a non-blocking socket (a DIAL whose script is the whole handshake): the fd is
 *     dialled to the first proxy and connect() returns EINPROGRESS; the handshake advances from
 *     the program's own calls (paths/async-connect.c).
 * Datagram sockets go to paths/udp-path.c. getpeername is hooks/peer-hook.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/agent-wire.h"
#include "core/deadline.h"
#include "core/fd-table.h"
#include "core/libc.h"
#include "core/shim-init.h"
#include "core/net-addr.h"
#include "core/shim.h"
#include "core/socket-ops.h"
#include "core/user-memory.h"
#include "hooks/connect-hook.h"
#include "paths/async-connect.h"
#include "paths/connect-request.h"
#include "paths/destinations.h"
#include "paths/dial-path.h"
#include "paths/plan-cache.h"
#include "paths/relay-path.h"
#include "paths/udp-path.h"

/* The relay connect is loopback and the kernel completes it without the agent; only a full accept
 * backlog (SYN dropped, retried after 1 s, 3 s, ...) makes it slow. */
#define RELAY_CONNECT_TIMEOUT_MS 15000

/* Fills dest when this connect/sendto is one the agent must decide on; else the call goes to libc
 * unchanged (non-IP families, raw sockets, loopback, and arguments the kernel will reject). */
static int needs_agent(int fd, const struct sockaddr *addr, socklen_t len, struct wire_addr *dest,
		       int *domain, int *type, int type_known)
{
	if (wire_addr_from_sockaddr(addr, len, dest) != 0)
		return 0;
	if (sw_int_option(fd, SOL_SOCKET, SO_DOMAIN, domain) != 0 || *domain != addr->sa_family)
		return 0;
	if (!type_known && sw_int_option(fd, SOL_SOCKET, SO_TYPE, type) != 0)
		return 0;
	if (*type != SOCK_STREAM && *type != SOCK_DGRAM)
		return 0;
	if (wire_addr_skips_agent(dest))
		return 0;
	int v6only = 0;
	/* The kernel refuses a v4-mapped address on a v6-only socket by itself. */
	if (*domain == AF_INET6 && dest->family == 4 &&
	    sw_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) == 0 && v6only)
		return 0;
	return 1;
}

/* An IP socket that is neither TCP nor UDP (SCTP, raw, ...) cannot be proxied: refuse it for any
 * destination but loopback, rather than let it go direct. */
static int refuse_unproxiable(int fd, const struct sockaddr *addr, socklen_t len, int type)
{
	struct wire_addr dest;
	int domain;
	if (type == SOCK_STREAM || type == SOCK_DGRAM)
		return 0;
	if (sw_int_option(fd, SOL_SOCKET, SO_DOMAIN, &domain) != 0 || (domain != AF_INET && domain != AF_INET6))
		return 0;
	if (wire_addr_from_sockaddr(addr, len, &dest) != 0 || wire_addr_is_local(&dest))
		return 0;
	errno = EPROTONOSUPPORT;
	return 1;
}

int sw_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	if (sw_async_maybe_pending(fd)) {
		if (addr && len >= (socklen_t)sizeof addr->sa_family && addr->sa_family == AF_UNSPEC)
			sw_async_forget(fd);     /* the program disconnects: the kernel's to do */
		else {
			int r = sw_async_connect_again(fd);
			if (r != SW_CONNECT_NOT_OURS)
				return r;
			/* A stale entry for another socket on this number, now forgotten: connect it. */
		}
	}
	/* A UDP socket the relay carries: paths/udp-path.c also handles its disconnect and local peers. */
	if (sw_udp_owns(fd))
		return sw_udp_connect(fd, addr, len);
	struct wire_addr dest;
	int domain, type;
	int saved_errno = errno;
	/* Every datagram connect goes to paths/udp-path.c: it reads the address as the kernel does (an
	 * AF_INET6 socket takes a sockaddr_in), which a family check here would let through direct. */
	int type_known = sw_int_option(fd, SOL_SOCKET, SO_TYPE, &type) == 0;
	if (type_known && type == SOCK_DGRAM)
		return sw_udp_connect(fd, addr, len);
	if (refuse_unproxiable(fd, addr, len, type))
		return -1;
	if (!needs_agent(fd, addr, len, &dest, &domain, &type, type_known))
		return real.connect(fd, addr, len);
	if (type == SOCK_DGRAM)
		return sw_udp_connect(fd, addr, len);
	/* A connected stream socket: the kernel says 0 (the first time after a non-blocking connect
	 * completed) or EISCONN, and sends nothing; asking the agent would waste a chain. */
	if (sw_is_connected(fd))
		return real.connect(fd, addr, len);

	uint8_t ticket[16];
	/* A blocking socket may take the dial path: the agent then answers execute (docs/architecture.md). */
	int blocking = !sw_fd_is_nonblocking(fd), flags = 0;
	/* The verdict of a non-blocking connect travels out of band (an urgent byte): impossible when
	 * the program reads urgent data inline, so that rare socket waits for it in the stream, as does
	 * one the fd table has no entry for (beyond SW_FD_MAX). */
	int oob_inline = 0, out_of_band = 0;
	if (!blocking && sw_fd_get(fd) && sw_int_option(fd, SOL_SOCKET, SO_OOBINLINE, &oob_inline) == 0 &&
	    !oob_inline) {
		out_of_band = 1;
		flags = CONNECT_OUT_OF_BAND;
	}
	/* A non-blocking connect with a dial slot may be dialled too (docs/async-connect.md). */
	int dial_slot = out_of_band ? sw_async_dial_take() : -1;
	if (blocking || dial_slot >= 0) {
		int v6only = 0;
		if (domain == AF_INET6)
			sw_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only);
		flags |= (blocking ? CONNECT_BLOCKING : CONNECT_ASYNC_DIAL) | (domain == AF_INET || !v6only ? CONNECT_REACH4 : 0) |
			 (domain == AF_INET6 ? CONNECT_REACH6 : 0);
	}
	uint8_t request[SW_CONNECT_REQUEST_MAX], execute[AGENT_MAX_BODY];
	size_t request_len = sw_connect_request(&dest, flags, request), execute_len = 0;
	/* A standing plan only on a thread that has its control connection (its first connect asks,
	 * which opens it) and for a connect that may be dialled. */
	int action = sw_connect_answer(request, request_len, blocking || dial_slot >= 0, ticket, execute, &execute_len);
	if (dial_slot >= 0 && action == ACTION_EXECUTE) {
		int r = sw_async_dial_start(dial_slot, fd, domain, execute, execute_len, request, request_len, addr, len);
		if (r == -1) {
			errno = EINPROGRESS;
			return -1;
		}
		if (r > 0) {
			sw_disconnect(fd);
			errno = r;
			return -1;
		}
		/* -2: not a DIAL the shim can run alone: as a blocking connect's, below. */
	} else {
		sw_async_dial_release(dial_slot);
	}
	if (action == ACTION_DIRECT)
		return real.connect(fd, addr, len);
	if (action < 0) {
		errno = -action;
		return -1;
	}
	if (action == ACTION_EXECUTE) {
		struct wire_addr via;
		int port = 0;
		int err = sw_dial_execute(fd, domain, execute, execute_len, &via, &port, request, request_len);
		if (err) {
			sw_disconnect(fd);
			errno = err;
			return -1;
		}
		/* The port of the last dial (read right after it connected); asked again if unknown. */
		sw_dest_remember(fd, port > 0 ? port : sw_local_port(fd, NULL), addr, len, &via);
		errno = saved_errno;
		return 0;
	}

	if (out_of_band) {
		struct timespec deadline;
		sw_deadline_in(&deadline, RELAY_CONNECT_TIMEOUT_MS);
		int err = sw_relay_present_ticket(fd, domain, ticket, &deadline);
		if (err) {
			sw_disconnect(fd);
			errno = err;
			return -1;
		}
		int port = sw_local_port(fd, NULL);
		sw_dest_remember(fd, port, addr, len, NULL);
		sw_async_mark_pending(fd, port, ticket);   /* cannot fail: the entry exists */
		errno = EINPROGRESS;
		return -1;
	}

	int verdict = sw_relay_join(fd, domain, ticket);
	if (verdict != 0) {
		sw_disconnect(fd);
		errno = verdict;
		return -1;
	}
	sw_dest_remember(fd, sw_local_port(fd, NULL), addr, len, NULL);
	errno = saved_errno;
	return 0;
}

SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	shim_init();
	/* The hook decides on a copy; an address it cannot read is the kernel's to refuse. */
	struct sockaddr_storage addr_copy;
	if (!sw_copy_sockaddr(&addr, len, &addr_copy))
		return real.connect(fd, addr, len);
	return sw_connect(fd, addr, len);
}
