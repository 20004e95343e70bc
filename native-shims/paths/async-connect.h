/* paths/async-connect.c: non-blocking connects in progress, through the relay while the chain
 * answers, or dialled to the first proxy with the handshake run from the program's own calls
 * (docs/async-connect.md). */
#ifndef SOCKSWRAP_ASYNC_CONNECT_H
#define SOCKSWRAP_ASYNC_CONNECT_H

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "core/fd-table.h"

/* Set once this process image made a non-blocking connect: the readiness hooks look no further. */
extern _Atomic int sw_async_used;
/* Non-zero while fd's non-blocking connect's outcome is not yet what the program has seen. */
static inline int sw_async_maybe_pending(int fd)
{
	struct sw_fd *e = sw_fd_peek(fd);
	return e && atomic_load_explicit(&e->async_state, memory_order_acquire) != 0;
}
/* How many non-blocking connects are dialled and in progress: epoll_wait then wakes to keep their
 * deadlines (tcp_connect_time_out, tcp_read_time_out) even when the program waits forever. */
extern _Atomic int sw_async_dialing;
/* A dial slot for a non-blocking connect that may take the dial path (CONNECT flag ASYNC_DIAL),
 * or -1 when all are in use (the connect then takes the relay). */
int sw_async_dial_take(void);
void sw_async_dial_release(int slot);
/* CONNECT answered execute for a non-blocking connect: connects fd to the first proxy without
 * waiting and marks it PENDING (the slot is the fd's until the outcome). Returns -1 (in
 * progress: EINPROGRESS), an errno (the agent's DONE, or a malformed answer: fail), or -2 when the
 * DIAL is not one the shim can run alone (the caller runs it as a blocking connect's). The slot is
 * released in every case but -1. */
int sw_async_dial_start(int slot, int fd, int domain, const uint8_t *execute, size_t execute_len,
			const uint8_t *request, size_t request_len, const struct sockaddr *addr, socklen_t len);
/* What a readiness hook waits for on a fd in progress: the relay's urgent byte or reset; the
 * proxy's TCP handshake (POLLOUT) or its next reply (POLLIN). */
short sw_async_wait_events(int fd);
/* The state alone, without learning: PENDING or BUSY (for callers holding a lock learning may take). */
int sw_async_in_progress_now(int fd);
/* fd was connected to the relay (local_port) with this ticket; its verdict comes out of band.
 * -1 when fd has no entry in the fd table (out of range, no memory): the connect cannot be async. */
int sw_async_mark_pending(int fd, int local_port, const uint8_t ticket[16]);
/* Where a non-blocking connect stands: -1 still in progress (only when !wait), 0 connected (or not
 * ours), else the errno it failed with. */
int sw_async_learn(int fd, int wait);
/* Before a send or receive: 0 to go on, or -1 with EAGAIN while the connect is in progress and
 * the call must not block (nonblocking_call: MSG_DONTWAIT). A blocking call waits for the outcome. */
int sw_async_before_io(int fd, int nonblocking_call);
/* The errno a call reports after a failed connect: the relay's reset (ECONNRESET, or ENOTCONN and
 * EPIPE after it) stands for the chain's errno, once; any other err is returned unchanged. */
int sw_async_failed_errno(int fd, int err);
static inline ssize_t sw_async_after_io(int fd, ssize_t r)
{
	if (r < 0 && sw_async_maybe_pending(fd))
		errno = sw_async_failed_errno(fd, errno);
	return r;
}
/* connect() again on a fd whose connect is (or was) in progress: the kernel's answers for a
 * connect in progress, done or failed. SW_CONNECT_NOT_OURS when fd is another socket now. */
#define SW_CONNECT_NOT_OURS (-2)
int sw_async_connect_again(int fd);
/* The program closed or replaced fd. */
void sw_async_forget(int fd);
/* close_range/closefrom: every fd in [first, last]. */
void sw_async_forget_range(unsigned int first, unsigned int last);

#endif
