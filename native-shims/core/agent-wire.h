/* core/agent-wire.c: the per-thread control connection to the agent (docs/wire-protocol.md). */
#ifndef SOCKSWRAP_AGENT_WIRE_H
#define SOCKSWRAP_AGENT_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* The protocol's constants (OP_*, the AGENT_* frame sizes, SOCKTYPE_*, ACTION_*, the CONNECT_*
 * flags, UDP_ROUTE_CONNECT, UDP_RELEASE_*, the dial path's STATE_*, EVENT_* and ARG_*, the SW_*
 * sizes, the WIRE_* codes) are generated from src/wire by tools/wire-header.js: never written here. */
#include "core/wire-protocol.h"

/* One request, one response. Returns the response status (>= 0) with its body in resp (capacity
 * AGENT_MAX_BODY), or -1 when the agent is unreachable or broke the protocol: fail closed. */
int agent_call(uint8_t op, const void *body, size_t body_len, uint8_t resp[AGENT_MAX_BODY],
	       size_t *resp_len);
/* Sends a request that has no response (OP_NOTE) on the thread's open connection; -1 if none. */
int agent_notify(uint8_t op, const void *body, size_t body_len);
/* The same, for a note that may wait (ARG_NOTES_LATER): queued, and sent ahead of the next request
 * of any thread of this process, before fork and exec, at exit, or when the queue is full. */
int agent_notify_later(uint8_t op, const void *body, size_t body_len);
/* Sends the queued notes now (the exec hooks, before the new image can ask about their sockets). */
void agent_send_notes(void);
/* 1 when the thread's control connection is open and the agent has not closed it (no round trip). */
int agent_alive(void);
/* agent_alive(), else a round trip that opens the thread's connection: 1 when the agent answers.
 * The UDP relay's datagrams go out only then (docs/udp.md). */
int agent_reachable(void);
/* Thread-exit cleanup and fork handling: once per image (shim_init, or the first call). */
void agent_wire_init(void);

#endif
