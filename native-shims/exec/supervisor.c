/* The supervisor: threads that each receive a notification (SECCOMP_IOCTL_NOTIF_RECV; several
 * may wait on one listener, each gets its own), run the handler of its system call
 * (exec/socket-calls.c), answer, and wait again. A thread is started whenever none would be left
 * waiting (up to MAX_THREADS; past that a notification waits for a thread to come back) and then
 * kept: each has its own control connection to the agent (core/agent-wire.c, per thread), opened
 * on its first question and reused after. Why a C thread and not ffi-rs in the agent: docs/seccomp.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec/socket-calls.h"
#include "exec/supervisor.h"
#include "exec/udp-calls.h"

#define MAX_THREADS 256

/* The handler of each notified call; the filter (exec/seccomp-filter.c) notifies only these. */
static const struct {
	int nr;
	sw_handler fn;
} handlers[] = {
	{ __NR_connect, sw_on_connect },
	{ __NR_sendto, sw_on_sendto },
	{ __NR_sendmsg, sw_on_sendmsg },
	{ __NR_sendmmsg, sw_on_sendmmsg },
	{ __NR_getpeername, sw_on_getpeername },
	{ __NR_recvfrom, sw_on_recvfrom },
	{ __NR_recvmsg, sw_on_recvmsg },
	{ __NR_recvmmsg, sw_on_recvmmsg },
};

static int listener_fd;
static size_t notif_size;
/* Threads waiting in NOTIF_RECV, and all of them. */
static atomic_int receiving;
static atomic_int threads;

static void dispatch(const struct sw_notif *n)
{
	for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
		if (handlers[i].nr == n->nr) {
			handlers[i].fn(n);
			return;
		}
	/* Not one the filter notifies: refuse, never let it run unjudged. */
	sw_notif_fail(n, ENOSYS);
}

static void *receiver(void *unused);

static void start_receiver(void)
{
	if (atomic_fetch_add(&threads, 1) >= MAX_THREADS) {
		atomic_fetch_sub(&threads, 1);
		return;
	}
	atomic_fetch_add(&receiving, 1);
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&t, &attr, receiver, NULL) != 0) {
		atomic_fetch_sub(&receiving, 1);
		atomic_fetch_sub(&threads, 1);
	}
	pthread_attr_destroy(&attr);
}

/* Every supervisor thread receives and then handles what it received itself: no hand-off between
 * threads on the way (a context switch each, measured: docs/seccomp.md). The last thread to leave
 * NOTIF_RECV starts another first, so one is always waiting while handlers block on a chain. */
static void *receiver(void *unused)
{
	(void)unused;
	struct seccomp_notif *req = calloc(1, notif_size);
	if (!req) {
		atomic_fetch_sub(&receiving, 1);
		atomic_fetch_sub(&threads, 1);
		return NULL;
	}
	for (;;) {
		memset(req, 0, notif_size);
		if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
			/* EINTR: a signal; ENOENT: the thread was interrupted before we got it (it
			 * restarts the call and notifies again). Anything else: the filter is gone. */
			if (errno == EINTR || errno == ENOENT)
				continue;
			atomic_fetch_sub(&receiving, 1);
			atomic_fetch_sub(&threads, 1);
			free(req);
			return NULL;
		}
		if (atomic_fetch_sub(&receiving, 1) == 1)
			start_receiver();
		struct sw_notif n = { .id = req->id, .pid = req->pid, .nr = req->data.nr, .listener = listener_fd };
		memcpy(n.args, req->data.args, sizeof n.args);
		dispatch(&n);
		atomic_fetch_add(&receiving, 1);
	}
}

int sw_supervise(int listener)
{
	listener_fd = listener;
	struct seccomp_notif_sizes sizes;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0)
		return errno;
	/* The kernel's struct may be larger than this header's: receive into its own size. */
	notif_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif : sizeof(struct seccomp_notif);
	sigset_t all, old;
	/* Signals go to the main thread (it forwards them to the program); not to these threads,
	 * which inherit this mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	start_receiver();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return atomic_load(&threads) == 1 ? 0 : EAGAIN;
}
