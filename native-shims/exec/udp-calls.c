/* UDP of supervised programs (docs/seccomp.md, "UDP"): the shim's own UDP path (paths/udp-path.c,
 * docs/udp.md) run by the supervisor on a pidfd_getfd duplicate of the program's socket (the same
 * open file, so the same bound port the agent's association is keyed by):
 *   - connect() to a judged destination: UDP_ROUTE, and the socket is kernel-connected to the
 *     relay; its read/write/send/recv then carry no header and need no notification;
 *   - sendto/sendmsg/sendmmsg with a judged address: the copied datagram goes to the relay with
 *     the 27-byte header in front, from the program's own socket;
 *   - getpeername of a relay-connected socket: the peer the agent recorded (UDP_LOOKUP);
 *   - recvfrom (also recv(): no address), recvmsg, recvmmsg of a socket the agent associated: received
 *     here on the duplicate (sw_udp_recvmsg: header stripped, MAC checked, the real source), the
 *     payload and the source written into the program. Any other socket: CONTINUE, since a
 *     receive sends nothing.
 * The helper's fd table is keyed by descriptor number, and a duplicate's number says nothing
 * about which socket it is: every use refills the entry from the agent (UDP_LOOKUP) first. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/libc.h"
#include "core/net-addr.h"
#include "core/shim-env.h"
#include "core/socket-ops.h"
#include "exec/udp-calls.h"
#include "paths/udp-inherited.h"
#include "paths/udp-path.h"

/* The most one datagram carries, so the most received for one. */
#define DATAGRAM_MAX 65536
/* recvmsg's iovecs: as many as the kernel takes (UIO_MAXIOV), read from the program in one copy. */
#define IOV_MAX_READ 1024
/* recvmmsg: messages handed over per call. */
#define MMSG_MAX 64

int sw_udp_sup_connect(int fd, const struct sockaddr_storage *addr, socklen_t len)
{
	return sw_udp_connect(fd, (const struct sockaddr *)addr, len) == 0 ? 0 : errno;
}

long sw_udp_sup_send(int fd, int domain, int type, const struct msghdr *m, int flags, int *err)
{
	ssize_t r = sw_udp_send_one(fd, domain, type, m, flags | MSG_NOSIGNAL);
	*err = r < 0 ? errno : 0;
	return r;
}

/* Is p the relay's address and port (127.0.0.1, ::1, or ::ffff:127.0.0.1)? */
static int is_relay(const struct sockaddr_storage *p)
{
	const struct shim_config *cfg = shim_config();
	if (p->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)p;
		return cfg->udp_port4 && a->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(a->sin_port) == cfg->udp_port4;
	}
	if (p->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)p;
		if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			return cfg->udp_port6 && ntohs(a->sin6_port) == cfg->udp_port6;
		static const uint8_t mapped_lo[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 };
		return cfg->udp_port4 && memcmp(&a->sin6_addr, mapped_lo, 16) == 0 && ntohs(a->sin6_port) == cfg->udp_port4;
	}
	return 0;
}

/* The helper's fd-table entry of the duplicate fd, filled from the agent (paths/udp-inherited.c,
 * the lookup an exec'd image makes): 1 when the agent associated this socket, 0 when it did not,
 * -errno when the agent does not answer (fail closed). */
static int adopt(int fd)
{
	int known = sw_udp_adopt(fd);
	return known < 0 ? -ECONNREFUSED : known;
}

int sw_udp_sup_peer(int fd, struct sockaddr_storage *out, socklen_t *out_len)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	if (real.getpeername(fd, (struct sockaddr *)&peer, &len) != 0 || !is_relay(&peer))
		return 0;
	int known = adopt(fd);
	if (known < 0)
		return known;
	/* Connected to the relay, and the agent knows no peer: never report the relay's address. */
	if (known == 0 || !sw_udp_is_connected(fd))
		return -ENOTCONN;
	*out_len = sizeof *out;
	return sw_udp_getpeername(fd, (struct sockaddr *)out, out_len) == 0 ? 1 : -ENOTCONN;
}

/* ---- the receive side ---- */

/* The duplicate of a datagram socket the relay carries, its entry adopted: the fd (close it), or
 * -1 when the notification is answered already (CONTINUE for any other socket, or an error). */
static int relayed_socket(const struct sw_notif *n)
{
	int fd = sw_tracee_take_fd(n, (int)n->args[0]);
	if (fd < 0) {
		sw_notif_fail(n, -fd);
		return -1;
	}
	int domain, type;
	int known = 0;
	if (sw_socket_is_ip(fd, &domain, &type) && type == SOCK_DGRAM)
		known = adopt(fd);
	if (known <= 0) {
		close(fd);
		if (known < 0)
			sw_notif_fail(n, -known);
		else
			sw_notif_continue(n);     /* not the relay's: the kernel's receive is the truth */
		return -1;
	}
	return fd;
}

static __thread uint8_t *buffer;

static uint8_t *datagram_buffer(void)
{
	if (!buffer)
		buffer = malloc(DATAGRAM_MAX);
	return buffer;
}

/* Writes the source into the program's (name, *namelen) as the kernel does: as much as fits, and
 * the full length. 0, or an errno. */
static int give_source(const struct sw_notif *n, uint64_t name, uint64_t namelen_at, const struct sockaddr_storage *src,
		       socklen_t src_len)
{
	if (!name || !namelen_at)
		return 0;
	socklen_t room;
	int err = sw_tracee_read(n, namelen_at, &room, sizeof room);
	if (err)
		return err;
	if ((int)room < 0)
		return EINVAL;
	if ((err = sw_tracee_write(n, name, src, room < src_len ? room : src_len)) != 0)
		return err;
	return sw_tracee_write(n, namelen_at, &src_len, sizeof src_len);
}

/* One datagram into buf (at most cap bytes): its length (the full one with MSG_TRUNC), the
 * source and msg_flags; -1 with errno. */
static ssize_t receive(int fd, uint8_t *buf, size_t cap, int flags, struct sockaddr_storage *src, socklen_t *src_len,
		       int *msg_flags)
{
	struct iovec iov = { buf, cap };
	struct msghdr m = { .msg_name = src, .msg_namelen = sizeof *src, .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r = sw_udp_recvmsg(fd, &m, flags);
	*src_len = m.msg_namelen;
	*msg_flags = m.msg_flags;
	return r;
}

void sw_on_recvfrom(const struct sw_notif *n)
{
	int fd = relayed_socket(n);
	if (fd < 0)
		return;
	uint8_t *buf = datagram_buffer();
	size_t cap = (size_t)n->args[2] < DATAGRAM_MAX ? (size_t)n->args[2] : DATAGRAM_MAX;
	int flags = (int)n->args[3];
	struct sockaddr_storage src;
	socklen_t src_len;
	int msg_flags, err = 0;
	ssize_t r = buf ? receive(fd, buf, cap, flags, &src, &src_len, &msg_flags) : -1;
	if (r < 0)
		err = buf ? errno : ENOMEM;
	close(fd);
	if (!err) {
		size_t shown = (size_t)r < cap ? (size_t)r : cap;
		if (shown)
			err = sw_tracee_write(n, n->args[1], buf, shown);
		if (!err)
			err = give_source(n, n->args[4], n->args[5], &src, src_len);
	}
	if (err)
		sw_notif_fail(n, err);
	else
		sw_notif_return(n, r);
}

/* One recvmsg into the program's msghdr at `at`: the length returned, or -1 with *err. The
 * program's ancillary data is not carried: msg_controllen comes back 0. */
static long recv_into_msghdr(const struct sw_notif *n, int fd, uint64_t at, int flags, int *err)
{
	struct msghdr m;
	if ((*err = sw_tracee_read(n, at, &m, sizeof m)) != 0)
		return -1;
	if (m.msg_iovlen > IOV_MAX_READ) {
		*err = EMSGSIZE;    /* past UIO_MAXIOV: what the kernel says */
		return -1;
	}
	/* 16 KiB: kept per thread rather than on the worker's 256 KiB stack. */
	static __thread struct iovec iov[IOV_MAX_READ];
	if (m.msg_iovlen && (*err = sw_tracee_read(n, (uint64_t)(uintptr_t)m.msg_iov, iov, m.msg_iovlen * sizeof *iov)) != 0)
		return -1;
	size_t cap = 0;
	for (size_t i = 0; i < m.msg_iovlen; i++)
		cap += iov[i].iov_len < DATAGRAM_MAX - cap ? iov[i].iov_len : DATAGRAM_MAX - cap;
	uint8_t *buf = datagram_buffer();
	if (!buf) {
		*err = ENOMEM;
		return -1;
	}
	struct sockaddr_storage src;
	socklen_t src_len;
	int msg_flags;
	ssize_t r = receive(fd, buf, cap, flags, &src, &src_len, &msg_flags);
	if (r < 0) {
		*err = errno;
		return -1;
	}
	size_t left = (size_t)r < cap ? (size_t)r : cap, off = 0;
	for (size_t i = 0; i < m.msg_iovlen && left; i++) {
		size_t take = iov[i].iov_len < left ? iov[i].iov_len : left;
		if ((*err = sw_tracee_write(n, (uint64_t)(uintptr_t)iov[i].iov_base, buf + off, take)) != 0)
			return -1;
		off += take;
		left -= take;
	}
	struct msghdr back = m;
	if (m.msg_name) {
		socklen_t shown = m.msg_namelen < src_len ? m.msg_namelen : src_len;
		if ((*err = sw_tracee_write(n, (uint64_t)(uintptr_t)m.msg_name, &src, shown)) != 0)
			return -1;
		back.msg_namelen = src_len;
	}
	back.msg_controllen = 0;
	back.msg_flags = msg_flags;
	if ((*err = sw_tracee_write(n, at, &back, sizeof back)) != 0)
		return -1;
	return r;
}

void sw_on_recvmsg(const struct sw_notif *n)
{
	int fd = relayed_socket(n);
	if (fd < 0)
		return;
	int err = 0;
	long r = recv_into_msghdr(n, fd, n->args[1], (int)n->args[2], &err);
	close(fd);
	if (r < 0)
		sw_notif_fail(n, err);
	else
		sw_notif_return(n, r);
}

/* As the kernel, except that a blocking socket waits for the first datagram only (as with
 * MSG_WAITFORONE) and the timeout argument is not read: the rest are taken as far as queued. */
void sw_on_recvmmsg(const struct sw_notif *n)
{
	int fd = relayed_socket(n);
	if (fd < 0)
		return;
	unsigned vlen = (unsigned)n->args[2] < MMSG_MAX ? (unsigned)n->args[2] : MMSG_MAX;
	int flags = (int)n->args[3] & ~MSG_WAITFORONE;
	long got = 0;
	int err = 0;
	for (unsigned i = 0; i < vlen; i++) {
		uint64_t at = n->args[1] + (uint64_t)i * sizeof(struct mmsghdr);
		long r = recv_into_msghdr(n, fd, at + offsetof(struct mmsghdr, msg_hdr), got ? flags | MSG_DONTWAIT : flags, &err);
		if (r < 0)
			break;
		unsigned len = (unsigned)r;
		if ((err = sw_tracee_write(n, at + offsetof(struct mmsghdr, msg_len), &len, sizeof len)) != 0)
			break;
		got++;
	}
	close(fd);
	if (got > 0)
		sw_notif_return(n, got);
	else
		sw_notif_fail(n, err ? err : EAGAIN);
}
