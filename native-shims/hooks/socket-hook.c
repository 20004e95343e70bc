/*
 * Packet sockets are refused at socket() (issue 11, item 7).
 *
 * AF_PACKET (= PF_PACKET) sockets send whole link-layer frames out of an interface. There is no
 * IP destination the shim could route through the proxy, and a bound one sends with write() or
 * send(), which carry no address at all, so no later hook can tell where a frame goes. Like an IP
 * socket that is neither TCP nor UDP sending anywhere but loopback (hooks/connect-hook.c, paths/udp-path.c),
 * they are refused with EPROTONOSUPPORT ("Protocol not supported"), here at the one call every
 * such socket starts with. The same for the obsolete socket(AF_INET, SOCK_PACKET, ...), which the
 * kernel turns into a packet socket, and AF_XDP, the other family that sends raw frames.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>

#include "core/libc.h"
#include "core/shim.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif
/* The type's low bits; SOCK_NONBLOCK and SOCK_CLOEXEC ride above them. */
#define SOCK_TYPE_BITS 0xf

SHIM_EXPORT int socket(int domain, int type, int protocol)
{
	if (domain == AF_PACKET || domain == AF_XDP || (domain == AF_INET && (type & SOCK_TYPE_BITS) == SOCK_PACKET)) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	sw_libc_init();
	return real.socket(domain, type, protocol);
}
