/* paths/epoll-slots.c: epoll registrations of fds whose connect is in progress, held back. */
#ifndef SOCKSWRAP_EPOLL_SLOTS_H
#define SOCKSWRAP_EPOLL_SLOTS_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/epoll.h>

/* How many registrations are held back: the epoll_wait hooks look no further while 0. */
extern _Atomic int sw_ep_used;

/* epoll_ctl ADD/MOD of a fd in progress: registers our tagged interest (wait: the outcome) in the
 * program's place and keeps the program's. in_progress_now(fd) says whether the fd is still in
 * progress (read without learning). Returns epoll_ctl's result, or -2 when no slot is free (the
 * caller makes the program's call as is). */
int sw_ep_hide(int epfd, int op, int fd, struct epoll_event *event, short wait, int (*in_progress_now)(int));
/* What the fd's outcome is waited for changed (a dialled fd's handshake: POLLOUT, then POLLIN):
 * its held registrations are re-armed for wait (a MOD: a level already there is reported). */
void sw_ep_retag(int fd, short wait);
/* The fds whose registrations in epfd are held back (at most max). */
int sw_ep_fds(int epfd, int *out, int max);
/* The program's own call for (epfd, fd) takes over: the held registration is forgotten. */
void sw_ep_forget(int epfd, int fd);
/* fd's connect is no longer in progress: its registrations become the program's again (stale:
 * the fd is another socket now, so they are only forgotten). */
void sw_ep_restore(int fd, int stale);
/* An event epoll_wait returned: -2 when it is the program's, -1 when it is ours for a slot that is
 * gone, else the fd it is about (*oneshot: the program asked for EPOLLONESHOT). */
int sw_ep_event_fd(int epfd, uint64_t data, int *oneshot);
/* A spurious one-shot event spent our registration: arm it again. */
void sw_ep_rearm(int epfd, uint64_t data, int fd);

#endif
