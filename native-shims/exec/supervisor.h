/* exec/supervisor.c: the receive loop and its workers. */
#ifndef SOCKSWRAP_SUPERVISOR_H
#define SOCKSWRAP_SUPERVISOR_H

#include "exec/tracee.h"

/* A handler answers its notification exactly once (sw_notif_return/fail/continue), from
 * whichever worker runs it; it may block (a chain handshake) since each runs on its own worker. */
typedef void (*sw_handler)(const struct sw_notif *n);

/* Starts the receive loop on its own thread for this listener. 0, or an errno. */
int sw_supervise(int listener);

#endif
