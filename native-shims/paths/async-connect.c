/* Asynchronous connects: the chain is still being negotiated (docs/async-connect.md).
 *
 * A non-blocking connect() returns EINPROGRESS as soon as the fd is connected to the relay and
 * the ticket is written (hooks/connect-hook.c). Until the chain answers (an urgent byte, or a
 * reset) the fd must look like a connect in progress: sw_async_learn() tells the I/O hooks and
 * the readiness hooks (hooks/readiness-hooks.c) where it stands. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/agent-wire.h"
#include "core/deadline.h"
#include "core/fd-table.h"
#include "core/libc.h"
#include "core/socket-ops.h"
#include "paths/async-connect.h"
#include "paths/epoll-slots.h"
#include "paths/relay-path.h"

/* PENDING: the chain has not answered, so the program must see a connect in progress (the
 * readiness hooks hide writability, sends say EAGAIN). FAILED: the relay reset the socket, which
 * now holds the kernel's ECONNRESET where a direct connect would hold the chain's errno: the next
 * call that reports it reports async_errno instead. BUSY: a thread is learning the verdict. */
enum { ASYNC_IDLE = 0, ASYNC_PENDING = 1, ASYNC_BUSY = 2, ASYNC_FAILED = 3 };

/* The fd table's async_state != 0 is the whole cost of an I/O hook on any other descriptor. The
 * port identifies the socket: a pending fd the program closed and whose number came back as
 * something else is recognised as stale and forgotten. Every function below but mark_pending is
 * given the entry of a fd that has one (entries are never unmapped). */
_Atomic int sw_async_used;

/* Is fd still the socket we connected to the relay? Its local port survives a reset. */
static int same_relayed_socket(int fd, struct sw_fd *e)
{
	int type;
	if (sw_int_option(fd, SOL_SOCKET, SO_TYPE, &type) != 0 || type != SOCK_STREAM)
		return 0;
	return sw_local_port(fd, NULL) == (int)atomic_load(&e->async_port);
}

int sw_async_mark_pending(int fd, int local_port, const uint8_t ticket[16])
{
	struct sw_fd *e = sw_fd_get(fd);
	if (!e)
		return -1;
	atomic_store(&e->async_port, (uint32_t)local_port);
	memcpy(e->async_ticket, ticket, 16);
	atomic_store(&sw_async_used, 1);
	atomic_store(&e->async_state, ASYNC_PENDING);
	return 0;
}

void sw_async_forget(int fd)
{
	struct sw_fd *e = sw_fd_peek(fd);
	if (!e || atomic_load_explicit(&e->async_state, memory_order_acquire) == ASYNC_IDLE)
		return;
	atomic_store(&e->async_state, ASYNC_IDLE);
	sw_ep_restore(fd, 0);
}

/* Takes a PENDING entry for this thread; another thread learning the same verdict is waited out.
 * Returns the state found when it is not PENDING (IDLE or FAILED), or ASYNC_BUSY with it held. */
static int async_claim(struct sw_fd *e)
{
	for (;;) {
		uint8_t expected = ASYNC_PENDING;
		if (atomic_compare_exchange_strong(&e->async_state, &expected, ASYNC_BUSY))
			return ASYNC_BUSY;
		if (expected != ASYNC_BUSY)
			return expected;
		struct timespec pause = { .tv_nsec = 200000 };
		nanosleep(&pause, NULL);
	}
}

/* The outcome, asked of the agent: after a reset, or an end the urgent byte did not explain. */
static int ask_verdict(struct sw_fd *e)
{
	uint8_t resp[AGENT_MAX_BODY];
	size_t resp_len;
	int status = agent_call(OP_VERDICT, e->async_ticket, 16, resp, &resp_len);
	if (status != 0 || resp_len < 1)
		return ECONNREFUSED;      /* no agent, or it forgot: fail closed */
	return resp[0];
}

/* Ends PENDING with the outcome: 0 connected, else the errno (FAILED until reported once). */
static int async_conclude(int fd, struct sw_fd *e, int verdict)
{
	if (verdict != 0) {
		/* Without the relay's reset (the agent died, or answered first), make the fd unconnected
		 * ourselves: a socket left connected to the relay must never look usable. */
		if (sw_is_connected(fd))
			sw_disconnect(fd);
		atomic_store(&e->async_errno, (uint8_t)verdict);
		atomic_store(&e->async_state, ASYNC_FAILED);
	} else {
		atomic_store(&e->async_state, ASYNC_IDLE);
	}
	sw_ep_restore(fd, 0);
	return verdict;
}

int sw_async_learn(int fd, int wait)
{
	struct sw_fd *e = sw_fd_peek(fd);
	if (!e || atomic_load_explicit(&e->async_state, memory_order_acquire) == ASYNC_IDLE)
		return 0;
	int state = async_claim(e);
	if (state == ASYNC_FAILED) {
		/* A failed connect's socket keeps its local port; another socket on the number does not. */
		if (same_relayed_socket(fd, e))
			return atomic_load(&e->async_errno);
		uint8_t failed = ASYNC_FAILED;
		atomic_compare_exchange_strong(&e->async_state, &failed, ASYNC_IDLE);
		return 0;
	}
	if (state != ASYNC_BUSY)
		return 0;
	if (!same_relayed_socket(fd, e)) {
		atomic_store(&e->async_state, ASYNC_IDLE);
		sw_ep_restore(fd, 1);
		return 0;
	}
	struct timespec deadline;
	sw_deadline_in(&deadline, wait ? SW_VERDICT_TIMEOUT_MS : 0);
	/* Connected: one urgent byte (POLLPRI, not in the stream). Failed: a reset (POLLERR/POLLHUP).
	 * Anything else readable before either (a FIN from a dying agent) is asked about too. */
	int err = sw_wait_for(fd, POLLPRI | POLLRDHUP, &deadline);
	if (err == ETIMEDOUT) {
		atomic_store(&e->async_state, ASYNC_PENDING);
		return -1;
	}
	/* Something arrived: the urgent byte if it is there (one call, no second poll to look first). */
	uint8_t urgent;
	if (real.recv(fd, &urgent, 1, MSG_OOB | MSG_DONTWAIT) == 1)
		return async_conclude(fd, e, 0);
	return async_conclude(fd, e, ask_verdict(e));
}

int sw_async_failed_errno(int fd, int err)
{
	struct sw_fd *e = sw_fd_peek(fd);
	if (!e || atomic_load(&e->async_state) != ASYNC_FAILED)
		return err;
	if (err != ECONNRESET && err != ENOTCONN && err != EPIPE && err != 0)
		return err;
	uint8_t expected = ASYNC_FAILED;
	if (!atomic_compare_exchange_strong(&e->async_state, &expected, ASYNC_IDLE))
		return err;
	return atomic_load(&e->async_errno);
}

int sw_async_before_io(int fd, int nonblocking_call)
{
	int verdict = sw_async_learn(fd, !(nonblocking_call || sw_fd_is_nonblocking(fd)));
	if (verdict == -1) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

/* connect() again while the chain answers: as the kernel answers a connect in progress (EALREADY,
 * or a wait on a blocking socket), done (0 once, then EISCONN: the real connect of a socket that is
 * connected, which sends nothing) or failed (its errno, once; the socket is unconnected after). */
int sw_async_connect_again(int fd)
{
	int domain = AF_INET;
	sw_int_option(fd, SOL_SOCKET, SO_DOMAIN, &domain);
	int verdict = sw_async_learn(fd, !sw_fd_is_nonblocking(fd));
	if (verdict == -1) {
		errno = EALREADY;
		return -1;
	}
	if (verdict == 0) {
		struct sockaddr_storage relay;
		socklen_t relay_len;
		if (!sw_is_connected(fd))
			return SW_CONNECT_NOT_OURS;
		if (sw_relay_address(fd, domain, &relay, &relay_len) != 0) {
			errno = EISCONN;
			return -1;
		}
		return real.connect(fd, (struct sockaddr *)&relay, relay_len);
	}
	int err = sw_async_failed_errno(fd, 0);
	int pending;
	sw_int_option(fd, SOL_SOCKET, SO_ERROR, &pending);
	sw_disconnect(fd);
	errno = err ? err : verdict;
	return -1;
}

int sw_async_in_progress_now(int fd)
{
	struct sw_fd *e = sw_fd_peek(fd);
	if (!e)
		return 0;
	uint8_t state = atomic_load(&e->async_state);
	return state == ASYNC_PENDING || state == ASYNC_BUSY;
}

void sw_async_forget_range(unsigned int first, unsigned int last)
{
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed))
		return;
	for (unsigned int fd = first; fd <= last && fd < SW_FD_MAX; fd++)
		sw_async_forget((int)fd);
}
