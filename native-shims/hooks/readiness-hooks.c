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
 * Nothing here costs anything before the process's first non-blocking connect (sw_async_used).
 * epoll keeps interest in the kernel and returns only the registration's data: a pending fd is
 * registered with POLLPRI and a tagged data word, and its own registration is put back (a MOD,
 * after which the kernel reports it afresh, edges included) as soon as the outcome is known. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "core/shim.h"

static struct {
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *, const sigset_t *);
} ready;

static pthread_once_t ready_once = PTHREAD_ONCE_INIT;

#define RESOLVE_READY(name) (ready.name = (__typeof__(ready.name))dlsym(RTLD_NEXT, #name))

static void ready_resolve(void)
{
	RESOLVE_READY(poll);
	RESOLVE_READY(ppoll);
	RESOLVE_READY(select);
	RESOLVE_READY(pselect);
	RESOLVE_READY(epoll_ctl);
	RESOLVE_READY(epoll_pwait);
	RESOLVE_READY(epoll_pwait2);
	if (!ready.poll || !ready.ppoll || !ready.select || !ready.pselect || !ready.epoll_ctl || !ready.epoll_pwait) {
		shim_log_fatal("cannot find libc's poll functions (dlsym RTLD_NEXT failed)");
		abort();
	}
}

static inline void ready_init(void)
{
	pthread_once(&ready_once, ready_resolve);
}

int sw_real_poll(struct pollfd *fds, unsigned long n, int timeout_ms)
{
	ready_init();
	return ready.poll(fds, (nfds_t)n, timeout_ms);
}

/* Is fd a connect still in progress? Learns the outcome first if it is already there. */
static int in_progress(int fd)
{
	return sw_async_maybe_pending(fd) && sw_async_learn(fd, 0) == -1;
}

/* The state alone, without learning (callers hold ep_lock, which learning may take). */
static int in_progress_now(int fd)
{
	if (fd < 0 || fd >= SW_ASYNC_FDS)
		return 0;
	uint8_t state = atomic_load(&sw_async_state[fd]);
	return state == 1 || state == 2;   /* PENDING or BUSY (connect-hook.c) */
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
	u->at.tv_sec += timeout->tv_sec;
	u->at.tv_nsec += timeout->tv_nsec;
	if (u->at.tv_nsec >= 1000000000) {
		u->at.tv_sec++;
		u->at.tv_nsec -= 1000000000;
	}
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
	if (ready.poll(&one, 1, 0) != 1)
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
			fds[i].events = POLLPRI | POLLRDHUP;
			count++;
		}
		struct timespec left_buf;
		const struct timespec *left = time_left(&until, &left_buf);
		if (count > 0)
			left = capped(left, &left_buf);
		int r = with_mask ? ready.ppoll(fds, n, left, mask) : ready.poll(fds, n, to_ms(left));
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
	ready_init();
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed) || !fds)
		return ready.poll(fds, n, timeout_ms);
	struct timespec t = from_ms(timeout_ms);
	return poll_core(fds, n, timeout_ms < 0 ? NULL : &t, NULL, 0);
}

SHIM_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
	ready_init();
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed) || !fds)
		return ready.ppoll(fds, n, timeout, mask);
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
		fd_set r_local, e_local;
		fd_set *r = rd, *e = ex;
		for (int fd = 0; fd < nfds && fd < FD_SETSIZE && count < HIDDEN_MAX; fd++) {
			short events = (rd && FD_ISSET(fd, rd) ? POLLIN : 0) | (wr && FD_ISSET(fd, wr) ? POLLOUT : 0) |
				       (ex && FD_ISSET(fd, ex) ? POLLPRI : 0);
			if (!events || !in_progress(fd))
				continue;
			if (!r) {
				FD_ZERO(&r_local);
				r = &r_local;
			}
			if (!e) {
				FD_ZERO(&e_local);
				e = &e_local;
			}
			hidden[count].fd = fd;
			hidden[count].events = events;
			count++;
			/* The outcome, as readiness of its own: reset (read set) or urgent byte (except set). */
			if (wr)
				FD_CLR(fd, wr);
			FD_SET(fd, r);
			FD_SET(fd, e);
		}
		struct timespec left_buf;
		const struct timespec *left = time_left(&until, &left_buf);
		if (count > 0)
			left = capped(left, &left_buf);
		int result;
		if (with_mask) {
			result = ready.pselect(nfds, r, wr, e, left, mask);
		} else {
			struct timeval tv;
			if (left) {
				tv.tv_sec = left->tv_sec;
				tv.tv_usec = left->tv_nsec / 1000;
			}
			result = ready.select(nfds, r, wr, e, left ? &tv : NULL);
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
			int fired = result > 0 && (FD_ISSET(fd, r) || FD_ISSET(fd, e));
			short revents = fired && sw_async_learn(fd, 0) != -1 ? revents_now(fd, hidden[k].events) : 0;
			if (rd) {
				if (revents & (POLLIN | POLLHUP | POLLERR))
					FD_SET(fd, rd);
				else
					FD_CLR(fd, rd);
			}
			if (wr) {
				if (revents & (POLLOUT | POLLERR))
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
	ready_init();
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed))
		return ready.select(nfds, rd, wr, ex, tv);
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
	ready_init();
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed))
		return ready.pselect(nfds, rd, wr, ex, timeout, mask);
	return select_core(nfds, rd, wr, ex, timeout, mask, 1, NULL);
}

/* ---- epoll ---- */

#define EP_SLOTS 1024
/* "SW" in the top bits, a per-image nonce, the slot: no pointer or small integer a program
 * stores in epoll_data looks like it. */
#define EP_TAG_MASK 0xffffffffffff0000ULL

struct ep_slot {
	int used;
	int epfd;
	int fd;
	struct epoll_event program;   /* the registration the program asked for */
};

static struct ep_slot ep_slots[EP_SLOTS];
static _Atomic int ep_used;
static uint64_t ep_tag;
static pthread_mutex_t ep_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t tag_base(void)
{
	if (!ep_tag) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		uint64_t nonce = ((uint64_t)now.tv_nsec ^ ((uint64_t)getpid() << 12)) & 0xffffffffULL;
		ep_tag = (0x5357ULL << 48) | (nonce << 16);
	}
	return ep_tag;
}

static int is_tag(uint64_t data)
{
	return ep_tag && (data & EP_TAG_MASK) == ep_tag && (data & 0xffff) < EP_SLOTS;
}

/* Under ep_lock. */
static struct ep_slot *slot_of(int epfd, int fd, int create)
{
	struct ep_slot *free_slot = NULL;
	for (int i = 0; i < EP_SLOTS; i++) {
		if (ep_slots[i].used && ep_slots[i].epfd == epfd && ep_slots[i].fd == fd)
			return &ep_slots[i];
		if (!ep_slots[i].used && !free_slot)
			free_slot = &ep_slots[i];
	}
	if (!create || !free_slot)
		return NULL;
	free_slot->used = 1;
	free_slot->epfd = epfd;
	free_slot->fd = fd;
	atomic_fetch_add(&ep_used, 1);
	return free_slot;
}

static void slot_free(struct ep_slot *s)
{
	s->used = 0;
	atomic_fetch_sub(&ep_used, 1);
}

static struct epoll_event tagged(const struct ep_slot *s)
{
	struct epoll_event ev = { .events = EPOLLPRI | EPOLLRDHUP | (s->program.events & (EPOLLET | EPOLLONESHOT)) };
	ev.data.u64 = tag_base() | (uint64_t)(s - ep_slots);
	return ev;
}

void sw_readiness_restore(int fd, int stale)
{
	if (!atomic_load(&ep_used))
		return;
	ready_init();
	pthread_mutex_lock(&ep_lock);
	for (int i = 0; i < EP_SLOTS; i++) {
		struct ep_slot *s = &ep_slots[i];
		if (!s->used || s->fd != fd)
			continue;
		if (!stale) {
			struct epoll_event ev = s->program;
			ready.epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev);
		}
		slot_free(s);
	}
	pthread_mutex_unlock(&ep_lock);
}

SHIM_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	ready_init();
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed))
		return ready.epoll_ctl(epfd, op, fd, event);
	if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && event && !(event->events & EPOLLEXCLUSIVE) && in_progress(fd)) {
		pthread_mutex_lock(&ep_lock);
		int existed = slot_of(epfd, fd, 0) != NULL;
		struct ep_slot *s = slot_of(epfd, fd, 1);
		if (s) {
			struct epoll_event before = s->program;
			s->program = *event;
			struct epoll_event ev = tagged(s);
			int r = ready.epoll_ctl(epfd, op, fd, &ev);
			if (r != 0) {
				if (existed)
					s->program = before;
				else
					slot_free(s);
			} else if (!in_progress_now(fd)) {
				/* Settled by another thread meanwhile, before this slot existed to be restored. */
				struct epoll_event mine = s->program;
				ready.epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &mine);
				slot_free(s);
			}
			pthread_mutex_unlock(&ep_lock);
			return r;
		}
		pthread_mutex_unlock(&ep_lock);
	} else if (atomic_load(&ep_used)) {
		/* The program's own registration takes over (MOD, DEL, or an ADD for a reused number). */
		pthread_mutex_lock(&ep_lock);
		struct ep_slot *s = slot_of(epfd, fd, 0);
		if (s)
			slot_free(s);
		pthread_mutex_unlock(&ep_lock);
	}
	return ready.epoll_ctl(epfd, op, fd, event);
}

/* Drops our own events from what the kernel returned, settling their fds (whose registrations
 * are then the program's again and reported afresh). Returns how many events are left. */
static int drop_own_events(int epfd, struct epoll_event *events, int count)
{
	int kept = 0;
	for (int i = 0; i < count; i++) {
		if (!is_tag(events[i].data.u64)) {
			events[kept++] = events[i];
			continue;
		}
		struct ep_slot *s = &ep_slots[events[i].data.u64 & 0xffff];
		pthread_mutex_lock(&ep_lock);
		int fd = s->used && s->epfd == epfd ? s->fd : -1;
		int oneshot = fd >= 0 && (s->program.events & EPOLLONESHOT);
		pthread_mutex_unlock(&ep_lock);
		if (fd < 0 || sw_async_learn(fd, 0) != -1)
			continue;
		if (oneshot) {
			/* Spurious, and the one shot is spent: arm ours again. */
			pthread_mutex_lock(&ep_lock);
			if (s->used && s->fd == fd) {
				struct epoll_event ev = tagged(s);
				ready.epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
			}
			pthread_mutex_unlock(&ep_lock);
		}
	}
	return kept;
}

static int epoll_core(int epfd, struct epoll_event *events, int max, const struct timespec *timeout,
		      const sigset_t *mask, int precise)
{
	struct wait_until until;
	until_after(&until, timeout);
	for (;;) {
		struct timespec left_buf;
		const struct timespec *left = time_left(&until, &left_buf);
		int r = precise ? ready.epoll_pwait2(epfd, events, max, left, mask)
				: ready.epoll_pwait(epfd, events, max, to_ms(left), mask);
		if (r <= 0 || !atomic_load(&ep_used))
			return r;
		int kept = drop_own_events(epfd, events, r);
		if (kept > 0 || expired(time_left(&until, &left_buf)))
			return kept;
	}
}

SHIM_EXPORT int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout_ms)
{
	ready_init();
	if (!atomic_load_explicit(&ep_used, memory_order_relaxed))
		return ready.epoll_pwait(epfd, events, max, timeout_ms, NULL);
	struct timespec t = from_ms(timeout_ms);
	return epoll_core(epfd, events, max, timeout_ms < 0 ? NULL : &t, NULL, 0);
}

SHIM_EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout_ms, const sigset_t *mask)
{
	ready_init();
	if (!atomic_load_explicit(&ep_used, memory_order_relaxed))
		return ready.epoll_pwait(epfd, events, max, timeout_ms, mask);
	struct timespec t = from_ms(timeout_ms);
	return epoll_core(epfd, events, max, timeout_ms < 0 ? NULL : &t, mask, 0);
}

SHIM_EXPORT int epoll_pwait2(int epfd, struct epoll_event *events, int max, const struct timespec *timeout,
			     const sigset_t *mask)
{
	ready_init();
	if (!ready.epoll_pwait2) {
		errno = ENOSYS;
		return -1;
	}
	if (!atomic_load_explicit(&ep_used, memory_order_relaxed))
		return ready.epoll_pwait2(epfd, events, max, timeout, mask);
	return epoll_core(epfd, events, max, timeout, mask, 1);
}
