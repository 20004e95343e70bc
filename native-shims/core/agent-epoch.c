/* The agent's route epoch (docs/udp.md, "Verdicts the agent takes back"): a 4-byte counter at
 * the start of `udp-epoch` in the agent's private directory (beside SOCKSWRAP_SOCK), which the
 * agent rewrites in place. The shim maps the file read-only and shared once per image, so a value
 * the agent wrote is seen by the next load, in every process and thread, with no system call.
 * The mapping survives fork (and is dropped by exec, whose new image maps it again); no
 * descriptor is kept. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/agent-epoch.h"
#include "core/shim-env.h"

#define EPOCH_FILE "udp-epoch"
#define EPOCH_MAP 4096

static const _Atomic uint32_t no_epoch;
static const _Atomic uint32_t *_Atomic epoch = &no_epoch;
static pthread_once_t epoch_once = PTHREAD_ONCE_INIT;
/* The file the mapping is of: an agent started again in a directory made anew (shell mode's
 * `agent stop`, then `on`) writes another file, and a mapping of the old one would never change. */
static dev_t mapped_dev;
static ino_t mapped_ino;
static atomic_flag remapping = ATOMIC_FLAG_INIT;
static atomic_bool looked;        /* the first look is done: later ones are rechecks */

/* Maps the agent's file unless the mapping is of that file already. An older mapping is left in
 * place (a thread may be reading it): one page per agent this image outlived. */
static void map_epoch(void)
{
	int saved_errno = errno;
	const struct shim_config *cfg = shim_config();
	char path[sizeof cfg->sock_path + sizeof EPOCH_FILE];
	const char *slash = strrchr(cfg->sock_path, '/');
	if (!cfg->ok || !slash)
		goto out;
	size_t dir = (size_t)(slash - cfg->sock_path) + 1;
	memcpy(path, cfg->sock_path, dir);
	memcpy(path + dir, EPOCH_FILE, sizeof EPOCH_FILE);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		goto out;
	struct stat st;
	/* A shorter file would fault (SIGBUS) past its end: the agent writes the whole page first. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= EPOCH_MAP &&
	    (atomic_load(&epoch) == &no_epoch || st.st_dev != mapped_dev || st.st_ino != mapped_ino)) {
		void *p = mmap(NULL, EPOCH_MAP, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			mapped_dev = st.st_dev;
			mapped_ino = st.st_ino;
			atomic_store_explicit(&epoch, p, memory_order_release);
		}
	}
	syscall(SYS_close, fd);
out:
	atomic_store(&looked, true);
	errno = saved_errno;
}

uint32_t sw_agent_epoch(void)
{
	pthread_once(&epoch_once, map_epoch);
	return atomic_load_explicit(atomic_load_explicit(&epoch, memory_order_acquire), memory_order_acquire);
}

void sw_agent_epoch_recheck(void)
{
	/* An image that never asked has nothing to recheck (its first ask maps the current file);
	 * another thread checking is as good: skip rather than wait. */
	if (!atomic_load(&looked) || atomic_flag_test_and_set(&remapping))
		return;
	map_epoch();
	atomic_flag_clear(&remapping);
}

void sw_agent_epoch_after_fork(void)
{
	/* Only the forking thread lives on: a recheck another thread was making is not. */
	atomic_flag_clear(&remapping);
}
