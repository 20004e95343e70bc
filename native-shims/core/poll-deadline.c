/* Waiting on one descriptor against an absolute deadline, shared by the relay and direct paths. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "core/shim.h"

void sw_deadline_in(struct timespec *deadline, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += ms / 1000;
	deadline->tv_nsec += (ms % 1000) * 1000000;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
}

/* poll() for the events until the deadline, through EINTR (a signal must not cut a connect short
 * that the kernel would have let run): 0 when ready, ETIMEDOUT, or poll's errno. */
int sw_wait_for(int fd, short events, const struct timespec *deadline)
{
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
		if (ms < 0)
			ms = 0;
		struct pollfd p = { .fd = fd, .events = events };
		int r = sw_real_poll(&p, 1, (int)ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		return r == 0 ? ETIMEDOUT : 0;
	}
}
