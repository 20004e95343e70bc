/* The receive side: read, readv, recv, recvfrom, recvmsg, recvmmsg and getsockopt(SO_ERROR); the
 * send side is hooks/send-hooks.c.
 *
 * A socket whose non-blocking connect() the chain has not answered yet must behave as a connect in
 * progress (docs/async-connect.md): a non-blocking send or receive says EAGAIN, a blocking one
 * waits for the outcome, and SO_ERROR waits for it. After a failed chain the relay's reset stands
 * for the chain's errno, which the first call that reports it reports instead
 * (sw_async_after_io). For every other descriptor the cost is one atomic load of a static table,
 * then the UDP check.
 *
 * UDP sockets the UDP relay owns are handed to sw_udp_recvmsg (paths/udp-path.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "core/libc.h"
#include "core/shim-init.h"
#include "core/shim.h"
#include "paths/async-connect.h"
#include "paths/udp-path.h"

/* Every hook here starts with sw_libc_init(), not shim_init(): read() runs before our constructor
 * in other libraries' constructors, and the environment is not needed to pass a call through. */

/* Before a send or receive on fd: 0 to go on, or -1 with EAGAIN (a connect in progress). */
static inline int settle_before_receive(int fd, int flags)
{
	if (!sw_async_maybe_pending(fd))
		return 0;
	return sw_async_before_io(fd, (flags & MSG_DONTWAIT) != 0);
}

static ssize_t udp_receive(struct sw_fd *u, int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	struct iovec iov = { .iov_base = buf, .iov_len = n };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (from && fromlen) {
		msg.msg_name = from;
		msg.msg_namelen = *fromlen;
	}
	ssize_t r = sw_udp_recvmsg_owned(u, fd, &msg, flags);
	if (r >= 0 && from && fromlen)
		*fromlen = msg.msg_namelen;
	return r;
}

SHIM_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	sw_libc_init();
	if (settle_before_receive(fd, 0) != 0)
		return -1;
	struct sw_fd *u = sw_udp_owner(fd);
	if (u)
		return udp_receive(u, fd, buf, n, 0, NULL, NULL);
	return sw_async_after_io(fd, real.read(fd, buf, n));
}

SHIM_EXPORT ssize_t readv(int fd, const struct iovec *iov, int count)
{
	sw_libc_init();
	if (settle_before_receive(fd, 0) != 0)
		return -1;
	if (sw_udp_owns(fd) && count >= 0) {
		struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)count };
		return sw_udp_recvmsg(fd, &msg, 0);
	}
	return sw_async_after_io(fd, real.readv(fd, iov, count));
}

SHIM_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	sw_libc_init();
	if (settle_before_receive(fd, flags) != 0)
		return -1;
	struct sw_fd *u = sw_udp_owner(fd);
	if (u)
		return udp_receive(u, fd, buf, n, flags, NULL, NULL);
	return sw_async_after_io(fd, real.recv(fd, buf, n, flags));
}

SHIM_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	sw_libc_init();
	if (settle_before_receive(fd, flags) != 0)
		return -1;
	struct sw_fd *u = sw_udp_owner(fd);
	if (u)
		return udp_receive(u, fd, buf, n, flags, from, fromlen);
	return sw_async_after_io(fd, real.recvfrom(fd, buf, n, flags, from, fromlen));
}

SHIM_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	sw_libc_init();
	if (settle_before_receive(fd, flags) != 0)
		return -1;
	struct sw_fd *u = msg ? sw_udp_owner(fd) : NULL;
	if (u)
		return sw_udp_recvmsg_owned(u, fd, msg, flags);
	return sw_async_after_io(fd, real.recvmsg(fd, msg, flags));
}

/* UDP: one sw_udp_recvmsg per message; after the first, only what is already queued (as the
 * kernel's recvmmsg, which also stops at the first error once something was received). */
static int udp_receive_many(int fd, struct mmsghdr *vec, unsigned int count, int flags)
{
	unsigned int got = 0;
	for (; got < count; got++) {
		int f = got == 0 ? flags & ~MSG_WAITFORONE : (flags & ~MSG_WAITFORONE) | MSG_DONTWAIT;
		if (got == 0 && (flags & MSG_WAITFORONE))
			f &= ~MSG_DONTWAIT;
		ssize_t r = sw_udp_recvmsg(fd, &vec[got].msg_hdr, f);
		if (r < 0)
			break;
		vec[got].msg_len = (unsigned int)r;
	}
	if (got == 0 && count > 0)
		return -1;
	return (int)got;
}

SHIM_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int count, int flags, struct timespec *timeout)
{
	sw_libc_init();
	if (settle_before_receive(fd, flags) != 0)
		return -1;
	if (vec && sw_udp_owns(fd))
		return udp_receive_many(fd, vec, count, flags);
	if (!real.recvmmsg) {
		errno = ENOSYS;
		return -1;
	}
	return (int)sw_async_after_io(fd, real.recvmmsg(fd, vec, count, flags, timeout));
}

/* SO_ERROR is 0 while the chain answers, as for a connect in progress (the readiness hooks call
 * the fd writable only once the outcome is known); after a failure it reports the chain's errno
 * once, as the kernel reports a direct connect's. */
SHIM_EXPORT int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
	sw_libc_init();
	if (level == SOL_SOCKET && name == SO_ERROR && value && len && *len >= (socklen_t)sizeof(int) &&
	    sw_async_maybe_pending(fd)) {
		int saved_errno = errno;
		/* Still in progress: 0, and the kernel's error (a dialled proxy's refusal, which the
		 * agent has yet to judge) is left where the handshake will read it. */
		if (sw_async_learn(fd, 0) == -1 && sw_async_in_progress_now(fd)) {
			*(int *)value = 0;
			*len = sizeof(int);
			errno = saved_errno;
			return 0;
		}
		int r = real.getsockopt(fd, level, name, value, len);
		if (r == 0)
			*(int *)value = sw_async_failed_errno(fd, *(int *)value);
		errno = saved_errno;
		return r;
	}
	return real.getsockopt(fd, level, name, value, len);
}
