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

#include "core/agent-wire.h"
#include "core/plan-template.h"
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

/* ---- dial templates (core/plan-template.c): the agent's TEMPLATE answer, once per image ----
 *
 * One sequence-locked copy of the answer's body: unknown (not asked yet, or forgotten) or kept.
 * Asked only after a standing CONNECT answer said templates exist (ARG_TEMPLATES), on that
 * thread's connection; a "none" then (they changed meanwhile) leaves it unknown until the next offer. */
enum { TEMPLATES_UNKNOWN, TEMPLATES_KEPT };

static struct {
	_Atomic uint32_t seq;
	_Atomic int state;
	uint16_t len;
	uint8_t body[AGENT_MAX_BODY];
} templates;

size_t sw_template_plan(const uint8_t *request, size_t request_len, uint8_t *out, size_t cap)
{
	if (atomic_load_explicit(&templates.state, memory_order_acquire) != TEMPLATES_KEPT)
		return 0;
	uint32_t before = atomic_load_explicit(&templates.seq, memory_order_acquire);
	if (before & 1)
		return 0;
	/* Filled straight from the shared copy; kept only if no writer came meanwhile. The body was
	 * checked when stored, and fill bounds every read by len anyway. */
	size_t n = sw_template_fill(templates.body, templates.len, request, request_len, out, cap);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&templates.seq, memory_order_relaxed) == before ? n : 0;
}

/* Under the sequence lock: the state and, when kept, the body. A writer that loses the claim stores nothing. */
static void templates_set(int state, const uint8_t *body, size_t len)
{
	uint32_t seq = atomic_load_explicit(&templates.seq, memory_order_relaxed);
	if (seq & 1 || !atomic_compare_exchange_strong(&templates.seq, &seq, seq + 1))
		return;
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&templates.state, TEMPLATES_UNKNOWN, memory_order_relaxed);
	if (body) {
		memcpy(templates.body, body, len);
		templates.len = (uint16_t)len;
	}
	atomic_store_explicit(&templates.state, state, memory_order_release);
	atomic_store_explicit(&templates.seq, seq + 2, memory_order_release);
}

void sw_templates_offered(void)
{
	if (atomic_load_explicit(&templates.state, memory_order_acquire) != TEMPLATES_UNKNOWN)
		return;
	uint8_t resp[AGENT_MAX_BODY];
	size_t resp_len;
	int status = agent_call(OP_TEMPLATE, NULL, 0, resp, &resp_len);
	/* Anything else (none, the agent gone, a malformed answer): unknown, asked after the next offer. */
	if (status == 0 && sw_template_check(resp, resp_len) == 0)
		templates_set(TEMPLATES_KEPT, resp, resp_len);
}

void sw_templates_forget(void)
{
	if (atomic_load_explicit(&templates.state, memory_order_acquire) == TEMPLATES_KEPT)
		templates_set(TEMPLATES_UNKNOWN, NULL, 0);
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
	uint32_t seq = atomic_load_explicit(&templates.seq, memory_order_relaxed);
	if (seq & 1) {
		atomic_store_explicit(&templates.state, TEMPLATES_UNKNOWN, memory_order_relaxed);
		atomic_store_explicit(&templates.seq, seq + 1, memory_order_relaxed);
	}
}

__attribute__((constructor)) static void plan_cache_init(void)
{
	pthread_atfork(NULL, NULL, plan_cache_after_fork);
}
