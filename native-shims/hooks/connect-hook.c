/* connect() to a proxied destination connects the program's own fd to the agent's relay, so the
 * descriptor the program registered (epoll, poll) stays the same open file. getpeername() then
 * reports the original destination; sendto/sendmsg close the implicit-connect paths (UDP
 * datagrams with an address, TCP Fast Open).
 *
 * On a blocking socket the agent usually answers "execute": the fd is connected straight to the
 * first proxy and direct-path.c runs the handshake on it (docs/architecture.md, direct path).
 * On a non-blocking socket connect() returns EINPROGRESS as soon as the fd is connected to the
 * relay and the ticket is written. Until the chain answers (an urgent byte, or a reset) the fd must
 * look like a connect in progress: sw_async_learn() tells the I/O hooks (io-hooks.c) and the
 * readiness hooks (readiness-hooks.c) where it stands. docs/async-connect.md has the whole story. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/shim.h"

/* The agent bounds every chain with its own timeouts; this only catches a wedged agent. */
#define VERDICT_TIMEOUT_MS 300000

enum { SOCKTYPE_STREAM = 1, SOCKTYPE_DGRAM = 2 };
enum { ACTION_DIRECT = 0, ACTION_PROXY = 1, ACTION_EXECUTE = 2 };
/* CONNECT flags: a blocking socket (the agent may answer execute), which families it can reach. */
enum { CONNECT_BLOCKING = 1, CONNECT_REACH4 = 2, CONNECT_REACH6 = 4, CONNECT_OUT_OF_BAND = 8 };

/* What this process connected to the relay, or straight to a proxy (direct path: `via`), itself.
 * Entries are validated by the fd's local port (and real peer, for `via`), so a stale entry (fd
 * closed and reused) can never be mistaken for a live one. */
#define RELAYED_FDS 65536
struct relayed_socket {
	_Atomic uint32_t local_port;          /* 0: empty */
	socklen_t original_len;
	struct sockaddr_in6 original;         /* also holds a sockaddr_in */
	struct wire_addr via;                 /* the first proxy; family 0 for the relay */
};
static struct relayed_socket relayed[RELAYED_FDS];

/* The real getsockopt: our own hook would treat SO_ERROR on a pending fd as the program's. */
static int socket_int_option(int fd, int level, int name, int *value)
{
	socklen_t len = sizeof *value;
	return sw_real_getsockopt(fd, level, name, value, &len);
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

static void remember_relayed(int fd, int local_port, const struct sockaddr *addr, socklen_t len,
			     const struct wire_addr *via)
{
	if (fd < 0 || fd >= RELAYED_FDS || local_port <= 0)
		return;
	struct relayed_socket *r = &relayed[fd];
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

static int recall_relayed(int fd, int local_port, struct sockaddr_in6 *addr, socklen_t *len,
			  struct wire_addr *via)
{
	if (fd < 0 || fd >= RELAYED_FDS || local_port <= 0)
		return -1;
	struct relayed_socket *r = &relayed[fd];
	if (atomic_load(&r->local_port) != (uint32_t)local_port)
		return -1;
	*addr = r->original;
	*len = r->original_len;
	*via = r->via;
	/* A concurrent reconnect of the same fd would have changed the port meanwhile. */
	return atomic_load(&r->local_port) == (uint32_t)local_port ? 0 : -1;
}

/* CONNECT's request body: `socktype u8 | address | flags u8 (when not 0)`. */
static size_t connect_request(int socktype, const struct wire_addr *dest, int flags, uint8_t req[SW_CONNECT_REQUEST_MAX])
{
	req[0] = (uint8_t)socktype;
	size_t len = 1 + wire_addr_encode(dest, req + 1);
	if (flags)
		req[len++] = (uint8_t)flags;
	return len;
}

/* Asks the agent about a destination. Returns ACTION_DIRECT, ACTION_PROXY (ticket filled),
 * ACTION_EXECUTE (only when flags say blocking: execute filled with `session | instruction`, for
 * direct-path.c) or a negative errno: the agent's refusal, or ECONNREFUSED when it cannot be asked
 * (fail closed). */
static int ask_agent_connect_as(const uint8_t *req, size_t len, int socktype, uint8_t ticket[16],
				uint8_t *execute, size_t *execute_len)
{
	uint8_t resp[AGENT_MAX_BODY];
	size_t resp_len;
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
	if (resp_len >= 5 && resp[0] == ACTION_EXECUTE && execute && socktype == SOCKTYPE_STREAM) {
		*execute_len = resp_len - 1;
		memcpy(execute, resp + 1, *execute_len);
		return ACTION_EXECUTE;
	}
	return -ECONNREFUSED;
}

static int ask_agent_connect(int socktype, const struct wire_addr *dest, uint8_t ticket[16])
{
	uint8_t req[SW_CONNECT_REQUEST_MAX];
	size_t len = connect_request(socktype, dest, 0, req);
	return ask_agent_connect_as(req, len, socktype, ticket, NULL, NULL);
}

int sw_ask_agent_connect(int socktype, const struct wire_addr *dest, uint8_t ticket[16])
{
	return ask_agent_connect(socktype, dest, ticket);
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
static int present_ticket(int fd, int domain, const uint8_t ticket[16], const struct timespec *deadline);

static int join_relay(int fd, int domain, const uint8_t ticket[16])
{
	struct timespec deadline;
	sw_deadline_in(&deadline, VERDICT_TIMEOUT_MS);
	int err = present_ticket(fd, domain, ticket, &deadline);
	if (err)
		return err;

	for (;;) {
		uint8_t verdict;
		ssize_t n = sw_real_recv(fd, &verdict, 1, MSG_DONTWAIT);
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

/* Connects fd to the relay and writes the ticket; the verdict is left for the caller. The relay
 * connect is to loopback and completes in the kernel (the agent need not run), so waiting for it
 * is short even on a non-blocking socket. Returns 0 or an errno. */
static int present_ticket(int fd, int domain, const uint8_t ticket[16], const struct timespec *deadline)
{
	struct sockaddr_storage relay;
	socklen_t relay_len;
	if (relay_address(fd, domain, &relay, &relay_len) != 0)
		return ECONNREFUSED;

	if (real.connect(fd, (struct sockaddr *)&relay, relay_len) != 0) {
		/* Non-blocking, or a blocking connect a signal interrupted: it goes on in the kernel. */
		if (errno != EINPROGRESS && errno != EINTR && errno != EALREADY)
			return errno;
		int err = sw_wait_for(fd, POLLOUT, deadline);
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
			int err = sw_wait_for(fd, POLLOUT, deadline);
			if (err)
				return err;
			continue;
		}
		return ECONNREFUSED;
	}
	return 0;
}

/* Makes the fd an unconnected socket again, as after a failed real connect. */
static void disconnect(int fd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	real.connect(fd, &unspec, sizeof unspec);
	/* Disconnecting an established socket leaves ECONNRESET as its pending error; the program
	 * must see the connect's errno instead, so clear it. */
	int ignored;
	socket_int_option(fd, SOL_SOCKET, SO_ERROR, &ignored);
}

/* Fills dest when this connect/sendto is one the agent must decide on; else the call goes to libc
 * unchanged (non-IP families, raw sockets, loopback, and arguments the kernel will reject). */
static int needs_agent(int fd, const struct sockaddr *addr, socklen_t len, struct wire_addr *dest,
		       int *domain, int *type, int type_known)
{
	if (wire_addr_from_sockaddr(addr, len, dest) != 0)
		return 0;
	if (socket_int_option(fd, SOL_SOCKET, SO_DOMAIN, domain) != 0 || *domain != addr->sa_family)
		return 0;
	if (!type_known && socket_int_option(fd, SOL_SOCKET, SO_TYPE, type) != 0)
		return 0;
	if (*type != SOCK_STREAM && *type != SOCK_DGRAM)
		return 0;
	if (wire_addr_skips_agent(dest))
		return 0;
	int v6only = 0;
	/* The kernel refuses a v4-mapped address on a v6-only socket by itself. */
	if (*domain == AF_INET6 && dest->family == 4 &&
	    socket_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) == 0 && v6only)
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
	if (socket_int_option(fd, SOL_SOCKET, SO_DOMAIN, &domain) != 0 || (domain != AF_INET && domain != AF_INET6))
		return 0;
	if (wire_addr_from_sockaddr(addr, len, &dest) != 0 || wire_addr_is_local(&dest))
		return 0;
	errno = EPROTONOSUPPORT;
	return 1;
}

/* ---- asynchronous connects: the chain is still being negotiated (docs/async-connect.md) ---- */

/* The relay connect is loopback and the kernel completes it without the agent; only a full accept
 * backlog (SYN dropped, retried after 1 s, 3 s, ...) makes it slow. */
#define RELAY_CONNECT_TIMEOUT_MS 15000

/* PENDING: the chain has not answered, so the program must see a connect in progress (the
 * readiness hooks hide writability, sends say EAGAIN). FAILED: the relay reset the socket, which
 * now holds the kernel's ECONNRESET where a direct connect would hold the chain's errno: the next
 * call that reports it reports async_errno instead. BUSY: a thread is learning the verdict. */
enum { ASYNC_IDLE = 0, ASYNC_PENDING = 1, ASYNC_BUSY = 2, ASYNC_FAILED = 3 };

/* sw_async_state[fd] != 0 is the whole cost of an I/O hook on any other descriptor. The port
 * identifies the socket: a pending fd the program closed and whose number came back as something
 * else is recognised as stale and forgotten. */
_Atomic uint8_t sw_async_state[SW_ASYNC_FDS];
_Atomic int sw_async_used;
static _Atomic uint32_t async_port[SW_ASYNC_FDS];
static uint8_t async_ticket[SW_ASYNC_FDS][16];
static _Atomic uint8_t async_errno[SW_ASYNC_FDS];

static int relay_of_peer(const struct sockaddr_storage *peer);

/* Is fd still the socket we connected to the relay? Its local port survives a reset. */
static int same_relayed_socket(int fd)
{
	int type;
	if (socket_int_option(fd, SOL_SOCKET, SO_TYPE, &type) != 0 || type != SOCK_STREAM)
		return 0;
	return local_port_of(fd) == (int)atomic_load(&async_port[fd]);
}

static void async_mark_pending(int fd, int local_port, const uint8_t ticket[16])
{
	if (fd < 0 || fd >= SW_ASYNC_FDS)
		return;
	atomic_store(&async_port[fd], (uint32_t)local_port);
	memcpy(async_ticket[fd], ticket, 16);
	atomic_store(&sw_async_used, 1);
	atomic_store(&sw_async_state[fd], ASYNC_PENDING);
}

void sw_async_forget(int fd)
{
	if (!sw_async_maybe_pending(fd))
		return;
	atomic_store(&sw_async_state[fd], ASYNC_IDLE);
	sw_readiness_restore(fd, 0);
}

/* Takes a PENDING entry for this thread; another thread learning the same verdict is waited out.
 * Returns the state found when it is not PENDING (IDLE or FAILED), or ASYNC_BUSY with it held. */
static int async_claim(int fd)
{
	for (;;) {
		uint8_t expected = ASYNC_PENDING;
		if (atomic_compare_exchange_strong(&sw_async_state[fd], &expected, ASYNC_BUSY))
			return ASYNC_BUSY;
		if (expected != ASYNC_BUSY)
			return expected;
		struct timespec pause = { .tv_nsec = 200000 };
		nanosleep(&pause, NULL);
	}
}

static int fd_is_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

/* The outcome, asked of the agent: after a reset, or an end the urgent byte did not explain. */
static int ask_verdict(int fd)
{
	uint8_t resp[AGENT_MAX_BODY];
	size_t resp_len;
	int status = agent_call(OP_VERDICT, async_ticket[fd], 16, resp, &resp_len);
	if (status != 0 || resp_len < 1)
		return ECONNREFUSED;      /* no agent, or it forgot: fail closed */
	return resp[0];
}

static int is_connected(int fd);

/* Ends PENDING with the outcome: 0 connected, else the errno (FAILED until reported once). */
static int async_conclude(int fd, int verdict)
{
	if (verdict != 0) {
		/* Without the relay's reset (the agent died, or answered first), make the fd unconnected
		 * ourselves: a socket left connected to the relay must never look usable. */
		if (is_connected(fd))
			disconnect(fd);
		atomic_store(&async_errno[fd], (uint8_t)verdict);
		atomic_store(&sw_async_state[fd], ASYNC_FAILED);
	} else {
		atomic_store(&sw_async_state[fd], ASYNC_IDLE);
	}
	sw_readiness_restore(fd, 0);
	return verdict;
}

int sw_async_learn(int fd, int wait)
{
	if (!sw_async_maybe_pending(fd))
		return 0;
	int state = async_claim(fd);
	if (state == ASYNC_FAILED) {
		/* A failed connect's socket keeps its local port; another socket on the number does not. */
		if (same_relayed_socket(fd))
			return atomic_load(&async_errno[fd]);
		uint8_t failed = ASYNC_FAILED;
		atomic_compare_exchange_strong(&sw_async_state[fd], &failed, ASYNC_IDLE);
		return 0;
	}
	if (state != ASYNC_BUSY)
		return 0;
	if (!same_relayed_socket(fd)) {
		atomic_store(&sw_async_state[fd], ASYNC_IDLE);
		sw_readiness_restore(fd, 1);
		return 0;
	}
	struct timespec deadline;
	sw_deadline_in(&deadline, wait ? VERDICT_TIMEOUT_MS : 0);
	/* Connected: one urgent byte (POLLPRI, not in the stream). Failed: a reset (POLLERR/POLLHUP).
	 * Anything else readable before either (a FIN from a dying agent) is asked about too. */
	int err = sw_wait_for(fd, POLLPRI | POLLRDHUP, &deadline);
	if (err == ETIMEDOUT) {
		atomic_store(&sw_async_state[fd], ASYNC_PENDING);
		return -1;
	}
	/* Something arrived: the urgent byte if it is there (one call, no second poll to look first). */
	uint8_t urgent;
	if (sw_real_recv(fd, &urgent, 1, MSG_OOB | MSG_DONTWAIT) == 1)
		return async_conclude(fd, 0);
	return async_conclude(fd, ask_verdict(fd));
}

int sw_async_failed_errno(int fd, int err)
{
	if (fd < 0 || fd >= SW_ASYNC_FDS || atomic_load(&sw_async_state[fd]) != ASYNC_FAILED)
		return err;
	if (err != ECONNRESET && err != ENOTCONN && err != EPIPE && err != 0)
		return err;
	uint8_t expected = ASYNC_FAILED;
	if (!atomic_compare_exchange_strong(&sw_async_state[fd], &expected, ASYNC_IDLE))
		return err;
	return atomic_load(&async_errno[fd]);
}

int sw_async_before_io(int fd, int nonblocking_call)
{
	int verdict = sw_async_learn(fd, !(nonblocking_call || fd_is_nonblocking(fd)));
	if (verdict == -1) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

/* connect() again while the chain answers: as the kernel answers a connect in progress (EALREADY,
 * or a wait on a blocking socket), done (0 once, then EISCONN: the real connect of a socket that is
 * connected, which sends nothing) or failed (its errno, once; the socket is unconnected after). */
/* connect_again's answer for a descriptor that is not (or no longer) a relayed socket. */
#define CONNECT_NOT_OURS (-2)

static int connect_again(int fd)
{
	int domain = AF_INET;
	socket_int_option(fd, SOL_SOCKET, SO_DOMAIN, &domain);
	int verdict = sw_async_learn(fd, !fd_is_nonblocking(fd));
	if (verdict == -1) {
		errno = EALREADY;
		return -1;
	}
	if (verdict == 0) {
		struct sockaddr_storage relay;
		socklen_t relay_len;
		if (!is_connected(fd))
			return CONNECT_NOT_OURS;
		if (relay_address(fd, domain, &relay, &relay_len) != 0) {
			errno = EISCONN;
			return -1;
		}
		return real.connect(fd, (struct sockaddr *)&relay, relay_len);
	}
	int err = sw_async_failed_errno(fd, 0);
	int pending;
	socket_int_option(fd, SOL_SOCKET, SO_ERROR, &pending);
	disconnect(fd);
	errno = err ? err : verdict;
	return -1;
}

static int is_connected(int fd)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	return real.getpeername(fd, (struct sockaddr *)&peer, &len) == 0;
}

SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	shim_init();
	/* The hook decides on a copy; an address it cannot read is the kernel's to refuse. */
	struct sockaddr_storage addr_copy;
	if (!sw_copy_sockaddr(&addr, len, &addr_copy))
		return real.connect(fd, addr, len);
	if (sw_async_maybe_pending(fd)) {
		if (addr && len >= (socklen_t)sizeof addr->sa_family && addr->sa_family == AF_UNSPEC)
			sw_async_forget(fd);     /* the program disconnects: the kernel's to do */
		else {
			int r = connect_again(fd);
			if (r != CONNECT_NOT_OURS)
				return r;
			/* A stale entry for another socket on this number, now forgotten: connect it. */
		}
	}
	/* A UDP socket the relay carries: udp-hooks.c also handles its disconnect and local peers. */
	if (sw_udp_owns(fd))
		return sw_udp_connect(fd, addr, len);
	struct wire_addr dest;
	int domain, type;
	int saved_errno = errno;
	/* Every datagram connect goes to udp-hooks.c: it reads the address as the kernel does (an
	 * AF_INET6 socket takes a sockaddr_in), which a family check here would let through direct. */
	int type_known = socket_int_option(fd, SOL_SOCKET, SO_TYPE, &type) == 0;
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
	if (is_connected(fd))
		return real.connect(fd, addr, len);

	uint8_t ticket[16];
	/* A blocking socket may take the direct path: the agent then answers execute (docs/architecture.md). */
	int blocking = !fd_is_nonblocking(fd), flags = 0;
	/* The verdict of a non-blocking connect travels out of band (an urgent byte): impossible when
	 * the program reads urgent data inline, so that rare socket waits for it in the stream. */
	int oob_inline = 0, out_of_band = 0;
	if (!blocking && fd < SW_ASYNC_FDS && socket_int_option(fd, SOL_SOCKET, SO_OOBINLINE, &oob_inline) == 0 &&
	    !oob_inline) {
		out_of_band = 1;
		flags = CONNECT_OUT_OF_BAND;
	}
	if (blocking) {
		int v6only = 0;
		if (domain == AF_INET6)
			socket_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only);
		flags = CONNECT_BLOCKING | (domain == AF_INET || !v6only ? CONNECT_REACH4 : 0) |
			(domain == AF_INET6 ? CONNECT_REACH6 : 0);
	}
	uint8_t request[SW_CONNECT_REQUEST_MAX], execute[AGENT_MAX_BODY];
	size_t request_len = connect_request(SOCKTYPE_STREAM, &dest, flags, request), execute_len = 0;
	int action;
	/* A standing plan for this request (plan-cache.c) runs with session 0, without asking: only
	 * while the agent is there (else CONNECT fails, closed), and on a thread that has its control
	 * connection (its first connect asks, which opens it). */
	size_t standing = blocking ? sw_plan_lookup(request, request_len, execute + 4, sizeof execute - 4) : 0;
	if (standing && !agent_alive())
		standing = 0;
	if (standing) {
		memset(execute, 0, 4);
		execute_len = 4 + standing;
		action = ACTION_EXECUTE;
	} else {
		action = ask_agent_connect_as(request, request_len, SOCKTYPE_STREAM, ticket, execute, &execute_len);
		if (action == ACTION_EXECUTE && sw_direct_is_standing(execute, execute_len))
			sw_plan_store(request, request_len, execute + 4, execute_len - 4);
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
		int err = sw_direct_execute(fd, domain, execute, execute_len, &via, &port, request, request_len);
		if (err) {
			disconnect(fd);
			errno = err;
			return -1;
		}
		/* The port of the last dial (read right after it connected); asked again if unknown. */
		remember_relayed(fd, port > 0 ? port : local_port_of(fd), addr, len, &via);
		errno = saved_errno;
		return 0;
	}

	if (!blocking && fd < SW_ASYNC_FDS && out_of_band) {
		struct timespec deadline;
		sw_deadline_in(&deadline, RELAY_CONNECT_TIMEOUT_MS);
		int err = present_ticket(fd, domain, ticket, &deadline);
		if (err) {
			disconnect(fd);
			errno = err;
			return -1;
		}
		int port = local_port_of(fd);
		remember_relayed(fd, port, addr, len, NULL);
		async_mark_pending(fd, port, ticket);
		errno = EINPROGRESS;
		return -1;
	}

	int verdict = join_relay(fd, domain, ticket);
	if (verdict != 0) {
		disconnect(fd);
		errno = verdict;
		return -1;
	}
	remember_relayed(fd, local_port_of(fd), addr, len, NULL);
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
	struct wire_addr via;
	if (recall_relayed(fd, port, &remembered, out_len, &via) == 0 && via.family == 0) {
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

static int same_wire_addr(const struct wire_addr *a, const struct wire_addr *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

/* The original destination of a socket connected straight to a proxy (direct path): our own
 * table, else — only when the peer is one of the proxies — the agent (a descriptor inherited
 * across exec). Every other socket costs one table load and a list lookup. */
static int direct_original(int fd, int domain, const struct sockaddr_storage *peer, struct sockaddr_storage *out,
			   socklen_t *out_len)
{
	struct wire_addr real_peer;
	if (wire_addr_from_sockaddr((const struct sockaddr *)peer, sizeof *peer, &real_peer) != 0)
		return -1;
	int known = fd >= 0 && fd < RELAYED_FDS && atomic_load(&relayed[fd].local_port) != 0;
	if (!known && !sw_direct_is_proxy(&real_peer))
		return -1;
	int port = local_port_of(fd);
	if (port <= 0)
		return -1;
	struct sockaddr_in6 remembered;
	struct wire_addr via;
	if (known && recall_relayed(fd, port, &remembered, out_len, &via) == 0 && via.family != 0 &&
	    same_wire_addr(&via, &real_peer)) {
		memset(out, 0, sizeof *out);
		memcpy(out, &remembered, *out_len);
		return 0;
	}
	if (known && !sw_direct_is_proxy(&real_peer))
		return -1;
	uint8_t req[3 + 19], resp[AGENT_MAX_BODY];
	req[0] = (uint8_t)(port >> 8);
	req[1] = (uint8_t)port;
	req[2] = 0;
	size_t req_len = 3 + wire_addr_encode(&real_peer, req + 3);
	size_t resp_len;
	struct wire_addr original;
	if (agent_call(OP_PEER, req, req_len, resp, &resp_len) != 0 || wire_addr_decode(resp, resp_len, 1, &original) == 0)
		return -1;
	*out_len = wire_addr_to_sockaddr(&original, domain, out);
	return *out_len ? 0 : -1;
}

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
	int relay = relay_of_peer(&peer);
	struct sockaddr_storage original;
	socklen_t original_len;
	if (relay ? original_destination(fd, peer.ss_family, relay, &original, &original_len) == 0
		  : direct_original(fd, peer.ss_family, &peer, &original, &original_len) == 0) {
		copy_out_address(&original, original_len, addr, len);
		errno = saved_errno;
		return 0;
	}
	copy_out_address(&peer, peer_len, addr, len);
	errno = saved_errno;
	return 0;
}

/* sendto/sendmsg/sendmmsg (UDP datagrams with an address, TCP Fast Open) are in udp-hooks.c. */
