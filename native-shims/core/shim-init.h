/* core/shim-init.c: the shim's per-image setup. */
#ifndef SOCKSWRAP_SHIM_INIT_H
#define SOCKSWRAP_SHIM_INIT_H

/* libc's functions (core/libc.c), the environment, the agent connection's thread and fork
 * handling; cheap after the first call. */
void shim_init(void);

#endif
