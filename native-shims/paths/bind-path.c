/* Listening sockets through SOCKS BIND (docs/bind.md). The agent decides (BIND: through the proxy,
 * local, or an errno) and brings the inbound connection to the program's own listening socket, so
 * accept(), poll/select/epoll readiness, O_NONBLOCK and edge triggering are the kernel's own: a
 * readable listener has a connection queued. What the shim adds is what the program is told:
 * getsockname gives the proxy's address (the first reply), accept and getpeername the peer the
 * proxy saw (the second reply, BIND_PEER). A connection on the listener that the agent did not
 * make (someone else on this host) is closed before the program sees it. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>

#include "core/agent-wire.h"
#include "core/fd-table.h"
#include "core/libc.h"
#include "core/net-addr.h"
#include "core/shim-env.h"
#include "core/socket-ops.h"
#include "core/wire-codec.h"
#include "paths/bind-path.h"
#include "paths/destinations.h"
#include "paths/relay-path.h"

enum {
	SW_BIND_NONE = 0,
	SW_BIND_CANDIDATE = 1, /* bound to the wildcard, port 0: asked at listen() */
	SW_BIND_PROXIED = 2,   /* the proxy listens for it */
	SW_BIND_ACCEPTED = 3,  /* a connection accepted from a proxied listener */
};

/* The entry of fd when it holds `state` for the socket's current local port, else NULL. */
static struct sw_fd *entry_in(int fd, int state)
{
	struct sw_fd *e = sw_fd_peek(fd);
	if (!e || atomic_load(&e->bind_state) != state)
		return NULL;
	int port = sw_local_port(fd, NULL);
	return port > 0 && atomic_load(&e->bind_port) == (uint32_t)port ? e : NULL;
}

/* For a blocking dial-path socket SOCKNAME's answer is the address of this program's latest BIND through the
 * proxy, or the kernel's when it made none: after one "the kernel's" answer it stays so until this
 * image gets a BIND of its own (curl asks getsockname three times per connection). */
static _Atomic int dialled_sockname_is_kernels;
/* A dialled non-blocking connect's answer depends on its last reply and, failing that, this
 * program's latest BIND: kept per fd, for the BINDs this image has made so far (1 + their count). */
static _Atomic uint32_t bind_generation = 1;

static void record(int fd, int port, int state, int domain, const struct wire_addr *bound)
{
	struct sw_fd *e = port > 0 ? sw_fd_get(fd) : NULL;
	if (!e)
		return;
	atomic_store(&e->bind_port, 0);
	e->bind_domain = (uint8_t)domain;
	if (bound)
		e->bind_addr = *bound;
	atomic_store(&e->bind_state, (uint8_t)state);
	atomic_store(&e->bind_port, (uint32_t)port);
}

static void forget(int fd)
{
	struct sw_fd *e = sw_fd_peek(fd);
	if (e)
		atomic_store(&e->bind_port, 0);
}

void sw_bind_note_wildcard(int fd, int domain)
{
	if (!shim_config()->ok)
		return;
	record(fd, sw_local_port(fd, NULL), SW_BIND_CANDIDATE, domain, NULL);
}

/* BIND for fd, listening on port of its family's wildcard: where the agent connects is loopback. */
static int ask(int fd, int domain, int port, int flags)
{
	struct wire_addr listener = wire_addr_loopback(domain == AF_INET6 ? 6 : 4, (uint16_t)port);
	uint8_t req[1 + 19], resp[AGENT_MAX_BODY];
	size_t resp_len;
	int status = agent_call(OP_BIND, req, sw_enc_bind(req, flags, &listener), resp, &resp_len);
	/* No agent: nothing of this program is proxied any more, and a listen sends nothing anywhere. */
	if (status < 0)
		return 1;
	if (status != 0) {
		errno = status;
		return -1;
	}
	int action;
	struct wire_addr bound;
	if (sw_dec_bind(resp, resp_len, &action, &bound) != 0) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	if (action == BIND_ACTION_LOCAL)
		return 1;
	record(fd, port, SW_BIND_PROXIED, domain, &bound);
	atomic_store(&dialled_sockname_is_kernels, 0);
	atomic_fetch_add(&bind_generation, 1);
	return 0;
}

static int bind_wildcard(int fd, int domain)
{
	struct sockaddr_in6 any6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in any4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	return domain == AF_INET6 ? real.bind(fd, (struct sockaddr *)&any6, sizeof any6)
				  : real.bind(fd, (struct sockaddr *)&any4, sizeof any4);
}

int sw_bind_outside(int fd, int domain)
{
	if (!shim_config()->ok || bind_wildcard(fd, domain) != 0) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	int r = ask(fd, domain, sw_local_port(fd, NULL), BIND_OUTSIDE);
	if (r == 0)
		return 0;
	/* Not the proxy's address after all: the program gets the kernel's answer. The socket stays
	 * bound to the wildcard (a bind cannot be undone); programs close it after a failed bind. */
	if (r > 0)
		errno = EADDRNOTAVAIL;
	return -1;
}

int sw_bind_before_listen(int fd)
{
	if (!shim_config()->ok)
		return 0;
	if (entry_in(fd, SW_BIND_PROXIED))
		return 0;
	struct sw_fd *e = sw_fd_peek(fd);
	int domain, type, protocol;
	if (e && entry_in(fd, SW_BIND_CANDIDATE)) {
		domain = e->bind_domain;
	} else {
		/* listen() on an unbound TCP socket binds it to the wildcard: the same candidate. */
		if (!sw_socket_is_ip(fd, &domain, &type) || type != SOCK_STREAM ||
		    sw_int_option(fd, SOL_SOCKET, SO_PROTOCOL, &protocol) != 0 || protocol != IPPROTO_TCP ||
		    sw_local_port(fd, NULL) != 0)
			return 0;
		if (bind_wildcard(fd, domain) != 0)
			return -1;
	}
	int r = ask(fd, domain, sw_local_port(fd, NULL), 0);
	if (r > 0)
		forget(fd);
	return r < 0 ? -1 : 0;
}

int sw_bind_is_proxied(int fd)
{
	return entry_in(fd, SW_BIND_PROXIED) != NULL;
}

int sw_bind_accepted(int fd, int nfd, const struct sockaddr_storage *peer, struct sockaddr_storage *out,
		     socklen_t *out_len)
{
	struct sw_fd *e = entry_in(fd, SW_BIND_PROXIED);
	struct wire_addr from, original;
	if (!e || wire_addr_from_sockaddr((const struct sockaddr *)peer, sizeof *peer, &from) != 0)
		return -1;
	uint8_t req[19], resp[AGENT_MAX_BODY];
	size_t resp_len;
	if (agent_call(OP_BIND_PEER, req, sw_enc_bind_peer(req, &from), resp, &resp_len) != 0 ||
	    sw_dec_peer(resp, resp_len, &original) != 0)
		return -1;
	int domain = e->bind_domain;
	*out_len = wire_addr_to_sockaddr(&original, domain, out);
	if (*out_len == 0)
		return -1;
	int port = sw_local_port(nfd, NULL);
	/* getpeername: the destinations table, checked against the real peer (the agent's end). */
	sw_dest_remember(nfd, port, (const struct sockaddr *)out, *out_len, &from);
	record(nfd, port, SW_BIND_ACCEPTED, domain, &e->bind_addr);
	return 0;
}

/* SOCKNAME: the proxy's side of a connection this process proxied (docs/bind.md). */
static int proxied_sockname(int fd, struct sockaddr_storage *out, socklen_t *out_len)
{
	if (!sw_dest_known(fd))
		return -1;
	struct sockaddr_storage peer;
	socklen_t peer_len = sizeof peer;
	if (real.getpeername(fd, (struct sockaddr *)&peer, &peer_len) != 0)
		return -1;
	int port = sw_local_port(fd, NULL);
	struct sockaddr_in6 remembered;
	socklen_t remembered_len;
	struct wire_addr via, real_peer;
	/* Only a socket whose entry is live (same port) and whose peer is the relay or its proxy. */
	if (port <= 0 || sw_dest_recall(fd, port, &remembered, &remembered_len, &via) != 0)
		return -1;
	int relay = sw_relay_of_peer(&peer);
	uint8_t req[3 + 19 + 1 + SW_DIALLED_REPLY_MAX], resp[AGENT_MAX_BODY];
	size_t req_len;
	int plain_dial = 0;   /* a dial-path socket without a reply to tell: the image flag applies */
	struct sw_fd *kept = NULL;
	uint32_t generation = atomic_load(&bind_generation);
	struct wire_addr side;
	if (relay) {
		req_len = sw_enc_peer(req, (uint16_t)port, relay, NULL);
	} else {
		if (wire_addr_from_sockaddr((struct sockaddr *)&peer, peer_len, &real_peer) != 0 || via.family == 0 ||
		    !wire_addr_equal(&via, &real_peer))
			return -1;
		req_len = sw_enc_peer(req, (uint16_t)port, 0, &real_peer);
		/* A non-blocking connect the shim dialled: its getsockname is the relay's (the proxy's
		 * side), decided by the agent from the last reply (`reply_len | reply`). */
		struct sw_fd *e = sw_fd_peek(fd);
		if (e && atomic_load(&e->dialled_port) == (uint32_t)port) {
			if (atomic_load(&e->dialled_side_gen) == generation) {
				side = e->dialled_side;
				goto answer;   /* curl asks three times per connection */
			}
			kept = e;
			req[req_len] = e->dialled_reply_len;
			memcpy(req + req_len + 1, e->dialled_reply, e->dialled_reply_len);
			req_len += 1 + (size_t)e->dialled_reply_len;
		} else if (atomic_load(&dialled_sockname_is_kernels)) {
			return -1;
		} else {
			plain_dial = 1;
		}
	}
	size_t resp_len;
	int status = agent_call(OP_SOCKNAME, req, req_len, resp, &resp_len);
	if (status == WIRE_STATUS_NOT_FOUND && plain_dial)
		atomic_store(&dialled_sockname_is_kernels, 1);
	if (status != 0 || sw_dec_peer(resp, resp_len, &side) != 0)
		return -1;
	if (kept) {
		kept->dialled_side = side;
		atomic_store(&kept->dialled_side_gen, generation);
	}
answer:
	/* The address is the proxy's side; the port stays the socket's own (programs match it). */
	side.port = (uint16_t)port;
	*out_len = wire_addr_to_sockaddr(&side, peer.ss_family, out);
	return *out_len ? 0 : -1;
}

int sw_bind_sockname(int fd, struct sockaddr_storage *out, socklen_t *out_len)
{
	struct sw_fd *e = entry_in(fd, SW_BIND_PROXIED);
	if (!e)
		e = entry_in(fd, SW_BIND_ACCEPTED);
	if (e) {
		*out_len = wire_addr_to_sockaddr(&e->bind_addr, e->bind_domain, out);
		return *out_len ? 0 : -1;
	}
	return proxied_sockname(fd, out, out_len);
}
