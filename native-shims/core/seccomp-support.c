/* What the supervisor needs from the kernel, probed without installing anything:
 *   - SECCOMP_RET_USER_NOTIF (5.0): seccomp(SECCOMP_GET_ACTION_AVAIL) answers 0 for it;
 *   - pidfd_open (5.3) and pidfd_getfd (5.6): called with a bad descriptor they fail with EBADF
 *     where they exist, ENOSYS where not;
 *   - process_vm_readv (3.2): same test.
 * SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (5.19) is used where the kernel has it, and not needed
 * (the exec helper retries without it). A seccomp policy around sockswrap that forbids one of
 * these calls reads as the kernel lacking it: the refusal then names it. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/seccomp-support.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static int call_exists(long nr, long a, long b, long c)
{
	int saved = errno;
	long r = syscall(nr, a, b, c, 0L, 0L, 0L);
	int exists = r >= 0 || errno != ENOSYS;
	if (r >= 0 && nr == SYS_pidfd_open)
		syscall(SYS_close, r);
	errno = saved;
	return exists;
}

const char *sw_seccomp_missing(void)
{
	int saved = errno;
	unsigned int action = SECCOMP_RET_USER_NOTIF;
	long r = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
	errno = saved;
	if (r != 0)
		return "seccomp user notification (SECCOMP_RET_USER_NOTIF, Linux 5.0)";
	struct seccomp_notif_sizes sizes;
	r = syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes);
	errno = saved;
	if (r != 0)
		return "seccomp user notification (SECCOMP_GET_NOTIF_SIZES, Linux 5.0)";
	if (!call_exists(SYS_pidfd_open, -1, 0, 0))
		return "pidfd_open (Linux 5.3)";
	if (!call_exists(SYS_pidfd_getfd, -1, -1, 0))
		return "pidfd_getfd (Linux 5.6)";
	if (!call_exists(SYS_process_vm_readv, 0, 0, 0))
		return "process_vm_readv (Linux 3.2)";
	return NULL;
}
