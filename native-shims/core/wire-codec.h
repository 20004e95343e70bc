/* core/wire-codec.c: every frame and message the shim speaks with the agent, encoded and decoded
 * in one place (docs/wire-protocol.md). Sans-IO: bytes in, bytes or structs out; the callers do
 * the system calls. Encoders write into a buffer of AGENT_MAX_BODY bytes (a frame: AGENT_HEAD_LEN
 * more) and return the length; decoders return 0, or -1 for a malformed message. */
#ifndef SOCKSWRAP_WIRE_CODEC_H
#define SOCKSWRAP_WIRE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/agent-wire.h"
#include "core/net-addr.h"

/* The sizes (SW_TOKEN_LEN, SW_TICKET_LEN, SW_ASSOC_ID_LEN, SW_REPLY_KEY_LEN, SW_UDP_HEADER_LEN,
 * SW_STEP_HEADER_LEN, SW_CONNECT_REQUEST_MAX, ...) come with the codes from core/wire-protocol.h,
 * generated from src/wire, through core/agent-wire.h. */

static inline void sw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void sw_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t sw_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t sw_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- frames: len u16be | kind u8 | id u32be | body; len counts kind, id and body ---- */

/* Writes a whole frame into out (AGENT_HEAD_LEN + AGENT_MAX_BODY bytes). 0 when the body is too long. */
size_t sw_wire_frame(uint8_t *out, uint8_t kind, uint32_t id, const uint8_t *body, size_t body_len);
/* From a frame's first two bytes: its whole length (len field + 2), or 0 when the field is out of
 * range (less than kind and id, or more than AGENT_MAX_FRAME). */
size_t sw_wire_frame_total(const uint8_t head[2]);
struct sw_frame {
	uint8_t kind;             /* a request's op, or a response's status */
	uint32_t id;
	const uint8_t *body;      /* into the frame */
	size_t body_len;
};
/* buf holds exactly one whole frame. */
int sw_wire_parse_frame(const uint8_t *buf, size_t len, struct sw_frame *f);

/* ---- requests ---- */

size_t sw_enc_hello(uint8_t *out, const uint8_t token[SW_TOKEN_LEN], uint32_t pid, const char *name, size_t name_len);
/* flags 0 is left out, as the agent reads a missing byte as 0. */
size_t sw_enc_connect(uint8_t *out, int socktype, const struct wire_addr *dest, int flags);
/* RESOLVE: family (0, 4 or 6) | name. */
size_t sw_enc_resolve(uint8_t *out, int family, const char *name, size_t name_len);
/* REVERSE: fam | address. */
size_t sw_enc_reverse(uint8_t *out, const struct wire_addr *ip);
/* PEER: local port | relay (4, 6; 0 with via: a dial-path socket's proxy). */
size_t sw_enc_peer(uint8_t *out, uint16_t local_port, int relay, const struct wire_addr *via);
/* BIND: flags | the listening socket's address (where the agent connects); SOCKNAME is PEER's
 * body (sw_enc_peer) and answer (sw_dec_peer). */
size_t sw_enc_bind(uint8_t *out, int flags, const struct wire_addr *listener);
/* BIND_PEER: the accepted connection's peer as the kernel reports it; answered like PEER. */
size_t sw_enc_bind_peer(uint8_t *out, const struct wire_addr *peer);
size_t sw_enc_udp_route(uint8_t *out, int connecting, int relay, uint16_t local_port, const struct wire_addr *dest);
size_t sw_enc_udp_release(uint8_t *out, int closed, int relay, uint16_t local_port);
size_t sw_enc_udp_lookup(uint8_t *out, int relay, uint16_t local_port);
/* UDP_FAST: reach (CONNECT_REACH4 | CONNECT_REACH6; 0 = never fast; UDP_FAST_ENDED: the fast association
 * known has ended) | relay | local port | address. */
size_t sw_enc_udp_fast(uint8_t *out, int reach, int relay, uint16_t local_port, const struct wire_addr *dest);
size_t sw_enc_udp_fast_lookup(uint8_t *out, int relay, uint16_t local_port);
/* STEP's fixed part (the peeked bytes follow it). */
void sw_enc_step_head(uint8_t out[SW_STEP_HEADER_LEN], uint32_t session, int event, int err, uint16_t local_port,
		      int matched);
/* RESUME's prefix in front of a STEP: request_len u8 | request | ms u32. */
size_t sw_enc_resume_prefix(uint8_t *out, const uint8_t *request, size_t request_len, uint32_t ms);
/* NOTE: session | local port, and for a standing plan (session 0) | ms u32 | the CONNECT request. */
size_t sw_enc_note(uint8_t *out, uint32_t session, uint16_t local_port, uint32_t ms, const uint8_t *request,
		   size_t request_len);

/* ---- responses (the body after the status) ---- */

struct sw_connect_answer {
	int action;                       /* ACTION_DIRECT, ACTION_PROXY, ACTION_EXECUTE */
	const uint8_t *ticket;            /* ACTION_PROXY: SW_TICKET_LEN bytes */
	const uint8_t *execute;           /* ACTION_EXECUTE: session u32 | instruction */
	size_t execute_len;
};
int sw_dec_connect(const uint8_t *body, size_t len, struct sw_connect_answer *a);

/* An instruction of the dial path (CONNECT execute, STEP, RESUME). */
struct sw_instruction {
	uint8_t state, arg;               /* arg: flags for DIAL and READ; for DONE the errno */
	uint16_t consume;
	uint32_t wait_ms;
	struct wire_addr proxy;           /* DIAL */
	uint32_t read_ms;                 /* DIAL */
	const uint8_t *script;            /* DIAL with ARG_SCRIPT: the replies expected, checked by the shim */
	size_t script_len;
	const uint8_t *send;
	size_t send_len;
};
int sw_dec_instruction(const uint8_t *buf, size_t len, struct sw_instruction *ins);
/* session u32 | instruction (CONNECT's execute, RESUME's answer). */
int sw_dec_session_instruction(const uint8_t *buf, size_t len, uint32_t *session, struct sw_instruction *ins);

/* One entry of a DIAL's script: prefix_len u8 (top bit: the reply ends a hop) | prefix | total u16 |
 * then_len u16 | then. *at: the entry's offset in the script (1 for the first), moved past it. */
struct sw_script_entry {
	int ends_hop;
	const uint8_t *prefix;
	size_t prefix_len;
	size_t total;                     /* the whole reply's length */
	const uint8_t *then;              /* what to send when it matches */
	size_t then_len;
};
int sw_dec_script_entry(const uint8_t *script, size_t len, size_t *at, struct sw_script_entry *e);

/* RESOLVE's answer: count u8 | count × (fam | address). At most max addresses. */
int sw_dec_resolve(const uint8_t *body, size_t len, struct wire_addr *out, int max, int *count);
/* PEER's answer. */
int sw_dec_peer(const uint8_t *body, size_t len, struct wire_addr *original);
/* UDP_ROUTE's answer: action, and for ACTION_PROXY (relay) the association id and reply key. */
/* BIND's answer: action (BIND_ACTION_LOCAL, or _PROXY with the address the proxy listens on). */
int sw_dec_bind(const uint8_t *body, size_t len, int *action, struct wire_addr *bound);
int sw_dec_udp_route(const uint8_t *body, size_t len, int *action, const uint8_t **id, const uint8_t **reply_key);
/* UDP_LOOKUP's answer: id | reply key | connected u8 [| peer]. */
int sw_dec_udp_lookup(const uint8_t *body, size_t len, const uint8_t **id, const uint8_t **reply_key, int *connected,
		      struct wire_addr *peer);
/* How a fast association is proven alive (UDP_GUARD_*): by its TCP connection, the agent's end
 * (local) and the proxy's (remote), or not at all (tcp 0: a relay on another host). */
struct sw_udp_guard {
	int tcp;
	struct wire_addr local, remote;
};
/* UDP_FAST's answer: UDP_ROUTE's, or ACTION_FAST with the id, reply key, the proxy's relay and the guard. */
int sw_dec_udp_fast(const uint8_t *body, size_t len, int *action, const uint8_t **id, const uint8_t **reply_key,
		    struct wire_addr *proxy_relay, struct sw_udp_guard *guard);
/* UDP_FAST_LOOKUP's answer: the proxy's relay and the guard. */
int sw_dec_udp_fast_lookup(const uint8_t *body, size_t len, struct wire_addr *proxy_relay, struct sw_udp_guard *guard);
/* PROXIES' answer: count u8 | count × address. At most max (the rest ignored). */
int sw_dec_proxies(const uint8_t *body, size_t len, struct wire_addr *out, int max, int *count);

/* ---- the UDP relay's datagram header ---- */

void sw_enc_udp_header(uint8_t hdr[SW_UDP_HEADER_LEN], const uint8_t id[SW_ASSOC_ID_LEN], const struct wire_addr *dest);
/* A reply's real source (after the MAC, which the caller checks). */
int sw_dec_udp_header(const uint8_t hdr[SW_UDP_HEADER_LEN], struct wire_addr *source);

#endif
