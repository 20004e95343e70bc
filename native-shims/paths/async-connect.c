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

/* sw_async_state[fd] != 0 is the whole cost of an I/O hook on any other descriptor. The port
 * identifies the socket: a pending fd the program closed and whose number came back as something
 * else is recognised as stale and forgotten. */
_Atomic uint8_t sw_async_state[SW_ASYNC_FDS];
_Atomic int sw_async_used;
static _Atomic uint32_t async_port[SW_ASYNC_FDS];
static uint8_t async_ticket[SW_ASYNC_FDS][16];
static _Atomic uint8_t async_errno[SW_ASYNC_FDS];

/* Is fd still the socket we connected to the relay? Its local port survives a reset. */
static int same_relayed_socket(int fd)
{
	int type;
	if (sw_int_option(fd, SOL_SOCKET, SO_TYPE, &type) != 0 || type != SOCK_STREAM)
		return 0;
	return sw_local_port(fd, NULL) == (int)atomic_load(&async_port[fd]);
}

void sw_async_mark_pending(int fd, int local_port, const uint8_t ticket[16])
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
	sw_ep_restore(fd, 0);
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

/* Ends PENDING with the outcome: 0 connected, else the errno (FAILED until reported once). */
static int async_conclude(int fd, int verdict)
{
	if (verdict != 0) {
		/* Without the relay's reset (the agent died, or answered first), make the fd unconnected
		 * ourselves: a socket left connected to the relay must never look usable. */
		if (sw_is_connected(fd))
			sw_disconnect(fd);
		atomic_store(&async_errno[fd], (uint8_t)verdict);
		atomic_store(&sw_async_state[fd], ASYNC_FAILED);
	} else {
		atomic_store(&sw_async_state[fd], ASYNC_IDLE);
	}
	sw_ep_restore(fd, 0);
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
		sw_ep_restore(fd, 1);
		return 0;
	}
	struct timespec deadline;
	sw_deadline_in(&deadline, wait ? SW_VERDICT_TIMEOUT_MS : 0);
	/* Connected: one urgent byte (POLLPRI, not in the stream). Failed: a reset (POLLERR/POLLHUP).
	 * Anything else readable before either (a FIN from a dying agent) is asked about too. */
	int err = sw_wait_for(fd, POLLPRI | POLLRDHUP, &deadline);
	if (err == ETIMEDOUT) {
		atomic_store(&sw_async_state[fd], ASYNC_PENDING);
		return -1;
	}
	/* Something arrived: the urgent byte if it is there (one call, no second poll to look first). */
	uint8_t urgent;
	if (real.recv(fd, &urgent, 1, MSG_OOB | MSG_DONTWAIT) == 1)
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
	if (fd < 0 || fd >= SW_ASYNC_FDS)
		return 0;
	uint8_t state = atomic_load(&sw_async_state[fd]);
	return state == ASYNC_PENDING || state == ASYNC_BUSY;
}

void sw_async_forget_range(unsigned int first, unsigned int last)
{
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed))
		return;
	for (unsigned int fd = first; fd <= last && fd < SW_ASYNC_FDS; fd++)
		sw_async_forget((int)fd);
}
