/* core/user-memory.c: the program's pointers read without faulting (EFAULT, not SIGSEGV). */
#ifndef SOCKSWRAP_USER_MEMORY_H
#define SOCKSWRAP_USER_MEMORY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An address no process can map: a real call made with it fails as the kernel checks the call
 * (EBADF, ENOTSOCK, EINVAL, then EFAULT), in the kernel's own order, and sends nothing. */
#define SW_BAD_POINTER ((void *)~(uintptr_t)4095)
/* Blocks already found readable during one hook call (may be NULL). */
struct sw_probe {
	uintptr_t block[2];
	unsigned int next;
};
int sw_readable(struct sw_probe *seen, const void *p, size_t n);
/* connect/sendto: 1 when *addr now points at a copy of the program's address, for the hook.
 * 0: make the real call with *addr as it now is (SW_BAD_POINTER if unreadable; left alone for a
 * length the kernel rejects or ignores). */
int sw_copy_sockaddr(const struct sockaddr **addr, socklen_t len, struct sockaddr_storage *copy);
/* sendmsg: the same for the msghdr and its name (copied into copy and name; its iovec array
 * checked when there is a name). */
int sw_copy_msghdr(const struct msghdr **msg, struct msghdr *copy, struct sockaddr_storage *name);
/* sendmmsg: how many leading messages the hooks can read (at most the kernel's 1024). */
unsigned int sw_readable_mmsgs(const struct mmsghdr *vec, unsigned int count);
/* getpeername: the kernel checks fd and the program's buffers; 0 when it accepted them (*len as
 * the program passed it), else -1 with the kernel's errno. */
int sw_check_peer_buffers(int fd, struct sockaddr *addr, socklen_t *len);

#endif
