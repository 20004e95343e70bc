/* UDP sockets inherited across exec (docs/udp.md).
 *
 * exec keeps the descriptors and the pid but not the fd table: a UDP socket the agent associated
 * in the previous image would get its replies with the header on. So, on the first use of any
 * UDP hook in a new image, the shim lists its descriptors once (/proc/self/fd, raw system calls)
 * and asks the agent (UDP_LOOKUP, by relay and bound port) about each bound IP datagram socket; a
 * known one gets its entry back: the association id, and the peer when it was connected through
 * the relay. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/agent-wire.h"
#include "core/fd-guard.h"
#include "core/fd-table.h"
#include "core/net-addr.h"
#include "core/relay-mac.h"
#include "core/shim-env.h"
#include "core/socket-ops.h"
#include "core/wire-codec.h"
#include "core/tcp-alive.h"
#include "paths/udp-inherited.h"


/* Which relay a socket reaches: 127.0.0.1 from AF_INET and dual-stack AF_INET6 sockets, ::1 from
 * IPV6_V6ONLY sockets and those bound to an IPv6 address. */
int sw_udp_choose_relay(int fd, int domain, const struct sockaddr_storage *bound)
{
	if (domain == AF_INET)
		return 4;
	int v6only = 0;
	if (sw_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only) == 0 && v6only)
		return 6;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)bound;
	if (!IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr) && !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return 6;
	return 4;
}

static _Atomic int inherited_state;       /* 0: not looked yet, 1: looking, 2: done */
static _Atomic pid_t inherited_looker;
static __thread int looking_here;         /* the scan's own agent calls come back through hooks */

/* 1: the agent knows the socket (its entry filled), 0: it does not (or not an IP datagram socket,
 * or one with an entry already), -1: the agent does not answer. */
static int adopt_inherited(int fd)
{
	int domain, type;
	struct sw_fd *peek = sw_fd_peek(fd);
	if (fd >= SW_FD_MAX || !sw_socket_is_ip(fd, &domain, &type) || type != SOCK_DGRAM ||
	    (peek && atomic_load(&peek->udp_port) != 0))
		return 0;
	struct sockaddr_storage bound;
	int port = sw_local_port(fd, &bound);
	if (port <= 0)
		return 0;
	int relay = sw_udp_choose_relay(fd, domain, &bound);
	uint8_t req[3], resp[AGENT_MAX_BODY];
	size_t resp_len;
	const uint8_t *id, *key;
	int connected;
	struct wire_addr peer;
	int status = agent_call(OP_UDP_LOOKUP, req, sw_enc_udp_lookup(req, relay, (uint16_t)port), resp, &resp_len);
	if (status < 0)
		return -1;
	if (status > 0 || sw_dec_udp_lookup(resp, resp_len, &id, &key, &connected, &peer) != 0)
		return 0;
	struct sw_fd *e = sw_fd_get(fd);
	if (!e)
		return 0;
	e->udp_relay = (uint8_t)relay;
	e->udp_domain_is_v6 = domain == AF_INET6;
	memcpy(e->udp_id, id, SW_ASSOC_ID_LEN);
	sw_mac_init(&e->udp_mac, key, SW_REPLY_KEY_LEN);
	if (connected) {
		struct sockaddr_storage ss;
		socklen_t len = wire_addr_to_sockaddr(&peer, domain, &ss);
		connected = len > 0 && len <= sizeof e->udp_peer;
		if (connected) {
			memset(&e->udp_peer, 0, sizeof e->udp_peer);
			memcpy(&e->udp_peer, &ss, len);
			e->udp_peer_len = len;
		}
	}
	atomic_store(&e->udp_connected, connected);
	/* The fast path's relay, if the socket had one: its replies carry RFC 1928 §7 headers. What
	 * else the old image sent through is not known: the agent's relay too, maybe. */
	atomic_store(&e->udp_fast, 0);
	e->udp_mixed = 1;
	struct wire_addr proxy_relay;
	struct sockaddr_storage relay_ss;
	socklen_t relay_len;
	struct sw_udp_guard guard;
	if (!connected &&
	    agent_call(OP_UDP_FAST_LOOKUP, req, sw_enc_udp_fast_lookup(req, relay, (uint16_t)port), resp, &resp_len) == 0 &&
	    sw_dec_udp_fast_lookup(resp, resp_len, &proxy_relay, &guard) == 0 &&
	    (relay_len = wire_addr_to_sockaddr(&proxy_relay, domain, &relay_ss)) != 0 && relay_len <= sizeof e->udp_fast_relay) {
		memset(&e->udp_fast_relay, 0, sizeof e->udp_fast_relay);
		memcpy(&e->udp_fast_relay, &relay_ss, relay_len);
		e->udp_fast_relay_len = relay_len;
		e->udp_fast_relay_addr = proxy_relay;
		/* A relay on this host: its guard, pinned to the connection the agent holds now (a check
		 * that fails here, or later, makes the next send ask again). */
		e->udp_guarded = (uint8_t)guard.tcp;
		e->udp_guard_local = guard.local;
		e->udp_guard_remote = guard.remote;
		atomic_store(&e->udp_guard_cookie, 0);
		if (guard.tcp)
			sw_tcp_established(&guard.local, &guard.remote, &e->udp_guard_cookie);
		atomic_store(&e->udp_fast, 1);
	}
	atomic_store(&e->udp_port, (uint32_t)port);
	return 1;
}

int sw_udp_adopt(int fd)
{
	struct sw_fd *old = sw_fd_peek(fd);
	if (old)
		atomic_store(&old->udp_port, 0);
	return adopt_inherited(fd);
}

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Raw syscalls, no allocation: this can run from whatever hook comes first. */
static void look_for_inherited(void)
{
	const struct shim_config *cfg = shim_config();
	if (!cfg->ok || (cfg->udp_port4 == 0 && cfg->udp_port6 == 0))
		return;
	int dir = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return;
	_Alignas(8) char buf[2048];
	for (;;) {
		long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			const struct dirent64_raw *d = (const struct dirent64_raw *)(buf + off);
			off += d->d_reclen;
			int fd = 0, digits = 0;
			for (const char *c = d->d_name; *c >= '0' && *c <= '9' && fd < SW_FD_MAX; c++, digits++)
				fd = fd * 10 + (*c - '0');
			if (digits && fd != dir && !fdguard_is_shim_fd(fd))
				adopt_inherited(fd);
		}
	}
	syscall(SYS_close, dir);
}

void sw_udp_inherited(void)
{
	if (atomic_load_explicit(&inherited_state, memory_order_acquire) == 2 || looking_here)
		return;
	pid_t me = (pid_t)syscall(SYS_getpid);
	for (;;) {
		int expected = 0;
		if (atomic_compare_exchange_strong(&inherited_state, &expected, 1)) {
			atomic_store(&inherited_looker, me);
			looking_here = 1;
			/* The scan's agent calls wait in poll(), a cancellation point: a thread cancelled
			 * there would leave the state at 1 and every other thread yielding forever. */
			int cancel_state;
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
			look_for_inherited();
			looking_here = 0;
			atomic_store_explicit(&inherited_state, 2, memory_order_release);
			pthread_setcancelstate(cancel_state, NULL);
			return;
		}
		if (expected == 2)
			return;
		pid_t looker = atomic_load(&inherited_looker);
		if (looker != 0 && looker != me) {
			/* A fork child of a process that was looking: look again, for this process. */
			atomic_compare_exchange_strong(&inherited_state, &expected, 0);
			continue;
		}
		sched_yield();
	}
}
