/* Finds the next definition (RTLD_NEXT: libc's, or a later interposer's) of every function the
 * shim hooks, once per process image: in the constructor, or on the first hook that runs before
 * it. The lookups go straight to libc's dlsym (core/next-dlsym.c), not through the shim's own. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include "core/libc.h"
#include "core/next-dlsym.h"
#include "core/shim-env.h"

struct real_functions real;

static pthread_once_t libc_once = PTHREAD_ONCE_INIT;

static void resolve_all(void)
{
	dlsym_fn next = sw_next_dlsym();
#define RESOLVE(name) (real.name = (__typeof__(real.name))next(RTLD_NEXT, #name))
	RESOLVE(socket);
	RESOLVE(connect);
	RESOLVE(getpeername);
	RESOLVE(getsockname);
	RESOLVE(bind);
	RESOLVE(listen);
	RESOLVE(accept);
	RESOLVE(accept4);
	RESOLVE(getsockopt);
	RESOLVE(send);
	RESOLVE(write);
	RESOLVE(writev);
	RESOLVE(sendto);
	RESOLVE(sendmsg);
	RESOLVE(sendmmsg);
	RESOLVE(read);
	RESOLVE(readv);
	RESOLVE(recv);
	RESOLVE(recvfrom);
	RESOLVE(recvmsg);
	RESOLVE(recvmmsg);
	RESOLVE(close);
	RESOLVE(close_range);
	RESOLVE(closefrom);
	RESOLVE(dup2);
	RESOLVE(dup3);
	RESOLVE(poll);
	RESOLVE(ppoll);
	RESOLVE(select);
	RESOLVE(pselect);
	RESOLVE(epoll_ctl);
	RESOLVE(epoll_pwait);
	RESOLVE(epoll_pwait2);
	RESOLVE(getaddrinfo);
	RESOLVE(gethostbyname);
	RESOLVE(gethostbyname2);
	RESOLVE(gethostbyname_r);
	RESOLVE(gethostbyname2_r);
	RESOLVE(gethostbyaddr);
	RESOLVE(gethostbyaddr_r);
	RESOLVE(getnameinfo);
	RESOLVE(res_query);
	RESOLVE(res_search);
	RESOLVE(res_querydomain);
	RESOLVE(res_send);
	RESOLVE(res_nquery);
	RESOLVE(res_nsearch);
	RESOLVE(res_nquerydomain);
	RESOLVE(res_nsend);
	RESOLVE(execve);
	RESOLVE(execvpe);
	RESOLVE(fexecve);
	RESOLVE(execveat);
	RESOLVE(posix_spawn);
	RESOLVE(posix_spawnp);
	RESOLVE(system);
	RESOLVE(popen);
#undef RESOLVE
	/* Without these the process cannot do anything sensible; say so rather than crash later.
	 * The rest (recvmmsg, close_range, closefrom, epoll_pwait2, res_*) are newer than some libcs
	 * or live in libresolv there, and exec-guard.c says what it does without execve: their hooks check. */
	if (!real.socket || !real.connect || !real.getpeername || !real.getsockname || !real.bind || !real.listen ||
	    !real.accept || !real.accept4 || !real.getsockopt || !real.send || !real.write ||
	    !real.writev || !real.sendto || !real.sendmsg || !real.read || !real.readv || !real.recv ||
	    !real.recvfrom || !real.recvmsg || !real.close || !real.dup2 || !real.poll || !real.ppoll ||
	    !real.select || !real.pselect || !real.epoll_ctl || !real.epoll_pwait || !real.getaddrinfo) {
		shim_log_fatal("cannot find libc's socket functions (dlsym RTLD_NEXT failed)");
		abort();
	}
}

void sw_libc_init(void)
{
	pthread_once(&libc_once, resolve_all);
}
