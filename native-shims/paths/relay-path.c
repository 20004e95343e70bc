/* The relay path: the agent answered CONNECT with a ticket, so the program's own fd is connected
 * to the agent's loopback TCP relay (the descriptor the program registered with epoll or poll
 * stays the same open file), the ticket is written, and a verdict byte comes back when the chain
 * is up (or the errno it failed with). Blocking connects wait for it here; non-blocking ones get
 * it out of band later (paths/async-connect.c). No change to O_NONBLOCK: every wait is a poll(),
 * every transfer MSG_DONTWAIT. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "core/deadline.h"
#include "core/libc.h"
#include "core/net-addr.h"
#include "core/shim-env.h"
#include "core/socket-ops.h"
#include "paths/relay-path.h"

int sw_relay_address(int fd, int domain, struct sockaddr_storage *relay, socklen_t *len)
{
	const struct shim_config *cfg = shim_config();
	struct wire_addr a = wire_addr_loopback(4, cfg->relay_port4);
	int v6only = 0;
	if (domain == AF_INET6 && sw_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) == 0 && v6only) {
		if (cfg->relay_port6 == 0)
			return -1;
		a = wire_addr_loopback(6, cfg->relay_port6);
	}
	*len = wire_addr_to_sockaddr(&a, domain, relay);
	return *len ? 0 : -1;
}

/* The relay connect is to loopback and completes in the kernel (the agent need not run), so
 * waiting for it is short even on a non-blocking socket. */
int sw_relay_present_ticket(int fd, int domain, const uint8_t ticket[16], const struct timespec *deadline)
{
	struct sockaddr_storage relay;
	socklen_t relay_len;
	if (sw_relay_address(fd, domain, &relay, &relay_len) != 0)
		return ECONNREFUSED;

	if (real.connect(fd, (struct sockaddr *)&relay, relay_len) != 0) {
		/* Non-blocking, or a blocking connect a signal interrupted: it goes on in the kernel. */
		if (errno != EINPROGRESS && errno != EINTR && errno != EALREADY)
			return errno;
		int err = sw_wait_for(fd, POLLOUT, deadline);
		if (err)
			return err;
		if (sw_int_option(fd, SOL_SOCKET, SO_ERROR, &err) != 0)
			return errno;
		if (err)
			return err;
	}

	size_t sent = 0;
	while (sent < 16) {
		ssize_t n = real.send(fd, ticket + sent, 16 - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			int err = sw_wait_for(fd, POLLOUT, deadline);
			if (err)
				return err;
			continue;
		}
		return ECONNREFUSED;
	}
	return 0;
}

int sw_relay_join(int fd, int domain, const uint8_t ticket[16])
{
	struct timespec deadline;
	sw_deadline_in(&deadline, SW_VERDICT_TIMEOUT_MS);
	int err = sw_relay_present_ticket(fd, domain, ticket, &deadline);
	if (err)
		return err;

	for (;;) {
		uint8_t verdict;
		ssize_t n = real.recv(fd, &verdict, 1, MSG_DONTWAIT);
		if (n == 1)
			return verdict;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			int err = sw_wait_for(fd, POLLIN, &deadline);
			if (err)
				return err;
			continue;
		}
		return ECONNREFUSED;   /* EOF or reset before a verdict: the agent refused the ticket */
	}
}

int sw_relay_of_peer(const struct sockaddr_storage *peer)
{
	const struct shim_config *cfg = shim_config();
	struct wire_addr a;
	if (!cfg->ok || wire_addr_from_sockaddr((const struct sockaddr *)peer, sizeof *peer, &a) != 0)
		return 0;
	if (a.family == 4) {
		struct wire_addr relay4 = wire_addr_loopback(4, cfg->relay_port4);
		return wire_addr_equal(&a, &relay4) ? 4 : 0;
	}
	struct wire_addr relay6 = wire_addr_loopback(6, cfg->relay_port6);
	return cfg->relay_port6 != 0 && wire_addr_equal(&a, &relay6) ? 6 : 0;
}
