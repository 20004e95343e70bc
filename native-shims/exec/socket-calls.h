/* exec/socket-calls.c: the handlers of the notified socket calls (one per system call). */
#ifndef SOCKSWRAP_SOCKET_CALLS_H
#define SOCKSWRAP_SOCKET_CALLS_H

#include "exec/tracee.h"

void sw_on_connect(const struct sw_notif *n);
void sw_on_sendto(const struct sw_notif *n);
void sw_on_sendmsg(const struct sw_notif *n);
void sw_on_sendmmsg(const struct sw_notif *n);
void sw_on_getpeername(const struct sw_notif *n);

#endif
