/* paths/plan-cache.c: standing plans, CONNECT answers the agent marked reusable, by request bytes. */
#ifndef SOCKSWRAP_PLAN_CACHE_H
#define SOCKSWRAP_PLAN_CACHE_H

#include <stddef.h>
#include <stdint.h>

size_t sw_plan_lookup(const uint8_t *key, size_t key_len, uint8_t *out, size_t cap);
void sw_plan_store(const uint8_t *key, size_t key_len, const uint8_t *plan, size_t plan_len);
/* The plan kept for key no longer holds (the agent answered its RESUME with another DIAL). */
void sw_plan_forget(const uint8_t *key, size_t key_len);

/* Dial templates (core/plan-template.c). The plan of a template filled for this CONNECT request
 * into out: its length, or 0 (no templates kept, or none serves it). */
size_t sw_template_plan(const uint8_t *request, size_t request_len, uint8_t *out, size_t cap);
/* A standing CONNECT answer offered templates (ARG_TEMPLATES): asks TEMPLATE if this image has not. */
void sw_templates_offered(void);
/* The templates no longer hold (a plan's first attempt failed and was re-planned): asked again after the next offer. */
void sw_templates_forget(void);

#endif
