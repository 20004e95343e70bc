/* Readiness while a non-blocking connect is in progress: poll, ppoll, select, pselect, epoll_ctl
 * and epoll_wait/epoll_pwait/epoll_pwait2.
 *
 * The program's fd is connected to the loopback relay at once, so the kernel would call it
 * writable long before the chain answers. A direct connect is writable only when its outcome is
 * known, and event loops decide on that (docs/async-connect.md). So while a fd is PENDING these
 * hooks ask the kernel about the outcome instead: POLLPRI (the relay's urgent byte: connected) and
 * POLLERR/POLLHUP (its reset: failed). When that fires the fd is settled (sw_async_learn) and the
 * kernel is asked again with the program's own interest, so what the program sees is the kernel's
 * answer for a socket whose connect has finished.
 *
 * A fd dialled to the proxy itself (the dial path for non-blocking connects) waits instead for
 * the proxy's TCP handshake (POLLOUT), then for its next reply (POLLIN): each time that fires the
 * handshake advances a step (sw_async_learn), and only its end shows the program the kernel's
 * readiness. Every wait on such a fd is capped (HIDDEN_WAIT_MAX_NS) so that its deadlines hold
 * when the program waits forever.
 *
 * Nothing here costs anything before the process's first non-blocking connect (sw_async_used).
 * epoll keeps interest in the kernel and returns only the registration's data: a pending fd is
 * registered with POLLPRI and a tagged data word, and its own registration is put back (a MOD,
 * after which the kernel reports it afresh, edges included) as soon as the outcome is known. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>

#include "core/deadline.h"
#include "core/libc.h"
#include "core/shim.h"
#include "paths/async-connect.h"
#include "paths/epoll-slots.h"


/* Is fd a connect still in progress? Learns the outcome first if it is already there. */
static int in_progress(int fd)
{
	return sw_async_maybe_pending(fd) && sw_async_learn(fd, 0) == -1;
}

/* ---- deadlines: NULL is forever ---- */

struct wait_until {
	int forever;
	struct timespec at;
};

static void until_after(struct wait_until *u, const struct timespec *timeout)
{
	u->forever = timeout == NULL;
	if (u->forever)
		return;
	clock_gettime(CLOCK_MONOTONIC, &u->at);
	sw_timespec_add(&u->at, timeout);
}

/* The time left, never negative; NULL when forever. */
static const struct timespec *time_left(const struct wait_until *u, struct timespec *left)
{
	if (u->forever)
		return NULL;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	left->tv_sec = u->at.tv_sec - now.tv_sec;
	left->tv_nsec = u->at.tv_nsec - now.tv_nsec;
	if (left->tv_nsec < 0) {
		left->tv_sec--;
		left->tv_nsec += 1000000000;
	}
	if (left->tv_sec < 0)
		left->tv_sec = left->tv_nsec = 0;
	return left;
}

static int expired(const struct timespec *left)
{
	return left && left->tv_sec == 0 && left->tv_nsec == 0;
}

static struct timespec from_ms(int ms)
{
	return (struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
}

static int to_ms(const struct timespec *left)
{
	if (!left)
		return -1;
	long long ms = (long long)left->tv_sec * 1000 + (left->tv_nsec + 999999) / 1000000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* While fds are hidden, no kernel wait is longer than this: an outcome another thread learned
 * meanwhile (and so consumed its urgent byte) is then seen at the next look. */
#define HIDDEN_WAIT_MAX_NS 100000000L

static const struct timespec *capped(const struct timespec *left, struct timespec *buf)
{
	if (left && (left->tv_sec > 0 || left->tv_nsec > HIDDEN_WAIT_MAX_NS) == 0)
		return left;
	buf->tv_sec = 0;
	buf->tv_nsec = HIDDEN_WAIT_MAX_NS;
	return buf;
}

/* ---- poll and ppoll ---- */

/* The pending fds one poll can hide; more than that, and the rest look writable early (their
 * SO_ERROR still waits for the truth). */
#define HIDDEN_MAX 256

/* The kernel's revents for one fd with the program's own interest, now. */
static short revents_now(int fd, short events)
{
	struct pollfd one = { .fd = fd, .events = events };
	if (real.poll(&one, 1, 0) != 1)
		return 0;
	return one.revents;
}

static int poll_core(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask, int with_mask)
{
	struct wait_until until;
	until_after(&until, timeout);
	for (;;) {
		struct { nfds_t index; short events; } hidden[HIDDEN_MAX];
		int count = 0;
		for (nfds_t i = 0; i < n && count < HIDDEN_MAX; i++) {
			if (!in_progress(fds[i].fd))
				continue;
			hidden[count].index = i;
			hidden[count].events = fds[i].events;
			fds[i].events = sw_async_wait_events(fds[i].fd);
			count++;
		}
		struct timespec left_buf;
		const struct timespec *left = time_left(&until, &left_buf);
		if (count > 0)
			left = capped(left, &left_buf);
		int r = with_mask ? real.ppoll(fds, n, left, mask) : real.poll(fds, n, to_ms(left));
		if (count == 0)
			return r;
		int saved = errno;
		for (int k = 0; k < count; k++) {
			struct pollfd *p = &fds[hidden[k].index];
			p->events = hidden[k].events;
			if (r > 0 && p->revents != 0)
				p->revents = sw_async_learn(p->fd, 0) == -1 ? 0 : revents_now(p->fd, p->events);
		}
		if (r < 0 || (r == 0 && expired(time_left(&until, &left_buf)))) {
			errno = saved;
			return r;
		}
		int ready_count = 0;
		for (nfds_t i = 0; i < n; i++)
			ready_count += fds[i].revents != 0;
		if (ready_count > 0 || expired(time_left(&until, &left_buf)))
			return ready_count;
	}
}

SHIM_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	sw_libc_init();
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed) || !fds)
		return real.poll(fds, n, timeout_ms);
	struct timespec t = from_ms(timeout_ms);
	return poll_core(fds, n, timeout_ms < 0 ? NULL : &t, NULL, 0);
}

SHIM_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
	sw_libc_init();
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed) || !fds)
		return real.ppoll(fds, n, timeout, mask);
	return poll_core(fds, n, timeout, mask, 1);
}

/* ---- select and pselect: the same, with sets (read ↔ POLLIN|HUP|ERR, write ↔ POLLOUT|ERR,
 * except ↔ POLLPRI, as the kernel maps them) ---- */

static int select_core(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *timeout,
		       const sigset_t *mask, int with_mask, struct timeval *tv_out)
{
	struct wait_until until;
	until_after(&until, timeout);
	/* The kernel overwrites the sets: a second look must start from the program's interest. */
	fd_set rd_in, wr_in, ex_in;
	if (rd)
		rd_in = *rd;
	if (wr)
		wr_in = *wr;
	if (ex)
		ex_in = *ex;
	for (;;) {
		if (rd)
			*rd = rd_in;
		if (wr)
			*wr = wr_in;
		if (ex)
			*ex = ex_in;
		struct { int fd; short events; } hidden[HIDDEN_MAX];
		int count = 0;
		fd_set r_local, w_local, e_local;
		fd_set *r = rd, *w = wr, *e = ex;
		for (int fd = 0; fd < nfds && fd < FD_SETSIZE && count < HIDDEN_MAX; fd++) {
			short events = (rd && FD_ISSET(fd, rd) ? POLLIN : 0) | (wr && FD_ISSET(fd, wr) ? POLLOUT : 0) |
				       (ex && FD_ISSET(fd, ex) ? POLLPRI : 0);
			if (!events || !in_progress(fd))
				continue;
			if (!r) {
				FD_ZERO(&r_local);
				r = &r_local;
			}
			if (!w) {
				FD_ZERO(&w_local);
				w = &w_local;
			}
			if (!e) {
				FD_ZERO(&e_local);
				e = &e_local;
			}
			hidden[count].fd = fd;
			hidden[count].events = events;
			count++;
			/* The outcome, as readiness of its own: reset or the proxy's reply (read set), the
			 * urgent byte (except set), the proxy's TCP handshake (write set). */
			short wait = sw_async_wait_events(fd);
			FD_CLR(fd, w);
			FD_CLR(fd, e);
			if (wait & POLLOUT)
				FD_SET(fd, w);
			else
				FD_SET(fd, r);
			if (wait & POLLPRI)
				FD_SET(fd, e);
		}
		struct timespec left_buf;
		const struct timespec *left = time_left(&until, &left_buf);
		if (count > 0)
			left = capped(left, &left_buf);
		int result;
		if (with_mask) {
			result = real.pselect(nfds, r, w, e, left, mask);
		} else {
			struct timeval tv;
			if (left) {
				tv.tv_sec = left->tv_sec;
				tv.tv_usec = left->tv_nsec / 1000;
			}
			result = real.select(nfds, r, w, e, left ? &tv : NULL);
		}
		if (count == 0) {
			if (tv_out && left && result >= 0) {
				time_left(&until, &left_buf);
				tv_out->tv_sec = left_buf.tv_sec;
				tv_out->tv_usec = left_buf.tv_nsec / 1000;
			}
			return result;
		}
		int saved = errno;
		for (int k = 0; k < count; k++) {
			int fd = hidden[k].fd;
			int fired = result > 0 && (FD_ISSET(fd, r) || FD_ISSET(fd, w) || FD_ISSET(fd, e));
			short revents = fired && sw_async_learn(fd, 0) != -1 ? revents_now(fd, hidden[k].events) : 0;
			/* Only in the sets the program put it in: a failure is readable and writable, but a
			 * program that asked for one must not find it in the other (select's count too). */
			if (rd) {
				if ((hidden[k].events & POLLIN) && (revents & (POLLIN | POLLHUP | POLLERR)))
					FD_SET(fd, rd);
				else
					FD_CLR(fd, rd);
			}
			if (wr) {
				if ((hidden[k].events & POLLOUT) && (revents & (POLLOUT | POLLERR)))
					FD_SET(fd, wr);
				else
					FD_CLR(fd, wr);
			}
			if (ex) {
				if ((hidden[k].events & POLLPRI) && (revents & POLLPRI))
					FD_SET(fd, ex);
				else
					FD_CLR(fd, ex);
			}
		}
		if (result < 0) {
			errno = saved;
			return result;
		}
		int ready_count = 0;
		for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
			ready_count += (rd && FD_ISSET(fd, rd)) + (wr && FD_ISSET(fd, wr)) + (ex && FD_ISSET(fd, ex));
		const struct timespec *now_left = time_left(&until, &left_buf);
		if (ready_count > 0 || expired(now_left)) {
			if (tv_out && now_left) {
				tv_out->tv_sec = now_left->tv_sec;
				tv_out->tv_usec = now_left->tv_nsec / 1000;
			}
			return ready_count;
		}
	}
}

SHIM_EXPORT int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	sw_libc_init();
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed))
		return real.select(nfds, rd, wr, ex, tv);
	struct timespec t;
	if (tv) {
		t.tv_sec = tv->tv_sec;
		t.tv_nsec = tv->tv_usec * 1000;
	}
	return select_core(nfds, rd, wr, ex, tv ? &t : NULL, NULL, 0, tv);
}

SHIM_EXPORT int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *timeout,
			const sigset_t *mask)
{
	sw_libc_init();
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed))
		return real.pselect(nfds, rd, wr, ex, timeout, mask);
	return select_core(nfds, rd, wr, ex, timeout, mask, 1, NULL);
}

/* ---- epoll (the held-back registrations: paths/epoll-slots.c) ---- */

SHIM_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	sw_libc_init();
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed))
		return real.epoll_ctl(epfd, op, fd, event);
	if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && event && !(event->events & EPOLLEXCLUSIVE) && in_progress(fd)) {
		int r = sw_ep_hide(epfd, op, fd, event, sw_async_wait_events(fd), sw_async_in_progress_now);
		if (r != -2)
			return r;
	} else if (atomic_load(&sw_ep_used)) {
		/* The program's own registration takes over (MOD, DEL, or an ADD for a reused number). */
		sw_ep_forget(epfd, fd);
	}
	return real.epoll_ctl(epfd, op, fd, event);
}

/* Drops our own events from what the kernel returned, settling their fds (whose registrations
 * are then the program's again and reported afresh). Returns how many events are left. */
static int drop_own_events(int epfd, struct epoll_event *events, int count)
{
	int kept = 0;
	for (int i = 0; i < count; i++) {
		int oneshot = 0;
		int fd = sw_ep_event_fd(epfd, events[i].data.u64, &oneshot);
		if (fd == -2) {
			events[kept++] = events[i];
			continue;
		}
		if (fd < 0 || sw_async_learn(fd, 0) != -1)
			continue;
		if (oneshot)
			sw_ep_rearm(epfd, events[i].data.u64, fd);   /* spurious, and the one shot is spent */
	}
	return kept;
}

/* Dialled fds held in epfd: each advanced (their deadlines checked) after a capped wait. */
static void advance_dialled(int epfd)
{
	int fds[64];
	int n = sw_ep_fds(epfd, fds, 64);
	for (int i = 0; i < n; i++)
		in_progress(fds[i]);
}

static int epoll_core(int epfd, struct epoll_event *events, int max, const struct timespec *timeout,
		      const sigset_t *mask, int precise)
{
	struct wait_until until;
	until_after(&until, timeout);
	for (;;) {
		struct timespec left_buf;
		const struct timespec *left = time_left(&until, &left_buf);
		/* A dialled handshake in progress keeps its own deadlines: no wait beyond the cap. */
		int dialled = atomic_load(&sw_async_dialing) > 0 && atomic_load(&sw_ep_used) > 0;
		if (dialled)
			left = capped(left, &left_buf);
		int r = precise ? real.epoll_pwait2(epfd, events, max, left, mask)
				: real.epoll_pwait(epfd, events, max, to_ms(left), mask);
		if (r < 0)
			return r;
		if (dialled)
			advance_dialled(epfd);
		if (r == 0 && !dialled)
			return 0;
		/* Ours are recognised by their tag even when the slot is gone (settled just now). */
		int kept = r > 0 ? drop_own_events(epfd, events, r) : r;
		if (kept > 0 || expired(time_left(&until, &left_buf)))
			return kept;
	}
}

SHIM_EXPORT int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout_ms)
{
	sw_libc_init();
	if (!atomic_load_explicit(&sw_ep_used, memory_order_relaxed))
		return real.epoll_pwait(epfd, events, max, timeout_ms, NULL);
	struct timespec t = from_ms(timeout_ms);
	return epoll_core(epfd, events, max, timeout_ms < 0 ? NULL : &t, NULL, 0);
}

SHIM_EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout_ms, const sigset_t *mask)
{
	sw_libc_init();
	if (!atomic_load_explicit(&sw_ep_used, memory_order_relaxed))
		return real.epoll_pwait(epfd, events, max, timeout_ms, mask);
	struct timespec t = from_ms(timeout_ms);
	return epoll_core(epfd, events, max, timeout_ms < 0 ? NULL : &t, mask, 0);
}

SHIM_EXPORT int epoll_pwait2(int epfd, struct epoll_event *events, int max, const struct timespec *timeout,
			     const sigset_t *mask)
{
	sw_libc_init();
	if (!real.epoll_pwait2) {
		errno = ENOSYS;
		return -1;
	}
	if (!atomic_load_explicit(&sw_ep_used, memory_order_relaxed))
		return real.epoll_pwait2(epfd, events, max, timeout, mask);
	return epoll_core(epfd, events, max, timeout, mask, 1);
}
