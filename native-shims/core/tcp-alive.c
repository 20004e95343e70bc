/* Whether a TCP connection is still established, asked of the kernel with one sock_diag request
 * (NETLINK_SOCK_DIAG, inet_diag_req_v2 for one socket by its addresses): the UDP fast path's guard
 * (docs/udp.md, "A relay on this host"). The answer is the kernel's state at the moment of asking:
 * a peer that closed or reset the connection has already moved it out of ESTABLISHED.
 *
 * One netlink socket per thread (as the agent connection), opened on first use with SOCK_CLOEXEC,
 * kept from the program's close/dup2 by fd-guard, reopened in a fork child, closed at thread
 * exit. A signal handler that asks while its thread is asking takes a one-off socket. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/fd-guard.h"
#include "core/libc.h"
#include "core/tcp-alive.h"

struct diag_conn {
	_Atomic int fd;
	pid_t owner_pid;
	int in_use;
	uint32_t seq;
};

static __thread struct diag_conn thread_diag = { .fd = -1 };
static pthread_key_t diag_exit_key;
static pthread_once_t diag_once = PTHREAD_ONCE_INIT;

static void close_thread_diag(void *conn)
{
	fdguard_release(&((struct diag_conn *)conn)->fd);
}

static void diag_init(void)
{
	pthread_key_create(&diag_exit_key, close_thread_diag);
}

static pid_t current_pid(void)
{
	return (pid_t)syscall(SYS_getpid);
}

static int open_diag(struct diag_conn *conn, int guarded)
{
	int fd = real.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;
	if (!guarded) {
		atomic_store(&conn->fd, fd);
		return 0;
	}
	if (fdguard_adopt(fd, &conn->fd) < 0)
		return -1;
	conn->owner_pid = current_pid();
	pthread_setspecific(diag_exit_key, conn);
	return 0;
}

static void put_addr(__be32 out[4], const struct wire_addr *a)
{
	memset(out, 0, 16);
	memcpy(out, a->bytes, a->family == 4 ? 4 : 16);
}

/* The request, its answer: 1, 0 or -1 as sw_tcp_established. */
static int ask(int fd, uint32_t seq, const struct wire_addr *local, const struct wire_addr *remote, uint64_t cookie,
	       uint64_t *found)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.h.nlmsg_seq = seq;
	req.r.sdiag_family = local->family == 4 ? AF_INET : AF_INET6;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0u;
	req.r.id.idiag_sport = htons(local->port);
	req.r.id.idiag_dport = htons(remote->port);
	put_addr(req.r.id.idiag_src, local);
	put_addr(req.r.id.idiag_dst, remote);
	/* A cookie names one socket: another with the same addresses (the attacker's, made after this
	 * one closed) is not it. */
	req.r.id.idiag_cookie[0] = cookie ? (uint32_t)cookie : INET_DIAG_NOCOOKIE;
	req.r.id.idiag_cookie[1] = cookie ? (uint32_t)(cookie >> 32) : INET_DIAG_NOCOOKIE;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;
	do
		n = real.sendto(fd, &req, sizeof req, MSG_NOSIGNAL, (struct sockaddr *)&kernel, sizeof kernel);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof req)
		return -1;
	union {
		struct nlmsghdr h;
		uint8_t bytes[1024];
	} resp;
	for (;;) {
		do
			n = real.recv(fd, &resp, sizeof resp, 0);
		while (n < 0 && errno == EINTR);
		if (n < (ssize_t)sizeof resp.h || !NLMSG_OK(&resp.h, (unsigned int)n))
			return -1;
		if (resp.h.nlmsg_seq == seq)
			break;
		/* An answer to an earlier request that was cut short (a signal): not ours. */
	}
	if (resp.h.nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(&resp.h);
		/* Not found, or not that socket any more: it is gone. Anything else: cannot tell. */
		return e->error == -ENOENT || e->error == -ESTALE ? 0 : -1;
	}
	if (resp.h.nlmsg_type != SOCK_DIAG_BY_FAMILY || resp.h.nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
		return -1;
	const struct inet_diag_msg *m = NLMSG_DATA(&resp.h);
	*found = (uint64_t)m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32;
	return m->idiag_state == TCP_ESTABLISHED ? 1 : 0;
}

int sw_tcp_established(const struct wire_addr *local, const struct wire_addr *remote, _Atomic uint64_t *cookie)
{
	if (local->family != remote->family || (local->family != 4 && local->family != 6))
		return -1;
	pthread_once(&diag_once, diag_init);
	int saved_errno = errno;
	struct diag_conn *conn = &thread_diag, one_off = { .fd = -1 };
	int fd = atomic_load(&conn->fd);
	if (conn->in_use || (fd >= 0 && conn->owner_pid != current_pid()))
		conn = &one_off;
	conn->in_use = 1;
	int result = -1;
	if (atomic_load(&conn->fd) >= 0 || open_diag(conn, conn == &thread_diag) == 0) {
		uint64_t want = atomic_load(cookie), found = 0;
		result = ask(atomic_load(&conn->fd), ++conn->seq, local, remote, want, &found);
		if (result == 1 && want == 0)
			atomic_compare_exchange_strong(cookie, &want, found);
		else if (result == 1 && found != want)
			result = 0;
	}
	if (conn == &one_off && atomic_load(&one_off.fd) >= 0)
		syscall(SYS_close, atomic_load(&one_off.fd));
	conn->in_use = 0;
	errno = saved_errno;
	return result;
}
