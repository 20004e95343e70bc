/* paths/connect-request.c: CONNECT, the agent's decision on a TCP destination (docs/wire-protocol.md). */
#ifndef SOCKSWRAP_CONNECT_REQUEST_H
#define SOCKSWRAP_CONNECT_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/net-addr.h"

#include "core/wire-codec.h"

/* CONNECT's request body for a stream destination (sw_enc_connect). */
size_t sw_connect_request(const struct wire_addr *dest, int flags, uint8_t req[SW_CONNECT_REQUEST_MAX]);
/* Asks the agent. Returns ACTION_DIRECT, ACTION_PROXY (ticket filled), ACTION_EXECUTE (only when
 * execute is given: filled with `session | instruction`, for the dial path) or a negative errno:
 * the agent's refusal, or ECONNREFUSED when it cannot be asked (fail closed). */
int sw_ask_connect(const uint8_t *req, size_t len, uint8_t ticket[16], uint8_t *execute, size_t *execute_len);

#endif
