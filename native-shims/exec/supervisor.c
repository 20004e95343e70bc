/* The supervisor: one thread receives the filter's notifications (SECCOMP_IOCTL_NOTIF_RECV) and
 * hands each to a worker, which runs the handler of its system call (exec/socket-calls.c) and
 * answers. Workers are started when all are busy (up to MAX_WORKERS) and then kept: each has its
 * own control connection to the agent (core/agent-wire.c, per thread), opened on its first
 * question and reused after. Why a C thread and not ffi-rs in the agent: docs/seccomp.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec/socket-calls.h"
#include "exec/supervisor.h"

#define MAX_WORKERS 256
#define QUEUE_SIZE 1024

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
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static struct sw_notif queue[QUEUE_SIZE];
static unsigned head, count, idle, workers;

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

static void *worker(void *unused)
{
	(void)unused;
	for (;;) {
		pthread_mutex_lock(&lock);
		idle++;
		while (count == 0)
			pthread_cond_wait(&work, &lock);
		idle--;
		struct sw_notif n = queue[head];
		head = (head + 1) % QUEUE_SIZE;
		count--;
		pthread_mutex_unlock(&lock);
		dispatch(&n);
	}
	return NULL;
}

/* Queues n for a worker, starting one when none is idle. A full queue or no thread to be had:
 * the call fails (EAGAIN), closed. */
static void hand_off(const struct sw_notif *n)
{
	pthread_mutex_lock(&lock);
	if (count == QUEUE_SIZE) {
		pthread_mutex_unlock(&lock);
		sw_notif_fail(n, EAGAIN);
		return;
	}
	queue[(head + count) % QUEUE_SIZE] = *n;
	count++;
	int start = idle < count && workers < MAX_WORKERS;
	if (start)
		workers++;
	pthread_cond_signal(&work);
	pthread_mutex_unlock(&lock);
	if (start) {
		pthread_t t;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (pthread_create(&t, &attr, worker, NULL) != 0) {
			pthread_mutex_lock(&lock);
			workers--;
			pthread_mutex_unlock(&lock);
		}
		pthread_attr_destroy(&attr);
	}
}

static int listener_fd;

static void *receive_loop(void *unused)
{
	(void)unused;
	struct seccomp_notif_sizes sizes;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0)
		return NULL;
	/* The kernel's struct may be larger than this header's: receive into its own size. */
	size_t size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif : sizeof(struct seccomp_notif);
	struct seccomp_notif *req = calloc(1, size);
	if (!req)
		return NULL;
	for (;;) {
		memset(req, 0, size);
		if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
			/* EINTR: a signal; ENOENT: the thread was interrupted before we got it (it
			 * restarts the call and notifies again). Anything else: the filter is gone. */
			if (errno == EINTR || errno == ENOENT)
				continue;
			return NULL;
		}
		struct sw_notif n = { .id = req->id, .pid = req->pid, .nr = req->data.nr, .listener = listener_fd };
		memcpy(n.args, req->data.args, sizeof n.args);
		hand_off(&n);
	}
}

int sw_supervise(int listener)
{
	listener_fd = listener;
	pthread_t t;
	sigset_t all, old;
	/* Signals go to the main thread (it forwards them to the program); not to these threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int err = pthread_create(&t, NULL, receive_loop, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return err;
	pthread_detach(t);
	return 0;
}
