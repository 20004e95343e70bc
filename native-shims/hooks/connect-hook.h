/* hooks/connect-hook.c: the connect() decision, for the hooks that connect implicitly (TCP Fast
 * Open in hooks/send-hooks.c). */
#ifndef SOCKSWRAP_CONNECT_HOOK_H
#define SOCKSWRAP_CONNECT_HOOK_H

#include <sys/socket.h>

/* connect() on an address the hook has already copied (core/user-memory.h). */
int sw_connect(int fd, const struct sockaddr *addr, socklen_t len);

#endif
