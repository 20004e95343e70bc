/* Finds the next definition of every hooked function once, before the first hook needs it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/shim.h"

struct real_functions real;

#define RESOLVE(name) (real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name))

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_everything(void)
{
	RESOLVE(connect);
	RESOLVE(getpeername);
	RESOLVE(sendto);
	RESOLVE(sendmsg);
	RESOLVE(sendmmsg);
	RESOLVE(close);
	RESOLVE(close_range);
	RESOLVE(closefrom);
	RESOLVE(dup2);
	RESOLVE(dup3);
	RESOLVE(getaddrinfo);
	RESOLVE(gethostbyname);
	RESOLVE(gethostbyname2);
	RESOLVE(gethostbyname_r);
	RESOLVE(gethostbyname2_r);
	RESOLVE(gethostbyaddr);
	RESOLVE(gethostbyaddr_r);
	RESOLVE(getnameinfo);
	/* Without these the process cannot do anything sensible; say so rather than crash later. */
	if (!real.connect || !real.close || !real.getaddrinfo || !real.dup2) {
		shim_log_fatal("cannot find libc's socket functions (dlsym RTLD_NEXT failed)");
		abort();
	}
	shim_env_load();
	agent_wire_init();
}

void shim_init(void)
{
	pthread_once(&init_once, init_everything);
}

/* Early, so the environment is read before main can change it. */
__attribute__((constructor)) static void shim_constructor(void)
{
	shim_init();
}
