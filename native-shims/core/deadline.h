/* core/deadline.c: absolute CLOCK_MONOTONIC deadlines, and waiting on one descriptor for one. */
#ifndef SOCKSWRAP_DEADLINE_H
#define SOCKSWRAP_DEADLINE_H

#include <time.h>

/* *t += ms, or += *add: normalized. */
void sw_timespec_add(struct timespec *t, const struct timespec *add);
/* deadline = now + ms. */
void sw_deadline_in(struct timespec *deadline, long ms);
/* Milliseconds from now until the deadline, never negative. */
long sw_ms_left(const struct timespec *deadline);
/* Milliseconds from start until now. */
long sw_ms_since(const struct timespec *start);
/* poll() for the events until the deadline, through EINTR: 0 when ready, ETIMEDOUT, or errno. */
int sw_wait_for(int fd, short events, const struct timespec *deadline);

#endif
