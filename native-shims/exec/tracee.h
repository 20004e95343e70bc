/* exec/tracee.c: acting on a notification's task: its memory, its descriptors, the answer. */
#ifndef SOCKSWRAP_TRACEE_H
#define SOCKSWRAP_TRACEE_H

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* The seccomp_notif the kernel filled, copied out of the receive loop's buffer (the kernel's
 * struct may be larger than this header's; only these fields are read). */
struct sw_notif {
	uint64_t id;
	uint32_t pid;                 /* the calling thread, in the supervisor's pid namespace */
	int nr;                       /* the system call */
	uint64_t args[6];
	int listener;
};

/* Copies len bytes at addr of the task into buf: 0, or EFAULT (also for a short read: the
 * kernel's own copy would have failed), or ESRCH when the task is gone. */
int sw_tracee_read(const struct sw_notif *n, uint64_t addr, void *buf, size_t len);
/* The other way round, for getpeername's answer. 0 or an errno. */
int sw_tracee_write(const struct sw_notif *n, uint64_t addr, const void *buf, size_t len);
/* Is the notification still pending (the thread still in that call, its pid not reused)? */
int sw_notif_valid(const struct sw_notif *n);
/* A duplicate of the task's descriptor fd: the same open file (pidfd_getfd), CLOEXEC. Returns it,
 * or -errno (-EBADF: the program has no such descriptor; -ESRCH: the task is gone). */
int sw_tracee_take_fd(const struct sw_notif *n, int fd);

/* Raises sig in the notification's thread (as the kernel raises SIGPIPE in the sender). */
void sw_tracee_signal(const struct sw_notif *n, int sig);

/* Answers: the call returns val; fails with errno err (> 0); runs as the program asked it
 * (only for what the kernel may do unjudged: docs/seccomp.md). An answer to a notification the
 * thread no longer waits for (a fatal signal) is dropped: ENOENT from the kernel is not an error. */
void sw_notif_return(const struct sw_notif *n, int64_t val);
void sw_notif_fail(const struct sw_notif *n, int err);
void sw_notif_continue(const struct sw_notif *n);

#endif
