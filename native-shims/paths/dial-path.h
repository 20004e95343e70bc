/* paths/dial-path.c: blocking connects the shim dials and handshakes on the program's own fd
 * (docs/architecture.md, the dial path). */
#ifndef SOCKSWRAP_DIAL_PATH_H
#define SOCKSWRAP_DIAL_PATH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/net-addr.h"

/* Runs CONNECT's execute answer (after the action byte: session u32 | instruction) on fd, STEP by
 * STEP. Returns 0 when the chain is established (via = the proxy fd is connected to; *port = the
 * fd's local port once connected to it, 0 if unknown), else the errno for connect(); the caller
 * then disconnects the fd. request: the CONNECT request the answer was for (a standing plan,
 * session 0, reports with it). */
int sw_dial_execute(int fd, int domain, const uint8_t *answer, size_t answer_len, struct wire_addr *via,
		    int *port, const uint8_t *request, size_t request_len);
/* A non-blocking connect's scripted handshake (paths/async-connect.c) met something its script did
 * not expect: what happened, for the STEP (or, session 0, the RESUME) that hands it to the agent. */
struct sw_dial_report {
	const uint8_t *session;       /* 4 bytes, as CONNECT's execute answer began */
	const uint8_t *request;       /* the CONNECT request */
	size_t request_len;
	struct timespec start;        /* when connect() was called */
	int port;                     /* the fd's local port since it dialled */
	uint32_t read_ms;             /* the DIAL's */
	int event, err, matched;      /* EVENT_*, its errno, the expectations matched before it */
	size_t peek_len;              /* EVENT_DATA: how many bytes to peek for the report */
};
/* Reports it and carries on as a blocking connect's dial would, waiting on the fd, to the end:
 * 0 when the chain is up (via, *port_out: where the fd is connected now), else the errno. */
int sw_dial_continue(int fd, int domain, const struct sw_dial_report *rep, struct wire_addr *via, int *port_out);
/* Writes all of buf without blocking longer than the deadline (polls when the socket is full): 0 or the errno. */
int sw_dial_send(int fd, const uint8_t *buf, size_t len, const struct timespec *deadline);
/* The chain is up with no question asked: NOTE (session | port, or for a standing plan the request),
 * queued when arg (the DIAL's) has ARG_NOTES_LATER. */
void sw_dial_note(const uint8_t *session, int port, const uint8_t *request, size_t request_len,
		  const struct timespec *start, uint8_t arg);
/* Whether a CONNECT execute answer (session | instruction) is a standing plan (DIAL arg bit 2). */
/* CONNECT's answer for request (sw_connect_request): a standing plan (paths/plan-cache.c) runs with
 * session 0 without asking, when use_standing and only while the agent is there (else CONNECT
 * fails, closed); otherwise the agent is asked, and an answer that is a standing plan is kept.
 * execute holds AGENT_MAX_BODY bytes. Returns the action, or -errno, as sw_ask_connect. */
int sw_connect_answer(const uint8_t *request, size_t request_len, int use_standing, uint8_t *ticket,
		      uint8_t *execute, size_t *execute_len);

int sw_dial_is_standing(const uint8_t *answer, size_t answer_len);
/* Is this peer one of the proxies a dial-path socket is connected to? (PROXIES, once per image) */
int sw_dial_is_proxy(const struct wire_addr *peer);

#endif
