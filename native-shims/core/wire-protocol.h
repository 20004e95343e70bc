/* The shim <-> agent wire protocol: constants. GENERATED from src/wire (src/wire/c-header.ts) by
 * tools/wire-header.js: do not edit. Change src/wire, then run `node tools/wire-header.js`;
 * `npm run build` fails while this file is stale. docs/wire-protocol.md says what each one means. */
#ifndef SOCKSWRAP_WIRE_PROTOCOL_H
#define SOCKSWRAP_WIRE_PROTOCOL_H

#include <errno.h>

/* Operations: a request frame's kind. */
enum agent_op {
	OP_HELLO = 0x01,
	OP_CONNECT = 0x02,
	OP_RESOLVE = 0x03,
	OP_REVERSE = 0x04,
	OP_PEER = 0x05,
	OP_UDP_ROUTE = 0x06,
	OP_UDP_RELEASE = 0x07,
	OP_UDP_LOOKUP = 0x0a,
	OP_STEP = 0x0b,
	OP_PROXIES = 0x0c,
	OP_NOTE = 0x0d,
	OP_RESUME = 0x0e,
	OP_VERDICT = 0x0f,
	OP_SOCKNAME = 0x10,
	OP_BIND = 0x11,
	OP_BIND_PEER = 0x12,
	OP_UDP_FAST = 0x13,
	OP_UDP_FAST_LOOKUP = 0x14,
	OP_TEMPLATE = 0x15,
};

/* A response frame's kind: 0 ok, 1 and 2 per op; CONNECT and UDP_ROUTE answer an errno instead. */
enum wire_status {
	WIRE_STATUS_OK = 0,
	WIRE_STATUS_NOT_FOUND = 1,
	WIRE_STATUS_TRY_AGAIN = 2,
};

/* CONNECT's socktype. */
enum wire_socktype {
	SOCKTYPE_STREAM = 1,
	SOCKTYPE_DGRAM = 2,
};

/* The action of a CONNECT or UDP_ROUTE answer (UDP_ROUTE: 1 = relay). */
enum wire_action {
	ACTION_DIRECT = 0,
	ACTION_PROXY = 1,
	ACTION_EXECUTE = 2,
	ACTION_FAST = 3,
};

/* CONNECT's flags: blocking (may answer execute), families the socket reaches, verdict out of band, a non-blocking socket that may take a whole script. */
enum wire_connect_flag {
	CONNECT_BLOCKING = 1,
	CONNECT_REACH4 = 2,
	CONNECT_REACH6 = 4,
	CONNECT_OUT_OF_BAND = 8,
	CONNECT_ASYNC_DIAL = 16,
};

/* BIND's flags. */
enum wire_bind_flag {
	BIND_OUTSIDE = 1,
};

/* The action of a BIND answer. */
enum wire_bind_action {
	BIND_ACTION_LOCAL = 0,
	BIND_ACTION_PROXY = 1,
};

/* UDP_ROUTE's flags. */
enum wire_udp_route_flag {
	UDP_ROUTE_CONNECT = 1,
};

/* UDP_FAST's flag beside the reach bits: the fast association the shim knew has ended. */
enum wire_udp_fast_flag {
	UDP_FAST_ENDED = 0x80,
};

/* How a fast association is proven alive: none (a relay on another host), or its TCP connection. */
enum wire_udp_guard {
	UDP_GUARD_NONE = 0,
	UDP_GUARD_TCP = 1,
};

/* UDP_RELEASE's what. */
enum wire_udp_release {
	UDP_RELEASE_DISCONNECTED = 0,
	UDP_RELEASE_CLOSED = 1,
};

/* Which relay listener (PEER, UDP_*); PEER 0: a socket on the dial path. */
enum wire_relay {
	WIRE_RELAY_DIAL = 0,
	WIRE_RELAY_V4 = 4,
	WIRE_RELAY_V6 = 6,
};

/* An address's fam; RESOLVE's family (0: unspecified). */
enum wire_family {
	WIRE_FAMILY_UNSPEC = 0,
	WIRE_FAMILY_V4 = 4,
	WIRE_FAMILY_V6 = 6,
};

/* The dial path: an instruction's state. */
enum wire_dial_state {
	STATE_READ = 0,
	STATE_DONE = 2,
	STATE_DIAL = 3,
};

/* The dial path: a STEP's event. */
enum wire_dial_event {
	EVENT_DATA = 0,
	EVENT_EOF = 1,
	EVENT_IO_ERROR = 2,
	EVENT_CONNECT_FAILED = 3,
	EVENT_CONNECT_TIMEOUT = 4,
	EVENT_READ_TIMEOUT = 5,
	EVENT_SENT = 6,
};

/* The dial path: an instruction's arg bits (DONE: the errno). */
#define ARG_MORE 1
#define ARG_SCRIPT 2
#define ARG_STANDING 4
#define ARG_TEMPLATES 8
#define ARG_NOTES_LATER 16

/* A dial template's hole kinds (TEMPLATE). */
enum wire_template_hole {
	HOLE_V4_ADDR_PORT = 1,
	HOLE_PORT_V4_ADDR = 2,
	HOLE_V6_ADDR_PORT = 3,
	HOLE_V4_TEXT = 4,
};

/* A script entry's prefix_len top bit: the reply ends a hop. */
#define WIRE_SCRIPT_ENDS_HOP 0x80

/* The relay stream's verdict byte for a chain that is up (else the errno). */
#define WIRE_RELAY_CONNECTED 0

/* Control frames: len u16be | kind u8 | id u32be | body; len counts kind, id and body. */
#define AGENT_MAX_BODY 1023
#define AGENT_ID_LEN 4
#define AGENT_HEAD_LEN 7
#define AGENT_MAX_FRAME 1028

/* Fixed sizes and offsets. */
#define SW_TOKEN_LEN 16
#define SW_TICKET_LEN 16
#define SW_MAX_NAME 64
#define SW_ASSOC_ID_LEN 8
#define SW_REPLY_KEY_LEN 16
#define SW_UDP_FAM_OFFSET 8
#define SW_UDP_ADDR_OFFSET 9
#define SW_UDP_PORT_OFFSET 25
#define SW_UDP_HEADER_LEN 27
#define SW_STEP_HEADER_LEN 10
#define SW_CONNECT_REQUEST_MAX 21
#define SW_INSTRUCTION_HEAD_LEN 8
#define SW_MAX_SCRIPT_ENTRIES 8
#define SW_MAX_SCRIPT_PREFIX 127
#define SW_MAX_ADDRESSES 32

/* The errnos the agent puts on the wire are Node's numbers: errno.h must agree. */
_Static_assert(ECONNREFUSED == 111, "ECONNREFUSED differs between the agent and the shim");
_Static_assert(ECONNABORTED == 103, "ECONNABORTED differs between the agent and the shim");
_Static_assert(ETIMEDOUT == 110, "ETIMEDOUT differs between the agent and the shim");
_Static_assert(EACCES == 13, "EACCES differs between the agent and the shim");
_Static_assert(ENETUNREACH == 101, "ENETUNREACH differs between the agent and the shim");
_Static_assert(EHOSTUNREACH == 113, "EHOSTUNREACH differs between the agent and the shim");
_Static_assert(EAFNOSUPPORT == 97, "EAFNOSUPPORT differs between the agent and the shim");
_Static_assert(EBADF == 9, "EBADF differs between the agent and the shim");
_Static_assert(EADDRNOTAVAIL == 99, "EADDRNOTAVAIL differs between the agent and the shim");

#endif
