/* paths/plan-cache.c: standing plans, CONNECT answers the agent marked reusable, by request bytes. */
#ifndef SOCKSWRAP_PLAN_CACHE_H
#define SOCKSWRAP_PLAN_CACHE_H

#include <stddef.h>
#include <stdint.h>

size_t sw_plan_lookup(const uint8_t *key, size_t key_len, uint8_t *out, size_t cap);
void sw_plan_store(const uint8_t *key, size_t key_len, const uint8_t *plan, size_t plan_len);
/* The plan kept for key no longer holds (the agent answered its RESUME with another DIAL). */
void sw_plan_forget(const uint8_t *key, size_t key_len);

#endif
