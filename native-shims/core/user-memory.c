/*
 * The program's pointers, read without faulting where the kernel would return EFAULT (issue 11,
 * item 8). connect(-5, (void *)0x10, 16) must fail with EBADF, not kill the program in a hook.
 *
 * The check is a system call that copies 8 bytes from the pointer and then does nothing:
 * rt_sigprocmask with an invalid `how` copies the new set in before it looks at `how`, so it
 * fails with EFAULT on unreadable memory and EINVAL otherwise, and never changes the mask. It
 * needs no descriptor and no pid (process_vm_readv would need getpid, and the pid is another
 * process after a raw clone), works in a vfork child, and every seccomp policy allows it (libc
 * itself calls it). One call per 4 KiB block touched, blocks already seen in the same hook
 * skipped. None for memory in the 16 KiB above this function's own frame: that is the stack the
 * hook was called on, the caller's frames, where most programs keep the sockaddr or msghdr they
 * pass (a system call costs about 2 us on these machines; sendmsg without a name is a hot path).
 *
 * When something is unreadable the hook does not pick the errno: it makes the real call with
 * SW_BAD_POINTER in the pointer's place, an address no process can map, so the kernel checks the
 * descriptor, the lengths and the memory in its own order (EBADF, ENOTSOCK, EINVAL, EFAULT) and
 * sends nothing. What the hooks decide on is a copy the program cannot change under them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/libc.h"
#include "core/user-memory.h"

#define BLOCK 4096u
/* Above the current frame, the stack the hook runs on: mapped, read and written by its callers. */
#define STACK_WINDOW 16384u
/* The kernel's sigset_t: what rt_sigprocmask copies, and insists on as its size argument. */
#define KERNEL_SIGSET 8u

static int block_readable(uintptr_t block, const void *first_byte)
{
	/* 8 bytes inside this block, starting at the range's first byte if it leaves room. */
	uintptr_t at = (uintptr_t)first_byte;
	if (at + KERNEL_SIGSET > block + BLOCK)
		at = block + BLOCK - KERNEL_SIGSET;
	int saved = errno;
	long r = syscall(SYS_rt_sigprocmask, -1, (void *)at, NULL, KERNEL_SIGSET);
	int readable = r == -1 && errno == EINVAL;
	errno = saved;
	return readable;
}

int sw_readable(struct sw_probe *seen, const void *p, size_t n)
{
	uintptr_t start = (uintptr_t)p;
	if (n == 0)
		return 1;
	if (start + n < start)
		return 0;
	uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
	if (start >= frame && start + n <= frame + STACK_WINDOW)
		return 1;
	uintptr_t last = (start + n - 1) & ~(uintptr_t)(BLOCK - 1);
	for (uintptr_t block = start & ~(uintptr_t)(BLOCK - 1);; block += BLOCK) {
		int known = seen && (seen->block[0] == block + 1 || seen->block[1] == block + 1);
		if (!known) {
			if (!block_readable(block, block > start ? (const void *)block : p))
				return 0;
			if (seen) {
				seen->block[seen->next] = block + 1;
				seen->next ^= 1;
			}
		}
		if (block == last)
			return 1;
	}
}

int sw_copy_sockaddr(const struct sockaddr **addr, socklen_t len, struct sockaddr_storage *copy)
{
	/* A length the kernel refuses (EINVAL) or ignores (0): it never reads the address. */
	if (len == 0 || len > sizeof *copy)
		return 0;
	if (!sw_readable(NULL, *addr, len)) {
		*addr = SW_BAD_POINTER;
		return 0;
	}
	memset(copy, 0, sizeof *copy);
	memcpy(copy, *addr, len);
	*addr = (const struct sockaddr *)copy;
	return 1;
}

int sw_copy_msghdr(const struct msghdr **msg, struct msghdr *copy, struct sockaddr_storage *name)
{
	struct sw_probe seen = { 0 };
	if (!*msg)
		return 0;
	if (!sw_readable(&seen, *msg, sizeof **msg)) {
		*msg = SW_BAD_POINTER;
		return 0;
	}
	*copy = **msg;
	*msg = copy;
	/* As the kernel reads it: a name of length 0 is no name, a longer one than a sockaddr_storage
	 * is cut to one, a negative one is EINVAL. */
	if (!copy->msg_name || copy->msg_namelen == 0) {
		copy->msg_name = NULL;
		copy->msg_namelen = 0;
		return 1;
	}
	if ((int)copy->msg_namelen < 0)
		return 0;
	socklen_t n = copy->msg_namelen < sizeof *name ? copy->msg_namelen : sizeof *name;
	if (!sw_readable(&seen, copy->msg_name, n)) {
		copy->msg_name = SW_BAD_POINTER;
		return 0;
	}
	memset(name, 0, sizeof *name);
	memcpy(name, copy->msg_name, n);
	copy->msg_name = name;
	copy->msg_namelen = n;
	/* With a name the UDP path copies the iovec array (the data stays the kernel's to read). */
	if (copy->msg_iovlen > IOV_MAX)
		return 0;        /* EMSGSIZE */
	if (!sw_readable(&seen, copy->msg_iov, copy->msg_iovlen * sizeof(struct iovec))) {
		copy->msg_iov = SW_BAD_POINTER;
		return 0;
	}
	return 1;
}

unsigned int sw_readable_mmsgs(const struct mmsghdr *vec, unsigned int count)
{
	struct sw_probe seen = { 0 };
	if (count > IOV_MAX)
		count = IOV_MAX;  /* the kernel sends at most UIO_MAXIOV messages a call */
	for (unsigned int i = 0; i < count; i++) {
		if (!sw_readable(&seen, &vec[i], sizeof vec[i]))
			return i;
		const struct msghdr *h = &vec[i].msg_hdr;
		if (h->msg_iovlen > IOV_MAX || !sw_readable(&seen, h->msg_iov, h->msg_iovlen * sizeof(struct iovec)))
			return i;
		if (!h->msg_name || h->msg_namelen == 0)
			continue;
		if ((int)h->msg_namelen < 0 ||
		    !sw_readable(&seen, h->msg_name,
				 h->msg_namelen < sizeof(struct sockaddr_storage) ? h->msg_namelen
										   : sizeof(struct sockaddr_storage)))
			return i;
	}
	return count;
}

int sw_check_peer_buffers(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (!sw_readable(NULL, len, sizeof *len)) {
		real.getpeername(fd, addr, SW_BAD_POINTER);
		return -1;
	}
	/* The kernel checks fd, socket, connection and both buffers, and writes the relay's address
	 * where the hook then writes the original one (of the same family, so no longer). */
	socklen_t capacity = *len;
	int saved = errno;
	if (real.getpeername(fd, addr, len) != 0)
		return -1;
	*len = capacity;
	errno = saved;
	return 0;
}
