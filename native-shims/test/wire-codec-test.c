/* The shim's wire codec (core/wire-codec.c) against the golden frames of test/vectors (the same
 * ones src/wire is tested with, test/unit/wire-vectors.test.ts): every request the shim sends is
 * encoded from the vector's fields and compared byte for byte, every response it reads is decoded
 * and compared field by field, and every frame parses and re-encodes to itself. Needs no root and
 * no network; test/unit/wire-codec.test.ts runs it. Prints "wire-codec: N checks, F failed". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/net-addr.h"
#include "core/socks-udp-header.h"
#include "core/wire-codec.h"
#include "../../test/vectors/wire-frames.h"
#include "core/plan-template.h"

static int checks, failures;
static const char *current;
/* Vectors whose message was checked, by index in WIRE_FRAME_VECTORS. */
static int covered[WIRE_FRAME_VECTOR_COUNT];

static void check(int ok, int line, const char *what)
{
	checks++;
	if (!ok) {
		failures++;
		printf("FAIL %s (line %d): %s\n", current, line, what);
	}
}
#define CHECK(cond) check((cond) != 0, __LINE__, #cond)

static int same(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

/* The vector's body (after the frame head), marked covered. */
static struct sw_frame vector(const char *name, const uint8_t *frame, size_t len)
{
	current = name;
	for (size_t i = 0; i < WIRE_FRAME_VECTOR_COUNT; i++)
		if (strcmp(WIRE_FRAME_VECTORS[i].name, name) == 0)
			covered[i] = 1;
	struct sw_frame f = { 0 };
	CHECK(sw_wire_parse_frame(frame, len, &f) == 0);
	return f;
}
#define VEC(NAME, name) vector(name, NAME, sizeof NAME)

/* A request the shim sends: body encoded here, framed, equal to the golden frame. */
static void request_is(const uint8_t *frame, size_t len, uint8_t op, const uint8_t *body, size_t body_len)
{
	uint8_t out[AGENT_HEAD_LEN + AGENT_MAX_BODY];
	size_t n = sw_wire_frame(out, op, sw_get32(frame + 3), body, body_len);
	CHECK(same(out, n, frame, len));
}
#define REQUEST_IS(NAME, op, body, body_len) request_is(NAME, sizeof NAME, op, body, body_len)

static struct wire_addr addr(const uint8_t *enc, size_t len)
{
	struct wire_addr a = { 0 };
	CHECK(wire_addr_decode(enc, len, 1, &a) == len);
	return a;
}
#define ADDR(FIELD) addr(FIELD, FIELD##_LEN)

static struct wire_addr ip(int family, const char *text)
{
	struct wire_addr a = { .family = (uint8_t)family };
	CHECK(inet_pton(family == 4 ? AF_INET : AF_INET6, text, a.bytes) == 1);
	return a;
}

static void frames(void)
{
	/* Every frame: parses, keeps its id, and its parts re-encode to the same bytes. */
	for (size_t i = 0; i < WIRE_FRAME_VECTOR_COUNT; i++) {
		const struct wire_frame_vector *v = &WIRE_FRAME_VECTORS[i];
		current = v->name;
		struct sw_frame f;
		CHECK(sw_wire_parse_frame(v->frame, v->len, &f) == 0);
		CHECK(f.id == v->id);
		if (!v->response)
			CHECK(f.kind == v->op);
		CHECK(sw_wire_frame_total(v->frame) == v->len);
		uint8_t out[AGENT_HEAD_LEN + AGENT_MAX_BODY];
		CHECK(same(out, sw_wire_frame(out, f.kind, f.id, f.body, f.body_len), v->frame, v->len));
		/* One byte short or long is not a frame. */
		CHECK(sw_wire_parse_frame(v->frame, v->len - 1, &f) != 0);
	}
}

static void hello(void)
{
	VEC(WIRE_VEC_HELLO_REQUEST, "hello-request");
	uint8_t body[AGENT_MAX_BODY];
	size_t n = sw_enc_hello(body, WIRE_VEC_HELLO_REQUEST_MSG_TOKEN, WIRE_VEC_HELLO_REQUEST_MSG_PID,
				WIRE_VEC_HELLO_REQUEST_MSG_NAME, strlen(WIRE_VEC_HELLO_REQUEST_MSG_NAME));
	REQUEST_IS(WIRE_VEC_HELLO_REQUEST, OP_HELLO, body, n);
	struct sw_frame f = VEC(WIRE_VEC_HELLO_OK, "hello-ok");
	CHECK(f.kind == WIRE_VEC_HELLO_OK_MSG_STATUS && f.body_len == 0);
}

#define CONNECT_REQUEST(NAME, name, flags)                                                        \
	do {                                                                                      \
		VEC(NAME, name);                                                                  \
		struct wire_addr dest = ADDR(NAME##_MSG_ADDRESS);                                 \
		uint8_t body[SW_CONNECT_REQUEST_MAX];                                             \
		REQUEST_IS(NAME, OP_CONNECT, body, sw_enc_connect(body, NAME##_MSG_SOCKTYPE, &dest, flags)); \
	} while (0)

/* An instruction's fields against the vector's (PREFIX_MSG_INSTRUCTION_...). */
#define INSTRUCTION_IS(ins, P)                                                                    \
	do {                                                                                      \
		CHECK((ins).state == P##_STATE);                                                  \
		CHECK((ins).arg == P##_ARG);                                                      \
		CHECK((ins).consume == P##_CONSUME);                                              \
		CHECK((ins).wait_ms == P##_WAIT_MS);                                              \
		CHECK(same((ins).send, (ins).send_len, P##_SEND, P##_SEND_LEN));                  \
	} while (0)

static void connect_op(void)
{
	CONNECT_REQUEST(WIRE_VEC_CONNECT_REQUEST_BLOCKING_V4, "connect-request-blocking-v4",
			WIRE_VEC_CONNECT_REQUEST_BLOCKING_V4_MSG_FLAGS);
	CONNECT_REQUEST(WIRE_VEC_CONNECT_REQUEST_OUT_OF_BAND_V6, "connect-request-out-of-band-v6",
			WIRE_VEC_CONNECT_REQUEST_OUT_OF_BAND_V6_MSG_FLAGS);
	CONNECT_REQUEST(WIRE_VEC_CONNECT_REQUEST_NO_FLAGS, "connect-request-no-flags", 0);
	/* connect-request-datagram: the shim sends no datagram CONNECT (UDP_ROUTE instead); the agent
	 * refuses one. Not the shim's to encode. */

	struct sw_connect_answer a;
	struct sw_frame f = VEC(WIRE_VEC_CONNECT_DIRECT, "connect-direct");
	CHECK(f.kind == 0 && sw_dec_connect(f.body, f.body_len, &a) == 0 && a.action == ACTION_DIRECT);

	f = VEC(WIRE_VEC_CONNECT_PROXY, "connect-proxy");
	CHECK(f.kind == 0 && sw_dec_connect(f.body, f.body_len, &a) == 0 && a.action == ACTION_PROXY);
	CHECK(a.ticket && same(a.ticket, SW_TICKET_LEN, WIRE_VEC_CONNECT_PROXY_MSG_TICKET, WIRE_VEC_CONNECT_PROXY_MSG_TICKET_LEN));

	f = VEC(WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING, "connect-execute-dial-scripted-standing");
	CHECK(f.kind == 0 && sw_dec_connect(f.body, f.body_len, &a) == 0 && a.action == ACTION_EXECUTE);
	uint32_t session = 0;
	struct sw_instruction ins;
	CHECK(sw_dec_session_instruction(a.execute, a.execute_len, &session, &ins) == 0);
	CHECK(session == WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_SESSION);
	INSTRUCTION_IS(ins, WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION);
	struct wire_addr proxy = ADDR(WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_PROXY);
	CHECK(wire_addr_equal(&ins.proxy, &proxy));
	CHECK(ins.read_ms == WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_READ_MS);
	CHECK(ins.script != NULL);
	CHECK(ins.script && ins.script[0] == WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_COUNT);
	size_t at = 1;
	struct sw_script_entry e;
	CHECK(sw_dec_script_entry(ins.script, ins.script_len, &at, &e) == 0);
	CHECK(same(e.prefix, e.prefix_len, WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_PREFIX, WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_PREFIX_LEN));
	CHECK(e.total == WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_TOTAL && e.ends_hop == WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_ENDS_HOP);
	CHECK(same(e.then, e.then_len, WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_THEN, WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_THEN_LEN));
	CHECK(sw_dec_script_entry(ins.script, ins.script_len, &at, &e) == 0);
	CHECK(same(e.prefix, e.prefix_len, WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_PREFIX, WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_PREFIX_LEN));
	CHECK(e.total == WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_TOTAL && e.ends_hop == WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_ENDS_HOP);
	CHECK(same(e.then, e.then_len, WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_THEN, WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_THEN_LEN));
	CHECK(at == ins.script_len);
	CHECK((ins.arg & ARG_STANDING) != 0);

	f = VEC(WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH, "connect-execute-done-enetunreach");
	CHECK(sw_dec_connect(f.body, f.body_len, &a) == 0 && a.action == ACTION_EXECUTE);
	CHECK(sw_dec_session_instruction(a.execute, a.execute_len, &session, &ins) == 0 && session == WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_MSG_SESSION);
	INSTRUCTION_IS(ins, WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_MSG_INSTRUCTION);

	f = VEC(WIRE_VEC_CONNECT_ERRNO_ENETUNREACH, "connect-errno-enetunreach");
	CHECK(f.kind == WIRE_VEC_CONNECT_ERRNO_ENETUNREACH_MSG_STATUS && f.kind == ENETUNREACH);
}

static void resolve_op(void)
{
	uint8_t body[AGENT_MAX_BODY];
	VEC(WIRE_VEC_RESOLVE_REQUEST_UNSPEC, "resolve-request-unspec");
	REQUEST_IS(WIRE_VEC_RESOLVE_REQUEST_UNSPEC, OP_RESOLVE, body,
		   sw_enc_resolve(body, WIRE_VEC_RESOLVE_REQUEST_UNSPEC_MSG_FAMILY, WIRE_VEC_RESOLVE_REQUEST_UNSPEC_MSG_NAME,
				  strlen(WIRE_VEC_RESOLVE_REQUEST_UNSPEC_MSG_NAME)));
	VEC(WIRE_VEC_RESOLVE_REQUEST_V6, "resolve-request-v6");
	REQUEST_IS(WIRE_VEC_RESOLVE_REQUEST_V6, OP_RESOLVE, body,
		   sw_enc_resolve(body, WIRE_VEC_RESOLVE_REQUEST_V6_MSG_FAMILY, WIRE_VEC_RESOLVE_REQUEST_V6_MSG_NAME,
				  strlen(WIRE_VEC_RESOLVE_REQUEST_V6_MSG_NAME)));
	struct sw_frame f = VEC(WIRE_VEC_RESOLVE_OK, "resolve-ok");
	struct wire_addr found[8];
	int count = 0;
	CHECK(f.kind == 0 && sw_dec_resolve(f.body, f.body_len, found, 8, &count) == 0);
	CHECK(count == WIRE_VEC_RESOLVE_OK_MSG_ADDRESSES_COUNT);
	struct wire_addr a0 = ip(4, WIRE_VEC_RESOLVE_OK_MSG_ADDRESSES_0), a1 = ip(6, WIRE_VEC_RESOLVE_OK_MSG_ADDRESSES_1);
	CHECK(count == 2 && wire_addr_equal(&found[0], &a0) && wire_addr_equal(&found[1], &a1));
	/* More addresses than the caller has room for is malformed to it. */
	CHECK(sw_dec_resolve(f.body, f.body_len, found, 1, &count) != 0);
	f = VEC(WIRE_VEC_RESOLVE_NOT_FOUND, "resolve-not-found");
	CHECK(f.kind == WIRE_VEC_RESOLVE_NOT_FOUND_MSG_STATUS && f.kind == WIRE_STATUS_NOT_FOUND);
	f = VEC(WIRE_VEC_RESOLVE_TRY_AGAIN, "resolve-try-again");
	CHECK(f.kind == WIRE_VEC_RESOLVE_TRY_AGAIN_MSG_STATUS && f.kind == WIRE_STATUS_TRY_AGAIN);
}

static void reverse_op(void)
{
	uint8_t body[AGENT_MAX_BODY];
	VEC(WIRE_VEC_REVERSE_REQUEST, "reverse-request");
	struct wire_addr a = ip(WIRE_VEC_REVERSE_REQUEST_MSG_IP_FAMILY, WIRE_VEC_REVERSE_REQUEST_MSG_IP_HOST);
	REQUEST_IS(WIRE_VEC_REVERSE_REQUEST, OP_REVERSE, body, sw_enc_reverse(body, &a));
	struct sw_frame f = VEC(WIRE_VEC_REVERSE_OK, "reverse-ok");
	CHECK(f.kind == 0 && same(f.body, f.body_len, (const uint8_t *)WIRE_VEC_REVERSE_OK_MSG_NAME,
				  strlen(WIRE_VEC_REVERSE_OK_MSG_NAME)));
	f = VEC(WIRE_VEC_REVERSE_NOT_FOUND, "reverse-not-found");
	CHECK(f.kind == WIRE_VEC_REVERSE_NOT_FOUND_MSG_STATUS);
}

static void peer_op(void)
{
	uint8_t body[AGENT_MAX_BODY];
	VEC(WIRE_VEC_PEER_REQUEST_RELAY4, "peer-request-relay4");
	REQUEST_IS(WIRE_VEC_PEER_REQUEST_RELAY4, OP_PEER, body,
		   sw_enc_peer(body, WIRE_VEC_PEER_REQUEST_RELAY4_MSG_LOCAL_PORT, WIRE_VEC_PEER_REQUEST_RELAY4_MSG_RELAY, NULL));
	VEC(WIRE_VEC_PEER_REQUEST_RELAY6, "peer-request-relay6");
	REQUEST_IS(WIRE_VEC_PEER_REQUEST_RELAY6, OP_PEER, body,
		   sw_enc_peer(body, WIRE_VEC_PEER_REQUEST_RELAY6_MSG_LOCAL_PORT, WIRE_VEC_PEER_REQUEST_RELAY6_MSG_RELAY, NULL));
	VEC(WIRE_VEC_PEER_REQUEST_DIAL_PATH, "peer-request-dial-path");
	struct wire_addr via = ADDR(WIRE_VEC_PEER_REQUEST_DIAL_PATH_MSG_VIA);
	REQUEST_IS(WIRE_VEC_PEER_REQUEST_DIAL_PATH, OP_PEER, body,
		   sw_enc_peer(body, WIRE_VEC_PEER_REQUEST_DIAL_PATH_MSG_LOCAL_PORT, WIRE_VEC_PEER_REQUEST_DIAL_PATH_MSG_RELAY, &via));
	struct sw_frame f = VEC(WIRE_VEC_PEER_OK, "peer-ok");
	struct wire_addr original, want = ADDR(WIRE_VEC_PEER_OK_MSG_ADDRESS);
	CHECK(f.kind == 0 && sw_dec_peer(f.body, f.body_len, &original) == 0 && wire_addr_equal(&original, &want));
	f = VEC(WIRE_VEC_PEER_NOT_FOUND, "peer-not-found");
	CHECK(f.kind == WIRE_VEC_PEER_NOT_FOUND_MSG_STATUS);
}

static void bind_ops(void)
{
	uint8_t body[AGENT_MAX_BODY];
	VEC(WIRE_VEC_SOCKNAME_REQUEST_RELAY6, "sockname-request-relay6");
	REQUEST_IS(WIRE_VEC_SOCKNAME_REQUEST_RELAY6, OP_SOCKNAME, body,
		   sw_enc_peer(body, WIRE_VEC_SOCKNAME_REQUEST_RELAY6_MSG_LOCAL_PORT, WIRE_VEC_SOCKNAME_REQUEST_RELAY6_MSG_RELAY, NULL));
	VEC(WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH, "sockname-request-dial-path");
	struct wire_addr via = ADDR(WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH_MSG_VIA);
	REQUEST_IS(WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH, OP_SOCKNAME, body,
		   sw_enc_peer(body, WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH_MSG_LOCAL_PORT, WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH_MSG_RELAY, &via));
	struct sw_frame f = VEC(WIRE_VEC_SOCKNAME_OK, "sockname-ok");
	struct wire_addr got, want = ADDR(WIRE_VEC_SOCKNAME_OK_MSG_ADDRESS);
	CHECK(f.kind == 0 && sw_dec_peer(f.body, f.body_len, &got) == 0 && wire_addr_equal(&got, &want));
	f = VEC(WIRE_VEC_SOCKNAME_NOT_FOUND, "sockname-not-found");
	CHECK(f.kind == WIRE_VEC_SOCKNAME_NOT_FOUND_MSG_STATUS);

	VEC(WIRE_VEC_BIND_REQUEST_WILDCARD_V4, "bind-request-wildcard-v4");
	struct wire_addr listener = ADDR(WIRE_VEC_BIND_REQUEST_WILDCARD_V4_MSG_LISTENER);
	REQUEST_IS(WIRE_VEC_BIND_REQUEST_WILDCARD_V4, OP_BIND, body,
		   sw_enc_bind(body, WIRE_VEC_BIND_REQUEST_WILDCARD_V4_MSG_FLAGS, &listener));
	VEC(WIRE_VEC_BIND_REQUEST_OUTSIDE_V6, "bind-request-outside-v6");
	listener = ADDR(WIRE_VEC_BIND_REQUEST_OUTSIDE_V6_MSG_LISTENER);
	CHECK(WIRE_VEC_BIND_REQUEST_OUTSIDE_V6_MSG_FLAGS == BIND_OUTSIDE);
	REQUEST_IS(WIRE_VEC_BIND_REQUEST_OUTSIDE_V6, OP_BIND, body, sw_enc_bind(body, BIND_OUTSIDE, &listener));
	int action = -1;
	f = VEC(WIRE_VEC_BIND_LOCAL, "bind-local");
	CHECK(f.kind == 0 && sw_dec_bind(f.body, f.body_len, &action, &got) == 0 && action == BIND_ACTION_LOCAL);
	f = VEC(WIRE_VEC_BIND_PROXY, "bind-proxy");
	want = ADDR(WIRE_VEC_BIND_PROXY_MSG_BOUND);
	CHECK(f.kind == 0 && sw_dec_bind(f.body, f.body_len, &action, &got) == 0 && action == BIND_ACTION_PROXY &&
	      wire_addr_equal(&got, &want));
	f = VEC(WIRE_VEC_BIND_EADDRNOTAVAIL, "bind-eaddrnotavail");
	CHECK(f.kind == EADDRNOTAVAIL && f.kind == WIRE_VEC_BIND_EADDRNOTAVAIL_MSG_STATUS);

	VEC(WIRE_VEC_BIND_PEER_REQUEST, "bind-peer-request");
	struct wire_addr peer = ADDR(WIRE_VEC_BIND_PEER_REQUEST_MSG_PEER);
	REQUEST_IS(WIRE_VEC_BIND_PEER_REQUEST, OP_BIND_PEER, body, sw_enc_bind_peer(body, &peer));
	f = VEC(WIRE_VEC_BIND_PEER_OK, "bind-peer-ok");
	want = ADDR(WIRE_VEC_BIND_PEER_OK_MSG_ADDRESS);
	CHECK(f.kind == 0 && sw_dec_peer(f.body, f.body_len, &got) == 0 && wire_addr_equal(&got, &want));
	f = VEC(WIRE_VEC_BIND_PEER_NOT_FOUND, "bind-peer-not-found");
	CHECK(f.kind == WIRE_VEC_BIND_PEER_NOT_FOUND_MSG_STATUS);
}

static void udp_ops(void)
{
	uint8_t body[AGENT_MAX_BODY];
#define ROUTE_REQUEST(NAME, name)                                                                  \
	do {                                                                                      \
		VEC(NAME, name);                                                                  \
		struct wire_addr dest = ADDR(NAME##_MSG_ADDRESS);                                 \
		REQUEST_IS(NAME, OP_UDP_ROUTE, body,                                              \
			   sw_enc_udp_route(body, NAME##_MSG_CONNECTING, NAME##_MSG_RELAY, NAME##_MSG_LOCAL_PORT, &dest)); \
	} while (0)
	ROUTE_REQUEST(WIRE_VEC_UDP_ROUTE_REQUEST_CONNECTING, "udp-route-request-connecting");
	ROUTE_REQUEST(WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6, "udp-route-request-unconnected-v6");
	int action;
	const uint8_t *id, *key;
	struct sw_frame f = VEC(WIRE_VEC_UDP_ROUTE_DIRECT, "udp-route-direct");
	CHECK(f.kind == 0 && sw_dec_udp_route(f.body, f.body_len, &action, &id, &key) == 0 && action == ACTION_DIRECT);
	f = VEC(WIRE_VEC_UDP_ROUTE_RELAY, "udp-route-relay");
	CHECK(f.kind == 0 && sw_dec_udp_route(f.body, f.body_len, &action, &id, &key) == 0 && action == ACTION_PROXY);
	CHECK(same(id, SW_ASSOC_ID_LEN, WIRE_VEC_UDP_ROUTE_RELAY_MSG_ID, WIRE_VEC_UDP_ROUTE_RELAY_MSG_ID_LEN));
	CHECK(same(key, SW_REPLY_KEY_LEN, WIRE_VEC_UDP_ROUTE_RELAY_MSG_REPLY_KEY, WIRE_VEC_UDP_ROUTE_RELAY_MSG_REPLY_KEY_LEN));
	f = VEC(WIRE_VEC_UDP_ROUTE_ERRNO_ENETUNREACH, "udp-route-errno-enetunreach");
	CHECK(f.kind == WIRE_VEC_UDP_ROUTE_ERRNO_ENETUNREACH_MSG_STATUS);

	VEC(WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED, "udp-release-request-closed");
	REQUEST_IS(WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED, OP_UDP_RELEASE, body,
		   sw_enc_udp_release(body, WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED_MSG_CLOSED, WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED_MSG_RELAY,
				      WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED_MSG_LOCAL_PORT));
	VEC(WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED, "udp-release-request-disconnected");
	REQUEST_IS(WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED, OP_UDP_RELEASE, body,
		   sw_enc_udp_release(body, WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED_MSG_CLOSED,
				      WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED_MSG_RELAY,
				      WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED_MSG_LOCAL_PORT));
	f = VEC(WIRE_VEC_UDP_RELEASE_OK, "udp-release-ok");
	CHECK(f.kind == WIRE_VEC_UDP_RELEASE_OK_MSG_STATUS);

	VEC(WIRE_VEC_UDP_LOOKUP_REQUEST, "udp-lookup-request");
	REQUEST_IS(WIRE_VEC_UDP_LOOKUP_REQUEST, OP_UDP_LOOKUP, body,
		   sw_enc_udp_lookup(body, WIRE_VEC_UDP_LOOKUP_REQUEST_MSG_RELAY, WIRE_VEC_UDP_LOOKUP_REQUEST_MSG_LOCAL_PORT));
	int connected;
	struct wire_addr peer;
	f = VEC(WIRE_VEC_UDP_LOOKUP_UNCONNECTED, "udp-lookup-unconnected");
	CHECK(f.kind == 0 && sw_dec_udp_lookup(f.body, f.body_len, &id, &key, &connected, &peer) == 0 && !connected);
	CHECK(same(id, SW_ASSOC_ID_LEN, WIRE_VEC_UDP_LOOKUP_UNCONNECTED_MSG_ID, WIRE_VEC_UDP_LOOKUP_UNCONNECTED_MSG_ID_LEN));
	CHECK(same(key, SW_REPLY_KEY_LEN, WIRE_VEC_UDP_LOOKUP_UNCONNECTED_MSG_REPLY_KEY,
		   WIRE_VEC_UDP_LOOKUP_UNCONNECTED_MSG_REPLY_KEY_LEN));
	f = VEC(WIRE_VEC_UDP_LOOKUP_CONNECTED, "udp-lookup-connected");
	struct wire_addr want = ADDR(WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_PEER);
	CHECK(f.kind == 0 && sw_dec_udp_lookup(f.body, f.body_len, &id, &key, &connected, &peer) == 0 && connected);
	CHECK(wire_addr_equal(&peer, &want));
	CHECK(same(id, SW_ASSOC_ID_LEN, WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_ID, WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_ID_LEN));
	CHECK(same(key, SW_REPLY_KEY_LEN, WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_REPLY_KEY, WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_REPLY_KEY_LEN));
	f = VEC(WIRE_VEC_UDP_LOOKUP_NOT_FOUND, "udp-lookup-not-found");
	CHECK(f.kind == WIRE_VEC_UDP_LOOKUP_NOT_FOUND_MSG_STATUS);

	/* The relay's datagram header: the address round-trips through it, after the id. */
	uint8_t hdr[SW_UDP_HEADER_LEN];
	current = "udp-header";
	struct wire_addr dest = ADDR(WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6_MSG_ADDRESS), back;
	sw_enc_udp_header(hdr, WIRE_VEC_UDP_ROUTE_RELAY_MSG_ID, &dest);
	CHECK(memcmp(hdr, WIRE_VEC_UDP_ROUTE_RELAY_MSG_ID, SW_ASSOC_ID_LEN) == 0);
	CHECK(hdr[SW_UDP_FAM_OFFSET] == 6 && sw_get16(hdr + SW_UDP_PORT_OFFSET) == dest.port);
	CHECK(sw_dec_udp_header(hdr, &back) == 0 && wire_addr_equal(&back, &dest));
}

static void udp_fast_ops(void)
{
	uint8_t body[AGENT_MAX_BODY];
	VEC(WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK, "udp-fast-request-dual-stack");
	struct wire_addr dest = ADDR(WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK_MSG_ADDRESS);
	REQUEST_IS(WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK, OP_UDP_FAST, body,
		   sw_enc_udp_fast(body, WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK_MSG_REACH, WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK_MSG_RELAY,
				   WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK_MSG_LOCAL_PORT, &dest));
	int action;
	const uint8_t *id, *key;
	struct wire_addr relay, want;
	struct sw_udp_guard guard;
	struct sw_frame f = VEC(WIRE_VEC_UDP_FAST_FAST, "udp-fast-fast");
	CHECK(f.kind == 0 && sw_dec_udp_fast(f.body, f.body_len, &action, &id, &key, &relay, &guard) == 0 && action == ACTION_FAST);
	want = ADDR(WIRE_VEC_UDP_FAST_FAST_MSG_PROXY_RELAY);
	CHECK(wire_addr_equal(&relay, &want) && !guard.tcp);
	CHECK(same(id, SW_ASSOC_ID_LEN, WIRE_VEC_UDP_FAST_FAST_MSG_ID, WIRE_VEC_UDP_FAST_FAST_MSG_ID_LEN));
	CHECK(same(key, SW_REPLY_KEY_LEN, WIRE_VEC_UDP_FAST_FAST_MSG_REPLY_KEY, WIRE_VEC_UDP_FAST_FAST_MSG_REPLY_KEY_LEN));
	/* Without its guard, or cut inside the relay's address: malformed. */
	CHECK(sw_dec_udp_fast(f.body, f.body_len - 1, &action, &id, &key, &relay, &guard) != 0);
	CHECK(sw_dec_udp_fast(f.body, f.body_len - 2, &action, &id, &key, &relay, &guard) != 0);
	f = VEC(WIRE_VEC_UDP_FAST_FAST_GUARDED, "udp-fast-fast-guarded");
	CHECK(f.kind == 0 && sw_dec_udp_fast(f.body, f.body_len, &action, &id, &key, &relay, &guard) == 0 && action == ACTION_FAST && guard.tcp);
	want = ADDR(WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_GUARD_LOCAL);
	CHECK(wire_addr_equal(&guard.local, &want));
	want = ADDR(WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_GUARD_REMOTE);
	CHECK(wire_addr_equal(&guard.remote, &want));
	CHECK(sw_dec_udp_fast(f.body, f.body_len - 1, &action, &id, &key, &relay, &guard) != 0);
	VEC(WIRE_VEC_UDP_FAST_REQUEST_ENDED, "udp-fast-request-ended");
	dest = ADDR(WIRE_VEC_UDP_FAST_REQUEST_ENDED_MSG_ADDRESS);
	REQUEST_IS(WIRE_VEC_UDP_FAST_REQUEST_ENDED, OP_UDP_FAST, body,
		   sw_enc_udp_fast(body, WIRE_VEC_UDP_FAST_REQUEST_ENDED_MSG_REACH | UDP_FAST_ENDED, WIRE_VEC_UDP_FAST_REQUEST_ENDED_MSG_RELAY,
				   WIRE_VEC_UDP_FAST_REQUEST_ENDED_MSG_LOCAL_PORT, &dest));
	f = VEC(WIRE_VEC_UDP_FAST_RELAY, "udp-fast-relay");
	CHECK(f.kind == 0 && sw_dec_udp_fast(f.body, f.body_len, &action, &id, &key, &relay, &guard) == 0 && action == ACTION_PROXY);
	CHECK(same(id, SW_ASSOC_ID_LEN, WIRE_VEC_UDP_FAST_RELAY_MSG_ID, WIRE_VEC_UDP_FAST_RELAY_MSG_ID_LEN));
	f = VEC(WIRE_VEC_UDP_FAST_ERRNO_ENETUNREACH, "udp-fast-errno-enetunreach");
	CHECK(f.kind == WIRE_VEC_UDP_FAST_ERRNO_ENETUNREACH_MSG_STATUS);

	VEC(WIRE_VEC_UDP_FAST_LOOKUP_REQUEST, "udp-fast-lookup-request");
	REQUEST_IS(WIRE_VEC_UDP_FAST_LOOKUP_REQUEST, OP_UDP_FAST_LOOKUP, body,
		   sw_enc_udp_fast_lookup(body, WIRE_VEC_UDP_FAST_LOOKUP_REQUEST_MSG_RELAY, WIRE_VEC_UDP_FAST_LOOKUP_REQUEST_MSG_LOCAL_PORT));
	f = VEC(WIRE_VEC_UDP_FAST_LOOKUP_FOUND, "udp-fast-lookup-found");
	want = ADDR(WIRE_VEC_UDP_FAST_LOOKUP_FOUND_MSG_PROXY_RELAY);
	CHECK(f.kind == 0 && sw_dec_udp_fast_lookup(f.body, f.body_len, &relay, &guard) == 0 && wire_addr_equal(&relay, &want) && !guard.tcp);
	f = VEC(WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED, "udp-fast-lookup-found-guarded");
	want = ADDR(WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED_MSG_GUARD_REMOTE);
	CHECK(f.kind == 0 && sw_dec_udp_fast_lookup(f.body, f.body_len, &relay, &guard) == 0 && guard.tcp && wire_addr_equal(&guard.remote, &want));
	f = VEC(WIRE_VEC_UDP_FAST_LOOKUP_NOT_FOUND, "udp-fast-lookup-not-found");
	CHECK(f.kind == WIRE_VEC_UDP_FAST_LOOKUP_NOT_FOUND_MSG_STATUS);

	/* RFC 1928 §7: the header the shim writes reads back as the same address; fragments, names
	 * and a non-zero RSV are not taken. */
	current = "socks-udp-header";
	uint8_t hdr[SW_SOCKS_UDP_HDR6];
	struct wire_addr back;
	size_t n = sw_socks_udp_header(hdr, &dest);
	CHECK(n == SW_SOCKS_UDP_HDR4 && hdr[3] == 1 && sw_socks_udp_header_len(hdr) == n);
	sw_socks_udp_source(hdr, n, &back);
	CHECK(wire_addr_equal(&back, &dest));
	struct wire_addr v6 = ADDR(WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6_MSG_ADDRESS);
	n = sw_socks_udp_header(hdr, &v6);
	CHECK(n == SW_SOCKS_UDP_HDR6 && hdr[3] == 4 && sw_socks_udp_header_len(hdr) == n);
	sw_socks_udp_source(hdr, n, &back);
	CHECK(wire_addr_equal(&back, &v6));
	hdr[2] = 1;
	CHECK(sw_socks_udp_header_len(hdr) == 0);
	hdr[2] = 0;
	hdr[1] = 1;
	CHECK(sw_socks_udp_header_len(hdr) == 0);
	hdr[1] = 0;
	hdr[3] = 3;
	CHECK(sw_socks_udp_header_len(hdr) == 0);
}

#define STEP_INTO(out, P) sw_enc_step_head(out, P##_SESSION, P##_EVENT, P##_ERRNO, P##_LOCAL_PORT, P##_MATCHED)

static void dial_ops(void)
{
	uint8_t body[AGENT_MAX_BODY];
#define STEP_REQUEST(NAME, name)                                                                   \
	do {                                                                                      \
		VEC(NAME, name);                                                                  \
		STEP_INTO(body, NAME##_MSG);                                                      \
		memcpy(body + SW_STEP_HEADER_LEN, NAME##_MSG_BYTES, NAME##_MSG_BYTES_LEN);        \
		REQUEST_IS(NAME, OP_STEP, body, SW_STEP_HEADER_LEN + NAME##_MSG_BYTES_LEN);       \
	} while (0)
	STEP_REQUEST(WIRE_VEC_STEP_REQUEST_DATA, "step-request-data");
	STEP_REQUEST(WIRE_VEC_STEP_REQUEST_CONNECT_FAILED, "step-request-connect-failed");
	STEP_REQUEST(WIRE_VEC_STEP_REQUEST_SENT, "step-request-sent");

	struct sw_instruction ins;
	struct sw_frame f;
#define STEP_ANSWER(NAME, name)                                                                    \
	do {                                                                                      \
		f = VEC(NAME, name);                                                              \
		CHECK(f.kind == NAME##_MSG_STATUS && sw_dec_instruction(f.body, f.body_len, &ins) == 0); \
		INSTRUCTION_IS(ins, NAME##_MSG_INSTRUCTION);                                      \
	} while (0)
	STEP_ANSWER(WIRE_VEC_STEP_READ, "step-read");
	STEP_ANSWER(WIRE_VEC_STEP_READ_MORE, "step-read-more");
	CHECK(ins.arg & ARG_MORE);
	STEP_ANSWER(WIRE_VEC_STEP_DONE_CONNECTED, "step-done-connected");
	STEP_ANSWER(WIRE_VEC_STEP_DONE_ECONNREFUSED, "step-done-econnrefused");
	STEP_ANSWER(WIRE_VEC_STEP_DIAL_UNSCRIPTED, "step-dial-unscripted");
	struct wire_addr proxy = ADDR(WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_INSTRUCTION_DIAL_PROXY);
	CHECK(ins.state == STATE_DIAL && wire_addr_equal(&ins.proxy, &proxy) && ins.script == NULL);
	CHECK(ins.read_ms == WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_INSTRUCTION_DIAL_READ_MS);
	/* Cut short anywhere before the send bytes, an instruction is malformed. */
	CHECK(sw_dec_instruction(f.body, 8 + 19 + 3, &ins) != 0);

	VEC(WIRE_VEC_PROXIES_REQUEST, "proxies-request");
	REQUEST_IS(WIRE_VEC_PROXIES_REQUEST, OP_PROXIES, body, 0);
	f = VEC(WIRE_VEC_PROXIES_OK, "proxies-ok");
	struct wire_addr list[4];
	int count = 0;
	CHECK(f.kind == 0 && sw_dec_proxies(f.body, f.body_len, list, 4, &count) == 0);
	struct wire_addr p0 = ADDR(WIRE_VEC_PROXIES_OK_MSG_ADDRESSES_0), p1 = ADDR(WIRE_VEC_PROXIES_OK_MSG_ADDRESSES_1);
	CHECK(count == WIRE_VEC_PROXIES_OK_MSG_ADDRESSES_COUNT && wire_addr_equal(&list[0], &p0) && wire_addr_equal(&list[1], &p1));

	VEC(WIRE_VEC_NOTE_REQUEST_SESSION, "note-request-session");
	REQUEST_IS(WIRE_VEC_NOTE_REQUEST_SESSION, OP_NOTE, body,
		   sw_enc_note(body, WIRE_VEC_NOTE_REQUEST_SESSION_MSG_SESSION, WIRE_VEC_NOTE_REQUEST_SESSION_MSG_LOCAL_PORT, 0, NULL, 0));
	VEC(WIRE_VEC_NOTE_REQUEST_STANDING, "note-request-standing");
	uint8_t request[SW_CONNECT_REQUEST_MAX];
	struct wire_addr dest = ADDR(WIRE_VEC_NOTE_REQUEST_STANDING_MSG_CONNECT_ADDRESS);
	size_t request_len = sw_enc_connect(request, WIRE_VEC_NOTE_REQUEST_STANDING_MSG_CONNECT_SOCKTYPE, &dest, WIRE_VEC_NOTE_REQUEST_STANDING_MSG_CONNECT_FLAGS);
	REQUEST_IS(WIRE_VEC_NOTE_REQUEST_STANDING, OP_NOTE, body,
		   sw_enc_note(body, WIRE_VEC_NOTE_REQUEST_STANDING_MSG_SESSION, WIRE_VEC_NOTE_REQUEST_STANDING_MSG_LOCAL_PORT, WIRE_VEC_NOTE_REQUEST_STANDING_MSG_MS, request, request_len));

	VEC(WIRE_VEC_RESUME_REQUEST, "resume-request");
	dest = ADDR(WIRE_VEC_RESUME_REQUEST_MSG_CONNECT_ADDRESS);
	request_len = sw_enc_connect(request, WIRE_VEC_RESUME_REQUEST_MSG_CONNECT_SOCKTYPE, &dest, WIRE_VEC_RESUME_REQUEST_MSG_CONNECT_FLAGS);
	size_t n = sw_enc_resume_prefix(body, request, request_len, WIRE_VEC_RESUME_REQUEST_MSG_MS);
	STEP_INTO(body + n, WIRE_VEC_RESUME_REQUEST_MSG_STEP);
	memcpy(body + n + SW_STEP_HEADER_LEN, WIRE_VEC_RESUME_REQUEST_MSG_STEP_BYTES, WIRE_VEC_RESUME_REQUEST_MSG_STEP_BYTES_LEN);
	REQUEST_IS(WIRE_VEC_RESUME_REQUEST, OP_RESUME, body, n + SW_STEP_HEADER_LEN + WIRE_VEC_RESUME_REQUEST_MSG_STEP_BYTES_LEN);
	uint32_t session = 0;
	f = VEC(WIRE_VEC_RESUME_DONE_ECONNREFUSED, "resume-done-econnrefused");
	CHECK(f.kind == 0 && sw_dec_session_instruction(f.body, f.body_len, &session, &ins) == 0);
	CHECK(session == WIRE_VEC_RESUME_DONE_ECONNREFUSED_MSG_SESSION);
	INSTRUCTION_IS(ins, WIRE_VEC_RESUME_DONE_ECONNREFUSED_MSG_INSTRUCTION);
}

static void verdict_op(void)
{
	/* VERDICT's body is the ticket itself; its answer one errno byte. */
	VEC(WIRE_VEC_VERDICT_REQUEST, "verdict-request");
	REQUEST_IS(WIRE_VEC_VERDICT_REQUEST, OP_VERDICT, WIRE_VEC_VERDICT_REQUEST_MSG_TICKET, SW_TICKET_LEN);
	struct sw_frame f = VEC(WIRE_VEC_VERDICT_CONNECTED, "verdict-connected");
	CHECK(f.kind == 0 && f.body_len == 1 && f.body[0] == WIRE_VEC_VERDICT_CONNECTED_MSG_ERRNO);
	f = VEC(WIRE_VEC_VERDICT_ECONNREFUSED, "verdict-econnrefused");
	CHECK(f.kind == 0 && f.body_len == 1 && f.body[0] == WIRE_VEC_VERDICT_ECONNREFUSED_MSG_ERRNO);
	f = VEC(WIRE_VEC_VERDICT_UNKNOWN, "verdict-unknown");
	CHECK(f.kind == WIRE_VEC_VERDICT_UNKNOWN_MSG_STATUS);
}

/* TEMPLATE: the answer checks, and fills as the agent compiled it (src/agent/dial-templates.ts). */
static size_t fill_for(const struct sw_frame *f, int family, const char *text, uint16_t port, int flags, uint8_t *out)
{
	struct wire_addr dest = ip(family, text);
	dest.port = port;
	uint8_t request[SW_CONNECT_REQUEST_MAX];
	size_t request_len = sw_enc_connect(request, SOCKTYPE_STREAM, &dest, flags);
	return sw_template_fill(f->body, f->body_len, request, request_len, out, AGENT_MAX_BODY);
}

static int scope_checks;

/* One scope check of the TEMPLATE vector: the destination as a sockaddr of its family, through the
 * shim's own reading of it, then the fill; served means a plan came out. */
static void scope_check(const struct sw_frame *f, int family, const char *text, uint16_t port, int served, uint8_t *out)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		CHECK(inet_pton(AF_INET, text, &sin->sin_addr) == 1);
		len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		CHECK(inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1);
		len = sizeof *sin6;
	}
	struct wire_addr dest;
	CHECK(wire_addr_from_sockaddr((struct sockaddr *)&ss, len, &dest) == 0);
	const int v4 = CONNECT_BLOCKING | CONNECT_REACH4;
	uint8_t request[SW_CONNECT_REQUEST_MAX];
	size_t request_len = sw_enc_connect(request, SOCKTYPE_STREAM, &dest, family == 4 ? v4 : v4 | CONNECT_REACH6);
	size_t got = sw_template_fill(f->body, f->body_len, request, request_len, out, AGENT_MAX_BODY);
	current = text;
	CHECK((got != 0) == (served != 0));
	scope_checks++;
}

static void template_op(void)
{
	VEC(WIRE_VEC_TEMPLATE_REQUEST, "template-request");
	REQUEST_IS(WIRE_VEC_TEMPLATE_REQUEST, OP_TEMPLATE, NULL, 0);
	struct sw_frame f = VEC(WIRE_VEC_TEMPLATE_NONE, "template-none");
	CHECK(f.kind == WIRE_VEC_TEMPLATE_NONE_MSG_STATUS && f.body_len == 0);
	f = VEC(WIRE_VEC_TEMPLATE_OK, "template-ok");
	CHECK(f.kind == 0 && sw_template_check(f.body, f.body_len) == 0);
	CHECK(sw_template_check(f.body, f.body_len - 1) != 0);
	const int v4 = CONNECT_BLOCKING | CONNECT_REACH4, dual = v4 | CONNECT_REACH6;
	uint8_t out[AGENT_MAX_BODY];
	/* The sample destination gives the sample plan back, byte for byte. */
	size_t n = fill_for(&f, 4, "203.0.113.201", 43981, v4, out);
	CHECK(same(out, n, WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_PLAN, WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_PLAN_LEN));
	/* Another: the same plan but for the hole, which holds its address and port. */
	n = fill_for(&f, 4, "198.51.100.7", 80, dual, out);
	size_t at = WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_HOLES_0_OFFSET;
	static const uint8_t hole4[] = { 198, 51, 100, 7, 0, 80 };
	CHECK(n == WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_PLAN_LEN && memcmp(out + at, hole4, 6) == 0 &&
	      memcmp(out, WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_PLAN, at) == 0 &&
	      memcmp(out + at + 6, WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_PLAN + at + 6, n - at - 6) == 0);
	n = fill_for(&f, 6, "2001:db8::5", 443, dual, out);
	at = WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_1_HOLES_0_OFFSET;
	struct wire_addr six = ip(6, "2001:db8::5");
	CHECK(n == WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_1_PLAN_LEN && memcmp(out + at, six.bytes, 16) == 0 &&
	      out[at + 16] == 443 >> 8 && out[at + 17] == (443 & 0xff));
	/* The scope's exceptions (fake range 100/8, localnet 192.168/16 port 8080, dnat 198.51.100.9,
	 * loopback, the doubtful ranges) and the flags: nothing filled. */
	CHECK(fill_for(&f, 4, "100.1.2.3", 80, v4, out) == 0);
	CHECK(fill_for(&f, 4, "192.168.1.1", 8080, v4, out) == 0);
	CHECK(fill_for(&f, 4, "192.168.1.1", 80, v4, out) != 0);
	CHECK(fill_for(&f, 4, "198.51.100.9", 22, v4, out) == 0);
	CHECK(fill_for(&f, 4, "198.51.100.8", 22, v4, out) != 0);
	CHECK(fill_for(&f, 4, "127.0.0.1", 80, v4, out) == 0);
	CHECK(fill_for(&f, 4, "224.0.0.1", 80, v4, out) == 0);
	CHECK(fill_for(&f, 4, "0.1.2.3", 80, v4, out) == 0);
	CHECK(fill_for(&f, 6, "fd73:6f63:6b73::5", 80, dual, out) == 0);
	CHECK(fill_for(&f, 6, "::1", 80, dual, out) == 0);
	CHECK(fill_for(&f, 4, "198.51.100.8", 22, CONNECT_OUT_OF_BAND, out) == 0);
	CHECK(fill_for(&f, 4, "198.51.100.8", 22, CONNECT_BLOCKING | CONNECT_REACH6, out) == 0);   /* the proxy is IPv4 */
	CHECK(fill_for(&f, 4, "198.51.100.8", 22, v4 | CONNECT_OUT_OF_BAND, out) == 0);
	/* The destinations both sides check against this scope (test/unit/dial-templates.test.ts too):
	 * prefix edges, /3 and /96 among them. Each is what a program passes to connect(), read as the
	 * shim reads it (a v4-mapped address is IPv4 from then on). */
#define SCOPE_CHECK(i) scope_check(&f, WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_##i##_FAMILY, WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_##i##_ADDRESS, \
				   WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_##i##_PORT, WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_##i##_SERVED, out)
	SCOPE_CHECK(0); SCOPE_CHECK(1); SCOPE_CHECK(2); SCOPE_CHECK(3); SCOPE_CHECK(4); SCOPE_CHECK(5);
	SCOPE_CHECK(6); SCOPE_CHECK(7); SCOPE_CHECK(8); SCOPE_CHECK(9); SCOPE_CHECK(10); SCOPE_CHECK(11);
	SCOPE_CHECK(12); SCOPE_CHECK(13); SCOPE_CHECK(14); SCOPE_CHECK(15); SCOPE_CHECK(16); SCOPE_CHECK(17);
	SCOPE_CHECK(18); SCOPE_CHECK(19); SCOPE_CHECK(20); SCOPE_CHECK(21); SCOPE_CHECK(22); SCOPE_CHECK(23);
	current = "template-ok";
	CHECK(scope_checks == WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_COUNT);
#undef SCOPE_CHECK
	uint8_t small[8];
	struct wire_addr d = ip(4, "198.51.100.8");
	uint8_t request[SW_CONNECT_REQUEST_MAX];
	size_t request_len = sw_enc_connect(request, SOCKTYPE_STREAM, &d, v4);
	CHECK(sw_template_fill(f.body, f.body_len, request, request_len, small, sizeof small) == 0);
	request[0] = SOCKTYPE_DGRAM;
	CHECK(sw_template_fill(f.body, f.body_len, request, request_len, out, sizeof out) == 0);

	/* A text hole (HTTP CONNECT's `host:port`), the shortest and longest forms. */
	uint8_t body[64];
	static const char plan[] = "C 203.0.113.201:9 H";
	size_t plan_len = strlen(plan), k = 0;
	body[k++] = 0; body[k++] = 0;                       /* no exceptions */
	body[k++] = 1;                                      /* one template */
	body[k++] = 4; body[k++] = CONNECT_REACH4; body[k++] = 0; body[k++] = (uint8_t)plan_len;
	memcpy(body + k, plan, plan_len); k += plan_len;
	body[k++] = 1; body[k++] = 0; body[k++] = 2; body[k++] = HOLE_V4_TEXT; body[k++] = 15;
	CHECK(sw_template_check(body, k) == 0);
	d = ip(4, "1.2.3.4"); d.port = 5;
	request_len = sw_enc_connect(request, SOCKTYPE_STREAM, &d, v4);
	n = sw_template_fill(body, k, request, request_len, out, sizeof out);
	CHECK(same(out, n, (const uint8_t *)"C 1.2.3.4:5 H", 13));
	d = ip(4, "255.255.255.254"); d.port = 65535;
	request_len = sw_enc_connect(request, SOCKTYPE_STREAM, &d, v4);
	n = sw_template_fill(body, k, request, request_len, out, sizeof out);
	CHECK(same(out, n, (const uint8_t *)"C 255.255.255.254:65535 H", 25));
}

int main(void)
{
	frames();
	hello();
	connect_op();
	resolve_op();
	reverse_op();
	peer_op();
	udp_ops();
	udp_fast_ops();
	dial_ops();
	verdict_op();
	bind_ops();
	template_op();
	/* A vector no check above looked at is a message of the protocol the shim's codec is not
	 * tested on (connect-request-datagram excepted: see connect_op). */
	for (size_t i = 0; i < WIRE_FRAME_VECTOR_COUNT; i++) {
		if (covered[i] || strcmp(WIRE_FRAME_VECTORS[i].name, "connect-request-datagram") == 0)
			continue;
		failures++;
		printf("FAIL %s: no check of its message\n", WIRE_FRAME_VECTORS[i].name);
	}
	printf("wire-codec: %d checks over %zu frames, %d failed\n", checks, (size_t)WIRE_FRAME_VECTOR_COUNT, failures);
	return failures ? 1 : 0;
}
