/* The send side: send, write, writev, sendto, sendmsg, sendmmsg.
 *
 * A TCP socket whose non-blocking connect is in progress says EAGAIN (or waits, when blocking)
 * until the chain answers (paths/async-connect.c). Datagrams with an address, and sends on a
 * socket connected through the UDP relay, go to paths/udp-path.c. A stream sendto/sendmsg with
 * MSG_FASTOPEN and an address (TCP Fast Open) is an implicit connect: it runs the connect()
 * decision (hooks/connect-hook.c), then sends without MSG_FASTOPEN. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "core/libc.h"
#include "core/net-addr.h"
#include "core/shim.h"
#include "core/socket-ops.h"
#include "core/user-memory.h"
#include "hooks/connect-hook.h"
#include "paths/async-connect.h"
#include "paths/udp-path.h"

/* Before a send: 0 to go on, or -1 with EAGAIN (a connect in progress that must not block). */
static inline int settle_before_send(int fd, int flags)
{
	if (!sw_async_maybe_pending(fd))
		return 0;
	return sw_async_before_io(fd, (flags & MSG_DONTWAIT) != 0);
}

/* A stream socket's send with an address: the kernel ignores the address without MSG_FASTOPEN. */
static ssize_t stream_send(int fd, int domain, const struct msghdr *msg, int flags)
{
	struct wire_addr dest;
	const struct sockaddr *addr = msg->msg_name;
	if (wire_addr_from_sockaddr(addr, msg->msg_namelen, &dest) != 0 || domain != addr->sa_family ||
	    !(flags & MSG_FASTOPEN) || wire_addr_skips_agent(&dest))
		return real.sendmsg(fd, msg, flags);
	int saved_errno = errno;
	if (sw_connect(fd, addr, msg->msg_namelen) != 0)
		return -1;
	struct msghdr without_name = *msg;
	without_name.msg_name = NULL;
	without_name.msg_namelen = 0;
	errno = saved_errno;
	return real.sendmsg(fd, &without_name, flags & ~MSG_FASTOPEN);
}

/* One message with an address (already copied from the program's memory). */
static ssize_t send_one(int fd, const struct msghdr *msg, int flags)
{
	int domain, type;
	if (!msg->msg_name || !sw_socket_is_ip(fd, &domain, &type))
		return real.sendmsg(fd, msg, flags);
	if (type == SOCK_STREAM && sw_stream_is_tcp(fd))
		return stream_send(fd, domain, msg, flags);
	/* Datagrams, and streams that are not TCP (SCTP: a sendto with an address may be an
	 * implicit connect): the udp path sends them to loopback and refuses them elsewhere. */
	return sw_udp_send_one(fd, domain, type, msg, flags);
}

SHIM_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	sw_libc_init();
	if (settle_before_send(fd, flags) != 0)
		return -1;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = n };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r;
	if (sw_udp_connected_send(fd, &msg, flags, &r))
		return r;
	return sw_async_after_io(fd, real.send(fd, buf, n, flags));
}

SHIM_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	sw_libc_init();
	if (settle_before_send(fd, 0) != 0)
		return -1;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = n };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r;
	if (sw_udp_connected_send(fd, &msg, 0, &r))
		return r;
	return sw_async_after_io(fd, real.write(fd, buf, n));
}

SHIM_EXPORT ssize_t writev(int fd, const struct iovec *iov, int count)
{
	sw_libc_init();
	if (settle_before_send(fd, 0) != 0)
		return -1;
	ssize_t r;
	if (count >= 0) {
		struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)count };
		if (sw_udp_connected_send(fd, &msg, 0, &r))
			return r;
	}
	return sw_async_after_io(fd, real.writev(fd, iov, count));
}

SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr, socklen_t len)
{
	sw_udp_init();
	if (settle_before_send(fd, flags) != 0)
		return -1;
	if (!addr) {
		struct iovec iov = { .iov_base = (void *)buf, .iov_len = n };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t r;
		if (sw_udp_connected_send(fd, &msg, flags, &r))
			return r;
		return sw_async_after_io(fd, real.sendto(fd, buf, n, flags, addr, len));
	}
	struct sockaddr_storage addr_copy;
	if (!sw_copy_sockaddr(&addr, len, &addr_copy))
		return real.sendto(fd, buf, n, flags, addr, len);
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = n };
	struct msghdr msg = { .msg_name = (void *)addr, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1 };
	return send_one(fd, &msg, flags);
}

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	sw_udp_init();
	if (settle_before_send(fd, flags) != 0)
		return -1;
	struct msghdr msg_copy;
	struct sockaddr_storage name_copy;
	if (!sw_copy_msghdr(&msg, &msg_copy, &name_copy))
		return real.sendmsg(fd, msg, flags);
	if (!msg->msg_name) {
		ssize_t r;
		if (sw_udp_connected_send(fd, msg, flags, &r))
			return r;
		return sw_async_after_io(fd, real.sendmsg(fd, msg, flags));
	}
	return send_one(fd, msg, flags);
}

SHIM_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int count, int flags)
{
	sw_udp_init();
	if (!vec)
		return real.sendmmsg(fd, vec, count, flags);
	/* Only the messages the hooks can read; the kernel refuses the first one they cannot. */
	unsigned int readable = sw_readable_mmsgs(vec, count);
	if (readable == 0 && count > 0)
		return real.sendmmsg(fd, vec, 1, flags);
	count = readable;
	int any_named = 0;
	for (unsigned int i = 0; i < count && !any_named; i++)
		any_named = vec[i].msg_hdr.msg_name != NULL;
	if (!any_named && !sw_udp_is_connected(fd))
		return real.sendmmsg(fd, vec, count, flags);
	/* One at a time, so each datagram is planned on its own; an error ends the batch as the
	 * kernel's would (the count so far, or -1 if nothing was sent). */
	unsigned int sent = 0;
	for (; sent < count; sent++) {
		ssize_t r;
		if (vec[sent].msg_hdr.msg_name || !sw_udp_connected_send(fd, &vec[sent].msg_hdr, flags & ~MSG_FASTOPEN, &r))
			r = send_one(fd, &vec[sent].msg_hdr, flags & ~MSG_FASTOPEN);
		if (r < 0)
			break;
		vec[sent].msg_len = (unsigned int)r;
	}
	if (sent == 0 && count > 0)
		return -1;
	return (int)sent;
}
