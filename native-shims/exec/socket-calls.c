/* What the supervisor does with each notified call, on a duplicate of the program's own socket
 * (pidfd_getfd: the same open file, so the program's epoll registrations, flags and options stay
 * as they are) and with copies of its arguments:
 *   - a TCP connect the agent proxies: CONNECT, then the duplicate is dialled to the first proxy and
 *     the handshake run on it (paths/dial-path.c), or joins the agent's relay with a ticket
 *     (paths/relay-path.c): the shim's own code. The call returns the outcome: 0 once the chain
 *     is up, or its errno (the socket disconnected again, as after a failed connect).
 *     Also for a non-blocking socket: the answer comes when the outcome is known, so writability,
 *     SO_ERROR and getpeername after it are those of a finished connect (docs/seccomp.md);
 *   - what goes direct (loopback, localnet, the agent's answer DIRECT): the supervisor makes the
 *     call itself on the duplicate with the copied address (and data), and returns its result:
 *     the kernel never reads the program's memory again after the decision;
 *   - CONTINUE only where the kernel sends nothing to an address the program chose: non-IP
 *     sockets (AF_UNIX, netlink), a TCP socket's sendto/sendmsg (TCP ignores the address without
 *     MSG_FASTOPEN, which is refused), getpeername of a socket not on the relay;
 *   - UDP to anything but a direct destination: through the agent's UDP relay as the shim sends
 *     it (exec/udp-calls.c), or refused (ENETUNREACH when the chain carries no UDP), never direct. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/agent-wire.h"
#include "core/libc.h"
#include "core/net-addr.h"
#include "core/socket-ops.h"
#include "core/wire-codec.h"
#include "exec/socket-calls.h"
#include "exec/udp-calls.h"
#include "paths/connect-request.h"
#include "paths/dial-path.h"
#include "paths/peer-lookup.h"
#include "paths/plan-cache.h"
#include "paths/relay-path.h"

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif
/* The most a datagram can carry (with the UDP header), so also the most copied for one. */
#define DATAGRAM_MAX 65536

struct sock {
	int fd;             /* the duplicate, or -errno */
	int domain, type, protocol;
};

/* TCP (or MPTCP): connects and sends as TCP does. A SOCK_STREAM of another protocol (SCTP) is
 * not: it cannot be proxied, and its sendto with an address may start an association. */
static int is_tcp(const struct sock *s)
{
	return s->type == SOCK_STREAM && sw_protocol_is_tcp(s->protocol);
}

/* UDP: a datagram to a judged destination goes through the agent's relay. Any other datagram
 * protocol (ICMP ping sockets, UDP-Lite), raw sockets and streams that are not TCP (SCTP) cannot
 * be proxied: refused there (EPROTONOSUPPORT), never direct. */
static int is_udp(const struct sock *s)
{
	return s->type == SOCK_DGRAM && s->protocol == IPPROTO_UDP;
}

/* The duplicate of args[0] and what it is. On failure the notification is answered and -1 returned. */
static int take_socket(const struct sw_notif *n, struct sock *s)
{
	s->fd = sw_tracee_take_fd(n, (int)n->args[0]);
	if (s->fd < 0) {
		sw_notif_fail(n, -s->fd);
		return -1;
	}
	if (sw_int_option(s->fd, SOL_SOCKET, SO_DOMAIN, &s->domain) != 0 ||
	    sw_int_option(s->fd, SOL_SOCKET, SO_TYPE, &s->type) != 0 ||
	    sw_int_option(s->fd, SOL_SOCKET, SO_PROTOCOL, &s->protocol) != 0) {
		int err = errno;
		close(s->fd);
		sw_notif_fail(n, err);
		return -1;
	}
	return 0;
}

static void answer_result(const struct sw_notif *n, long r, int err)
{
	if (r < 0)
		sw_notif_fail(n, err);
	else
		sw_notif_return(n, r);
}

/* The destination of addr, when it is one the agent must judge (an IP address off this host, or
 * port 53 with remote DNS on: wire_addr_skips_agent, as the shim). Read as the kernel reads it:
 * a TCP socket takes only its own family (else EAFNOSUPPORT, which the kernel gives for the
 * copy), but an AF_INET6 datagram or raw socket takes a sockaddr_in too, so for those the
 * address's own family counts (see as_kernel_reads for AF_UNSPEC). */
static int judged_destination(const struct sock *s, const struct sockaddr_storage *addr, socklen_t len,
			      struct wire_addr *dest)
{
	if (wire_addr_from_sockaddr((const struct sockaddr *)addr, len, dest) != 0)
		return 0;
	if (is_tcp(s) && addr->ss_family != s->domain)
		return 0;
	if (wire_addr_skips_agent(dest))
		return 0;
	int v6only = 0;
	if (s->domain == AF_INET6 && dest->family == 4 &&
	    sw_int_option(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) == 0 && v6only)
		return 0;        /* the kernel refuses a v4-mapped address there by itself */
	return 1;
}

/* The address a datagram or raw AF_INET socket's send takes as AF_INET although it says AF_UNSPEC
 * (the kernel's compatibility rule in udp_sendmsg and raw_sendmsg): judged, and sent, as AF_INET. */
static void as_kernel_reads(const struct sock *s, struct sockaddr_storage *name, socklen_t len)
{
	if (!is_tcp(s) && s->domain == AF_INET && name->ss_family == AF_UNSPEC &&
	    len >= sizeof(struct sockaddr_in))
		name->ss_family = AF_INET;
}

/* The agent records a dialled socket's peer from a NOTE, which goes one way. A getpeername the
 * program makes next is asked by another thread, on its own connection, and could overtake that
 * NOTE (and be answered with the proxy's address). A PEER on this thread's connection is answered
 * only after the NOTE before it, so the connect is answered once the record exists. */
static void await_peer_record(const struct wire_addr *via, int port)
{
	uint8_t req[3 + 19], resp[AGENT_MAX_BODY];
	size_t resp_len;
	(void)agent_call(OP_PEER, req, sw_enc_peer(req, (uint16_t)port, 0, via), resp, &resp_len);
}

/* A stream connect the agent decides on. Returns the call's result: 0, or an errno. The calling
 * thread waits in its connect until the outcome whatever its O_NONBLOCK, so CONNECT always says
 * blocking: the agent may answer execute, and the duplicate is dialled straight to the first proxy
 * and the handshake run on it (paths/dial-path.c, the shim's dial path; standing plans from
 * paths/plan-cache.c without asking), so the data then flows kernel to kernel. Otherwise (a proxy
 * given by name, an HTTP hop the script cannot carry...) a ticket, and the duplicate joins the relay. */
static int proxied_connect(const struct sock *s, const struct sockaddr_storage *addr, socklen_t len,
			   const struct wire_addr *dest)
{
	/* Connected already: the kernel answers (0 once after a finished non-blocking connect, then
	 * EISCONN) and sends nothing; asking the agent would waste a chain. */
	if (sw_is_connected(s->fd))
		return real.connect(s->fd, (const struct sockaddr *)addr, len) == 0 ? 0 : errno;
	int v6only = 0;
	if (s->domain == AF_INET6)
		sw_int_option(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only);
	int flags = CONNECT_BLOCKING | (s->domain == AF_INET || !v6only ? CONNECT_REACH4 : 0) |
		    (s->domain == AF_INET6 ? CONNECT_REACH6 : 0);
	uint8_t request[SW_CONNECT_REQUEST_MAX], ticket[SW_TICKET_LEN], execute[AGENT_MAX_BODY];
	size_t request_len = sw_connect_request(dest, flags, request), execute_len = 0;
	int action = sw_connect_answer(request, request_len, 1, ticket, execute, &execute_len);
	if (action < 0)
		return -action;
	if (action == ACTION_DIRECT)
		return real.connect(s->fd, (const struct sockaddr *)addr, len) == 0 ? 0 : errno;
	int err;
	if (action == ACTION_EXECUTE) {
		struct wire_addr via;
		int port = 0;
		err = sw_dial_execute(s->fd, s->domain, execute, execute_len, &via, &port, request, request_len);
		if (!err && port > 0)
			await_peer_record(&via, port);
	} else {
		err = sw_relay_join(s->fd, s->domain, ticket);
	}
	if (err)
		sw_disconnect(s->fd);
	return err;
}

void sw_on_connect(const struct sw_notif *n)
{
	socklen_t len = (socklen_t)n->args[2];
	/* No address to read: the kernel refuses it (EINVAL) or it is AF_UNSPEC's disconnect. */
	if ((int)len < 0 || len > sizeof(struct sockaddr_storage)) {
		sw_notif_fail(n, EINVAL);
		return;
	}
	struct sock s;
	if (take_socket(n, &s) != 0)
		return;
	if (s.domain != AF_INET && s.domain != AF_INET6) {
		close(s.fd);
		sw_notif_continue(n);
		return;
	}
	struct sockaddr_storage addr;
	memset(&addr, 0, sizeof addr);
	int err = sw_tracee_read(n, n->args[1], &addr, len);
	if (err) {
		close(s.fd);
		sw_notif_fail(n, err);
		return;
	}
	struct wire_addr dest;
	int r;
	if (!judged_destination(&s, &addr, len, &dest))
		r = real.connect(s.fd, (struct sockaddr *)&addr, len) == 0 ? 0 : errno;
	else if (is_tcp(&s))
		r = proxied_connect(&s, &addr, len, &dest);
	else if (is_udp(&s))
		r = sw_udp_sup_connect(s.fd, &addr, len);
	else
		r = EPROTONOSUPPORT;    /* raw, SCTP, ICMP, ...: cannot be proxied, so never direct */
	close(s.fd);
	if (r)
		sw_notif_fail(n, r);
	else
		sw_notif_return(n, 0);
}

/* The supervisor's copy of what a program sends: one datagram, or a TCP send 64 KiB at a time. */
static uint8_t *copy_buffer(void)
{
	static __thread uint8_t *data;
	if (!data)
		data = malloc(DATAGRAM_MAX);
	return data;
}

/* The program's iovec array of m, copied (up to the kernel's UIO_MAXIOV), or NULL with *err. */
static const struct iovec *program_iovecs(const struct sw_notif *n, const struct msghdr *m, int *err)
{
	static __thread struct iovec iov[1024];    /* 16 KiB: per thread, not on the worker's stack */
	if (m->msg_iovlen > 1024) {
		*err = EMSGSIZE;    /* past UIO_MAXIOV: what the kernel says */
		return NULL;
	}
	*err = sw_tracee_read(n, (uint64_t)(uintptr_t)m->msg_iov, iov, m->msg_iovlen * sizeof *iov);
	return *err ? NULL : iov;
}

/* The program's ancillary data of m, copied into control (at most its 4096 bytes): 0 or an errno. */
static int program_control(const struct sw_notif *n, const struct msghdr *m, uint8_t control[4096])
{
	if (!m->msg_controllen)
		return 0;
	if (m->msg_controllen > 4096)
		return ENOBUFS;
	return sw_tracee_read(n, (uint64_t)(uintptr_t)m->msg_control, control, m->msg_controllen);
}

/* A datagram (or raw) socket's send with the copied message: to a direct destination, or with
 * no address (the socket's connected peer, judged at connect), or (relayed) a UDP datagram to a
 * judged one, through the agent's relay. The supervisor sends it itself. */
static long send_copy(const struct sw_notif *n, const struct sock *s, const struct msghdr *m, int flags,
		      int relayed, int *err)
{
	size_t total = 0;
	uint8_t *data = copy_buffer();
	if (!data) {
		*err = ENOMEM;
		return -1;
	}
	const struct iovec *iov = program_iovecs(n, m, err);
	if (!iov)
		return -1;
	for (size_t i = 0; i < m->msg_iovlen; i++) {
		size_t take = iov[i].iov_len;
		if (take > DATAGRAM_MAX - total) {
			*err = EMSGSIZE;    /* more than any datagram carries: what the kernel says */
			return -1;
		}
		if ((*err = sw_tracee_read(n, (uint64_t)(uintptr_t)iov[i].iov_base, data + total, take)) != 0)
			return -1;
		total += take;
	}
	uint8_t control[4096];
	struct msghdr out = *m;
	struct iovec one = { data, total };
	out.msg_iov = &one;
	out.msg_iovlen = 1;
	if ((*err = program_control(n, m, control)) != 0)
		return -1;
	if (m->msg_controllen)
		out.msg_control = control;
	if (relayed)
		return sw_udp_sup_send(s->fd, s->domain, s->type, &out, flags, err);
	long r = real.sendmsg(s->fd, &out, flags | MSG_NOSIGNAL);
	*err = errno;
	return r;
}

/* A TCP send: sendto (with an address: without one it is not notified), sendmsg, a message of
 * sendmmsg. TCP ignores the address (MSG_FASTOPEN aside, refused before), so a CONTINUE would do
 * what the program asked, but the kernel would look the descriptor up again: another thread that
 * dup2()s a UDP socket onto the number between the supervisor's look and the CONTINUE would get
 * its datagram sent to the program's address, unjudged. So the supervisor sends the bytes itself,
 * from its copy, without the address, on the duplicate (the same open file: the program's
 * O_NONBLOCK, SO_SNDTIMEO, connection), 64 KiB at a time (MSG_MORE between the parts, MSG_OOB on
 * the last only). iov: the program's iovecs (their addresses are the program's). Returns what was
 * sent, or -1 with *err; EPIPE raises SIGPIPE in the calling thread as the kernel does, unless
 * MSG_NOSIGNAL. A blocking send is not cut short by the program's signals (they wait for the answer). */
static long tcp_send(const struct sw_notif *n, const struct sock *s, const struct iovec *iov, size_t count,
		     const uint8_t *control, size_t control_len, int flags, int *err)
{
	uint8_t *data = copy_buffer();
	if (!data) {
		*err = ENOMEM;
		return -1;
	}
	size_t total = 0, sent = 0, i = 0, off = 0;
	for (size_t k = 0; k < count; k++)
		total += iov[k].iov_len;
	do {
		size_t fill = 0;
		while (fill < DATAGRAM_MAX && i < count) {
			size_t take = iov[i].iov_len - off < DATAGRAM_MAX - fill ? iov[i].iov_len - off : DATAGRAM_MAX - fill;
			if (take && (*err = sw_tracee_read(n, (uint64_t)(uintptr_t)iov[i].iov_base + off, data + fill, take)) != 0)
				return sent ? (long)sent : -1;
			fill += take;
			off += take;
			if (off == iov[i].iov_len) {
				i++;
				off = 0;
			}
		}
		int part = (flags | MSG_NOSIGNAL) & ~MSG_FASTOPEN;
		if (sent + fill < total)
			part = (part & ~MSG_OOB) | MSG_MORE;
		struct iovec one = { data, fill };
		struct msghdr out = { .msg_iov = &one, .msg_iovlen = 1 };
		if (sent == 0 && control_len) {
			out.msg_control = (void *)control;
			out.msg_controllen = control_len;
		}
		ssize_t r = real.sendmsg(s->fd, &out, part);
		if (r < 0) {
			if (sent)
				return (long)sent;
			*err = errno;
			if (*err == EPIPE && !(flags & MSG_NOSIGNAL))
				sw_tracee_signal(n, SIGPIPE);
			return -1;
		}
		sent += (size_t)r;
		if ((size_t)r < fill)
			break;
	} while (sent < total);
	return (long)sent;
}

/* sendmsg's (or one sendmmsg message's) TCP send, from the copied msghdr m. */
static long tcp_send_msg(const struct sw_notif *n, const struct sock *s, const struct msghdr *m, int flags, int *err)
{
	uint8_t control[4096];
	const struct iovec *iov = program_iovecs(n, m, err);
	if (!iov || (*err = program_control(n, m, control)) != 0)
		return -1;
	return tcp_send(n, s, iov, m->msg_iovlen, control, m->msg_controllen, flags, err);
}

/* One message of a non-TCP IP socket: sent (its length, or -1 with *err), or refused. */
static long judge_and_send(const struct sw_notif *n, const struct sock *s, struct msghdr *m, int flags, int *err)
{
	struct sockaddr_storage name;
	int relayed = 0;
	if (m->msg_name && m->msg_namelen) {
		if (m->msg_namelen > sizeof name) {
			*err = EINVAL;
			return -1;
		}
		memset(&name, 0, sizeof name);
		if ((*err = sw_tracee_read(n, (uint64_t)(uintptr_t)m->msg_name, &name, m->msg_namelen)) != 0)
			return -1;
		as_kernel_reads(s, &name, m->msg_namelen);
		struct wire_addr dest;
		if (judged_destination(s, &name, m->msg_namelen, &dest)) {
			if (!is_udp(s)) {
				*err = EPROTONOSUPPORT;
				return -1;
			}
			relayed = 1;
		}
		m->msg_name = &name;
	} else {
		m->msg_name = NULL;
		m->msg_namelen = 0;
	}
	return send_copy(n, s, m, flags, relayed, err);
}

/* One message of any IP socket: TCP's bytes (the address ignored), else judged and sent. */
static long send_message(const struct sw_notif *n, const struct sock *s, struct msghdr *m, int flags, int *err)
{
	return is_tcp(s) ? tcp_send_msg(n, s, m, flags, err) : judge_and_send(n, s, m, flags, err);
}

/* Every send handler's start: the program's socket taken, a non-IP one CONTINUE'd, a TCP Fast
 * Open refused (EOPNOTSUPP: what a kernel without client TFO answers). 1 when the call is
 * answered already. */
static int send_answered(const struct sw_notif *n, struct sock *s, int flags)
{
	if (take_socket(n, s) != 0)
		return 1;
	if (s->domain != AF_INET && s->domain != AF_INET6) {
		close(s->fd);
		sw_notif_continue(n);
		return 1;
	}
	if (is_tcp(s) && (flags & MSG_FASTOPEN)) {
		close(s->fd);
		sw_notif_fail(n, EOPNOTSUPP);
		return 1;
	}
	return 0;
}

void sw_on_sendto(const struct sw_notif *n)
{
	struct sock s;
	int flags = (int)n->args[3];
	if (send_answered(n, &s, flags))
		return;
	/* The program's buffer as one iovec of its own memory, and its address (read once, here). */
	struct iovec iov = { (void *)(uintptr_t)n->args[1], (size_t)n->args[2] };
	int err = 0;
	long r;
	if (is_tcp(&s)) {
		r = tcp_send(n, &s, &iov, 1, NULL, 0, flags, &err);
		close(s.fd);
		answer_result(n, r, err);
		return;
	}
	socklen_t namelen = (socklen_t)n->args[5];
	struct sockaddr_storage name;
	memset(&name, 0, sizeof name);
	struct wire_addr dest;
	if (namelen > sizeof name) {
		r = -1;
		err = EINVAL;
	} else if ((err = sw_tracee_read(n, n->args[4], &name, namelen)) != 0) {
		r = -1;
	} else if (as_kernel_reads(&s, &name, namelen),
		   judged_destination(&s, &name, namelen, &dest) && !is_udp(&s)) {
		r = -1;
		err = EPROTONOSUPPORT;
	} else {
		int relayed = judged_destination(&s, &name, namelen, &dest);
		uint8_t *data = copy_buffer();
		size_t take = iov.iov_len;
		if (take > DATAGRAM_MAX) {
			r = -1;
			err = EMSGSIZE;
		} else if (!data) {
			r = -1;
			err = ENOMEM;
		} else if ((err = sw_tracee_read(n, (uint64_t)(uintptr_t)iov.iov_base, data, take)) != 0) {
			r = -1;
		} else if (relayed) {
			struct iovec one = { data, take };
			struct msghdr copy = { .msg_name = &name, .msg_namelen = namelen, .msg_iov = &one, .msg_iovlen = 1 };
			r = sw_udp_sup_send(s.fd, s.domain, s.type, &copy, flags, &err);
		} else {
			r = real.sendto(s.fd, data, take, flags | MSG_NOSIGNAL, (struct sockaddr *)&name, namelen);
			err = errno;
		}
	}
	close(s.fd);
	answer_result(n, r, err);
}

void sw_on_sendmsg(const struct sw_notif *n)
{
	struct sock s;
	int flags = (int)n->args[2];
	if (send_answered(n, &s, flags))
		return;
	struct msghdr m;
	int err = sw_tracee_read(n, n->args[1], &m, sizeof m);
	long r = -1;
	if (!err)
		r = send_message(n, &s, &m, flags, &err);
	close(s.fd);
	answer_result(n, r, err);
}

void sw_on_sendmmsg(const struct sw_notif *n)
{
	struct sock s;
	int flags = (int)n->args[3];
	if (send_answered(n, &s, flags))
		return;
	unsigned vlen = (unsigned)n->args[2];
	if (vlen > 1024)
		vlen = 1024;    /* UIO_MAXIOV, as the kernel */
	long sent = 0;
	int err = 0;
	for (unsigned i = 0; i < vlen; i++) {
		uint64_t at = n->args[1] + (uint64_t)i * sizeof(struct mmsghdr);
		struct mmsghdr mm;
		if ((err = sw_tracee_read(n, at, &mm, sizeof mm)) != 0)
			break;
		long r = send_message(n, &s, &mm.msg_hdr, flags & ~MSG_WAITFORONE, &err);
		if (r < 0)
			break;
		unsigned len = (unsigned)r;
		if ((err = sw_tracee_write(n, at + offsetof(struct mmsghdr, msg_len), &len, sizeof len)) != 0)
			break;
		sent++;
	}
	close(s.fd);
	/* As the kernel: the messages sent (0 for vlen 0), or the first one's error. */
	if (sent > 0 || err == 0)
		sw_notif_return(n, sent);
	else
		sw_notif_fail(n, err);
}

/* getpeername's answer: as much of out as the program's buffer holds, and the full length. */
static void give_address(const struct sw_notif *n, const struct sockaddr_storage *out, socklen_t out_len)
{
	socklen_t room;
	int err = sw_tracee_read(n, n->args[2], &room, sizeof room);
	if (!err && (int)room < 0)
		err = EINVAL;
	if (!err)
		err = sw_tracee_write(n, n->args[1], out, room < out_len ? room : out_len);
	if (!err)
		err = sw_tracee_write(n, n->args[2], &out_len, sizeof out_len);
	if (err)
		sw_notif_fail(n, err);
	else
		sw_notif_return(n, 0);
}

/* getpeername of a socket on the relay or on a proxy (the dial path): the destination the program
 * asked for, from the agent (PEER; paths/peer-lookup.c, the shim's own lookup). Any other socket:
 * the kernel's answer. */
void sw_on_getpeername(const struct sw_notif *n)
{
	struct sock s;
	if (take_socket(n, &s) != 0)
		return;
	if ((s.domain == AF_INET || s.domain == AF_INET6) && s.type == SOCK_DGRAM) {
		struct sockaddr_storage udp_peer;
		socklen_t udp_len;
		int known = sw_udp_sup_peer(s.fd, &udp_peer, &udp_len);
		close(s.fd);
		if (known == 0)
			sw_notif_continue(n);    /* not through the UDP relay: the kernel's answer is the truth */
		else if (known < 0)
			sw_notif_fail(n, -known);
		else
			give_address(n, &udp_peer, udp_len);
		return;
	}
	struct sockaddr_storage peer, out;
	socklen_t peer_len = sizeof peer, out_len = 0;
	int found = (s.domain == AF_INET || s.domain == AF_INET6) && s.type == SOCK_STREAM &&
		    real.getpeername(s.fd, (struct sockaddr *)&peer, &peer_len) == 0 &&
		    sw_original_destination(s.fd, &peer, &out, &out_len) == 0;
	int on_relay = found ? 0 : (s.domain == AF_INET || s.domain == AF_INET6) && s.type == SOCK_STREAM &&
					   peer_len > 0 && sw_relay_of_peer(&peer);
	close(s.fd);
	if (!found) {
		if (on_relay)
			sw_notif_fail(n, ENOTCONN);    /* never the relay's address */
		else
			sw_notif_continue(n);          /* not ours: the kernel's answer is the truth */
		return;
	}
	give_address(n, &out, out_len);
}
