/* The shim's half of the wire protocol (docs/wire-protocol.md), encoded and decoded here only.
 * No system calls, no allocation: the golden frames of test/vectors are checked against it by
 * test/unit/wire-codec.test.ts (native-shims/test/wire-codec-test.c). */
#define _GNU_SOURCE
#include <string.h>

#include "core/wire-codec.h"

/* ---- frames ---- */

size_t sw_wire_frame(uint8_t *out, uint8_t kind, uint32_t id, const uint8_t *body, size_t body_len)
{
	if (body_len > AGENT_MAX_BODY)
		return 0;
	sw_put16(out, (uint16_t)(1 + AGENT_ID_LEN + body_len));
	out[2] = kind;
	sw_put32(out + 3, id);
	if (body_len)
		memcpy(out + AGENT_HEAD_LEN, body, body_len);
	return AGENT_HEAD_LEN + body_len;
}

size_t sw_wire_frame_total(const uint8_t head[2])
{
	size_t len = sw_get16(head);
	if (len < 1 + AGENT_ID_LEN || len > AGENT_MAX_FRAME)
		return 0;
	return 2 + len;
}

int sw_wire_parse_frame(const uint8_t *buf, size_t len, struct sw_frame *f)
{
	if (len < AGENT_HEAD_LEN || sw_wire_frame_total(buf) != len)
		return -1;
	f->kind = buf[2];
	f->id = sw_get32(buf + 3);
	f->body = buf + AGENT_HEAD_LEN;
	f->body_len = len - AGENT_HEAD_LEN;
	return 0;
}

/* ---- requests ---- */

size_t sw_enc_hello(uint8_t *out, const uint8_t token[SW_TOKEN_LEN], uint32_t pid, const char *name, size_t name_len)
{
	if (name_len > AGENT_MAX_BODY - SW_TOKEN_LEN - 4)
		name_len = AGENT_MAX_BODY - SW_TOKEN_LEN - 4;
	memcpy(out, token, SW_TOKEN_LEN);
	sw_put32(out + SW_TOKEN_LEN, pid);
	memcpy(out + SW_TOKEN_LEN + 4, name, name_len);
	return SW_TOKEN_LEN + 4 + name_len;
}

size_t sw_enc_connect(uint8_t *out, int socktype, const struct wire_addr *dest, int flags)
{
	out[0] = (uint8_t)socktype;
	size_t len = 1 + wire_addr_encode(dest, out + 1);
	if (flags)
		out[len++] = (uint8_t)flags;
	return len;
}

size_t sw_enc_resolve(uint8_t *out, int family, const char *name, size_t name_len)
{
	out[0] = (uint8_t)family;
	memcpy(out + 1, name, name_len);
	return 1 + name_len;
}

size_t sw_enc_reverse(uint8_t *out, const struct wire_addr *ip)
{
	size_t n = ip->family == 4 ? 4 : 16;
	out[0] = ip->family;
	memcpy(out + 1, ip->bytes, n);
	return 1 + n;
}

size_t sw_enc_peer(uint8_t *out, uint16_t local_port, int relay, const struct wire_addr *via)
{
	sw_put16(out, local_port);
	out[2] = (uint8_t)relay;
	return 3 + (via ? wire_addr_encode(via, out + 3) : 0);
}

size_t sw_enc_bind(uint8_t *out, int flags, const struct wire_addr *listener)
{
	out[0] = (uint8_t)flags;
	return 1 + wire_addr_encode(listener, out + 1);
}

size_t sw_enc_bind_peer(uint8_t *out, const struct wire_addr *peer)
{
	return wire_addr_encode(peer, out);
}

size_t sw_enc_udp_route(uint8_t *out, int connecting, int relay, uint16_t local_port, const struct wire_addr *dest)
{
	out[0] = connecting ? UDP_ROUTE_CONNECT : 0;
	out[1] = (uint8_t)relay;
	sw_put16(out + 2, local_port);
	return 4 + wire_addr_encode(dest, out + 4);
}

size_t sw_enc_udp_release(uint8_t *out, int closed, int relay, uint16_t local_port)
{
	out[0] = closed ? UDP_RELEASE_CLOSED : UDP_RELEASE_DISCONNECTED;
	out[1] = (uint8_t)relay;
	sw_put16(out + 2, local_port);
	return 4;
}

size_t sw_enc_udp_lookup(uint8_t *out, int relay, uint16_t local_port)
{
	out[0] = (uint8_t)relay;
	sw_put16(out + 1, local_port);
	return 3;
}

size_t sw_enc_udp_fast(uint8_t *out, int reach, int relay, uint16_t local_port, const struct wire_addr *dest)
{
	out[0] = (uint8_t)(reach & (CONNECT_REACH4 | CONNECT_REACH6 | UDP_FAST_ENDED));
	out[1] = (uint8_t)relay;
	sw_put16(out + 2, local_port);
	return 4 + wire_addr_encode(dest, out + 4);
}

size_t sw_enc_udp_fast_lookup(uint8_t *out, int relay, uint16_t local_port)
{
	return sw_enc_udp_lookup(out, relay, local_port);
}

void sw_enc_step_head(uint8_t out[SW_STEP_HEADER_LEN], uint32_t session, int event, int err, uint16_t local_port,
		      int matched)
{
	sw_put32(out, session);
	out[4] = (uint8_t)event;
	sw_put16(out + 5, (uint16_t)err);
	sw_put16(out + 7, local_port);
	out[9] = (uint8_t)matched;
}

size_t sw_enc_resume_prefix(uint8_t *out, const uint8_t *request, size_t request_len, uint32_t ms)
{
	out[0] = (uint8_t)request_len;
	memcpy(out + 1, request, request_len);
	sw_put32(out + 1 + request_len, ms);
	return 1 + request_len + 4;
}

size_t sw_enc_note(uint8_t *out, uint32_t session, uint16_t local_port, uint32_t ms, const uint8_t *request,
		   size_t request_len)
{
	sw_put32(out, session);
	sw_put16(out + 4, local_port);
	if (session != 0 || request_len > SW_CONNECT_REQUEST_MAX)
		return 6;
	sw_put32(out + 6, ms);
	memcpy(out + 10, request, request_len);
	return 10 + request_len;
}

/* ---- responses ---- */

int sw_dec_connect(const uint8_t *body, size_t len, struct sw_connect_answer *a)
{
	memset(a, 0, sizeof *a);
	if (len < 1)
		return -1;
	a->action = body[0];
	if (a->action == ACTION_DIRECT)
		return 0;
	if (a->action == ACTION_PROXY && len >= 1 + SW_TICKET_LEN) {
		a->ticket = body + 1;
		return 0;
	}
	if (a->action == ACTION_EXECUTE && len >= 5) {
		a->execute = body + 1;
		a->execute_len = len - 1;
		return 0;
	}
	return -1;
}

int sw_dec_instruction(const uint8_t *buf, size_t len, struct sw_instruction *ins)
{
	if (len < 8)
		return -1;
	ins->state = buf[0];
	ins->arg = buf[1];
	ins->consume = sw_get16(buf + 2);
	ins->wait_ms = sw_get32(buf + 4);
	size_t at = 8;
	if (ins->state == STATE_DIAL) {
		size_t used = wire_addr_decode(buf + at, len - at, 1, &ins->proxy);
		if (used == 0 || len < at + used + 4)
			return -1;
		at += used;
		ins->read_ms = sw_get32(buf + at);
		at += 4;
	}
	ins->script = NULL;
	ins->script_len = 0;
	/* arg is a flag set for DIAL and READ; for DONE it is the errno. */
	if (ins->state == STATE_DIAL && (ins->arg & ARG_SCRIPT)) {
		if (len < at + 2)
			return -1;
		ins->script_len = sw_get16(buf + at);
		ins->script = buf + at + 2;
		at += 2 + ins->script_len;
		if (at > len)
			return -1;
	}
	ins->send = buf + at;
	ins->send_len = len - at;
	return 0;
}

int sw_dec_session_instruction(const uint8_t *buf, size_t len, uint32_t *session, struct sw_instruction *ins)
{
	if (len < 4)
		return -1;
	*session = sw_get32(buf);
	return sw_dec_instruction(buf + 4, len - 4, ins);
}

int sw_dec_script_entry(const uint8_t *script, size_t len, size_t *at, struct sw_script_entry *e)
{
	size_t i = *at;
	if (i + 1 > len)
		return -1;
	e->ends_hop = (script[i] & 0x80) != 0;
	e->prefix_len = script[i] & 0x7f;
	if (i + 1 + e->prefix_len + 4 > len)
		return -1;
	e->prefix = script + i + 1;
	e->total = sw_get16(e->prefix + e->prefix_len);
	e->then_len = sw_get16(e->prefix + e->prefix_len + 2);
	e->then = e->prefix + e->prefix_len + 4;
	*at = i + 1 + e->prefix_len + 4 + e->then_len;
	return *at > len ? -1 : 0;
}

/* count u8 | count × address: the list answers of RESOLVE (no ports) and PROXIES (ports). */
static int dec_list(const uint8_t *body, size_t len, int with_port, struct wire_addr *out, int max, int *count,
		    int strict)
{
	*count = 0;
	if (len < 1)
		return -1;
	size_t at = 1;
	for (int i = 0; i < body[0]; i++) {
		struct wire_addr a;
		size_t used = wire_addr_decode(body + at, len - at, with_port, &a);
		if (used == 0 || *count == max)
			return strict ? -1 : 0;
		at += used;
		out[(*count)++] = a;
	}
	return 0;
}

int sw_dec_resolve(const uint8_t *body, size_t len, struct wire_addr *out, int max, int *count)
{
	return dec_list(body, len, 0, out, max, count, 1);
}

int sw_dec_proxies(const uint8_t *body, size_t len, struct wire_addr *out, int max, int *count)
{
	return dec_list(body, len, 1, out, max, count, 0);
}

int sw_dec_peer(const uint8_t *body, size_t len, struct wire_addr *original)
{
	return wire_addr_decode(body, len, 1, original) ? 0 : -1;
}

int sw_dec_bind(const uint8_t *body, size_t len, int *action, struct wire_addr *bound)
{
	if (len < 1)
		return -1;
	*action = body[0];
	if (*action == BIND_ACTION_LOCAL)
		return len == 1 ? 0 : -1;
	if (*action != BIND_ACTION_PROXY)
		return -1;
	return wire_addr_decode(body + 1, len - 1, 1, bound) == len - 1 ? 0 : -1;
}

int sw_dec_udp_route(const uint8_t *body, size_t len, int *action, const uint8_t **id, const uint8_t **reply_key)
{
	if (len < 1)
		return -1;
	*action = body[0];
	if (*action == ACTION_DIRECT)
		return 0;
	if (*action != ACTION_PROXY || len < 1 + SW_ASSOC_ID_LEN + SW_REPLY_KEY_LEN)
		return -1;
	*id = body + 1;
	*reply_key = body + 1 + SW_ASSOC_ID_LEN;
	return 0;
}

int sw_dec_udp_lookup(const uint8_t *body, size_t len, const uint8_t **id, const uint8_t **reply_key, int *connected,
		      struct wire_addr *peer)
{
	if (len < SW_ASSOC_ID_LEN + SW_REPLY_KEY_LEN + 1)
		return -1;
	*id = body;
	*reply_key = body + SW_ASSOC_ID_LEN;
	const uint8_t *rest = body + SW_ASSOC_ID_LEN + SW_REPLY_KEY_LEN;
	size_t rest_len = len - SW_ASSOC_ID_LEN - SW_REPLY_KEY_LEN;
	*connected = rest[0] == 1 && wire_addr_decode(rest + 1, rest_len - 1, 1, peer) != 0;
	return 0;
}

/* `0`, or `1 | local address | remote address`: the rest of the body, exactly. */
static int dec_guard(const uint8_t *p, size_t len, struct sw_udp_guard *guard)
{
	memset(guard, 0, sizeof *guard);
	if (len == 1 && p[0] == UDP_GUARD_NONE)
		return 0;
	if (len < 1 || p[0] != UDP_GUARD_TCP)
		return -1;
	size_t a = wire_addr_decode(p + 1, len - 1, 1, &guard->local);
	size_t b = a ? wire_addr_decode(p + 1 + a, len - 1 - a, 1, &guard->remote) : 0;
	if (!a || !b || 1 + a + b != len)
		return -1;
	guard->tcp = 1;
	return 0;
}

int sw_dec_udp_fast(const uint8_t *body, size_t len, int *action, const uint8_t **id, const uint8_t **reply_key,
		    struct wire_addr *proxy_relay, struct sw_udp_guard *guard)
{
	if (len >= 1 && body[0] != ACTION_FAST)
		return sw_dec_udp_route(body, len, action, id, reply_key);
	size_t head = 1 + SW_ASSOC_ID_LEN + SW_REPLY_KEY_LEN;
	size_t n = len > head ? wire_addr_decode(body + head, len - head, 1, proxy_relay) : 0;
	if (n == 0 || dec_guard(body + head + n, len - head - n, guard) != 0)
		return -1;
	*action = ACTION_FAST;
	*id = body + 1;
	*reply_key = body + 1 + SW_ASSOC_ID_LEN;
	return 0;
}

int sw_dec_udp_fast_lookup(const uint8_t *body, size_t len, struct wire_addr *proxy_relay, struct sw_udp_guard *guard)
{
	size_t n = wire_addr_decode(body, len, 1, proxy_relay);
	return n && dec_guard(body + n, len - n, guard) == 0 ? 0 : -1;
}

/* ---- the UDP relay's datagram header ---- */

void sw_enc_udp_header(uint8_t hdr[SW_UDP_HEADER_LEN], const uint8_t id[SW_ASSOC_ID_LEN], const struct wire_addr *dest)
{
	memset(hdr, 0, SW_UDP_HEADER_LEN);
	memcpy(hdr, id, SW_ASSOC_ID_LEN);
	hdr[SW_ASSOC_ID_LEN] = dest->family;
	memcpy(hdr + SW_ASSOC_ID_LEN + 1, dest->bytes, dest->family == 4 ? 4 : 16);
	sw_put16(hdr + SW_ASSOC_ID_LEN + 17, dest->port);
}

int sw_dec_udp_header(const uint8_t hdr[SW_UDP_HEADER_LEN], struct wire_addr *source)
{
	uint8_t packed[19];
	packed[0] = hdr[SW_ASSOC_ID_LEN];
	size_t alen = packed[0] == 4 ? 4 : 16;
	memcpy(packed + 1, hdr + SW_ASSOC_ID_LEN + 1, alen);
	packed[1 + alen] = hdr[SW_ASSOC_ID_LEN + 17];
	packed[2 + alen] = hdr[SW_ASSOC_ID_LEN + 18];
	return wire_addr_decode(packed, 3 + alen, 1, source) ? 0 : -1;
}
