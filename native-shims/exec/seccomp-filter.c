/* The filter: which system calls the supervisor answers, which the kernel refuses by itself, and
 * which pass untouched (docs/seccomp.md, "What the filter covers"). Everything that can put a
 * byte on the network with an address the supervisor has not judged is either notified or
 * refused:
 *   - connect, sendmsg, sendmmsg, getpeername: always notified (the address of sendmsg and
 *     sendmmsg is in memory the filter cannot see);
 *   - sendto: notified when it carries an address (args[4] != NULL); without one the socket is
 *     connected (judged at connect) or the kernel refuses it;
 *   - recvfrom, recvmsg, recvmmsg: notified, so that a datagram from the agent's UDP relay is
 *     handed over without its header and from the real peer (exec/udp-calls.c); also recv()
 *     (recvfrom without an address), which would otherwise show an unconnected relayed socket's
 *     header: a stream socket's is answered CONTINUE at once (its cost: docs/seccomp.md);
 *   - io_uring_setup: ENOSYS (its operations are performed by the kernel without a system call
 *     the filter would see); programs fall back to plain calls;
 *   - socket(AF_PACKET), socket(AF_XDP), socket(AF_INET, SOCK_PACKET): EPROTONOSUPPORT, as the
 *     shim's socket hook (a bound packet socket sends with write(), which carries no address);
 *   - any other system call ABI (int 0x80 or x32 on x86_64): ENOSYS for every call, since none of
 *     its numbers is judged here.
 * The filter is inherited by every child and kept across exec, and no_new_privs makes setuid
 * bits ineffective under it (such programs are refused before, by the checker). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec/seccomp-filter.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "the seccomp filter needs this machine's AUDIT_ARCH_* (exec/seccomp-filter.c)"
#endif

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef AF_XDP
#define AF_XDP 44
#endif

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define LOAD_ARG_LO(n) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[n]))
#define LOAD_ARG_HI(n) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[n]) + 4)
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))

/* Little-endian machines only (both above): args[n]'s low word comes first. */
static struct sock_filter program[] = {
	/* 0 */ LOAD(arch),
	/* 1 */ JEQ(NATIVE_ARCH, 1, 0),
	/* 2 */ RET(SECCOMP_RET_ERRNO | ENOSYS),
	/* 3 */ LOAD(nr),
#if defined(__x86_64__)
	/* x32 calls have bit 30 set in nr. */
	/* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	/* 5 */ RET(SECCOMP_RET_ERRNO | ENOSYS),
#else
	/* 4, 5: nothing to skip */ JEQ(0xffffffff, 0, 0), JEQ(0xffffffff, 0, 0),
#endif
	/* 6 */ JEQ(__NR_connect, 12, 0),
	/* 7 */ JEQ(__NR_sendmsg, 11, 0),
	/* 8 */ JEQ(__NR_sendmmsg, 10, 0),
	/* 9 */ JEQ(__NR_getpeername, 9, 0),
	/* 10 */ JEQ(__NR_recvmsg, 8, 0),
	/* 11 */ JEQ(__NR_recvmmsg, 7, 0),
	/* 12 */ JEQ(__NR_sendto, 7, 0),
	/* 13 */ JEQ(__NR_recvfrom, 5, 0),     /* also recv(): an unconnected relayed socket's header */
	/* 14 */ JEQ(__NR_socket, 11, 0),
	/* 15 */ JEQ(__NR_io_uring_setup, 1, 0),
	/* 16 */ RET(SECCOMP_RET_ALLOW),
	/* 17 */ RET(SECCOMP_RET_ERRNO | ENOSYS),
	/* 18 */ RET(SECCOMP_RET_ALLOW),
	/* 19 */ RET(SECCOMP_RET_USER_NOTIF),
	/* sendto: an address (either word non-zero) is notified. */
	/* 20 */ LOAD_ARG_LO(4),
	/* 21 */ JEQ(0, 0, 3),
	/* 22 */ LOAD_ARG_HI(4),
	/* 23 */ JEQ(0, 0, 1),
	/* 24 */ RET(SECCOMP_RET_ALLOW),
	/* 25 */ RET(SECCOMP_RET_USER_NOTIF),
	/* socket(domain, type, protocol) */
	/* 26 */ LOAD_ARG_LO(0),
	/* 27 */ JEQ(AF_PACKET, 6, 0),
	/* 28 */ JEQ(AF_XDP, 5, 0),
	/* 29 */ JEQ(AF_INET, 0, 3),
	/* 30 */ LOAD_ARG_LO(1),
	/* 31 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf),   /* SOCK_TYPE_MASK: without NONBLOCK/CLOEXEC */
	/* 32 */ JEQ(SOCK_PACKET, 1, 0),
	/* 33 */ RET(SECCOMP_RET_ALLOW),
	/* 34 */ RET(SECCOMP_RET_ERRNO | EPROTONOSUPPORT),
};

int sw_filter_install(void)
{
	struct sock_fprog prog = { .len = sizeof program / sizeof program[0], .filter = program };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
	if (fd < 0 && errno == EINVAL)   /* before 5.19 */
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return (int)fd;
}
