/*
 * The second names glibc exports for functions the shim hooks (issue 11, item 3).
 *
 * A program linked against __connect, or one that finds __recv with dlsym, would reach libc's
 * code behind the hook. Each alias here calls the hook by its public name (the shim is first in
 * the global scope, so that is the shim's). The list comes from this machine's glibc 2.36:
 *   nm -D --defined-only /lib/x86_64-linux-gnu/libc.so.6, libresolv.so.2
 * and docs/shim-reach.md says which exported names are not hooked and why.
 * (__read_chk, __recv_chk, __recvfrom_chk: fortify-hooks.c; __res_*: resolver-hooks.c.)
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/shim.h"

SHIM_EXPORT int __connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return connect(fd, addr, len);
}

SHIM_EXPORT int __sendmmsg(int fd, struct mmsghdr *vec, unsigned int count, int flags)
{
	return sendmmsg(fd, vec, count, flags);
}

SHIM_EXPORT ssize_t __recv(int fd, void *buf, size_t n, int flags)
{
	return recv(fd, buf, n, flags);
}

SHIM_EXPORT ssize_t __read(int fd, void *buf, size_t n)
{
	return read(fd, buf, n);
}

SHIM_EXPORT int __close(int fd)
{
	return close(fd);
}

SHIM_EXPORT int __dup2(int oldfd, int newfd)
{
	return dup2(oldfd, newfd);
}

SHIM_EXPORT int __socket(int domain, int type, int protocol)
{
	return socket(domain, type, protocol);
}

SHIM_EXPORT int __libc_system(const char *command)
{
	return system(command);
}

/* libresolv's compatibility entry points (old binaries, or dlvsym with GLIBC_2.2.5) run their own
 * DNS queries inside glibc, past every hook; they take the hooked lookups instead. */
SHIM_EXPORT struct hostent *res_gethostbyname(const char *name)
{
	return gethostbyname(name);
}

SHIM_EXPORT struct hostent *res_gethostbyname2(const char *name, int af)
{
	return gethostbyname2(name, af);
}

SHIM_EXPORT struct hostent *res_gethostbyaddr(const void *addr, socklen_t len, int type)
{
	return gethostbyaddr(addr, len, type);
}
