/* core/plan-template.c: dial templates, the agent's plans with a hole for the destination (TEMPLATE,
 * docs/wire-protocol.md), filled for one CONNECT request. Sans-IO. */
#ifndef SOCKSWRAP_PLAN_TEMPLATE_H
#define SOCKSWRAP_PLAN_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

/* 0 when `body` (a TEMPLATE answer's body) is well formed: every scope entry and template in
 * bounds, every template's holes in order, apart and inside its plan. */
int sw_template_check(const uint8_t *body, size_t len);
/* The plan (an instruction, no session) for the CONNECT request `request`, written into out
 * (cap bytes): its length, or 0 when no template serves this request — not a blocking stream
 * connect, a destination the scope excepts, no template of its family and reach, or no room. */
size_t sw_template_fill(const uint8_t *body, size_t len, const uint8_t *request, size_t request_len, uint8_t *out,
			size_t cap);

#endif
