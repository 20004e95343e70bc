/* core/agent-wire.c: the per-thread control connection to the agent (docs/wire-protocol.md). */
#ifndef SOCKSWRAP_AGENT_WIRE_H
#define SOCKSWRAP_AGENT_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum agent_op {
	OP_HELLO = 0x01,
	OP_CONNECT = 0x02,
	OP_RESOLVE = 0x03,
	OP_REVERSE = 0x04,
	OP_PEER = 0x05,
	OP_UDP_ROUTE = 0x06,      /* paths/udp-path.c, docs/udp.md */
	OP_UDP_RELEASE = 0x07,
	OP_UDP_LOOKUP = 0x0a,     /* paths/udp-inherited.c: a UDP socket inherited across exec */
	OP_STEP = 0x0b,           /* paths/dial-path.c: one step of a handshake the shim executes */
	OP_PROXIES = 0x0c,        /* paths/dial-path.c: the proxies a dial-path socket can be connected to */
	OP_NOTE = 0x0d,           /* paths/dial-path.c: DONE note, the one request with no response */
	OP_RESUME = 0x0e,         /* paths/dial-path.c: a standing plan needs the agent after all */
	OP_VERDICT = 0x0f,        /* paths/async-connect.c: a non-blocking connect's outcome, after a reset */
};

/* CONNECT's socktype and the action of its answer (UDP_ROUTE: ACTION_PROXY = relay). */
enum { SOCKTYPE_STREAM = 1, SOCKTYPE_DGRAM = 2 };
enum { ACTION_DIRECT = 0, ACTION_PROXY = 1, ACTION_EXECUTE = 2 };
/* CONNECT flags: a blocking socket (the agent may answer execute), which families it can reach,
 * the verdict out of band. */
enum { CONNECT_BLOCKING = 1, CONNECT_REACH4 = 2, CONNECT_REACH6 = 4, CONNECT_OUT_OF_BAND = 8 };
/* UDP_ROUTE's flag, UDP_RELEASE's what. */
enum { UDP_ROUTE_CONNECT = 1 };
enum { UDP_RELEASE_DISCONNECTED = 0, UDP_RELEASE_CLOSED = 1 };
/* The dial path: an instruction's state, a STEP's event, an instruction's arg bits. */
enum { STATE_READ = 0, STATE_DONE = 2, STATE_DIAL = 3 };
enum { EVENT_DATA = 0, EVENT_EOF = 1, EVENT_IO_ERROR = 2, EVENT_CONNECT_FAILED = 3,
       EVENT_CONNECT_TIMEOUT = 4, EVENT_READ_TIMEOUT = 5, EVENT_SENT = 6 };
#define ARG_MORE 1
#define ARG_SCRIPT 2
#define ARG_STANDING 4

#define AGENT_MAX_BODY 1023
#define AGENT_ID_LEN 4          /* request id: every response carries its request's */
#define AGENT_HEAD_LEN (2 + 1 + AGENT_ID_LEN)  /* len u16be | kind | id u32be */
#define AGENT_MAX_FRAME (1 + AGENT_ID_LEN + AGENT_MAX_BODY)  /* len field limit */

/* One request, one response. Returns the response status (>= 0) with its body in resp (capacity
 * AGENT_MAX_BODY), or -1 when the agent is unreachable or broke the protocol: fail closed. */
int agent_call(uint8_t op, const void *body, size_t body_len, uint8_t resp[AGENT_MAX_BODY],
	       size_t *resp_len);
/* Sends a request that has no response (OP_NOTE) on the thread's open connection; -1 if none. */
int agent_notify(uint8_t op, const void *body, size_t body_len);
/* 1 when the thread's control connection is open and the agent has not closed it (no round trip). */
int agent_alive(void);
/* agent_alive(), else a round trip that opens the thread's connection: 1 when the agent answers.
 * The UDP relay's datagrams go out only then (docs/udp.md). */
int agent_reachable(void);
/* Thread-exit cleanup and fork handling: once per image (shim_init, or the first call). */
void agent_wire_init(void);

#endif
