/* UDP through the agent's loopback UDP relay (docs/udp.md): what the send hooks
 * (hooks/send-hooks.c), datagram connect() (hooks/connect-hook.c), getpeername, close and the
 * receive hooks (hooks/recv-hooks.c) call for sockets this file owns.
 *
 * An unconnected socket sends each proxied datagram to the relay with a fixed 27-byte header in
 * front: association id (8) | fam (1) | address (16) | port (2) — the id, which only the control
 * socket told us, is what makes the agent take it as this socket's. Replies come back with the
 * real source in the header and a MAC in place of the id (8 bytes of HMAC-SHA256 with the
 * association's reply key, which never travels over UDP); sw_udp_recvmsg strips the header and
 * reports the source. A datagram counts as relayed only if it comes from the relay's address and
 * port and its MAC is right; from the relay's address with a wrong MAC it is dropped; anything
 * else is passed on untouched.
 *
 * A connected program socket is connected by the kernel to the relay itself: its datagrams carry
 * no header either way, so sends and receives that bypass libc (libuv's raw sendmmsg/recvmmsg)
 * still work. The agent takes them only from the socket's exact address and port, which no other
 * user can bind while the socket holds it; getpeername and the receive source report the peer.
 *
 * Nothing is sent to the relay, and nothing from it delivered, unless the agent is still at the
 * other end of this thread's control connection (one non-blocking peek): after the agent died,
 * anyone may own the relay's port.
 *
 * The fast path (UDP_FAST): an unconnected socket bound to the wildcard address, sending to a
 * plain IP destination through a one-hop SOCKS5 chain, speaks RFC 1928 §7 to the proxy's relay
 * itself — the agent did the ASSOCIATE for this socket's own port and keeps its TCP connection;
 * no datagram passes through Node. Its replies come from the proxy's relay with the real source
 * in their §7 header. Destinations that need the agent (names, dnat, DNS, the agent's own
 * nameserver) still go through the agent's relay from the same socket.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/agent-epoch.h"
#include "core/agent-wire.h"
#include "core/fd-guard.h"
#include "core/fd-table.h"
#include "core/libc.h"
#include "core/shim-init.h"
#include "core/net-addr.h"
#include "core/relay-mac.h"
#include "core/shim-env.h"
#include "core/socks-udp-header.h"
#include "core/socket-ops.h"
#include "core/tcp-alive.h"
#include "core/wire-codec.h"
#include "paths/udp-inherited.h"
#include "paths/udp-path.h"

#define HDR_LEN SW_UDP_HEADER_LEN
#define ID_LEN SW_ASSOC_ID_LEN
/* The largest datagram over loopback UDP (IPv4), less our header. */
#define MAX_RELAYED (65507 - HDR_LEN)

enum { ROUTE_DIRECT = ACTION_DIRECT, ROUTE_RELAY = ACTION_PROXY, ROUTE_FAST = ACTION_FAST };

/* One program socket the relay carries: its udp_* fields in the fd table (core/fd-table.h). Valid
 * while udp_port equals the fd's bound port, so an entry left by a closed fd never applies to a
 * new socket with the same number. */
#define udp_socket sw_fd

void sw_udp_init(void)
{
	shim_init();
	sw_udp_inherited();
}

/* An entry is there (maybe stale: lookup checks): one load or two for any other fd. */
static int udp_entry_used(int fd)
{
	struct sw_fd *e = sw_fd_peek(fd);
	return e && atomic_load_explicit(&e->udp_port, memory_order_relaxed) != 0;
}

static struct udp_socket *lookup(int fd)
{
	struct udp_socket *e = sw_fd_peek(fd);
	if (!e)
		return NULL;
	uint32_t port = atomic_load(&e->udp_port);
	if (port == 0)
		return NULL;
	struct sockaddr_storage ss;
	if (sw_local_port(fd, &ss) != (int)port) {
		/* The fd was closed behind our back (close_range, exec'd away) and reused. */
		atomic_compare_exchange_strong(&e->udp_port, &port, 0);
		return NULL;
	}
	return e;
}

int sw_udp_is_connected(int fd)
{
	struct udp_socket *e = lookup(fd);
	return e && atomic_load(&e->udp_connected);
}

int sw_udp_owns(int fd)
{
	return sw_udp_owner(fd) != NULL;
}

struct sw_fd *sw_udp_owner(int fd)
{
	sw_udp_inherited();
	if (!udp_entry_used(fd))
		return NULL;
	return lookup(fd);
}

/* ---- the relay's address ---- */

static socklen_t relay_sockaddr(int relay, int v6_socket, struct sockaddr_storage *out)
{
	const struct shim_config *cfg = shim_config();
	struct wire_addr a = relay == 6 ? wire_addr_loopback(6, cfg->udp_port6) : wire_addr_loopback(4, cfg->udp_port4);
	if (a.port == 0)
		return 0;
	return wire_addr_to_sockaddr(&a, v6_socket ? AF_INET6 : AF_INET, out);
}

/* Is this sender the relay this socket talks to? */
static int from_relay(const struct udp_socket *e, const struct sockaddr_storage *from, socklen_t from_len)
{
	const struct shim_config *cfg = shim_config();
	struct wire_addr a;
	if (wire_addr_from_sockaddr((const struct sockaddr *)from, from_len, &a) != 0)
		return 0;
	struct wire_addr relay = e->udp_relay == 4 ? wire_addr_loopback(4, cfg->udp_port4) : wire_addr_loopback(6, cfg->udp_port6);
	return wire_addr_equal(&a, &relay);
}

/* Binds an unbound socket to the wildcard address (as its first send would); returns its port. */
static int ensure_bound(int fd, int domain, struct sockaddr_storage *bound)
{
	int port = sw_local_port(fd, bound);
	if (port != 0)
		return port;
	struct sockaddr_storage any;
	memset(&any, 0, sizeof any);
	any.ss_family = (sa_family_t)domain;
	socklen_t len = domain == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	if (real.bind(fd, (struct sockaddr *)&any, len) != 0)
		return -1;
	return sw_local_port(fd, bound);
}

/* ---- the agent ---- */

static void release(int relay, int port, int what)
{
	uint8_t req[4], resp[AGENT_MAX_BODY];
	size_t resp_len;
	size_t len = sw_enc_udp_release(req, what == UDP_RELEASE_CLOSED, relay, (uint16_t)port);
	agent_call(OP_UDP_RELEASE, req, len, resp, &resp_len);
}

/* The families an unconnected socket bound to the wildcard address can send to (CONNECT_REACH*),
 * for UDP_FAST; 0 when it is bound to a specific address (its datagrams leave from that one, which
 * the agent did not announce to the proxy). */
static int fast_reach(int fd, int domain, const struct sockaddr_storage *bound)
{
	if (domain == AF_INET)
		return ((const struct sockaddr_in *)bound)->sin_addr.s_addr == htonl(INADDR_ANY) ? CONNECT_REACH4 : 0;
	if (!IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)bound)->sin6_addr))
		return 0;
	int v6only = 0;
	if (sw_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) != 0)
		return 0;
	return CONNECT_REACH6 | (v6only ? 0 : CONNECT_REACH4);
}

/* A fast association is alive: not guarded (a relay on another host), or its TCP connection is
 * still established, as the kernel says now (docs/udp.md, "A relay on this host"). */
static int fast_alive(struct udp_socket *e)
{
	return !e->udp_guarded || sw_tcp_established(&e->udp_guard_local, &e->udp_guard_remote, &e->udp_guard_cookie) == 1;
}

/* Asks UDP_ROUTE (connecting), or UDP_FAST (an unconnected send; `ended`: the fast association
 * this socket had is over, the agent must associate again). Returns ROUTE_DIRECT, ROUTE_RELAY or
 * ROUTE_FAST (the entry for fd filled in), or -errno. */
static int ask_route(int fd, int domain, const struct wire_addr *dest, int connecting, int ended, struct udp_socket **out)
{
	struct sockaddr_storage bound;
	int port = ensure_bound(fd, domain, &bound);
	if (port <= 0)
		return -errno;
	int relay = sw_udp_choose_relay(fd, domain, &bound);
	uint8_t req[4 + 19], resp[AGENT_MAX_BODY];
	size_t resp_len;
	int action;
	const uint8_t *id = NULL, *key = NULL;
	struct wire_addr proxy_relay;
	struct sw_udp_guard guard = { 0 };
	_Atomic uint64_t cookie = 0;
	struct sockaddr_storage relay_ss;
	socklen_t relay_len = 0;
	int reach = fast_reach(fd, domain, &bound);
	/* At most three questions: a fast answer whose association is already over is asked again
	 * (ended); one still over, or whose guard this process cannot check (another network
	 * namespace), takes the agent's relay instead (reach 0). */
	for (int attempt = 0;; attempt++) {
		int status;
		if (connecting)
			status = agent_call(OP_UDP_ROUTE, req, sw_enc_udp_route(req, 1, relay, (uint16_t)port, dest), resp, &resp_len);
		else
			status = agent_call(OP_UDP_FAST, req,
					    sw_enc_udp_fast(req, reach | (ended ? UDP_FAST_ENDED : 0), relay, (uint16_t)port, dest), resp,
					    &resp_len);
		if (status < 0)
			return -ECONNREFUSED;     /* the agent is gone: fail closed */
		if (status > 0)
			return -status;
		if (sw_dec_udp_fast(resp, resp_len, &action, &id, &key, &proxy_relay, &guard) != 0)
			return -ECONNREFUSED;
		if (action == ROUTE_DIRECT)
			return ROUTE_DIRECT;
		if (action != ROUTE_FAST)
			break;
		relay_len = wire_addr_to_sockaddr(&proxy_relay, domain, &relay_ss);
		if (relay_len == 0 || relay_len > sizeof(struct sockaddr_in6))
			return -ENETUNREACH;    /* the agent checked the family; never sent elsewhere */
		/* Pinned now, while the agent holds the connection: the cookie names that one socket. */
		int alive = guard.tcp ? sw_tcp_established(&guard.local, &guard.remote, &cookie) : 1;
		if (alive == 1)
			break;
		if (attempt >= 2)
			return -ECONNREFUSED;
		if (alive == 0 && !ended)
			ended = 1;
		else
			reach = 0;
	}
	struct udp_socket *e = sw_fd_get(fd);
	if (!e)
		return -ECONNREFUSED;
	uint32_t old = atomic_load(&e->udp_port);
	if (old != (uint32_t)port || memcmp(e->udp_id, id, ID_LEN) != 0 || e->udp_relay != relay) {
		atomic_store(&e->udp_port, 0);
		e->udp_relay = (uint8_t)relay;
		e->udp_domain_is_v6 = domain == AF_INET6;
		memcpy(e->udp_id, id, ID_LEN);
		sw_mac_init(&e->udp_mac, key, SW_REPLY_KEY_LEN);
		atomic_store(&e->udp_connected, 0);
		atomic_store(&e->udp_fast, 0);
		e->udp_mixed = 0;
		atomic_store(&e->udp_port, (uint32_t)port);
	}
	if (action == ROUTE_FAST && (!atomic_load(&e->udp_fast) || ended || !wire_addr_equal(&e->udp_fast_relay_addr, &proxy_relay))) {
		/* The first fast answer, or a new association after the old one ended. */
		atomic_store(&e->udp_fast, 0);
		memset(&e->udp_fast_relay, 0, sizeof e->udp_fast_relay);
		memcpy(&e->udp_fast_relay, &relay_ss, relay_len);
		e->udp_fast_relay_len = relay_len;
		e->udp_fast_relay_addr = proxy_relay;
		e->udp_guarded = (uint8_t)guard.tcp;
		e->udp_guard_local = guard.local;
		e->udp_guard_remote = guard.remote;
		atomic_store(&e->udp_guard_cookie, atomic_load(&cookie));
		atomic_store(&e->udp_fast, 1);
	} else if (action == ROUTE_RELAY) {
		/* Set before the first datagram goes: its reply may need a whole read (MAC). */
		e->udp_mixed = 1;
	}
	*out = e;
	return action == ROUTE_FAST ? ROUTE_FAST : ROUTE_RELAY;
}

/* ---- verdict cache: per thread, the last few destinations ---- */

#define ROUTE_CACHE_SIZE 16
struct cached_route {
	struct wire_addr dest;
	uint8_t relayed;              /* 0: direct (for every socket); 1: relay, 2: fast, for this id */
	uint8_t id[ID_LEN];
	uint32_t epoch;               /* the agent's route epoch when it was answered (core/agent-epoch.h) */
};
static __thread struct cached_route route_cache[ROUTE_CACHE_SIZE];
static __thread unsigned int route_cache_next;

/* 1: cached direct; 2: cached relay, 3: cached fast, for this entry; 0: ask. A verdict from
 * before the agent's route epoch moved (a relay found silent, a fast association lost) is asked
 * again: the agent may answer otherwise now. */
static int cached_route(const struct wire_addr *dest, const struct udp_socket *e)
{
	uint32_t epoch = sw_agent_epoch();
	for (int i = 0; i < ROUTE_CACHE_SIZE; i++) {
		const struct cached_route *c = &route_cache[i];
		if (c->dest.family == 0 || c->epoch != epoch || !wire_addr_equal(&c->dest, dest))
			continue;
		if (!c->relayed)
			return 1;
		if (e && memcmp(c->id, e->udp_id, ID_LEN) == 0)
			return c->relayed == 2 && atomic_load(&e->udp_fast) ? 3 : 2;
	}
	return 0;
}

/* epoch: read before the agent was asked, so a verdict it took back meanwhile is asked again. */
static void cache_route(const struct wire_addr *dest, const struct udp_socket *e, int fast, uint32_t epoch)
{
	struct cached_route *c = &route_cache[route_cache_next++ % ROUTE_CACHE_SIZE];
	c->dest = *dest;
	c->epoch = epoch;
	c->relayed = e == NULL ? 0 : fast ? 2 : 1;
	if (e)
		memcpy(c->id, e->udp_id, ID_LEN);
}

/* ---- sending ---- */

/* The agent is no longer at the other end of the control socket: nothing may go to (or be taken
 * from) its relay port, which anyone may bind now. errno is ECONNREFUSED when so, else kept. */
static int agent_gone(void)
{
	int saved_errno = errno;
	if (agent_reachable()) {
		errno = saved_errno;
		return 0;
	}
	errno = ECONNREFUSED;
	return 1;
}

enum plan { PLAN_AS_IS, PLAN_RELAY, PLAN_FAST, PLAN_WITHOUT_NAME, PLAN_REFUSED };

/*
 * The destination of a datagram send or connect as the kernel reads it, in the socket's own
 * family. The kernel is lenient where a family check would not be: an AF_INET socket sends to an
 * AF_UNSPEC address as if it were AF_INET, and a dual-stack AF_INET6 socket takes a plain
 * sockaddr_in (as IPv4) for sendto and connect. Deciding on the literal family would let those
 * go direct. Returns 0 when the kernel will not use the address as a destination (AF_UNSPEC on
 * connect is a disconnect; on an AF_INET6 sendto it means "no address"), or would refuse it.
 */
static int normalize_dgram_dest(int domain, const struct sockaddr *addr, socklen_t len, int for_connect,
				struct sockaddr_storage *out, socklen_t *out_len)
{
	if (!addr || len < sizeof(sa_family_t))
		return 0;
	memset(out, 0, sizeof *out);
	sa_family_t family = addr->sa_family;
	if (domain == AF_INET) {
		if (len < sizeof(struct sockaddr_in))
			return 0;
		if (family == AF_UNSPEC && for_connect)
			return 0;
		if (family != AF_INET && family != AF_UNSPEC)
			return 0;
		memcpy(out, addr, sizeof(struct sockaddr_in));
		out->ss_family = AF_INET;
		*out_len = sizeof(struct sockaddr_in);
		return 1;
	}
	if (family == AF_INET6) {
		if (len < 24)
			return 0;
		socklen_t keep = len < sizeof(struct sockaddr_in6) ? len : sizeof(struct sockaddr_in6);
		memcpy(out, addr, keep);
		*out_len = sizeof(struct sockaddr_in6);
		return 1;
	}
	if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
		struct sockaddr_in6 *mapped = (struct sockaddr_in6 *)out;
		mapped->sin6_family = AF_INET6;
		mapped->sin6_port = sin->sin_port;
		mapped->sin6_addr.s6_addr[10] = 0xff;
		mapped->sin6_addr.s6_addr[11] = 0xff;
		memcpy(mapped->sin6_addr.s6_addr + 12, &sin->sin_addr, 4);
		*out_len = sizeof(struct sockaddr_in6);
		return 1;
	}
	return 0;
}

/* Decides one send on an IP socket that is not a stream. PLAN_RELAY, PLAN_FAST: *entry and *dest are set.
 * PLAN_REFUSED: errno is set. `ended`: the fast association last planned has ended; ask again. */
static enum plan plan_send(int fd, int domain, int type, const struct sockaddr *addr, socklen_t len, int ended,
			   struct udp_socket **entry, struct wire_addr *dest)
{
	if (type == SOCK_DGRAM) {
		struct sockaddr_storage norm;
		socklen_t norm_len;
		if (!normalize_dgram_dest(domain, addr, len, 0, &norm, &norm_len))
			return PLAN_AS_IS;   /* no address the kernel would send to: it refuses by itself */
		if (wire_addr_from_sockaddr((struct sockaddr *)&norm, norm_len, dest) != 0)
			return PLAN_AS_IS;
	} else {
		/* Raw and other IP sockets cannot be proxied. The kernel reads their address in the
		 * socket's family whatever sa_family says (0 included): judge it the same way. */
		struct sockaddr_storage as_domain;
		socklen_t keep = len < sizeof as_domain ? len : sizeof as_domain;
		memset(&as_domain, 0, sizeof as_domain);
		memcpy(&as_domain, addr, keep);
		as_domain.ss_family = (sa_family_t)domain;
		if (wire_addr_from_sockaddr((struct sockaddr *)&as_domain, keep, dest) != 0 || wire_addr_is_local(dest))
			return PLAN_AS_IS;
		errno = EPROTONOSUPPORT;
		return PLAN_REFUSED;
	}
	struct udp_socket *e = lookup(fd);
	if (e && atomic_load(&e->udp_connected)) {
		/* A connected socket: its own peer needs no address; any other would leave the relay. */
		struct wire_addr peer;
		if (wire_addr_from_sockaddr((struct sockaddr *)&e->udp_peer, e->udp_peer_len, &peer) == 0 && wire_addr_equal(&peer, dest))
			return agent_gone() ? PLAN_REFUSED : PLAN_WITHOUT_NAME;
		errno = EISCONN;
		return PLAN_REFUSED;
	}
	if (wire_addr_skips_agent(dest))
		return PLAN_AS_IS;
	int v6only = 0;
	if (domain == AF_INET6 && dest->family == 4 && sw_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) == 0 && v6only)
		return PLAN_AS_IS;       /* the kernel refuses it by itself */
	switch (ended ? 0 : cached_route(dest, e)) {
	case 1:
		return PLAN_AS_IS;
	case 2:
		*entry = e;
		return PLAN_RELAY;
	case 3:
		*entry = e;
		return PLAN_FAST;
	}
	uint32_t epoch = sw_agent_epoch();
	int r = ask_route(fd, domain, dest, 0, ended, entry);
	if (r == ROUTE_DIRECT) {
		cache_route(dest, NULL, 0, epoch);
		return PLAN_AS_IS;
	}
	if (r < 0) {
		errno = -r;
		return PLAN_REFUSED;
	}
	cache_route(dest, *entry, r == ROUTE_FAST, epoch);
	return r == ROUTE_FAST ? PLAN_FAST : PLAN_RELAY;
}

/* The program's iovec between a slot of ours in front (head_len bytes) and, when tail_len is not 0,
 * one behind: in `small` when it fits, else allocated (free it when *iov != small). -1 (errno set)
 * when the message has too many parts. */
#define SMALL_IOV 9
static int iov_around(const struct msghdr *msg, void *head, size_t head_len, void *tail, size_t tail_len,
		      struct iovec small[SMALL_IOV], struct iovec **iov)
{
	if (msg->msg_iovlen >= IOV_MAX - 1) {
		errno = EMSGSIZE;
		return -1;
	}
	size_t parts = msg->msg_iovlen + 1 + (tail_len != 0);
	*iov = small;
	if (parts > SMALL_IOV) {
		*iov = malloc(parts * sizeof **iov);
		if (!*iov) {
			errno = ENOBUFS;
			return -1;
		}
	}
	(*iov)[0] = (struct iovec){ .iov_base = head, .iov_len = head_len };
	if (msg->msg_iovlen)
		memcpy(*iov + 1, msg->msg_iov, msg->msg_iovlen * sizeof **iov);
	if (tail_len)
		(*iov)[parts - 1] = (struct iovec){ .iov_base = tail, .iov_len = tail_len };
	return 0;
}

static int iov_with_header(const struct msghdr *msg, uint8_t hdr[HDR_LEN], struct iovec small[SMALL_IOV],
			   struct iovec **iov)
{
	return iov_around(msg, hdr, HDR_LEN, NULL, 0, small, iov);
}

/* The program's message, with the header in front, to the relay. Returns the payload length. */
static ssize_t send_relayed(int fd, const struct udp_socket *e, const struct wire_addr *dest, const struct msghdr *msg,
			   int flags)
{
	/* The agent must still be there: once it is gone its port is anyone's (docs/udp.md). */
	if (agent_gone())
		return -1;
	uint8_t hdr[HDR_LEN];
	struct iovec small[SMALL_IOV], *iov;
	if (iov_with_header(msg, hdr, small, &iov) != 0)
		return -1;
	struct sockaddr_storage relay;
	socklen_t relay_len = relay_sockaddr(e->udp_relay, e->udp_domain_is_v6, &relay);
	if (relay_len == 0) {
		if (iov != small)
			free(iov);
		errno = ENETUNREACH;
		return -1;
	}
	sw_enc_udp_header(hdr, e->udp_id, dest);
	struct msghdr m = *msg;
	m.msg_name = &relay;
	m.msg_namelen = relay_len;
	m.msg_iov = iov;
	m.msg_iovlen = msg->msg_iovlen + 1;
	ssize_t r = real.sendmsg(fd, &m, flags);
	if (iov != small)
		free(iov);
	return r < 0 ? -1 : r - HDR_LEN;
}

/* send_fast's answer when the association's TCP connection is over (its relay's port may be
 * anyone's now): nothing was sent; ask the agent again. */
#define SEND_ENDED (-2)

/* The fast path: the program's message with an RFC 1928 §7 header in front, to the proxy's relay. */
static ssize_t send_fast(int fd, struct udp_socket *e, const struct wire_addr *dest, const struct msghdr *msg,
			 int flags)
{
	/* As for the agent's relay: without the agent the association is gone, and so is the send. */
	if (agent_gone())
		return -1;
	if (!fast_alive(e))
		return SEND_ENDED;
	uint8_t hdr[SW_SOCKS_UDP_HDR6];
	size_t hlen = sw_socks_udp_header(hdr, dest);
	struct iovec small[SMALL_IOV], *iov;
	if (iov_around(msg, hdr, hlen, NULL, 0, small, &iov) != 0)
		return -1;
	struct sockaddr_in6 relay = e->udp_fast_relay;
	struct msghdr m = *msg;
	m.msg_name = &relay;
	m.msg_namelen = e->udp_fast_relay_len;
	m.msg_iov = iov;
	m.msg_iovlen = msg->msg_iovlen + 1;
	ssize_t r = real.sendmsg(fd, &m, flags);
	if (iov != small)
		free(iov);
	return r < 0 ? -1 : r - (ssize_t)hlen;
}

ssize_t sw_udp_send_one(int fd, int domain, int type, const struct msghdr *msg, int flags)
{
	sw_udp_init();
	struct udp_socket *e = NULL;
	struct wire_addr dest;
	int saved_errno = errno;
	int ended = 0;
again:
	switch (plan_send(fd, domain, type, msg->msg_name, msg->msg_namelen, ended, &e, &dest)) {
	case PLAN_REFUSED:
		return -1;
	case PLAN_RELAY: {
		errno = saved_errno;
		return send_relayed(fd, e, &dest, msg, flags);
	}
	case PLAN_FAST: {
		errno = saved_errno;
		ssize_t r = send_fast(fd, e, &dest, msg, flags);
		if (r != SEND_ENDED)
			return r;
		if (!ended) {
			/* The proxy ended the association (its TCP connection is gone): a new one, once. */
			ended = 1;
			goto again;
		}
		errno = ECONNREFUSED;
		return -1;
	}
	case PLAN_WITHOUT_NAME: {
		struct msghdr without_name = *msg;
		without_name.msg_name = NULL;
		without_name.msg_namelen = 0;
		errno = saved_errno;
		return real.sendmsg(fd, &without_name, flags & ~MSG_FASTOPEN);
	}
	default:
		return real.sendmsg(fd, msg, flags);
	}
}

/* ---- sends without an address: a socket connected through the relay adds the header ---- */

/* 1 when fd is a socket connected through the relay: *result is the send's (bare, as the kernel
 * connection takes it; refused when the agent is gone). */
int sw_udp_connected_send(int fd, const struct msghdr *msg, int flags, ssize_t *result)
{
	sw_udp_inherited();
	if (!udp_entry_used(fd))
		return 0;
	sw_udp_init();
	struct udp_socket *e = lookup(fd);
	if (!e || !atomic_load(&e->udp_connected))
		return 0;
	*result = agent_gone() ? -1 : real.sendmsg(fd, msg, flags);
	return 1;
}

/* ---- connect ---- */

int sw_udp_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	sw_udp_init();
	struct udp_socket *e = lookup(fd);
	struct wire_addr dest;
	int domain, type;
	struct sockaddr_storage norm;
	socklen_t norm_len = 0;
	int proxied_kind = addr && sw_socket_is_ip(fd, &domain, &type) && type == SOCK_DGRAM &&
			   normalize_dgram_dest(domain, addr, len, 1, &norm, &norm_len) &&
			   wire_addr_from_sockaddr((struct sockaddr *)&norm, norm_len, &dest) == 0 && !wire_addr_skips_agent(&dest);
	int v6only = 0;
	if (proxied_kind && domain == AF_INET6 && dest.family == 4 &&
	    sw_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) == 0 && v6only)
		proxied_kind = 0;   /* the kernel refuses it, with its own errno for the program's form */
	if (proxied_kind) {
		/* From here on the destination is the normalized one (what getpeername will report). */
		addr = (struct sockaddr *)&norm;
		len = norm_len;
	}
	if (!proxied_kind) {
		/* AF_UNSPEC (disconnect), loopback, or something the kernel will judge. */
		int r = real.connect(fd, addr, len);
		if (r == 0 && e && atomic_exchange(&e->udp_connected, 0))
			release(e->udp_relay, (int)atomic_load(&e->udp_port), UDP_RELEASE_DISCONNECTED);
		return r;
	}
	struct udp_socket *entry = NULL;
	int route = ask_route(fd, domain, &dest, 1, 0, &entry);
	if (route < 0) {
		errno = -route;
		return -1;
	}
	if (route == ROUTE_DIRECT) {
		int r = real.connect(fd, addr, len);
		if (r == 0 && e && atomic_exchange(&e->udp_connected, 0))
			release(e->udp_relay, (int)atomic_load(&e->udp_port), UDP_RELEASE_DISCONNECTED);
		return r;
	}
	struct sockaddr_storage relay;
	socklen_t relay_len = relay_sockaddr(entry->udp_relay, domain == AF_INET6, &relay);
	if (relay_len == 0) {
		errno = ENETUNREACH;
		return -1;
	}
	socklen_t keep = len < sizeof entry->udp_peer ? len : sizeof entry->udp_peer;
	memset(&entry->udp_peer, 0, sizeof entry->udp_peer);
	memcpy(&entry->udp_peer, addr, keep);
	entry->udp_peer_len = keep;
	/* Connected before the kernel is, so a reply that comes at once is read bare. */
	atomic_store(&entry->udp_connected, 1);
	if (real.connect(fd, (struct sockaddr *)&relay, relay_len) != 0) {
		int err = errno;
		atomic_store(&entry->udp_connected, 0);
		release(entry->udp_relay, (int)atomic_load(&entry->udp_port), UDP_RELEASE_DISCONNECTED);
		errno = err;
		return -1;
	}
	return 0;
}

int sw_udp_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	sw_udp_init();
	struct udp_socket *e = lookup(fd);
	if (!e || !atomic_load(&e->udp_connected) || !addr || !len)
		return -1;
	sw_copy_out_address(&e->udp_peer, e->udp_peer_len, addr, len);
	return 0;
}

void sw_udp_closing(int fd)
{
	sw_udp_inherited();
	if (!udp_entry_used(fd))
		return;
	sw_udp_init();
	struct udp_socket *e = lookup(fd);
	if (!e)
		return;
	int port = (int)atomic_exchange(&e->udp_port, 0);
	if (port > 0) {
		int saved_errno = errno;
		release(e->udp_relay, port, UDP_RELEASE_CLOSED);
		errno = saved_errno;
	}
}

/* ---- receiving ---- */

static size_t iov_total(const struct iovec *iov, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

static uint8_t *iov_at(const struct iovec *iov, size_t n, size_t offset)
{
	for (size_t i = 0; i < n; i++) {
		if (offset < iov[i].iov_len)
			return (uint8_t *)iov[i].iov_base + offset;
		offset -= iov[i].iov_len;
	}
	return NULL;
}

/* A datagram that was not relayed went partly into our header buffer: put its first `total`
 * bytes back where the program expects them (its buffers hold the bytes from offset HDR_LEN). */
static void restore_unrelayed(const struct iovec *iov, size_t n, const uint8_t *hdr, size_t total)
{
	if (n == 1) {
		uint8_t *base = iov[0].iov_base;
		if (total > HDR_LEN)
			memmove(base + HDR_LEN, base, total - HDR_LEN);
		memcpy(base, hdr, total < HDR_LEN ? total : HDR_LEN);
		return;
	}
	for (size_t i = total; i-- > 0;) {
		uint8_t b = i < HDR_LEN ? hdr[i] : *iov_at(iov, n, i - HDR_LEN);
		*iov_at(iov, n, i) = b;
	}
}

static void report_source(struct msghdr *msg, const void *src, socklen_t src_len)
{
	if (!msg->msg_name) {
		msg->msg_namelen = 0;
		return;
	}
	sw_copy_out_address(src, src_len, msg->msg_name, &msg->msg_namelen);
}

/* Drops the datagram at the head of the queue (after a MSG_PEEK showed it is not for us). */
static void discard_one(int fd)
{
	struct msghdr m = { 0 };
	real.recvmsg(fd, &m, MSG_DONTWAIT);
}

/* The reply's real source from a relayed header (whose MAC was checked); 0 if malformed. */
static socklen_t header_source(const struct udp_socket *e, const uint8_t hdr[HDR_LEN], struct sockaddr_storage *visible)
{
	struct wire_addr source;
	if (sw_dec_udp_header(hdr, &source) != 0)
		return 0;
	return wire_addr_to_sockaddr(&source, e->udp_domain_is_v6 ? AF_INET6 : AF_INET, visible);
}

/* A relayed datagram bigger than the program's buffers: its MAC needs all of it, so it is read
 * whole into a buffer of ours (the rare case, so allocated), checked, and copied. Returns the
 * datagram's length, or -1; *ok says whether the MAC was right. */
static ssize_t receive_whole(int fd, const struct udp_socket *e, struct msghdr *msg, int flags, size_t full,
			     uint8_t hdr[HDR_LEN], int *ok)
{
	uint8_t *buf = malloc(full);
	if (!buf) {
		errno = ENOBUFS;
		return -1;
	}
	struct iovec iov = { .iov_base = buf, .iov_len = full };
	struct msghdr m = *msg;
	struct sockaddr_storage from;
	m.msg_name = &from;
	m.msg_namelen = sizeof from;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	ssize_t r = real.recvmsg(fd, &m, flags | MSG_TRUNC);
	*ok = 0;
	if (r >= HDR_LEN && (size_t)r <= full && from_relay(e, &from, m.msg_namelen)) {
		struct iovec payload = { .iov_base = buf + HDR_LEN, .iov_len = (size_t)r - HDR_LEN };
		*ok = sw_mac_check(&e->udp_mac, buf, buf + ID_LEN, HDR_LEN - ID_LEN, &payload, 1, payload.iov_len);
		memcpy(hdr, buf, HDR_LEN);
		size_t left = payload.iov_len;
		const uint8_t *p = buf + HDR_LEN;
		for (size_t i = 0; i < msg->msg_iovlen && left; i++) {
			size_t take = msg->msg_iov[i].iov_len < left ? msg->msg_iov[i].iov_len : left;
			memcpy(msg->msg_iov[i].iov_base, p, take);
			p += take;
			left -= take;
		}
		msg->msg_controllen = m.msg_controllen;
		msg->msg_flags = m.msg_flags & ~MSG_TRUNC;
	}
	free(buf);
	return r;
}

/* ---- receiving on the fast path ----
 *
 * One recvmsg into [FAST_HEAD bytes of ours][the program's buffers][FAST_TAIL of ours]: a reply
 * from the proxy's relay with an IPv4 source (10-byte header) lands with its payload exactly in
 * place. Any other header length h (22 for an IPv6 source, 27 for the agent's relay, 0 for a
 * datagram from anyone else) is moved by h - FAST_HEAD; the tail holds what that brings in. */
#define FAST_HEAD SW_SOCKS_UDP_HDR4
#define FAST_TAIL (HDR_LEN - FAST_HEAD)

struct spread {
	const uint8_t *head;
	const struct iovec *iov;
	size_t n, cap;
	const uint8_t *tail;
};

/* Byte i of what the recvmsg wrote, across the three parts. */
static uint8_t spread_at(const struct spread *sp, size_t i)
{
	if (i < FAST_HEAD)
		return sp->head[i];
	if (i < FAST_HEAD + sp->cap)
		return *iov_at(sp->iov, sp->n, i - FAST_HEAD);
	return sp->tail[i - FAST_HEAD - sp->cap];
}

/* Leaves bytes [h, h + shown) of what was received at the front of the program's buffers. */
static void spread_shift(const struct spread *sp, size_t h, size_t shown)
{
	if (h == FAST_HEAD || shown == 0)
		return;
	if (sp->n == 1) {
		uint8_t *base = sp->iov[0].iov_base;
		if (h > FAST_HEAD) {
			size_t d = h - FAST_HEAD, from_prog = shown < sp->cap - d ? shown : sp->cap - d;
			memmove(base, base + d, from_prog);
			memcpy(base + from_prog, sp->tail, shown - from_prog);
		} else {
			size_t d = FAST_HEAD - h;
			if (shown > d)
				memmove(base + d, base, shown - d);
			memcpy(base, sp->head + h, shown < d ? shown : d);
		}
		return;
	}
	if (h > FAST_HEAD) {
		for (size_t j = 0; j < shown; j++)
			*iov_at(sp->iov, sp->n, j) = spread_at(sp, j + h);
	} else {
		for (size_t j = shown; j-- > 0;)
			*iov_at(sp->iov, sp->n, j) = spread_at(sp, j + h);
	}
}

static int from_fast_relay(const struct udp_socket *e, const struct sockaddr_storage *from, socklen_t from_len)
{
	struct wire_addr a;
	return wire_addr_from_sockaddr((const struct sockaddr *)from, from_len, &a) == 0 &&
	       wire_addr_equal(&a, &e->udp_fast_relay_addr);
}

/* A datagram from the agent's relay bigger than the program's buffers, on a socket that also uses
 * the agent's relay: 1 when it was taken whole (receive_whole) and *result set, 0 to read on. */
static int fast_whole_from_agent(int fd, const struct udp_socket *e, struct msghdr *msg, int flags, size_t cap,
				 ssize_t *result, int *dropped)
{
	uint8_t one;
	struct iovec iov = { .iov_base = &one, .iov_len = 1 };
	struct sockaddr_storage from;
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t peeked = real.recvmsg(fd, &m, (flags & ~MSG_TRUNC) | MSG_PEEK | MSG_TRUNC);
	*dropped = 0;
	if (peeked < 0) {
		*result = -1;
		return 1;
	}
	if ((size_t)peeked <= HDR_LEN + cap || !from_relay(e, &from, m.msg_namelen))
		return 0;
	uint8_t hdr[HDR_LEN];
	int ok;
	ssize_t r = receive_whole(fd, e, msg, flags, (size_t)peeked, hdr, &ok);
	if (r < 0) {
		*result = -1;
		return 1;
	}
	struct sockaddr_storage visible;
	socklen_t visible_len = ok ? header_source(e, hdr, &visible) : 0;
	if (visible_len == 0) {
		if (flags & MSG_PEEK)
			discard_one(fd);
		*dropped = 1;
		return 1;
	}
	msg->msg_flags |= MSG_TRUNC;
	report_source(msg, &visible, visible_len);
	*result = (flags & MSG_TRUNC) ? (ssize_t)((size_t)r - HDR_LEN) : (ssize_t)cap;
	return 1;
}

static ssize_t fast_recvmsg(int fd, struct udp_socket *e, struct msghdr *msg, int flags)
{
	uint8_t head[FAST_HEAD], tail[FAST_TAIL];
	struct iovec small[SMALL_IOV], *iov;
	if (iov_around(msg, head, FAST_HEAD, tail, FAST_TAIL, small, &iov) != 0)
		return -1;
	size_t cap = iov_total(msg->msg_iov, msg->msg_iovlen);
	struct spread sp = { .head = head, .iov = msg->msg_iov, .n = msg->msg_iovlen, .cap = cap, .tail = tail };
	int domain = e->udp_domain_is_v6 ? AF_INET6 : AF_INET;
	ssize_t result;
	for (;;) {
		if (e->udp_mixed && cap < MAX_RELAYED) {
			int dropped;
			if (fast_whole_from_agent(fd, e, msg, flags, cap, &result, &dropped)) {
				if (dropped)
					continue;
				break;
			}
		}
		struct sockaddr_storage from;
		struct msghdr m = *msg;
		m.msg_name = &from;
		m.msg_namelen = sizeof from;
		m.msg_iov = iov;
		m.msg_iovlen = msg->msg_iovlen + 2;
		m.msg_flags = 0;
		ssize_t r = real.recvmsg(fd, &m, flags | MSG_TRUNC);
		if (r < 0) {
			result = -1;
			break;
		}
		msg->msg_controllen = m.msg_controllen;
		msg->msg_flags = m.msg_flags & ~MSG_TRUNC;
		size_t full = (size_t)r, h;
		struct sockaddr_storage visible;
		socklen_t visible_len = 0;
		int from_proxy = from_fast_relay(e, &from, m.msg_namelen);
		/* Once the agent is gone the association has ended, and the relay's port (a proxy on
		 * loopback) may be anyone's: dropped, and the receive fails, as on a socket connected
		 * through the agent's relay. */
		if (from_proxy && agent_gone()) {
			if (flags & MSG_PEEK)
				discard_one(fd);
			errno = ECONNREFUSED;
			result = -1;
			break;
		}
		/* A relay on this host whose association's TCP connection is over: its port may be
		 * anyone's now, so the datagram is what it is, from whoever sent it (docs/udp.md). */
		if (from_proxy && !fast_alive(e))
			from_proxy = 0;
		if (from_proxy) {
			/* The proxy's relay: its §7 header holds the real source. A fragment, a name or a
			 * source the socket's family cannot show is dropped (docs/udp.md). */
			h = full >= FAST_HEAD ? sw_socks_udp_header_len(head) : 0;
			if (h != 0 && full >= h) {
				uint8_t hdr[SW_SOCKS_UDP_HDR6];
				for (size_t i = 0; i < h; i++)
					hdr[i] = spread_at(&sp, i);
				struct wire_addr source;
				sw_socks_udp_source(hdr, h, &source);
				visible_len = wire_addr_to_sockaddr(&source, domain, &visible);
			}
		} else if (from_relay(e, &from, m.msg_namelen)) {
			/* The agent's relay (a destination the agent carries): its 27-byte header and MAC,
			 * over all of the payload (a bigger one was taken whole above, or is dropped). */
			h = HDR_LEN;
			if (full >= HDR_LEN && full - HDR_LEN <= cap) {
				uint8_t hdr[HDR_LEN];
				for (size_t i = 0; i < HDR_LEN; i++)
					hdr[i] = spread_at(&sp, i);
				spread_shift(&sp, HDR_LEN, full - HDR_LEN);
				if (sw_mac_check(&e->udp_mac, hdr, hdr + ID_LEN, HDR_LEN - ID_LEN, msg->msg_iov, msg->msg_iovlen,
						 full - HDR_LEN))
					visible_len = header_source(e, hdr, &visible);
			}
			if (visible_len == 0) {
				if (flags & MSG_PEEK)
					discard_one(fd);
				continue;
			}
			report_source(msg, &visible, visible_len);
			result = (ssize_t)(full - HDR_LEN);
			break;
		} else {
			/* Anyone else (a direct localnet or loopback peer): as the kernel gave it. */
			size_t shown = full < cap ? full : cap;
			spread_shift(&sp, 0, shown);
			if (full > cap)
				msg->msg_flags |= MSG_TRUNC;
			report_source(msg, &from, m.msg_namelen);
			result = (flags & MSG_TRUNC) ? (ssize_t)full : (ssize_t)shown;
			break;
		}
		if (visible_len == 0) {
			if (flags & MSG_PEEK)
				discard_one(fd);
			continue;
		}
		size_t payload = full - h, shown = payload < cap ? payload : cap;
		spread_shift(&sp, h, shown);
		if (payload > cap)
			msg->msg_flags |= MSG_TRUNC;
		report_source(msg, &visible, visible_len);
		result = (flags & MSG_TRUNC) ? (ssize_t)payload : (ssize_t)shown;
		break;
	}
	if (iov != small)
		free(iov);
	return result;
}

ssize_t sw_udp_recvmsg(int fd, struct msghdr *msg, int flags)
{
	sw_udp_init();
	return sw_udp_recvmsg_owned(lookup(fd), fd, msg, flags);
}

ssize_t sw_udp_recvmsg_owned(struct sw_fd *e, int fd, struct msghdr *msg, int flags)
{
	sw_udp_init();
	if (!e || !msg || (flags & MSG_ERRQUEUE))
		return real.recvmsg(fd, msg, flags);
	if (atomic_load(&e->udp_connected)) {
		/* Kernel-connected to the relay: only the relay's bare datagrams arrive — and once the
		 * agent is gone, whoever binds its port sends them: dropped, and the receive fails. */
		ssize_t r = real.recvmsg(fd, msg, flags);
		if (r >= 0 && agent_gone()) {
			if (flags & MSG_PEEK)
				discard_one(fd);
			return -1;
		}
		if (r >= 0)
			report_source(msg, &e->udp_peer, e->udp_peer_len);
		return r;
	}
	if (atomic_load(&e->udp_fast))
		return fast_recvmsg(fd, e, msg, flags);
	uint8_t hdr[HDR_LEN];
	struct iovec small[SMALL_IOV], *iov;
	if (iov_with_header(msg, hdr, small, &iov) != 0)
		return -1;
	size_t cap = iov_total(msg->msg_iov, msg->msg_iovlen);
	ssize_t result;
	for (;;) {
		struct sockaddr_storage from;
		struct msghdr m = *msg;
		m.msg_name = &from;
		m.msg_namelen = sizeof from;
		m.msg_iov = iov;
		m.msg_iovlen = msg->msg_iovlen + 1;
		/* A relayed datagram that may not fit: look at its length first (see receive_whole). */
		if (cap < MAX_RELAYED) {
			ssize_t peeked = real.recvmsg(fd, &m, flags | MSG_PEEK | MSG_TRUNC);
			if (peeked < 0) {
				result = -1;
				break;
			}
			if ((size_t)peeked > HDR_LEN + cap && from_relay(e, &from, m.msg_namelen)) {
				int ok;
				ssize_t r = receive_whole(fd, e, msg, flags, (size_t)peeked, hdr, &ok);
				if (r < 0) {
					result = -1;
					break;
				}
				struct sockaddr_storage visible;
				socklen_t visible_len = ok ? header_source(e, hdr, &visible) : 0;
				if (visible_len == 0) {
					if (flags & MSG_PEEK)
						discard_one(fd);
					continue;
				}
				size_t payload = (size_t)r - HDR_LEN;
				msg->msg_flags |= MSG_TRUNC;
				report_source(msg, &visible, visible_len);
				result = (flags & MSG_TRUNC) ? (ssize_t)payload : (ssize_t)cap;
				break;
			}
			m.msg_namelen = sizeof from;
			m.msg_flags = 0;
			m.msg_controllen = msg->msg_controllen;
		}
		/* MSG_TRUNC: the datagram's real length, whatever fits. */
		ssize_t r = real.recvmsg(fd, &m, flags | MSG_TRUNC);
		if (r < 0) {
			result = -1;
			break;
		}
		msg->msg_controllen = m.msg_controllen;
		msg->msg_flags = m.msg_flags & ~MSG_TRUNC;
		size_t full = (size_t)r;
		if (!from_relay(e, &from, m.msg_namelen)) {
			size_t shown = full < cap ? full : cap;
			restore_unrelayed(msg->msg_iov, msg->msg_iovlen, hdr, shown);
			if (full > cap)
				msg->msg_flags |= MSG_TRUNC;
			report_source(msg, &from, m.msg_namelen);
			result = (flags & MSG_TRUNC) ? (ssize_t)full : (ssize_t)shown;
			break;
		}
		struct sockaddr_storage visible;
		socklen_t visible_len = 0;
		/* Ours only with the MAC of this association's key over the header and all of the payload
		 * (a datagram that did not fit was taken by receive_whole, or arrived since the peek). */
		if (full >= HDR_LEN && full - HDR_LEN <= cap &&
		    sw_mac_check(&e->udp_mac, hdr, hdr + ID_LEN, HDR_LEN - ID_LEN, msg->msg_iov, msg->msg_iovlen, full - HDR_LEN))
			visible_len = header_source(e, hdr, &visible);
		if (visible_len == 0) {
			/* From the relay's address but not this association's (or forged): never shown. */
			if (flags & MSG_PEEK)
				discard_one(fd);
			continue;
		}
		size_t payload = full - HDR_LEN;
		report_source(msg, &visible, visible_len);
		result = (ssize_t)payload;
		break;
	}
	if (iov != small)
		free(iov);
	return result;
}
