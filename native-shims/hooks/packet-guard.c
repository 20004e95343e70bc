/*
 * Packet sockets are refused at socket() (issue 11, item 7).
 *
 * AF_PACKET (= PF_PACKET) sockets send whole link-layer frames out of an interface. There is no
 * IP destination the shim could route through the proxy, and a bound one sends with write() or
 * send(), which carry no address at all, so no later hook can tell where a frame goes. Like an IP
 * socket that is neither TCP nor UDP sending anywhere but loopback (connect-hook.c, udp-hooks.c),
 * they are refused with EPROTONOSUPPORT ("Protocol not supported"), here at the one call every
 * such socket starts with. The same for the obsolete socket(AF_INET, SOCK_PACKET, ...), which the
 * kernel turns into a packet socket, and AF_XDP, the other family that sends raw frames.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "core/shim.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif
/* The type's low bits; SOCK_NONBLOCK and SOCK_CLOEXEC ride above them. */
#define SOCK_TYPE_BITS 0xf

static int (*real_socket)(int, int, int);
static pthread_once_t socket_once = PTHREAD_ONCE_INIT;

static void socket_resolve(void)
{
	real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	if (!real_socket) {
		shim_log_fatal("cannot find libc's socket (dlsym RTLD_NEXT failed)");
		abort();
	}
}

SHIM_EXPORT int socket(int domain, int type, int protocol)
{
	if (domain == AF_PACKET || domain == AF_XDP || (domain == AF_INET && (type & SOCK_TYPE_BITS) == SOCK_PACKET)) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	pthread_once(&socket_once, socket_resolve);
	return real_socket(domain, type, protocol);
}
