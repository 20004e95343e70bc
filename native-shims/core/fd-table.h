/* core/fd-table.c: what the shim knows about each of the program's descriptors, one entry per fd.
 *
 * Entries come in blocks of SW_FD_BLOCK fds, mapped when a path first records something about a
 * fd of that block; a fd whose block was never mapped has nothing recorded (the hot path's cost:
 * one load of the block pointer). Lock-free: a block is published with one compare-and-swap and
 * never unmapped, every field the paths race on is atomic, and an entry is validated by the
 * socket's local port before use (so an entry left by a closed fd never applies to the next
 * socket with the number). Fork keeps the blocks (private memory, copied); a vforked child that
 * maps one shares it with its parent, which then finds it published. */
#ifndef SOCKSWRAP_FD_TABLE_H
#define SOCKSWRAP_FD_TABLE_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/net-addr.h"
#include "core/relay-mac.h"

#define SW_FD_MAX 65536          /* descriptors at or above it are passed through untouched */
#define SW_FD_BLOCK 1024

#define SW_UDP_ID_LEN 8
#define SW_DIALLED_REPLY_MAX 22  /* a SOCKS5 reply with an IPv6 address */

struct sw_fd {
	/* paths/async-connect.c: a non-blocking connect through the relay in progress */
	_Atomic uint8_t async_state;          /* 0: none (see async-connect.c) */
	_Atomic uint8_t async_errno;
	_Atomic uint32_t async_port;          /* the socket's local port when it was connected */
	_Atomic uint16_t async_dial;          /* 1 + its dial slot: the fd is dialled to the proxy itself */
	uint8_t async_ticket[16];
	/* ... once a dialled one is up: the last reply its script consumed (SOCKNAME), for this port */
	_Atomic uint32_t dialled_port;        /* 0: not a dialled non-blocking connect */
	uint8_t dialled_reply_len;
	uint8_t dialled_reply[SW_DIALLED_REPLY_MAX];
	_Atomic uint32_t dialled_side_gen;    /* paths/bind-path.c: SOCKNAME's answer kept (0: none) */
	struct wire_addr dialled_side;

	/* paths/destinations.c: the original destination of a relayed or dialed socket */
	_Atomic uint32_t dest_port;           /* local port; 0: empty */
	socklen_t dest_len;
	struct sockaddr_in6 dest;             /* also holds a sockaddr_in */
	struct wire_addr via;                 /* the first proxy (dial path); family 0 for the relay */

	/* paths/bind-path.c: a listening socket through SOCKS BIND, or a connection accepted from one */
	_Atomic uint32_t bind_port;           /* the socket's real local port; 0: empty */
	_Atomic uint8_t bind_state;           /* SW_BIND_* (bind-path.c) */
	uint8_t bind_domain;                  /* AF_INET or AF_INET6, as one byte */
	struct wire_addr bind_addr;           /* where the proxy listens (the first reply) */

	/* paths/udp-path.c: a UDP socket the relay carries */
	_Atomic uint32_t udp_port;            /* bound port; 0: empty */
	uint8_t udp_relay;                    /* 4 or 6 */
	uint8_t udp_domain_is_v6;
	uint8_t udp_id[SW_UDP_ID_LEN];
	struct sw_mac_key udp_mac;            /* the association's reply key, prepared */
	_Atomic int udp_connected;            /* kernel-connected to the relay; peer below */
	socklen_t udp_peer_len;
	struct sockaddr_in6 udp_peer;         /* also holds a sockaddr_in */
	/* ... the fast path (docs/udp.md): the proxy's relay this socket speaks RFC 1928 §7 to */
	_Atomic uint8_t udp_fast;             /* 1: the three below are set */
	uint8_t udp_mixed;                    /* also sends through the agent's relay */
	socklen_t udp_fast_relay_len;
	struct sockaddr_in6 udp_fast_relay;   /* in the socket's family (also holds a sockaddr_in) */
	struct wire_addr udp_fast_relay_addr; /* to recognise the relay's datagrams */
	/* ... a relay on this host: its association's TCP connection (the agent's end, the proxy's),
	 * which must still be established for a datagram to go to or come from the relay */
	uint8_t udp_guarded;
	struct wire_addr udp_guard_local, udp_guard_remote;
	_Atomic uint64_t udp_guard_cookie;    /* that socket's, once found (core/tcp-alive.h) */
};

extern _Atomic(struct sw_fd *) sw_fd_blocks[SW_FD_MAX / SW_FD_BLOCK];

/* fd's entry if its block exists, else NULL (nothing recorded for it). No allocation. */
static inline struct sw_fd *sw_fd_peek(int fd)
{
	if (fd < 0 || fd >= SW_FD_MAX)
		return NULL;
	struct sw_fd *block = atomic_load_explicit(&sw_fd_blocks[fd / SW_FD_BLOCK], memory_order_acquire);
	return block ? &block[fd % SW_FD_BLOCK] : NULL;
}

/* fd's entry, mapping its block on first use; NULL when fd is out of range or no memory. */
struct sw_fd *sw_fd_get(int fd);

#endif
