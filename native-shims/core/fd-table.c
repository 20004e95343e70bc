/* The per-fd table (core/fd-table.h): blocks of entries, mapped on first use. mmap, not malloc:
 * a system call, safe in a signal handler and a vforked child, and it takes no lock of libc's. */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "core/fd-table.h"

_Atomic(struct sw_fd *) sw_fd_blocks[SW_FD_MAX / SW_FD_BLOCK];

struct sw_fd *sw_fd_get(int fd)
{
	struct sw_fd *entry = sw_fd_peek(fd);
	if (entry || fd < 0 || fd >= SW_FD_MAX)
		return entry;
	void *mem = mmap(NULL, SW_FD_BLOCK * sizeof(struct sw_fd), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	struct sw_fd *expected = NULL;
	/* Zeroed memory is an empty entry for every fd of the block. */
	if (!atomic_compare_exchange_strong(&sw_fd_blocks[fd / SW_FD_BLOCK], &expected, (struct sw_fd *)mem))
		munmap(mem, SW_FD_BLOCK * sizeof(struct sw_fd));   /* another thread published one first */
	return sw_fd_peek(fd);
}
