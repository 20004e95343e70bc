/* Everything the shim sets up once per process image, from its constructor, or from the first
 * hook that needs it when another library's constructor calls one first. */
#define _GNU_SOURCE
#include <pthread.h>

#include "core/agent-wire.h"
#include "core/fd-guard.h"
#include "core/libc.h"
#include "core/shim-env.h"
#include "core/shim-init.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_everything(void)
{
	sw_libc_init();
	/* Only where the shim will talk to an agent (a program run without one pays nothing). */
	if (shim_config()->ok)
		fdguard_reserve_table();
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
