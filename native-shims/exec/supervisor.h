/* exec/supervisor.c: the threads that receive notifications and run their handlers. */
#ifndef SOCKSWRAP_SUPERVISOR_H
#define SOCKSWRAP_SUPERVISOR_H

#include "exec/tracee.h"

/* A handler answers its notification exactly once (sw_notif_return/fail/continue), from
 * whichever thread received it; it may block (a chain handshake): another thread receives meanwhile. */
typedef void (*sw_handler)(const struct sw_notif *n);

/* Starts the first receiving thread for this listener. 0, or an errno. */
int sw_supervise(int listener);

#endif
