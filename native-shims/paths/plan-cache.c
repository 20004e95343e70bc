/* Standing plans (dial path): a CONNECT answer the agent marked reusable, kept per request.
 *
 * For a chain whose handshake depends on the destination alone (one proxy), the agent's DIAL for a
 * destination is the same every time. The shim keeps it, keyed by the exact CONNECT request bytes,
 * and runs it again for the next blocking connect to that destination without waking the agent;
 * the agent still hears of every connection (NOTE, or RESUME when the proxy says anything the plan
 * did not expect), so logging, PEER and error handling stay the agent's. docs/wire-protocol.md.
 *
 * No lock: each slot is a sequence lock. A writer claims an even sequence by making it odd, copies,
 * and makes it even again; a reader copies and keeps the copy only if the sequence was the same
 * even number before and after. A writer that loses the claim simply does not store. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "paths/connect-request.h"
#include "paths/plan-cache.h"

#define PLAN_SLOTS 32
#define PLAN_MAX 384

struct plan_slot {
	_Atomic uint32_t seq;
	uint8_t key_len;
	uint16_t plan_len;
	uint8_t key[SW_CONNECT_REQUEST_MAX];
	uint8_t plan[PLAN_MAX];
};

static struct plan_slot slots[PLAN_SLOTS];

static unsigned slot_of(const uint8_t *key, size_t key_len)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (size_t i = 0; i < key_len; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % PLAN_SLOTS;
}

size_t sw_plan_lookup(const uint8_t *key, size_t key_len, uint8_t *out, size_t cap)
{
	if (key_len > SW_CONNECT_REQUEST_MAX)
		return 0;
	struct plan_slot *s = &slots[slot_of(key, key_len)];
	uint32_t before = atomic_load_explicit(&s->seq, memory_order_acquire);
	if (before & 1 || s->key_len != key_len || memcmp(s->key, key, key_len) != 0)
		return 0;
	size_t len = s->plan_len;
	if (len == 0 || len > cap || len > PLAN_MAX)
		return 0;
	memcpy(out, s->plan, len);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&s->seq, memory_order_relaxed) == before ? len : 0;
}

void sw_plan_store(const uint8_t *key, size_t key_len, const uint8_t *plan, size_t plan_len)
{
	if (key_len > SW_CONNECT_REQUEST_MAX || plan_len == 0 || plan_len > PLAN_MAX)
		return;
	struct plan_slot *s = &slots[slot_of(key, key_len)];
	uint32_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	if (seq & 1 || !atomic_compare_exchange_strong(&s->seq, &seq, seq + 1))
		return;
	atomic_thread_fence(memory_order_release);
	s->key_len = (uint8_t)key_len;
	memcpy(s->key, key, key_len);
	s->plan_len = (uint16_t)plan_len;
	memcpy(s->plan, plan, plan_len);
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

void sw_plan_forget(const uint8_t *key, size_t key_len)
{
	if (key_len > SW_CONNECT_REQUEST_MAX)
		return;
	struct plan_slot *s = &slots[slot_of(key, key_len)];
	uint32_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	if (seq & 1 || s->key_len != key_len || memcmp(s->key, key, key_len) != 0 ||
	    !atomic_compare_exchange_strong(&s->seq, &seq, seq + 1))
		return;
	atomic_thread_fence(memory_order_release);
	s->plan_len = 0;
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

/* In a fork child: a slot another thread of the parent was writing stays odd forever; empty it. */
static void plan_cache_after_fork(void)
{
	for (int i = 0; i < PLAN_SLOTS; i++) {
		uint32_t seq = atomic_load_explicit(&slots[i].seq, memory_order_relaxed);
		if (seq & 1) {
			slots[i].plan_len = 0;
			atomic_store_explicit(&slots[i].seq, seq + 1, memory_order_relaxed);
		}
	}
}

__attribute__((constructor)) static void plan_cache_init(void)
{
	pthread_atfork(NULL, NULL, plan_cache_after_fork);
}
