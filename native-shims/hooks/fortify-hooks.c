/*
 * _FORTIFY_SOURCE builds call __read_chk/__recv_chk/__recvfrom_chk instead of read/recv/recvfrom,
 * straight into libc, past the receive hooks: a fortified program would read the relay's verdict
 * byte (or a UDP relay header) as data. These do the fortify check libc would, then take the
 * hooked path (read/recv/recvfrom resolve to the shim's own exports, first in the global scope).
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/shim.h"

extern void __chk_fail(void) __attribute__((noreturn));

SHIM_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return read(fd, buf, len);
}

SHIM_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		__chk_fail();
	return recv(fd, buf, len, flags);
}

SHIM_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
				   struct sockaddr *addr, socklen_t *addrlen)
{
	if (len > buflen)
		__chk_fail();
	return recvfrom(fd, buf, len, flags, addr, addrlen);
}
