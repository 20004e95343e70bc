/* paths/connect-request.c: CONNECT, the agent's decision on a TCP destination (docs/wire-protocol.md). */
#ifndef SOCKSWRAP_CONNECT_REQUEST_H
#define SOCKSWRAP_CONNECT_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/net-addr.h"

enum { SOCKTYPE_STREAM = 1 };
enum { ACTION_DIRECT = 0, ACTION_PROXY = 1, ACTION_EXECUTE = 2 };
/* CONNECT flags: a blocking socket (the agent may answer execute), which families it can reach,
 * the verdict out of band. */
enum { CONNECT_BLOCKING = 1, CONNECT_REACH4 = 2, CONNECT_REACH6 = 4, CONNECT_OUT_OF_BAND = 8 };

/* A CONNECT request body: socktype u8 | address (at most 19) | flags u8. */
#define SW_CONNECT_REQUEST_MAX (1 + 19 + 1)

/* CONNECT's request body for a stream destination: `socktype | address | flags (when not 0)`. */
size_t sw_connect_request(const struct wire_addr *dest, int flags, uint8_t req[SW_CONNECT_REQUEST_MAX]);
/* Asks the agent. Returns ACTION_DIRECT, ACTION_PROXY (ticket filled), ACTION_EXECUTE (only when
 * execute is given: filled with `session | instruction`, for the dial path) or a negative errno:
 * the agent's refusal, or ECONNREFUSED when it cannot be asked (fail closed). */
int sw_ask_connect(const uint8_t *req, size_t len, uint8_t ticket[16], uint8_t *execute, size_t *execute_len);

#endif
