/* The task behind a notification. Everything read from it is read once, into the supervisor's
 * own memory, and judged there: the program's other threads can change their memory at any time,
 * so nothing judged is ever handed back to the kernel to read again (no CONTINUE for anything
 * the supervisor decided on; docs/seccomp.md). After every read the notification id is checked
 * again (SECCOMP_IOCTL_NOTIF_ID_VALID): a thread that died in between may have had its pid reused
 * by another process, whose memory was read instead. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "exec/tracee.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

int sw_notif_valid(const struct sw_notif *n)
{
	uint64_t id = n->id;
	return ioctl(n->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

int sw_tracee_read(const struct sw_notif *n, uint64_t addr, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t got = process_vm_readv((pid_t)n->pid, &local, 1, &remote, 1, 0);
	int err = got == (ssize_t)len ? 0 : got >= 0 || errno == EFAULT ? EFAULT : errno == ESRCH ? ESRCH : EFAULT;
	if (!sw_notif_valid(n))
		return ESRCH;
	return err;
}

int sw_tracee_write(const struct sw_notif *n, uint64_t addr, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (!sw_notif_valid(n))
		return ESRCH;
	struct iovec local = { (void *)buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t put = process_vm_writev((pid_t)n->pid, &local, 1, &remote, 1, 0);
	return put == (ssize_t)len ? 0 : EFAULT;
}

/* The thread group of a thread (its process), from /proc: -1 when gone. */
static pid_t tgid_of(pid_t tid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	int st = open(path, O_RDONLY | O_CLOEXEC);
	if (st < 0)
		return -1;
	char text[4096];
	ssize_t len = read(st, text, sizeof text - 1);
	close(st);
	if (len <= 0)
		return -1;
	text[len] = '\0';
	const char *tgid = strstr(text, "\nTgid:");
	if (!tgid) {
		errno = ESRCH;
		return -1;
	}
	return (pid_t)strtol(tgid + 6, NULL, 10);
}

/* A thread's own descriptor table (a clone without CLONE_FILES has its own) needs a pidfd of the
 * thread (PIDFD_THREAD, Linux 6.9); before that, of its thread group, found in /proc. */
static int open_pidfd(pid_t tid)
{
	int fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	if (fd >= 0 || errno != EINVAL)
		return fd;
	fd = (int)syscall(SYS_pidfd_open, tid, 0);
	if (fd >= 0 || errno != EINVAL)
		return fd;
	pid_t tgid = tgid_of(tid);
	return tgid < 0 ? -1 : (int)syscall(SYS_pidfd_open, tgid, 0);
}

void sw_tracee_signal(const struct sw_notif *n, int sig)
{
	pid_t tgid = tgid_of((pid_t)n->pid);
	/* Checked after the look-up: the thread is still in the call, so tgid and pid are its own. */
	if (tgid > 0 && sw_notif_valid(n))
		syscall(SYS_tgkill, tgid, (pid_t)n->pid, sig);
}

int sw_tracee_take_fd(const struct sw_notif *n, int fd)
{
	int pidfd = open_pidfd((pid_t)n->pid);
	if (pidfd < 0)
		return -ESRCH;
	/* The pidfd is of the right task only if the thread is still in this call now. */
	if (!sw_notif_valid(n)) {
		close(pidfd);
		return -ESRCH;
	}
	int dup = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	int err = errno;
	close(pidfd);
	if (dup < 0)
		return err == EBADF ? -EBADF : -err;
	return dup;   /* pidfd_getfd sets O_CLOEXEC on what it returns */
}

static void send_answer(const struct sw_notif *n, int64_t val, int err, uint32_t flags)
{
	struct seccomp_notif_resp resp = { .id = n->id, .val = val, .error = err ? -err : 0, .flags = flags };
	/* EINTR: a signal to the supervisor; ENOENT: the thread left the call (a fatal signal, or
	 * one that interrupted it before the supervisor received it): nothing to answer then. */
	while (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0 && errno == EINTR)
		;
}

void sw_notif_return(const struct sw_notif *n, int64_t val)
{
	send_answer(n, val, 0, 0);
}

void sw_notif_fail(const struct sw_notif *n, int err)
{
	send_answer(n, 0, err, 0);
}

void sw_notif_continue(const struct sw_notif *n)
{
	send_answer(n, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}
