/* Deadlines on CLOCK_MONOTONIC, and waiting on one descriptor against one: shared by the agent
 * connection, the relay and dial paths and the readiness hooks. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "core/deadline.h"
#include "core/libc.h"

void sw_timespec_add(struct timespec *t, const struct timespec *add)
{
	t->tv_sec += add->tv_sec;
	t->tv_nsec += add->tv_nsec;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

void sw_deadline_in(struct timespec *deadline, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	struct timespec add = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
	sw_timespec_add(deadline, &add);
}

long sw_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms;
}

long sw_ms_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Through EINTR: a signal must not cut a connect short that the kernel would have let run. */
int sw_wait_for(int fd, short events, const struct timespec *deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int r = real.poll(&p, 1, (int)sw_ms_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		return r == 0 ? ETIMEDOUT : 0;
	}
}
