/* exec/seccomp-filter.c: the filter the exec helper installs before it execs the program. */
#ifndef SOCKSWRAP_SECCOMP_FILTER_H
#define SOCKSWRAP_SECCOMP_FILTER_H

/* Sets no_new_privs and installs the filter with a new listener (WAIT_KILLABLE_RECV where the
 * kernel has it). Returns the listener fd, or -1 with errno. */
int sw_filter_install(void);

#endif
