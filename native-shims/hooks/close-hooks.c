/* close, close_range, closefrom, dup2, dup3: the program never closes or replaces the shim's own
 * descriptors (core/fd-guard.c), and a descriptor it closes or replaces ends its UDP association
 * (paths/udp-path.c) and any connect in progress on it (paths/async-connect.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>

#include <linux/close_range.h>

#include "core/fd-guard.h"
#include "core/libc.h"
#include "core/shim-init.h"
#include "core/shim.h"
#include "paths/async-connect.h"
#include "paths/udp-path.h"

SHIM_EXPORT int close(int fd)
{
	if (fdguard_is_shim_fd(fd))
		return 0;             /* the program never opened it, so it cannot tell */
	shim_init();
	sw_udp_closing(fd);       /* ends a UDP association */
	sw_async_forget(fd);
	return real.close(fd);
}

SHIM_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	shim_init();
	if (!real.close_range) {
		errno = ENOSYS;
		return -1;
	}
	if (first > last) {
		errno = EINVAL;
		return -1;
	}
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		sw_async_forget_range(first, last);
	return fdguard_close_range(first, last, flags);
}

SHIM_EXPORT void closefrom(int lowfd)
{
	shim_init();
	if (lowfd < 0)
		lowfd = 0;
	sw_async_forget_range((unsigned int)lowfd, ~0U);
	if (real.close_range && fdguard_close_range((unsigned int)lowfd, ~0U, 0) == 0)
		return;
	/* Kernel without close_range: close one by one, as glibc's fallback does, sparing ours. */
	fdguard_close_from(lowfd);
}

SHIM_EXPORT int dup2(int oldfd, int newfd)
{
	shim_init();
	if (oldfd != newfd && fcntl(oldfd, F_GETFD) != -1) {
		fdguard_evacuate(newfd);
		sw_async_forget(newfd);
	}
	return real.dup2(oldfd, newfd);
}

SHIM_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	shim_init();
	if (oldfd != newfd && fcntl(oldfd, F_GETFD) != -1) {
		fdguard_evacuate(newfd);
		sw_async_forget(newfd);
	}
	return real.dup3(oldfd, newfd, flags);
}
