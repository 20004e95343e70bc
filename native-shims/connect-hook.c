/* connect() to a proxied destination connects the program's own fd to the agent's relay, so the
 * descriptor the program registered (epoll, poll) stays the same open file. getpeername() then
 * reports the original destination; sendto/sendmsg close the implicit-connect paths (UDP
 * datagrams with an address, TCP Fast Open). */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "shim.h"

/* The agent bounds every chain with its own timeouts; this only catches a wedged agent. */
#define VERDICT_TIMEOUT_MS 300000

enum { SOCKTYPE_STREAM = 1, SOCKTYPE_DGRAM = 2 };
enum { ACTION_DIRECT = 0, ACTION_PROXY = 1 };

/* What this process connected to the relay itself. Entries are validated by the fd's local port,
 * so a stale entry (fd closed and reused) can never be mistaken for a live one. */
#define RELAYED_FDS 65536
struct relayed_socket {
	_Atomic uint32_t local_port;          /* 0: empty */
	socklen_t original_len;
	struct sockaddr_in6 original;         /* also holds a sockaddr_in */
};
static struct relayed_socket relayed[RELAYED_FDS];

static int socket_int_option(int fd, int level, int name, int *value)
{
	socklen_t len = sizeof *value;
	return getsockopt(fd, level, name, value, &len);
}

static int local_port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

static void remember_relayed(int fd, int local_port, const struct sockaddr *addr, socklen_t len)
{
	if (fd < 0 || fd >= RELAYED_FDS || local_port <= 0)
		return;
	struct relayed_socket *r = &relayed[fd];
	if (len > sizeof r->original)
		len = sizeof r->original;
	atomic_store(&r->local_port, 0);
	memcpy(&r->original, addr, len);
	r->original_len = len;
	atomic_store(&r->local_port, (uint32_t)local_port);
}

static int recall_relayed(int fd, int local_port, struct sockaddr_in6 *addr, socklen_t *len)
{
	if (fd < 0 || fd >= RELAYED_FDS || local_port <= 0)
		return -1;
	struct relayed_socket *r = &relayed[fd];
	if (atomic_load(&r->local_port) != (uint32_t)local_port)
		return -1;
	*addr = r->original;
	*len = r->original_len;
	/* A concurrent reconnect of the same fd would have changed the port meanwhile. */
	return atomic_load(&r->local_port) == (uint32_t)local_port ? 0 : -1;
}

/* Asks the agent about a destination. Returns ACTION_DIRECT, ACTION_PROXY (ticket filled) or a
 * negative errno: the agent's refusal, or ECONNREFUSED when it cannot be asked (fail closed). */
static int ask_agent_connect(int socktype, const struct wire_addr *dest, uint8_t ticket[16])
{
	uint8_t req[1 + 19], resp[AGENT_MAX_BODY];
	size_t resp_len;
	req[0] = (uint8_t)socktype;
	size_t len = 1 + wire_addr_encode(dest, req + 1);
	int status = agent_call(OP_CONNECT, req, len, resp, &resp_len);
	if (status < 0)
		return -ECONNREFUSED;
	if (status > 0)
		return -status;
	if (resp_len >= 1 && resp[0] == ACTION_DIRECT)
		return ACTION_DIRECT;
	/* Proxying a datagram socket needs a UDP relay this protocol version does not define. */
	if (resp_len >= 17 && resp[0] == ACTION_PROXY && socktype == SOCKTYPE_STREAM) {
		memcpy(ticket, resp + 1, 16);
		return ACTION_PROXY;
	}
	return -ECONNREFUSED;
}

static void deadline_in(struct timespec *deadline, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += ms / 1000;
	deadline->tv_nsec += (ms % 1000) * 1000000;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
}

/* poll() for one event until the deadline, through EINTR. 0 ready, ETIMEDOUT, or an errno. */
static int wait_for(int fd, short events, const struct timespec *deadline)
{
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
		if (ms < 0)
			ms = 0;
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, (int)ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (r == 0)
			return ETIMEDOUT;
		return 0;
	}
}

static int relay_address(int fd, int domain, struct sockaddr_storage *relay, socklen_t *len)
{
	const struct shim_config *cfg = shim_config();
	struct wire_addr a = { .family = 4, .bytes = { 127, 0, 0, 1 }, .port = cfg->relay_port4 };
	int v6only = 0;
	if (domain == AF_INET6 && socket_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) == 0 && v6only) {
		if (cfg->relay_port6 == 0)
			return -1;
		a = (struct wire_addr){ .family = 6, .port = cfg->relay_port6 };
		a.bytes[15] = 1;
	}
	*len = wire_addr_to_sockaddr(&a, domain, relay);
	return *len ? 0 : -1;
}

/* Connects the program's fd to the relay, presents the ticket and reads the verdict, without
 * touching O_NONBLOCK: every wait is a poll(), every transfer MSG_DONTWAIT. Returns the verdict
 * (0 = established) or an errno. */
static int join_relay(int fd, int domain, const uint8_t ticket[16])
{
	struct sockaddr_storage relay;
	socklen_t relay_len;
	if (relay_address(fd, domain, &relay, &relay_len) != 0)
		return ECONNREFUSED;
	struct timespec deadline;
	deadline_in(&deadline, VERDICT_TIMEOUT_MS);

	if (real.connect(fd, (struct sockaddr *)&relay, relay_len) != 0) {
		/* Non-blocking, or a blocking connect a signal interrupted: it goes on in the kernel. */
		if (errno != EINPROGRESS && errno != EINTR && errno != EALREADY)
			return errno;
		int err = wait_for(fd, POLLOUT, &deadline);
		if (err)
			return err;
		if (socket_int_option(fd, SOL_SOCKET, SO_ERROR, &err) != 0)
			return errno;
		if (err)
			return err;
	}

	size_t sent = 0;
	while (sent < 16) {
		ssize_t n = send(fd, ticket + sent, 16 - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			int err = wait_for(fd, POLLOUT, &deadline);
			if (err)
				return err;
			continue;
		}
		return ECONNREFUSED;
	}

	for (;;) {
		uint8_t verdict;
		ssize_t n = recv(fd, &verdict, 1, MSG_DONTWAIT);
		if (n == 1)
			return verdict;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			int err = wait_for(fd, POLLIN, &deadline);
			if (err)
				return err;
			continue;
		}
		return ECONNREFUSED;   /* EOF or reset before a verdict: the agent refused the ticket */
	}
}

/* Makes the fd an unconnected socket again, as after a failed real connect. */
static void disconnect(int fd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	real.connect(fd, &unspec, sizeof unspec);
}

/* Fills dest when this connect/sendto is one the agent must decide on; else the call goes to libc
 * unchanged (non-IP families, raw sockets, loopback, and arguments the kernel will reject). */
static int needs_agent(int fd, const struct sockaddr *addr, socklen_t len, struct wire_addr *dest,
		       int *domain, int *type)
{
	if (wire_addr_from_sockaddr(addr, len, dest) != 0)
		return 0;
	if (socket_int_option(fd, SOL_SOCKET, SO_DOMAIN, domain) != 0 || *domain != addr->sa_family)
		return 0;
	if (socket_int_option(fd, SOL_SOCKET, SO_TYPE, type) != 0)
		return 0;
	if (*type != SOCK_STREAM && *type != SOCK_DGRAM)
		return 0;
	if (wire_addr_is_local(dest))
		return 0;
	int v6only = 0;
	/* The kernel refuses a v4-mapped address on a v6-only socket by itself. */
	if (*domain == AF_INET6 && dest->family == 4 &&
	    socket_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) == 0 && v6only)
		return 0;
	return 1;
}

SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	shim_init();
	struct wire_addr dest;
	int domain, type;
	int saved_errno = errno;
	if (!needs_agent(fd, addr, len, &dest, &domain, &type))
		return real.connect(fd, addr, len);

	uint8_t ticket[16];
	int action = ask_agent_connect(type == SOCK_STREAM ? SOCKTYPE_STREAM : SOCKTYPE_DGRAM, &dest, ticket);
	if (action == ACTION_DIRECT)
		return real.connect(fd, addr, len);
	if (action < 0) {
		errno = -action;
		return -1;
	}

	int verdict = join_relay(fd, domain, ticket);
	if (verdict != 0) {
		disconnect(fd);
		errno = verdict;
		return -1;
	}
	remember_relayed(fd, local_port_of(fd), addr, len);
	errno = saved_errno;
	return 0;
}

/* Which relay listener the peer is: 4 (127.0.0.1, also v4-mapped), 6 (::1), or 0 for neither. */
static int relay_of_peer(const struct sockaddr_storage *peer)
{
	const struct shim_config *cfg = shim_config();
	struct wire_addr a;
	if (!cfg->ok || wire_addr_from_sockaddr((const struct sockaddr *)peer, sizeof *peer, &a) != 0)
		return 0;
	static const uint8_t loopback4[4] = { 127, 0, 0, 1 }, loopback6[16] = { [15] = 1 };
	if (a.family == 4)
		return a.port == cfg->relay_port4 && memcmp(a.bytes, loopback4, 4) == 0 ? 4 : 0;
	return cfg->relay_port6 != 0 && a.port == cfg->relay_port6 && memcmp(a.bytes, loopback6, 16) == 0 ? 6 : 0;
}

/* As the kernel does: copy at most *len bytes, report the full length. */
static void copy_out_address(const void *src, socklen_t src_len, struct sockaddr *addr, socklen_t *len)
{
	memcpy(addr, src, *len < src_len ? *len : src_len);
	*len = src_len;
}

/* The original destination of a relayed socket: our own table, else the agent (an fd inherited
 * across exec). */
static int original_destination(int fd, int domain, int relay, struct sockaddr_storage *out,
				socklen_t *out_len)
{
	int port = local_port_of(fd);
	if (port <= 0)
		return -1;
	struct sockaddr_in6 remembered;
	if (recall_relayed(fd, port, &remembered, out_len) == 0) {
		memset(out, 0, sizeof *out);
		memcpy(out, &remembered, *out_len);
		return 0;
	}
	/* Ports of the two listeners' connections can coincide, so the relay is named too. */
	uint8_t req[3] = { (uint8_t)(port >> 8), (uint8_t)port, (uint8_t)relay }, resp[AGENT_MAX_BODY];
	size_t resp_len;
	struct wire_addr original;
	if (agent_call(OP_PEER, req, sizeof req, resp, &resp_len) != 0 ||
	    wire_addr_decode(resp, resp_len, 1, &original) == 0)
		return -1;
	*out_len = wire_addr_to_sockaddr(&original, domain, out);
	return *out_len ? 0 : -1;
}

SHIM_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	shim_init();
	if (!addr || !len)
		return real.getpeername(fd, addr, len);
	struct sockaddr_storage peer;
	socklen_t peer_len = sizeof peer;
	if (real.getpeername(fd, (struct sockaddr *)&peer, &peer_len) != 0)
		return -1;
	int saved_errno = errno;
	int relay = relay_of_peer(&peer);
	if (relay) {
		struct sockaddr_storage original;
		socklen_t original_len;
		if (original_destination(fd, peer.ss_family, relay, &original, &original_len) == 0) {
			copy_out_address(&original, original_len, addr, len);
			errno = saved_errno;
			return 0;
		}
	}
	copy_out_address(&peer, peer_len, addr, len);
	errno = saved_errno;
	return 0;
}

/* ---- implicit connects: datagrams with an address, TCP Fast Open ---- */

/* Destinations the agent said go direct; its rules do not change during a run. */
#define DIRECT_CACHE_SIZE 8
static __thread struct wire_addr direct_datagram_cache[DIRECT_CACHE_SIZE];
static __thread unsigned int direct_datagram_next;

static int cached_direct(const struct wire_addr *a)
{
	for (int i = 0; i < DIRECT_CACHE_SIZE; i++) {
		const struct wire_addr *c = &direct_datagram_cache[i];
		if (c->family == a->family && c->port == a->port && memcmp(c->bytes, a->bytes, 16) == 0)
			return 1;
	}
	return 0;
}

enum send_plan { SEND_AS_IS, SEND_CONNECTED, SEND_REFUSED };

/* Decides one send with an address. SEND_CONNECTED: a Fast Open send was turned into our
 * connect() plus a plain send. SEND_REFUSED: errno is set. */
static enum send_plan plan_send(int fd, const struct sockaddr *addr, socklen_t len, int flags)
{
	struct wire_addr dest;
	int domain, type;
	if (!addr || !needs_agent(fd, addr, len, &dest, &domain, &type))
		return SEND_AS_IS;
	if (type == SOCK_STREAM) {
		/* Without MSG_FASTOPEN the kernel ignores a stream send's address. */
		if (!(flags & MSG_FASTOPEN))
			return SEND_AS_IS;
		return connect(fd, addr, len) == 0 ? SEND_CONNECTED : SEND_REFUSED;
	}
	if (cached_direct(&dest))
		return SEND_AS_IS;
	uint8_t ticket[16];
	int action = ask_agent_connect(SOCKTYPE_DGRAM, &dest, ticket);
	if (action == ACTION_DIRECT) {
		direct_datagram_cache[direct_datagram_next++ % DIRECT_CACHE_SIZE] = dest;
		return SEND_AS_IS;
	}
	errno = action < 0 ? -action : ECONNREFUSED;
	return SEND_REFUSED;
}

SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
			   socklen_t len)
{
	shim_init();
	switch (plan_send(fd, addr, len, flags)) {
	case SEND_REFUSED:
		return -1;
	case SEND_CONNECTED:
		return real.sendto(fd, buf, n, flags & ~MSG_FASTOPEN, NULL, 0);
	default:
		return real.sendto(fd, buf, n, flags, addr, len);
	}
}

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	shim_init();
	if (!msg)
		return real.sendmsg(fd, msg, flags);
	switch (plan_send(fd, msg->msg_name, msg->msg_namelen, flags)) {
	case SEND_REFUSED:
		return -1;
	case SEND_CONNECTED: {
		struct msghdr without_name = *msg;
		without_name.msg_name = NULL;
		without_name.msg_namelen = 0;
		return real.sendmsg(fd, &without_name, flags & ~MSG_FASTOPEN);
	}
	default:
		return real.sendmsg(fd, msg, flags);
	}
}

SHIM_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int count, int flags)
{
	shim_init();
	if (!vec)
		return real.sendmmsg(fd, vec, count, flags);
	/* Send the allowed prefix; a refused message ends the batch like a kernel error would. */
	unsigned int allowed = 0;
	for (; allowed < count; allowed++) {
		const struct msghdr *m = &vec[allowed].msg_hdr;
		if (plan_send(fd, m->msg_name, m->msg_namelen, flags & ~MSG_FASTOPEN) == SEND_REFUSED)
			break;
	}
	if (allowed == 0 && count > 0)
		return -1;
	return real.sendmmsg(fd, vec, allowed, flags);
}
