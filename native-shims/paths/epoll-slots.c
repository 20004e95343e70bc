/* epoll keeps interest in the kernel and returns only the registration's data. While a fd's
 * connect is in progress the readiness hooks (hooks/readiness-hooks.c) register it with POLLPRI
 * and a tagged data word instead of the program's interest, and keep the program's here; its own
 * registration is put back (a MOD, after which the kernel reports it afresh, edges included) as
 * soon as the outcome is known (paths/async-connect.c calls sw_ep_restore). The lock is taken only
 * for fds in progress, never on the program's other calls. */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "core/libc.h"
#include "paths/epoll-slots.h"

#define EP_SLOTS 1024
/* "SW" in the top bits, a per-image nonce, the slot: no pointer or small integer a program
 * stores in epoll_data looks like it. */
#define EP_TAG_MASK 0xffffffffffff0000ULL

struct ep_slot {
	int used;
	int epfd;
	int fd;
	struct epoll_event program;   /* the registration the program asked for */
	uint32_t wait;                /* what ours waits for (the outcome; sw_async_wait_events) */
};

static struct ep_slot ep_slots[EP_SLOTS];
_Atomic int sw_ep_used;
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
	atomic_fetch_add(&sw_ep_used, 1);
	return free_slot;
}

static void slot_free(struct ep_slot *s)
{
	s->used = 0;
	atomic_fetch_sub(&sw_ep_used, 1);
}

static struct epoll_event tagged(const struct ep_slot *s)
{
	struct epoll_event ev = { .events = s->wait | (s->program.events & (EPOLLET | EPOLLONESHOT)) };
	ev.data.u64 = tag_base() | (uint64_t)(s - ep_slots);
	return ev;
}

void sw_ep_restore(int fd, int stale)
{
	if (!atomic_load(&sw_ep_used))
		return;
	sw_libc_init();
	pthread_mutex_lock(&ep_lock);
	for (int i = 0; i < EP_SLOTS; i++) {
		struct ep_slot *s = &ep_slots[i];
		if (!s->used || s->fd != fd)
			continue;
		if (!stale) {
			struct epoll_event ev = s->program;
			real.epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev);
		}
		slot_free(s);
	}
	pthread_mutex_unlock(&ep_lock);
}

void sw_ep_retag(int fd, short wait)
{
	if (!atomic_load(&sw_ep_used))
		return;
	pthread_mutex_lock(&ep_lock);
	for (int i = 0; i < EP_SLOTS; i++) {
		struct ep_slot *s = &ep_slots[i];
		if (!s->used || s->fd != fd)
			continue;
		s->wait = (uint16_t)wait;
		struct epoll_event ev = tagged(s);
		real.epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev);
	}
	pthread_mutex_unlock(&ep_lock);
}

int sw_ep_fds(int epfd, int *out, int max)
{
	int n = 0;
	pthread_mutex_lock(&ep_lock);
	for (int i = 0; i < EP_SLOTS && n < max; i++)
		if (ep_slots[i].used && ep_slots[i].epfd == epfd)
			out[n++] = ep_slots[i].fd;
	pthread_mutex_unlock(&ep_lock);
	return n;
}

int sw_ep_hide(int epfd, int op, int fd, struct epoll_event *event, short wait, int (*in_progress_now)(int))
{
	pthread_mutex_lock(&ep_lock);
	int existed = slot_of(epfd, fd, 0) != NULL;
	struct ep_slot *s = slot_of(epfd, fd, 1);
	if (!s) {
		pthread_mutex_unlock(&ep_lock);
		return -2;
	}
	struct epoll_event before = s->program;
	s->program = *event;
	s->wait = (uint16_t)wait;
	struct epoll_event ev = tagged(s);
	int r = real.epoll_ctl(epfd, op, fd, &ev);
	if (r != 0) {
		if (existed)
			s->program = before;
		else
			slot_free(s);
	} else if (!in_progress_now(fd)) {
		/* Settled by another thread meanwhile, before this slot existed to be restored. */
		struct epoll_event mine = s->program;
		real.epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &mine);
		slot_free(s);
	}
	pthread_mutex_unlock(&ep_lock);
	return r;
}

void sw_ep_forget(int epfd, int fd)
{
	pthread_mutex_lock(&ep_lock);
	struct ep_slot *s = slot_of(epfd, fd, 0);
	if (s)
		slot_free(s);
	pthread_mutex_unlock(&ep_lock);
}

int sw_ep_event_fd(int epfd, uint64_t data, int *oneshot)
{
	if (!is_tag(data))
		return -2;
	struct ep_slot *s = &ep_slots[data & 0xffff];
	pthread_mutex_lock(&ep_lock);
	int fd = s->used && s->epfd == epfd ? s->fd : -1;
	*oneshot = fd >= 0 && (s->program.events & EPOLLONESHOT);
	pthread_mutex_unlock(&ep_lock);
	return fd;
}

void sw_ep_rearm(int epfd, uint64_t data, int fd)
{
	struct ep_slot *s = &ep_slots[data & 0xffff];
	pthread_mutex_lock(&ep_lock);
	if (s->used && s->fd == fd) {
		struct epoll_event ev = tagged(s);
		real.epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
	}
	pthread_mutex_unlock(&ep_lock);
}
