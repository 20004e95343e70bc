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

#include "core/agent-wire.h"
#include "core/fd-guard.h"
#include "core/libc.h"
#include "core/shim-init.h"
#include "core/net-addr.h"
#include "core/relay-mac.h"
#include "core/shim-env.h"
#include "core/socket-ops.h"
#include "paths/udp-path.h"

#define UDP_FDS 65536
#define HDR_LEN 27
#define ID_LEN 8
#define KEY_LEN 16
/* The largest datagram over loopback UDP (IPv4), less our header. */
#define MAX_RELAYED (65507 - HDR_LEN)

enum { ROUTE_FLAG_CONNECT = 1 };
enum { RELEASE_DISCONNECTED = 0, RELEASE_CLOSED = 1 };
enum { ROUTE_DIRECT = 0, ROUTE_RELAY = 1 };

/* One program socket the relay carries. Valid while local_port equals the fd's bound port, so an
 * entry left by a closed fd never applies to a new socket with the same number. */
struct udp_socket {
	_Atomic uint32_t local_port;          /* 0: empty */
	uint8_t relay;                        /* 4 or 6 */
	uint8_t domain_is_v6;
	uint8_t id[ID_LEN];
	struct sw_mac_key mac;                /* the association's reply key, prepared */
	_Atomic int connected;                /* kernel-connected to the relay; peer below */
	socklen_t peer_len;
	struct sockaddr_in6 peer;             /* also holds a sockaddr_in */
};
static struct udp_socket udp_table[UDP_FDS];

static void udp_inherited(void);

void sw_udp_init(void)
{
	shim_init();
	udp_inherited();
}

static struct udp_socket *lookup(int fd)
{
	if (fd < 0 || fd >= UDP_FDS)
		return NULL;
	struct udp_socket *e = &udp_table[fd];
	uint32_t port = atomic_load(&e->local_port);
	if (port == 0)
		return NULL;
	struct sockaddr_storage ss;
	if (sw_local_port(fd, &ss) != (int)port) {
		/* The fd was closed behind our back (close_range, exec'd away) and reused. */
		atomic_compare_exchange_strong(&e->local_port, &port, 0);
		return NULL;
	}
	return e;
}

int sw_udp_is_connected(int fd)
{
	struct udp_socket *e = lookup(fd);
	return e && atomic_load(&e->connected);
}

int sw_udp_owns(int fd)
{
	udp_inherited();
	if (fd < 0 || fd >= UDP_FDS || atomic_load_explicit(&udp_table[fd].local_port, memory_order_relaxed) == 0)
		return 0;
	return lookup(fd) != NULL;
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
	struct wire_addr relay = e->relay == 4 ? wire_addr_loopback(4, cfg->udp_port4) : wire_addr_loopback(6, cfg->udp_port6);
	return wire_addr_equal(&a, &relay);
}

/* Which relay a socket reaches: 127.0.0.1 from AF_INET and dual-stack AF_INET6 sockets, ::1 from
 * IPV6_V6ONLY sockets and those bound to an IPv6 address. */
static int choose_relay(int fd, int domain, const struct sockaddr_storage *bound)
{
	if (domain == AF_INET)
		return 4;
	int v6only = 0;
	if (sw_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) == 0 && v6only)
		return 6;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)bound;
	if (!IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr) && !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return 6;
	return 4;
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
	if (bind(fd, (struct sockaddr *)&any, len) != 0)
		return -1;
	return sw_local_port(fd, bound);
}

/* ---- the agent ---- */

static void release(int relay, int port, int what)
{
	uint8_t req[4] = { (uint8_t)what, (uint8_t)relay, (uint8_t)(port >> 8), (uint8_t)port }, resp[AGENT_MAX_BODY];
	size_t resp_len;
	agent_call(OP_UDP_RELEASE, req, sizeof req, resp, &resp_len);
}

/* Asks UDP_ROUTE. Returns ROUTE_DIRECT, ROUTE_RELAY (the entry for fd filled in), or -errno. */
static int ask_route(int fd, int domain, const struct wire_addr *dest, int connecting, struct udp_socket **out)
{
	struct sockaddr_storage bound;
	int port = ensure_bound(fd, domain, &bound);
	if (port <= 0)
		return -errno;
	int relay = choose_relay(fd, domain, &bound);
	uint8_t req[4 + 19], resp[AGENT_MAX_BODY];
	size_t resp_len;
	req[0] = connecting ? ROUTE_FLAG_CONNECT : 0;
	req[1] = (uint8_t)relay;
	req[2] = (uint8_t)(port >> 8);
	req[3] = (uint8_t)port;
	size_t len = 4 + wire_addr_encode(dest, req + 4);
	int status = agent_call(OP_UDP_ROUTE, req, len, resp, &resp_len);
	if (status < 0)
		return -ECONNREFUSED;     /* the agent is gone: fail closed */
	if (status > 0)
		return -status;
	if (resp_len >= 1 && resp[0] == ROUTE_DIRECT)
		return ROUTE_DIRECT;
	if (resp_len < 1 + ID_LEN + KEY_LEN || resp[0] != ROUTE_RELAY || fd >= UDP_FDS)
		return -ECONNREFUSED;
	struct udp_socket *e = &udp_table[fd];
	uint32_t old = atomic_load(&e->local_port);
	if (old != (uint32_t)port || memcmp(e->id, resp + 1, ID_LEN) != 0 || e->relay != relay) {
		atomic_store(&e->local_port, 0);
		e->relay = (uint8_t)relay;
		e->domain_is_v6 = domain == AF_INET6;
		memcpy(e->id, resp + 1, ID_LEN);
		sw_mac_init(&e->mac, resp + 1 + ID_LEN, KEY_LEN);
		atomic_store(&e->connected, 0);
		atomic_store(&e->local_port, (uint32_t)port);
	}
	*out = e;
	return ROUTE_RELAY;
}

/* ---- verdict cache: per thread, the last few destinations ---- */

#define ROUTE_CACHE_SIZE 16
struct cached_route {
	struct wire_addr dest;
	uint8_t relayed;              /* 0: direct (for every socket); 1: relay for this id */
	uint8_t id[ID_LEN];
};
static __thread struct cached_route route_cache[ROUTE_CACHE_SIZE];
static __thread unsigned int route_cache_next;

/* 1: cached direct; 2: cached relay for this entry; 0: ask. */
static int cached_route(const struct wire_addr *dest, const struct udp_socket *e)
{
	for (int i = 0; i < ROUTE_CACHE_SIZE; i++) {
		const struct cached_route *c = &route_cache[i];
		if (c->dest.family == 0 || !wire_addr_equal(&c->dest, dest))
			continue;
		if (!c->relayed)
			return 1;
		if (e && memcmp(c->id, e->id, ID_LEN) == 0)
			return 2;
	}
	return 0;
}

static void cache_route(const struct wire_addr *dest, const struct udp_socket *e)
{
	struct cached_route *c = &route_cache[route_cache_next++ % ROUTE_CACHE_SIZE];
	c->dest = *dest;
	c->relayed = e != NULL;
	if (e)
		memcpy(c->id, e->id, ID_LEN);
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

enum plan { PLAN_AS_IS, PLAN_RELAY, PLAN_WITHOUT_NAME, PLAN_REFUSED };

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

/* Decides one send on an IP socket that is not a stream. PLAN_RELAY: *entry and *dest are set.
 * PLAN_REFUSED: errno is set. */
static enum plan plan_send(int fd, int domain, int type, const struct sockaddr *addr, socklen_t len,
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
	if (e && atomic_load(&e->connected)) {
		/* A connected socket: its own peer needs no address; any other would leave the relay. */
		struct wire_addr peer;
		if (wire_addr_from_sockaddr((struct sockaddr *)&e->peer, e->peer_len, &peer) == 0 && wire_addr_equal(&peer, dest))
			return agent_gone() ? PLAN_REFUSED : PLAN_WITHOUT_NAME;
		errno = EISCONN;
		return PLAN_REFUSED;
	}
	if (wire_addr_skips_agent(dest))
		return PLAN_AS_IS;
	int v6only = 0;
	if (domain == AF_INET6 && dest->family == 4 && sw_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) == 0 && v6only)
		return PLAN_AS_IS;       /* the kernel refuses it by itself */
	switch (cached_route(dest, e)) {
	case 1:
		return PLAN_AS_IS;
	case 2:
		*entry = e;
		return PLAN_RELAY;
	}
	int r = ask_route(fd, domain, dest, 0, entry);
	if (r == ROUTE_DIRECT) {
		cache_route(dest, NULL);
		return PLAN_AS_IS;
	}
	if (r < 0) {
		errno = -r;
		return PLAN_REFUSED;
	}
	cache_route(dest, *entry);
	return PLAN_RELAY;
}

static void encode_header(uint8_t hdr[HDR_LEN], const struct udp_socket *e, const struct wire_addr *dest)
{
	memset(hdr, 0, HDR_LEN);
	memcpy(hdr, e->id, ID_LEN);
	hdr[ID_LEN] = dest->family;
	memcpy(hdr + ID_LEN + 1, dest->bytes, dest->family == 4 ? 4 : 16);
	hdr[ID_LEN + 17] = (uint8_t)(dest->port >> 8);
	hdr[ID_LEN + 18] = (uint8_t)dest->port;
}

/* The program's iovec with the header's slot in front: in `small` when it fits, else allocated
 * (free it when *iov != small). -1 (errno set) when the message has too many parts. */
#define SMALL_IOV 9
static int iov_with_header(const struct msghdr *msg, uint8_t hdr[HDR_LEN], struct iovec small[SMALL_IOV],
			   struct iovec **iov)
{
	if (msg->msg_iovlen >= IOV_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	*iov = small;
	if (msg->msg_iovlen + 1 > SMALL_IOV) {
		*iov = malloc((msg->msg_iovlen + 1) * sizeof **iov);
		if (!*iov) {
			errno = ENOBUFS;
			return -1;
		}
	}
	(*iov)[0] = (struct iovec){ .iov_base = hdr, .iov_len = HDR_LEN };
	if (msg->msg_iovlen)
		memcpy(*iov + 1, msg->msg_iov, msg->msg_iovlen * sizeof **iov);
	return 0;
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
	socklen_t relay_len = relay_sockaddr(e->relay, e->domain_is_v6, &relay);
	if (relay_len == 0) {
		if (iov != small)
			free(iov);
		errno = ENETUNREACH;
		return -1;
	}
	encode_header(hdr, e, dest);
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

ssize_t sw_udp_send_one(int fd, int domain, int type, const struct msghdr *msg, int flags)
{
	sw_udp_init();
	struct udp_socket *e = NULL;
	struct wire_addr dest;
	int saved_errno = errno;
	switch (plan_send(fd, domain, type, msg->msg_name, msg->msg_namelen, &e, &dest)) {
	case PLAN_REFUSED:
		return -1;
	case PLAN_RELAY: {
		errno = saved_errno;
		return send_relayed(fd, e, &dest, msg, flags);
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
	udp_inherited();
	if (fd < 0 || fd >= UDP_FDS || atomic_load_explicit(&udp_table[fd].local_port, memory_order_relaxed) == 0)
		return 0;
	sw_udp_init();
	struct udp_socket *e = lookup(fd);
	if (!e || !atomic_load(&e->connected))
		return 0;
	*result = agent_gone() ? -1 : real.sendmsg(fd, msg, flags);
	return 1;
}

/* ---- sockets inherited across exec ----
 *
 * exec keeps the descriptors and the pid but not this table: a UDP socket the agent associated
 * in the previous image would get its replies with the header on. So, on the first use of any
 * hook in a new image, the shim lists its descriptors once and asks the agent (UDP_LOOKUP, by
 * relay and bound port) about each bound IP datagram socket; a known one gets its entry back:
 * the association id, and the peer when it was connected through the relay. */

static _Atomic int inherited_state;       /* 0: not looked yet, 1: looking, 2: done */
static _Atomic pid_t inherited_looker;
static __thread int looking_here;         /* the scan's own agent calls come back through hooks */

static void adopt_inherited(int fd)
{
	int domain, type;
	if (fd >= UDP_FDS || !sw_socket_is_ip(fd, &domain, &type) || type != SOCK_DGRAM ||
	    atomic_load(&udp_table[fd].local_port) != 0)
		return;
	struct sockaddr_storage bound;
	int port = sw_local_port(fd, &bound);
	if (port <= 0)
		return;
	int relay = choose_relay(fd, domain, &bound);
	uint8_t req[3] = { (uint8_t)relay, (uint8_t)(port >> 8), (uint8_t)port }, resp[AGENT_MAX_BODY];
	size_t resp_len;
	if (agent_call(OP_UDP_LOOKUP, req, sizeof req, resp, &resp_len) != 0 || resp_len < ID_LEN + KEY_LEN + 1)
		return;
	struct udp_socket *e = &udp_table[fd];
	e->relay = (uint8_t)relay;
	e->domain_is_v6 = domain == AF_INET6;
	memcpy(e->id, resp, ID_LEN);
	sw_mac_init(&e->mac, resp + ID_LEN, KEY_LEN);
	const uint8_t *rest = resp + ID_LEN + KEY_LEN;
	size_t rest_len = resp_len - ID_LEN - KEY_LEN;
	int connected = 0;
	struct wire_addr peer;
	if (rest[0] == 1 && wire_addr_decode(rest + 1, rest_len - 1, 1, &peer)) {
		struct sockaddr_storage ss;
		socklen_t len = wire_addr_to_sockaddr(&peer, domain, &ss);
		if (len > 0 && len <= sizeof e->peer) {
			memset(&e->peer, 0, sizeof e->peer);
			memcpy(&e->peer, &ss, len);
			e->peer_len = len;
			connected = 1;
		}
	}
	atomic_store(&e->connected, connected);
	atomic_store(&e->local_port, (uint32_t)port);
}

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Raw syscalls, no allocation: this can run from whatever hook comes first. */
static void look_for_inherited(void)
{
	const struct shim_config *cfg = shim_config();
	if (!cfg->ok || (cfg->udp_port4 == 0 && cfg->udp_port6 == 0))
		return;
	int dir = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return;
	_Alignas(8) char buf[2048];
	for (;;) {
		long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			const struct dirent64_raw *d = (const struct dirent64_raw *)(buf + off);
			off += d->d_reclen;
			int fd = 0, digits = 0;
			for (const char *c = d->d_name; *c >= '0' && *c <= '9' && fd < UDP_FDS; c++, digits++)
				fd = fd * 10 + (*c - '0');
			if (digits && fd != dir && !fdguard_is_shim_fd(fd))
				adopt_inherited(fd);
		}
	}
	syscall(SYS_close, dir);
}

static void udp_inherited(void)
{
	if (atomic_load_explicit(&inherited_state, memory_order_acquire) == 2 || looking_here)
		return;
	pid_t me = (pid_t)syscall(SYS_getpid);
	for (;;) {
		int expected = 0;
		if (atomic_compare_exchange_strong(&inherited_state, &expected, 1)) {
			atomic_store(&inherited_looker, me);
			looking_here = 1;
			/* The scan's agent calls wait in poll(), a cancellation point: a thread cancelled
			 * there would leave the state at 1 and every other thread yielding forever. */
			int cancel_state;
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
			look_for_inherited();
			looking_here = 0;
			atomic_store_explicit(&inherited_state, 2, memory_order_release);
			pthread_setcancelstate(cancel_state, NULL);
			return;
		}
		if (expected == 2)
			return;
		pid_t looker = atomic_load(&inherited_looker);
		if (looker != 0 && looker != me) {
			/* A fork child of a process that was looking: look again, for this process. */
			atomic_compare_exchange_strong(&inherited_state, &expected, 0);
			continue;
		}
		sched_yield();
	}
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
		if (r == 0 && e && atomic_exchange(&e->connected, 0))
			release(e->relay, (int)atomic_load(&e->local_port), RELEASE_DISCONNECTED);
		return r;
	}
	struct udp_socket *entry = NULL;
	int route = ask_route(fd, domain, &dest, 1, &entry);
	if (route < 0) {
		errno = -route;
		return -1;
	}
	if (route == ROUTE_DIRECT) {
		int r = real.connect(fd, addr, len);
		if (r == 0 && e && atomic_exchange(&e->connected, 0))
			release(e->relay, (int)atomic_load(&e->local_port), RELEASE_DISCONNECTED);
		return r;
	}
	struct sockaddr_storage relay;
	socklen_t relay_len = relay_sockaddr(entry->relay, domain == AF_INET6, &relay);
	if (relay_len == 0) {
		errno = ENETUNREACH;
		return -1;
	}
	socklen_t keep = len < sizeof entry->peer ? len : sizeof entry->peer;
	memset(&entry->peer, 0, sizeof entry->peer);
	memcpy(&entry->peer, addr, keep);
	entry->peer_len = keep;
	/* Connected before the kernel is, so a reply that comes at once is read bare. */
	atomic_store(&entry->connected, 1);
	if (real.connect(fd, (struct sockaddr *)&relay, relay_len) != 0) {
		int err = errno;
		atomic_store(&entry->connected, 0);
		release(entry->relay, (int)atomic_load(&entry->local_port), RELEASE_DISCONNECTED);
		errno = err;
		return -1;
	}
	return 0;
}

int sw_udp_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	sw_udp_init();
	struct udp_socket *e = lookup(fd);
	if (!e || !atomic_load(&e->connected) || !addr || !len)
		return -1;
	sw_copy_out_address(&e->peer, e->peer_len, addr, len);
	return 0;
}

void sw_udp_closing(int fd)
{
	udp_inherited();
	if (fd < 0 || fd >= UDP_FDS || atomic_load_explicit(&udp_table[fd].local_port, memory_order_relaxed) == 0)
		return;
	sw_udp_init();
	struct udp_socket *e = lookup(fd);
	if (!e)
		return;
	int port = (int)atomic_exchange(&e->local_port, 0);
	if (port > 0) {
		int saved_errno = errno;
		release(e->relay, port, RELEASE_CLOSED);
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
	uint8_t packed[19];
	struct wire_addr source;
	packed[0] = hdr[ID_LEN];
	size_t alen = packed[0] == 4 ? 4 : 16;
	memcpy(packed + 1, hdr + ID_LEN + 1, alen);
	packed[1 + alen] = hdr[ID_LEN + 17];
	packed[2 + alen] = hdr[ID_LEN + 18];
	if (!wire_addr_decode(packed, 3 + alen, 1, &source))
		return 0;
	return wire_addr_to_sockaddr(&source, e->domain_is_v6 ? AF_INET6 : AF_INET, visible);
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
		*ok = sw_mac_check(&e->mac, buf, buf + ID_LEN, HDR_LEN - ID_LEN, &payload, 1, payload.iov_len);
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

ssize_t sw_udp_recvmsg(int fd, struct msghdr *msg, int flags)
{
	sw_udp_init();
	struct udp_socket *e = lookup(fd);
	if (!e || !msg || (flags & MSG_ERRQUEUE))
		return real.recvmsg(fd, msg, flags);
	if (atomic_load(&e->connected)) {
		/* Kernel-connected to the relay: only the relay's bare datagrams arrive — and once the
		 * agent is gone, whoever binds its port sends them: dropped, and the receive fails. */
		ssize_t r = real.recvmsg(fd, msg, flags);
		if (r >= 0 && agent_gone()) {
			if (flags & MSG_PEEK)
				discard_one(fd);
			return -1;
		}
		if (r >= 0)
			report_source(msg, &e->peer, e->peer_len);
		return r;
	}
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
		    sw_mac_check(&e->mac, hdr, hdr + ID_LEN, HDR_LEN - ID_LEN, msg->msg_iov, msg->msg_iovlen, full - HDR_LEN))
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
