/* The shim's own descriptors (control connections) must outlive whatever the program does to
 * descriptor ranges: ssh, git and daemons call close_range(3, ~0U, 0) or closefrom(3), shells
 * dup2 onto arbitrary numbers. They sit at high numbers, are O_CLOEXEC, and are tracked here. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/close_range.h>

#include "core/fd-guard.h"
#include "core/libc.h"

#define TRACKED_FDS 65536
#define BITS_PER_WORD 64
#define MAX_SLOTS 4096

static _Atomic uint64_t shim_fd_bits[TRACKED_FDS / BITS_PER_WORD];
/* Where each tracked fd number is stored, so a dup2 onto it can move it and update its owner. */
static _Atomic(_Atomic int *) fd_slots[MAX_SLOTS];

static void mark(int fd)
{
	atomic_fetch_or(&shim_fd_bits[fd / BITS_PER_WORD], UINT64_C(1) << (fd % BITS_PER_WORD));
}

static void unmark(int fd)
{
	atomic_fetch_and(&shim_fd_bits[fd / BITS_PER_WORD], ~(UINT64_C(1) << (fd % BITS_PER_WORD)));
}

int fdguard_is_shim_fd(int fd)
{
	if (fd < 0 || fd >= TRACKED_FDS)
		return 0;
	return (atomic_load(&shim_fd_bits[fd / BITS_PER_WORD]) >> (fd % BITS_PER_WORD)) & 1;
}

/* The kernel closes through the real close; our own close hook would pretend for marked fds. */
static void close_for_real(int fd)
{
	syscall(SYS_close, fd);
}

/* Just under the descriptor limit, where programs that count up from 3 never reach. */
static int high_fd_floor(void)
{
	struct rlimit rl;
	rlim_t limit = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		limit = rl.rlim_cur;
	else if (rl.rlim_cur == RLIM_INFINITY)
		limit = TRACKED_FDS;
	if (limit > TRACKED_FDS)
		limit = TRACKED_FDS;
	return limit >= 1024 ? (int)limit - 160 : (int)limit / 2;
}

static int move_high(int fd)
{
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, high_fd_floor());
	if (moved < 0)
		return fd;            /* the top is full: keep the number we have, still CLOEXEC */
	close_for_real(fd);
	return moved;
}

static int add_slot(_Atomic int *slot)
{
	for (int i = 0; i < MAX_SLOTS; i++) {
		_Atomic int *expected = NULL;
		if (atomic_compare_exchange_strong(&fd_slots[i], &expected, slot))
			return 0;
	}
	return -1;
}

static void remove_slot(_Atomic int *slot)
{
	for (int i = 0; i < MAX_SLOTS; i++) {
		_Atomic int *expected = slot;
		if (atomic_compare_exchange_strong(&fd_slots[i], &expected, NULL))
			return;
	}
}

int fdguard_adopt(int fd, _Atomic int *slot)
{
	fd = move_high(fd);
	if (fd >= TRACKED_FDS || add_slot(slot) != 0) {
		close_for_real(fd);
		atomic_store(slot, -1);
		return -1;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	mark(fd);
	atomic_store(slot, fd);
	return fd;
}

void fdguard_release(_Atomic int *slot)
{
	int fd = atomic_exchange(slot, -1);
	remove_slot(slot);
	if (fd >= 0) {
		unmark(fd);
		close_for_real(fd);
	}
}

void fdguard_move(_Atomic int *from, _Atomic int *to)
{
	/* *to first: a dup2 evacuating the fd meanwhile updates whichever slot holds it then. */
	atomic_store(to, atomic_load(from));
	for (int i = 0; i < MAX_SLOTS; i++) {
		_Atomic int *expected = from;
		if (atomic_compare_exchange_strong(&fd_slots[i], &expected, to))
			break;
	}
	atomic_store(from, -1);
}

/* The kernel's descriptor table starts with 64 slots and grows when a higher number is first
 * used; growing it in a process with more than one thread waits for an RCU grace period
 * (expand_fdtable: synchronize_rcu), 10-15 ms here. Programs that talk to the agent first from a
 * thread (curl's threaded resolver, every getaddrinfo in an executor) paid that once per process
 * image when the first control connection moved high. Grown now, from the constructor (one
 * thread: ~50 us), the table has room for our numbers when they are needed. */
void fdguard_reserve_table(void)
{
	int floor = high_fd_floor();
	for (int fd = 0; fd <= 2; fd++) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, floor);
		if (high >= 0) {
			close_for_real(high);
			return;
		}
	}
}

void fdguard_forget_all_after_fork(void)
{
	/* Only the forking thread lives on; every slot belongs to the parent's connections. */
	for (int i = 0; i < MAX_SLOTS; i++) {
		_Atomic int *slot = atomic_exchange(&fd_slots[i], NULL);
		if (slot)
			atomic_store(slot, -1);
	}
	for (int w = 0; w < TRACKED_FDS / BITS_PER_WORD; w++) {
		uint64_t bits = atomic_exchange(&shim_fd_bits[w], 0);
		while (bits) {
			int bit = __builtin_ctzll(bits);
			bits &= bits - 1;
			close_for_real(w * BITS_PER_WORD + bit);
		}
	}
}

/* Before the program's dup2/dup3 replaces one of our fds, move ours elsewhere and tell its owner.
 * If no number is free, the owner loses its connection (slot -1) and reconnects lazily. */
void fdguard_evacuate(int fd)
{
	if (!fdguard_is_shim_fd(fd))
		return;
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, high_fd_floor());
	if (moved >= 0 && moved < TRACKED_FDS)
		mark(moved);
	else if (moved >= 0) {
		close_for_real(moved);
		moved = -1;
	}
	for (int i = 0; i < MAX_SLOTS; i++) {
		_Atomic int *slot = atomic_load(&fd_slots[i]);
		int expected = fd;
		if (slot && atomic_compare_exchange_strong(slot, &expected, moved))
			break;
	}
	unmark(fd);
	/* The program's dup2 closes the old number for us. */
}

/* close_range on every maximal sub-range of [first, last] that holds no shim fd. */
int fdguard_close_range(unsigned int first, unsigned int last, int flags)
{
	unsigned int start = first;
	unsigned int scan_end = last < TRACKED_FDS - 1 ? last : TRACKED_FDS - 1;
	for (unsigned int fd = first; fd <= scan_end && first < TRACKED_FDS; fd++) {
		if (!fdguard_is_shim_fd((int)fd))
			continue;
		if (fd > start && real.close_range(start, fd - 1, flags) != 0)
			return -1;
		start = fd + 1;
	}
	if (start <= last && start >= first)
		return real.close_range(start, last, flags);
	return 0;
}

void fdguard_close_from(int lowfd)
{
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 1 << 20)
		max = 1 << 20;
	for (long fd = lowfd; fd < max; fd++)
		if (!fdguard_is_shim_fd((int)fd))
			close_for_real((int)fd);
}
