/* The golden frames of the shim <-> agent wire. GENERATED from test/vectors/wire-frames.json by
 * tools/wire-header.js: do not edit. Each vector: its whole frame (WIRE_VEC_<NAME>), and every
 * field of its message (WIRE_VEC_<NAME>_<FIELD>: numbers, byte arrays with _LEN, strings; lists
 * with _COUNT and _<i>), so a C test can build the message, encode it and compare, or decode the
 * frame and compare the fields. WIRE_FRAME_VECTORS lists them all. The TypeScript side is tested
 * against the same file (test/unit/wire-vectors.test.ts). */
#ifndef SOCKSWRAP_WIRE_FRAMES_H
#define SOCKSWRAP_WIRE_FRAMES_H

#include <stddef.h>
#include <stdint.h>

struct wire_frame_vector {
	const char *name;
	uint8_t op;          /* the op this frame belongs to (a request's kind; a response answers it) */
	uint8_t response;    /* 0: shim -> agent, 1: agent -> shim */
	uint32_t id;
	const uint8_t *frame;
	size_t len;
};

/* hello-request: hello request {"token":"hex:101112131415161718191a1b1c1d1e1f","pid":4242,"name":"curl"} */
static const uint8_t WIRE_VEC_HELLO_REQUEST[] = { 0x00, 0x1d, 0x01, 0x5e, 0xed, 0x00, 0x01, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x00, 0x00, 0x10, 0x92, 0x63, 0x75, 0x72, 0x6c };
#define WIRE_VEC_HELLO_REQUEST_ID 0x5eed0001u
static const uint8_t WIRE_VEC_HELLO_REQUEST_MSG_TOKEN[] __attribute__((unused)) = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
#define WIRE_VEC_HELLO_REQUEST_MSG_TOKEN_LEN 16
#define WIRE_VEC_HELLO_REQUEST_MSG_PID 4242
#define WIRE_VEC_HELLO_REQUEST_MSG_NAME "curl"

/* hello-ok: hello response {"status":0} */
static const uint8_t WIRE_VEC_HELLO_OK[] = { 0x00, 0x05, 0x00, 0x5e, 0xed, 0x00, 0x02 };
#define WIRE_VEC_HELLO_OK_ID 0x5eed0002u
#define WIRE_VEC_HELLO_OK_MSG_STATUS 0

/* connect-request-blocking-v4: connect request {"socktype":1,"address":"hex:04c61200010050","flags":3} */
static const uint8_t WIRE_VEC_CONNECT_REQUEST_BLOCKING_V4[] = { 0x00, 0x0e, 0x02, 0x5e, 0xed, 0x00, 0x03, 0x01, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50, 0x03 };
#define WIRE_VEC_CONNECT_REQUEST_BLOCKING_V4_ID 0x5eed0003u
#define WIRE_VEC_CONNECT_REQUEST_BLOCKING_V4_MSG_SOCKTYPE 1
static const uint8_t WIRE_VEC_CONNECT_REQUEST_BLOCKING_V4_MSG_ADDRESS[] __attribute__((unused)) = { 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50 };
#define WIRE_VEC_CONNECT_REQUEST_BLOCKING_V4_MSG_ADDRESS_LEN 7
#define WIRE_VEC_CONNECT_REQUEST_BLOCKING_V4_MSG_FLAGS 3

/* connect-request-out-of-band-v6: connect request {"socktype":1,"address":"hex:0620010db800000000000000000000000701bb","flags":14} */
static const uint8_t WIRE_VEC_CONNECT_REQUEST_OUT_OF_BAND_V6[] = { 0x00, 0x1a, 0x02, 0x5e, 0xed, 0x00, 0x04, 0x01, 0x06, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x01, 0xbb, 0x0e };
#define WIRE_VEC_CONNECT_REQUEST_OUT_OF_BAND_V6_ID 0x5eed0004u
#define WIRE_VEC_CONNECT_REQUEST_OUT_OF_BAND_V6_MSG_SOCKTYPE 1
static const uint8_t WIRE_VEC_CONNECT_REQUEST_OUT_OF_BAND_V6_MSG_ADDRESS[] __attribute__((unused)) = { 0x06, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x01, 0xbb };
#define WIRE_VEC_CONNECT_REQUEST_OUT_OF_BAND_V6_MSG_ADDRESS_LEN 19
#define WIRE_VEC_CONNECT_REQUEST_OUT_OF_BAND_V6_MSG_FLAGS 14

/* connect-request-no-flags: connect request {"socktype":1,"address":"hex:04c61200010050"} */
static const uint8_t WIRE_VEC_CONNECT_REQUEST_NO_FLAGS[] = { 0x00, 0x0d, 0x02, 0x5e, 0xed, 0x00, 0x05, 0x01, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50 };
#define WIRE_VEC_CONNECT_REQUEST_NO_FLAGS_ID 0x5eed0005u
#define WIRE_VEC_CONNECT_REQUEST_NO_FLAGS_MSG_SOCKTYPE 1
static const uint8_t WIRE_VEC_CONNECT_REQUEST_NO_FLAGS_MSG_ADDRESS[] __attribute__((unused)) = { 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50 };
#define WIRE_VEC_CONNECT_REQUEST_NO_FLAGS_MSG_ADDRESS_LEN 7

/* connect-request-datagram: connect request {"socktype":2,"address":"hex:04c61200090035","flags":0} */
static const uint8_t WIRE_VEC_CONNECT_REQUEST_DATAGRAM[] = { 0x00, 0x0e, 0x02, 0x5e, 0xed, 0x00, 0x06, 0x02, 0x04, 0xc6, 0x12, 0x00, 0x09, 0x00, 0x35, 0x00 };
#define WIRE_VEC_CONNECT_REQUEST_DATAGRAM_ID 0x5eed0006u
#define WIRE_VEC_CONNECT_REQUEST_DATAGRAM_MSG_SOCKTYPE 2
static const uint8_t WIRE_VEC_CONNECT_REQUEST_DATAGRAM_MSG_ADDRESS[] __attribute__((unused)) = { 0x04, 0xc6, 0x12, 0x00, 0x09, 0x00, 0x35 };
#define WIRE_VEC_CONNECT_REQUEST_DATAGRAM_MSG_ADDRESS_LEN 7
#define WIRE_VEC_CONNECT_REQUEST_DATAGRAM_MSG_FLAGS 0

/* connect-direct: connect response {"status":0,"action":0} */
static const uint8_t WIRE_VEC_CONNECT_DIRECT[] = { 0x00, 0x06, 0x00, 0x5e, 0xed, 0x00, 0x07, 0x00 };
#define WIRE_VEC_CONNECT_DIRECT_ID 0x5eed0007u
#define WIRE_VEC_CONNECT_DIRECT_MSG_STATUS 0
#define WIRE_VEC_CONNECT_DIRECT_MSG_ACTION 0

/* connect-proxy: connect response {"status":0,"action":1,"ticket":"hex:a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"} */
static const uint8_t WIRE_VEC_CONNECT_PROXY[] = { 0x00, 0x16, 0x00, 0x5e, 0xed, 0x00, 0x08, 0x01, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
#define WIRE_VEC_CONNECT_PROXY_ID 0x5eed0008u
#define WIRE_VEC_CONNECT_PROXY_MSG_STATUS 0
#define WIRE_VEC_CONNECT_PROXY_MSG_ACTION 1
static const uint8_t WIRE_VEC_CONNECT_PROXY_MSG_TICKET[] __attribute__((unused)) = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
#define WIRE_VEC_CONNECT_PROXY_MSG_TICKET_LEN 16

/* connect-execute-dial-scripted-standing: connect response {"status":0,"action":2,"session":9,"instruction":{"state":3,"arg":6,"consume":0,"waitMs":8000,"dial":{"proxy":"hex:047f0000010438","readMs":15000,"script":[{"prefix":"hex:0500","total":2,"then":"hex:05010001c61200010050","endsHop":false},{"prefix":"hex:05000001","total":10,"then":"hex:","endsHop":true}]},"send":"hex:050100"}} */
static const uint8_t WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING[] = { 0x00, 0x3d, 0x00, 0x5e, 0xed, 0x00, 0x09, 0x02, 0x00, 0x00, 0x00, 0x09, 0x03, 0x06, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x40, 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x38, 0x00, 0x00, 0x3a, 0x98, 0x00, 0x1b, 0x02, 0x02, 0x05, 0x00, 0x00, 0x02, 0x00, 0x0a, 0x05, 0x01, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50, 0x84, 0x05, 0x00, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x05, 0x01, 0x00 };
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_ID 0x5eed0009u
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_STATUS 0
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_ACTION 2
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_SESSION 9
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_STATE 3
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_ARG 6
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_CONSUME 0
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_WAIT_MS 8000
static const uint8_t WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_PROXY[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x38 };
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_PROXY_LEN 7
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_READ_MS 15000
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_COUNT 2
static const uint8_t WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_PREFIX[] __attribute__((unused)) = { 0x05, 0x00 };
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_PREFIX_LEN 2
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_TOTAL 2
static const uint8_t WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_THEN[] __attribute__((unused)) = { 0x05, 0x01, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50 };
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_THEN_LEN 10
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_0_ENDS_HOP 0
static const uint8_t WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_PREFIX[] __attribute__((unused)) = { 0x05, 0x00, 0x00, 0x01 };
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_PREFIX_LEN 4
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_TOTAL 10
static const uint8_t WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_THEN[] __attribute__((unused)) = { 0 /* empty */ };
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_THEN_LEN 0
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_DIAL_SCRIPT_1_ENDS_HOP 1
static const uint8_t WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_SEND[] __attribute__((unused)) = { 0x05, 0x01, 0x00 };
#define WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING_MSG_INSTRUCTION_SEND_LEN 3

/* connect-execute-done-enetunreach: connect response {"status":0,"action":2,"session":10,"instruction":{"state":2,"arg":101,"consume":0,"waitMs":0,"send":"hex:"}} */
static const uint8_t WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH[] = { 0x00, 0x12, 0x00, 0x5e, 0xed, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_ID 0x5eed000au
#define WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_MSG_STATUS 0
#define WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_MSG_ACTION 2
#define WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_MSG_SESSION 10
#define WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_MSG_INSTRUCTION_STATE 2
#define WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_MSG_INSTRUCTION_ARG 101
#define WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_MSG_INSTRUCTION_CONSUME 0
#define WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_MSG_INSTRUCTION_WAIT_MS 0
static const uint8_t WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_MSG_INSTRUCTION_SEND[] __attribute__((unused)) = { 0 /* empty */ };
#define WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH_MSG_INSTRUCTION_SEND_LEN 0

/* connect-errno-enetunreach: connect response {"status":101} */
static const uint8_t WIRE_VEC_CONNECT_ERRNO_ENETUNREACH[] = { 0x00, 0x05, 0x65, 0x5e, 0xed, 0x00, 0x0b };
#define WIRE_VEC_CONNECT_ERRNO_ENETUNREACH_ID 0x5eed000bu
#define WIRE_VEC_CONNECT_ERRNO_ENETUNREACH_MSG_STATUS 101

/* resolve-request-unspec: resolve request {"family":0,"name":"example.com"} */
static const uint8_t WIRE_VEC_RESOLVE_REQUEST_UNSPEC[] = { 0x00, 0x11, 0x03, 0x5e, 0xed, 0x00, 0x0c, 0x00, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d };
#define WIRE_VEC_RESOLVE_REQUEST_UNSPEC_ID 0x5eed000cu
#define WIRE_VEC_RESOLVE_REQUEST_UNSPEC_MSG_FAMILY 0
#define WIRE_VEC_RESOLVE_REQUEST_UNSPEC_MSG_NAME "example.com"

/* resolve-request-v6: resolve request {"family":6,"name":"example.org"} */
static const uint8_t WIRE_VEC_RESOLVE_REQUEST_V6[] = { 0x00, 0x11, 0x03, 0x5e, 0xed, 0x00, 0x0d, 0x06, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72, 0x67 };
#define WIRE_VEC_RESOLVE_REQUEST_V6_ID 0x5eed000du
#define WIRE_VEC_RESOLVE_REQUEST_V6_MSG_FAMILY 6
#define WIRE_VEC_RESOLVE_REQUEST_V6_MSG_NAME "example.org"

/* resolve-ok: resolve response {"status":0,"addresses":["198.18.0.5","2001:db8::5"]} */
static const uint8_t WIRE_VEC_RESOLVE_OK[] = { 0x00, 0x1c, 0x00, 0x5e, 0xed, 0x00, 0x0e, 0x02, 0x04, 0xc6, 0x12, 0x00, 0x05, 0x06, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05 };
#define WIRE_VEC_RESOLVE_OK_ID 0x5eed000eu
#define WIRE_VEC_RESOLVE_OK_MSG_STATUS 0
#define WIRE_VEC_RESOLVE_OK_MSG_ADDRESSES_COUNT 2
#define WIRE_VEC_RESOLVE_OK_MSG_ADDRESSES_0 "198.18.0.5"
#define WIRE_VEC_RESOLVE_OK_MSG_ADDRESSES_1 "2001:db8::5"

/* resolve-not-found: resolve response {"status":1} */
static const uint8_t WIRE_VEC_RESOLVE_NOT_FOUND[] = { 0x00, 0x05, 0x01, 0x5e, 0xed, 0x00, 0x0f };
#define WIRE_VEC_RESOLVE_NOT_FOUND_ID 0x5eed000fu
#define WIRE_VEC_RESOLVE_NOT_FOUND_MSG_STATUS 1

/* resolve-try-again: resolve response {"status":2} */
static const uint8_t WIRE_VEC_RESOLVE_TRY_AGAIN[] = { 0x00, 0x05, 0x02, 0x5e, 0xed, 0x00, 0x10 };
#define WIRE_VEC_RESOLVE_TRY_AGAIN_ID 0x5eed0010u
#define WIRE_VEC_RESOLVE_TRY_AGAIN_MSG_STATUS 2

/* reverse-request: reverse request {"ip":{"family":4,"host":"198.18.0.5"}} */
static const uint8_t WIRE_VEC_REVERSE_REQUEST[] = { 0x00, 0x0a, 0x04, 0x5e, 0xed, 0x00, 0x11, 0x04, 0xc6, 0x12, 0x00, 0x05 };
#define WIRE_VEC_REVERSE_REQUEST_ID 0x5eed0011u
#define WIRE_VEC_REVERSE_REQUEST_MSG_IP_FAMILY 4
#define WIRE_VEC_REVERSE_REQUEST_MSG_IP_HOST "198.18.0.5"

/* reverse-ok: reverse response {"status":0,"name":"example.com"} */
static const uint8_t WIRE_VEC_REVERSE_OK[] = { 0x00, 0x10, 0x00, 0x5e, 0xed, 0x00, 0x12, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d };
#define WIRE_VEC_REVERSE_OK_ID 0x5eed0012u
#define WIRE_VEC_REVERSE_OK_MSG_STATUS 0
#define WIRE_VEC_REVERSE_OK_MSG_NAME "example.com"

/* reverse-not-found: reverse response {"status":1} */
static const uint8_t WIRE_VEC_REVERSE_NOT_FOUND[] = { 0x00, 0x05, 0x01, 0x5e, 0xed, 0x00, 0x13 };
#define WIRE_VEC_REVERSE_NOT_FOUND_ID 0x5eed0013u
#define WIRE_VEC_REVERSE_NOT_FOUND_MSG_STATUS 1

/* peer-request-relay4: peer request {"localPort":40000,"relay":4} */
static const uint8_t WIRE_VEC_PEER_REQUEST_RELAY4[] = { 0x00, 0x08, 0x05, 0x5e, 0xed, 0x00, 0x14, 0x9c, 0x40, 0x04 };
#define WIRE_VEC_PEER_REQUEST_RELAY4_ID 0x5eed0014u
#define WIRE_VEC_PEER_REQUEST_RELAY4_MSG_LOCAL_PORT 40000
#define WIRE_VEC_PEER_REQUEST_RELAY4_MSG_RELAY 4

/* peer-request-relay6: peer request {"localPort":40001,"relay":6} */
static const uint8_t WIRE_VEC_PEER_REQUEST_RELAY6[] = { 0x00, 0x08, 0x05, 0x5e, 0xed, 0x00, 0x15, 0x9c, 0x41, 0x06 };
#define WIRE_VEC_PEER_REQUEST_RELAY6_ID 0x5eed0015u
#define WIRE_VEC_PEER_REQUEST_RELAY6_MSG_LOCAL_PORT 40001
#define WIRE_VEC_PEER_REQUEST_RELAY6_MSG_RELAY 6

/* peer-request-dial-path: peer request {"localPort":40002,"relay":0,"via":"hex:047f0000010438"} */
static const uint8_t WIRE_VEC_PEER_REQUEST_DIAL_PATH[] = { 0x00, 0x0f, 0x05, 0x5e, 0xed, 0x00, 0x16, 0x9c, 0x42, 0x00, 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x38 };
#define WIRE_VEC_PEER_REQUEST_DIAL_PATH_ID 0x5eed0016u
#define WIRE_VEC_PEER_REQUEST_DIAL_PATH_MSG_LOCAL_PORT 40002
#define WIRE_VEC_PEER_REQUEST_DIAL_PATH_MSG_RELAY 0
static const uint8_t WIRE_VEC_PEER_REQUEST_DIAL_PATH_MSG_VIA[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x38 };
#define WIRE_VEC_PEER_REQUEST_DIAL_PATH_MSG_VIA_LEN 7

/* peer-ok: peer response {"status":0,"address":"hex:04c61200010050"} */
static const uint8_t WIRE_VEC_PEER_OK[] = { 0x00, 0x0c, 0x00, 0x5e, 0xed, 0x00, 0x17, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50 };
#define WIRE_VEC_PEER_OK_ID 0x5eed0017u
#define WIRE_VEC_PEER_OK_MSG_STATUS 0
static const uint8_t WIRE_VEC_PEER_OK_MSG_ADDRESS[] __attribute__((unused)) = { 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50 };
#define WIRE_VEC_PEER_OK_MSG_ADDRESS_LEN 7

/* peer-not-found: peer response {"status":1} */
static const uint8_t WIRE_VEC_PEER_NOT_FOUND[] = { 0x00, 0x05, 0x01, 0x5e, 0xed, 0x00, 0x18 };
#define WIRE_VEC_PEER_NOT_FOUND_ID 0x5eed0018u
#define WIRE_VEC_PEER_NOT_FOUND_MSG_STATUS 1

/* udp-route-request-connecting: udpRoute request {"connecting":true,"relay":4,"localPort":5353,"address":"hex:04c61200010035"} */
static const uint8_t WIRE_VEC_UDP_ROUTE_REQUEST_CONNECTING[] = { 0x00, 0x10, 0x06, 0x5e, 0xed, 0x00, 0x19, 0x01, 0x04, 0x14, 0xe9, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x35 };
#define WIRE_VEC_UDP_ROUTE_REQUEST_CONNECTING_ID 0x5eed0019u
#define WIRE_VEC_UDP_ROUTE_REQUEST_CONNECTING_MSG_CONNECTING 1
#define WIRE_VEC_UDP_ROUTE_REQUEST_CONNECTING_MSG_RELAY 4
#define WIRE_VEC_UDP_ROUTE_REQUEST_CONNECTING_MSG_LOCAL_PORT 5353
static const uint8_t WIRE_VEC_UDP_ROUTE_REQUEST_CONNECTING_MSG_ADDRESS[] __attribute__((unused)) = { 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x35 };
#define WIRE_VEC_UDP_ROUTE_REQUEST_CONNECTING_MSG_ADDRESS_LEN 7

/* udp-route-request-unconnected-v6: udpRoute request {"connecting":false,"relay":6,"localPort":5354,"address":"hex:0620010db80000000000000000000000530035"} */
static const uint8_t WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6[] = { 0x00, 0x1c, 0x06, 0x5e, 0xed, 0x00, 0x1a, 0x00, 0x06, 0x14, 0xea, 0x06, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x00, 0x35 };
#define WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6_ID 0x5eed001au
#define WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6_MSG_CONNECTING 0
#define WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6_MSG_RELAY 6
#define WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6_MSG_LOCAL_PORT 5354
static const uint8_t WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6_MSG_ADDRESS[] __attribute__((unused)) = { 0x06, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x00, 0x35 };
#define WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6_MSG_ADDRESS_LEN 19

/* udp-route-direct: udpRoute response {"status":0,"action":0} */
static const uint8_t WIRE_VEC_UDP_ROUTE_DIRECT[] = { 0x00, 0x06, 0x00, 0x5e, 0xed, 0x00, 0x1b, 0x00 };
#define WIRE_VEC_UDP_ROUTE_DIRECT_ID 0x5eed001bu
#define WIRE_VEC_UDP_ROUTE_DIRECT_MSG_STATUS 0
#define WIRE_VEC_UDP_ROUTE_DIRECT_MSG_ACTION 0

/* udp-route-relay: udpRoute response {"status":0,"action":1,"id":"hex:0102030405060708","replyKey":"hex:303132333435363738393a3b3c3d3e3f"} */
static const uint8_t WIRE_VEC_UDP_ROUTE_RELAY[] = { 0x00, 0x1e, 0x00, 0x5e, 0xed, 0x00, 0x1c, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f };
#define WIRE_VEC_UDP_ROUTE_RELAY_ID 0x5eed001cu
#define WIRE_VEC_UDP_ROUTE_RELAY_MSG_STATUS 0
#define WIRE_VEC_UDP_ROUTE_RELAY_MSG_ACTION 1
static const uint8_t WIRE_VEC_UDP_ROUTE_RELAY_MSG_ID[] __attribute__((unused)) = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
#define WIRE_VEC_UDP_ROUTE_RELAY_MSG_ID_LEN 8
static const uint8_t WIRE_VEC_UDP_ROUTE_RELAY_MSG_REPLY_KEY[] __attribute__((unused)) = { 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f };
#define WIRE_VEC_UDP_ROUTE_RELAY_MSG_REPLY_KEY_LEN 16

/* udp-route-errno-enetunreach: udpRoute response {"status":101} */
static const uint8_t WIRE_VEC_UDP_ROUTE_ERRNO_ENETUNREACH[] = { 0x00, 0x05, 0x65, 0x5e, 0xed, 0x00, 0x1d };
#define WIRE_VEC_UDP_ROUTE_ERRNO_ENETUNREACH_ID 0x5eed001du
#define WIRE_VEC_UDP_ROUTE_ERRNO_ENETUNREACH_MSG_STATUS 101

/* udp-release-request-closed: udpRelease request {"closed":true,"relay":4,"localPort":5353} */
static const uint8_t WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED[] = { 0x00, 0x09, 0x07, 0x5e, 0xed, 0x00, 0x1e, 0x01, 0x04, 0x14, 0xe9 };
#define WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED_ID 0x5eed001eu
#define WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED_MSG_CLOSED 1
#define WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED_MSG_RELAY 4
#define WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED_MSG_LOCAL_PORT 5353

/* udp-release-request-disconnected: udpRelease request {"closed":false,"relay":6,"localPort":5354} */
static const uint8_t WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED[] = { 0x00, 0x09, 0x07, 0x5e, 0xed, 0x00, 0x1f, 0x00, 0x06, 0x14, 0xea };
#define WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED_ID 0x5eed001fu
#define WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED_MSG_CLOSED 0
#define WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED_MSG_RELAY 6
#define WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED_MSG_LOCAL_PORT 5354

/* udp-release-ok: udpRelease response {"status":0} */
static const uint8_t WIRE_VEC_UDP_RELEASE_OK[] = { 0x00, 0x05, 0x00, 0x5e, 0xed, 0x00, 0x20 };
#define WIRE_VEC_UDP_RELEASE_OK_ID 0x5eed0020u
#define WIRE_VEC_UDP_RELEASE_OK_MSG_STATUS 0

/* udp-lookup-request: udpLookup request {"relay":4,"localPort":5353} */
static const uint8_t WIRE_VEC_UDP_LOOKUP_REQUEST[] = { 0x00, 0x08, 0x0a, 0x5e, 0xed, 0x00, 0x21, 0x04, 0x14, 0xe9 };
#define WIRE_VEC_UDP_LOOKUP_REQUEST_ID 0x5eed0021u
#define WIRE_VEC_UDP_LOOKUP_REQUEST_MSG_RELAY 4
#define WIRE_VEC_UDP_LOOKUP_REQUEST_MSG_LOCAL_PORT 5353

/* udp-lookup-unconnected: udpLookup response {"status":0,"id":"hex:0102030405060708","replyKey":"hex:303132333435363738393a3b3c3d3e3f"} */
static const uint8_t WIRE_VEC_UDP_LOOKUP_UNCONNECTED[] = { 0x00, 0x1e, 0x00, 0x5e, 0xed, 0x00, 0x22, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x00 };
#define WIRE_VEC_UDP_LOOKUP_UNCONNECTED_ID 0x5eed0022u
#define WIRE_VEC_UDP_LOOKUP_UNCONNECTED_MSG_STATUS 0
static const uint8_t WIRE_VEC_UDP_LOOKUP_UNCONNECTED_MSG_ID[] __attribute__((unused)) = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
#define WIRE_VEC_UDP_LOOKUP_UNCONNECTED_MSG_ID_LEN 8
static const uint8_t WIRE_VEC_UDP_LOOKUP_UNCONNECTED_MSG_REPLY_KEY[] __attribute__((unused)) = { 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f };
#define WIRE_VEC_UDP_LOOKUP_UNCONNECTED_MSG_REPLY_KEY_LEN 16

/* udp-lookup-connected: udpLookup response {"status":0,"id":"hex:0102030405060708","replyKey":"hex:303132333435363738393a3b3c3d3e3f","peer":"hex:04c61200010035"} */
static const uint8_t WIRE_VEC_UDP_LOOKUP_CONNECTED[] = { 0x00, 0x25, 0x00, 0x5e, 0xed, 0x00, 0x23, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x01, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x35 };
#define WIRE_VEC_UDP_LOOKUP_CONNECTED_ID 0x5eed0023u
#define WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_STATUS 0
static const uint8_t WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_ID[] __attribute__((unused)) = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
#define WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_ID_LEN 8
static const uint8_t WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_REPLY_KEY[] __attribute__((unused)) = { 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f };
#define WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_REPLY_KEY_LEN 16
static const uint8_t WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_PEER[] __attribute__((unused)) = { 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x35 };
#define WIRE_VEC_UDP_LOOKUP_CONNECTED_MSG_PEER_LEN 7

/* udp-lookup-not-found: udpLookup response {"status":1} */
static const uint8_t WIRE_VEC_UDP_LOOKUP_NOT_FOUND[] = { 0x00, 0x05, 0x01, 0x5e, 0xed, 0x00, 0x24 };
#define WIRE_VEC_UDP_LOOKUP_NOT_FOUND_ID 0x5eed0024u
#define WIRE_VEC_UDP_LOOKUP_NOT_FOUND_MSG_STATUS 1

/* step-request-data: step request {"session":9,"event":0,"errno":0,"localPort":40000,"matched":1,"bytes":"hex:05050001000000000000"} */
static const uint8_t WIRE_VEC_STEP_REQUEST_DATA[] = { 0x00, 0x19, 0x0b, 0x5e, 0xed, 0x00, 0x25, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x9c, 0x40, 0x01, 0x05, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_STEP_REQUEST_DATA_ID 0x5eed0025u
#define WIRE_VEC_STEP_REQUEST_DATA_MSG_SESSION 9
#define WIRE_VEC_STEP_REQUEST_DATA_MSG_EVENT 0
#define WIRE_VEC_STEP_REQUEST_DATA_MSG_ERRNO 0
#define WIRE_VEC_STEP_REQUEST_DATA_MSG_LOCAL_PORT 40000
#define WIRE_VEC_STEP_REQUEST_DATA_MSG_MATCHED 1
static const uint8_t WIRE_VEC_STEP_REQUEST_DATA_MSG_BYTES[] __attribute__((unused)) = { 0x05, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_STEP_REQUEST_DATA_MSG_BYTES_LEN 10

/* step-request-connect-failed: step request {"session":9,"event":3,"errno":111,"localPort":0,"matched":0,"bytes":"hex:"} */
static const uint8_t WIRE_VEC_STEP_REQUEST_CONNECT_FAILED[] = { 0x00, 0x0f, 0x0b, 0x5e, 0xed, 0x00, 0x26, 0x00, 0x00, 0x00, 0x09, 0x03, 0x00, 0x6f, 0x00, 0x00, 0x00 };
#define WIRE_VEC_STEP_REQUEST_CONNECT_FAILED_ID 0x5eed0026u
#define WIRE_VEC_STEP_REQUEST_CONNECT_FAILED_MSG_SESSION 9
#define WIRE_VEC_STEP_REQUEST_CONNECT_FAILED_MSG_EVENT 3
#define WIRE_VEC_STEP_REQUEST_CONNECT_FAILED_MSG_ERRNO 111
#define WIRE_VEC_STEP_REQUEST_CONNECT_FAILED_MSG_LOCAL_PORT 0
#define WIRE_VEC_STEP_REQUEST_CONNECT_FAILED_MSG_MATCHED 0
static const uint8_t WIRE_VEC_STEP_REQUEST_CONNECT_FAILED_MSG_BYTES[] __attribute__((unused)) = { 0 /* empty */ };
#define WIRE_VEC_STEP_REQUEST_CONNECT_FAILED_MSG_BYTES_LEN 0

/* step-request-sent: step request {"session":9,"event":6,"errno":0,"localPort":40000,"matched":0,"bytes":"hex:"} */
static const uint8_t WIRE_VEC_STEP_REQUEST_SENT[] = { 0x00, 0x0f, 0x0b, 0x5e, 0xed, 0x00, 0x27, 0x00, 0x00, 0x00, 0x09, 0x06, 0x00, 0x00, 0x9c, 0x40, 0x00 };
#define WIRE_VEC_STEP_REQUEST_SENT_ID 0x5eed0027u
#define WIRE_VEC_STEP_REQUEST_SENT_MSG_SESSION 9
#define WIRE_VEC_STEP_REQUEST_SENT_MSG_EVENT 6
#define WIRE_VEC_STEP_REQUEST_SENT_MSG_ERRNO 0
#define WIRE_VEC_STEP_REQUEST_SENT_MSG_LOCAL_PORT 40000
#define WIRE_VEC_STEP_REQUEST_SENT_MSG_MATCHED 0
static const uint8_t WIRE_VEC_STEP_REQUEST_SENT_MSG_BYTES[] __attribute__((unused)) = { 0 /* empty */ };
#define WIRE_VEC_STEP_REQUEST_SENT_MSG_BYTES_LEN 0

/* step-read: step response {"status":0,"instruction":{"state":0,"arg":0,"consume":2,"waitMs":14990,"send":"hex:05010001c61200010050"}} */
static const uint8_t WIRE_VEC_STEP_READ[] = { 0x00, 0x17, 0x00, 0x5e, 0xed, 0x00, 0x28, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x3a, 0x8e, 0x05, 0x01, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50 };
#define WIRE_VEC_STEP_READ_ID 0x5eed0028u
#define WIRE_VEC_STEP_READ_MSG_STATUS 0
#define WIRE_VEC_STEP_READ_MSG_INSTRUCTION_STATE 0
#define WIRE_VEC_STEP_READ_MSG_INSTRUCTION_ARG 0
#define WIRE_VEC_STEP_READ_MSG_INSTRUCTION_CONSUME 2
#define WIRE_VEC_STEP_READ_MSG_INSTRUCTION_WAIT_MS 14990
static const uint8_t WIRE_VEC_STEP_READ_MSG_INSTRUCTION_SEND[] __attribute__((unused)) = { 0x05, 0x01, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50 };
#define WIRE_VEC_STEP_READ_MSG_INSTRUCTION_SEND_LEN 10

/* step-read-more: step response {"status":0,"instruction":{"state":0,"arg":1,"consume":0,"waitMs":14990,"send":"hex:010475736572"}} */
static const uint8_t WIRE_VEC_STEP_READ_MORE[] = { 0x00, 0x13, 0x00, 0x5e, 0xed, 0x00, 0x29, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x8e, 0x01, 0x04, 0x75, 0x73, 0x65, 0x72 };
#define WIRE_VEC_STEP_READ_MORE_ID 0x5eed0029u
#define WIRE_VEC_STEP_READ_MORE_MSG_STATUS 0
#define WIRE_VEC_STEP_READ_MORE_MSG_INSTRUCTION_STATE 0
#define WIRE_VEC_STEP_READ_MORE_MSG_INSTRUCTION_ARG 1
#define WIRE_VEC_STEP_READ_MORE_MSG_INSTRUCTION_CONSUME 0
#define WIRE_VEC_STEP_READ_MORE_MSG_INSTRUCTION_WAIT_MS 14990
static const uint8_t WIRE_VEC_STEP_READ_MORE_MSG_INSTRUCTION_SEND[] __attribute__((unused)) = { 0x01, 0x04, 0x75, 0x73, 0x65, 0x72 };
#define WIRE_VEC_STEP_READ_MORE_MSG_INSTRUCTION_SEND_LEN 6

/* step-done-connected: step response {"status":0,"instruction":{"state":2,"arg":0,"consume":10,"waitMs":0,"send":"hex:"}} */
static const uint8_t WIRE_VEC_STEP_DONE_CONNECTED[] = { 0x00, 0x0d, 0x00, 0x5e, 0xed, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_STEP_DONE_CONNECTED_ID 0x5eed002au
#define WIRE_VEC_STEP_DONE_CONNECTED_MSG_STATUS 0
#define WIRE_VEC_STEP_DONE_CONNECTED_MSG_INSTRUCTION_STATE 2
#define WIRE_VEC_STEP_DONE_CONNECTED_MSG_INSTRUCTION_ARG 0
#define WIRE_VEC_STEP_DONE_CONNECTED_MSG_INSTRUCTION_CONSUME 10
#define WIRE_VEC_STEP_DONE_CONNECTED_MSG_INSTRUCTION_WAIT_MS 0
static const uint8_t WIRE_VEC_STEP_DONE_CONNECTED_MSG_INSTRUCTION_SEND[] __attribute__((unused)) = { 0 /* empty */ };
#define WIRE_VEC_STEP_DONE_CONNECTED_MSG_INSTRUCTION_SEND_LEN 0

/* step-done-econnrefused: step response {"status":0,"instruction":{"state":2,"arg":111,"consume":0,"waitMs":0,"send":"hex:"}} */
static const uint8_t WIRE_VEC_STEP_DONE_ECONNREFUSED[] = { 0x00, 0x0d, 0x00, 0x5e, 0xed, 0x00, 0x2b, 0x02, 0x6f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_STEP_DONE_ECONNREFUSED_ID 0x5eed002bu
#define WIRE_VEC_STEP_DONE_ECONNREFUSED_MSG_STATUS 0
#define WIRE_VEC_STEP_DONE_ECONNREFUSED_MSG_INSTRUCTION_STATE 2
#define WIRE_VEC_STEP_DONE_ECONNREFUSED_MSG_INSTRUCTION_ARG 111
#define WIRE_VEC_STEP_DONE_ECONNREFUSED_MSG_INSTRUCTION_CONSUME 0
#define WIRE_VEC_STEP_DONE_ECONNREFUSED_MSG_INSTRUCTION_WAIT_MS 0
static const uint8_t WIRE_VEC_STEP_DONE_ECONNREFUSED_MSG_INSTRUCTION_SEND[] __attribute__((unused)) = { 0 /* empty */ };
#define WIRE_VEC_STEP_DONE_ECONNREFUSED_MSG_INSTRUCTION_SEND_LEN 0

/* step-dial-unscripted: step response {"status":0,"instruction":{"state":3,"arg":1,"consume":0,"waitMs":8000,"dial":{"proxy":"hex:0620010db80000000000000000000010800438","readMs":15000},"send":"hex:050100"}} */
static const uint8_t WIRE_VEC_STEP_DIAL_UNSCRIPTED[] = { 0x00, 0x27, 0x00, 0x5e, 0xed, 0x00, 0x2c, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x40, 0x06, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x80, 0x04, 0x38, 0x00, 0x00, 0x3a, 0x98, 0x05, 0x01, 0x00 };
#define WIRE_VEC_STEP_DIAL_UNSCRIPTED_ID 0x5eed002cu
#define WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_STATUS 0
#define WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_INSTRUCTION_STATE 3
#define WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_INSTRUCTION_ARG 1
#define WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_INSTRUCTION_CONSUME 0
#define WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_INSTRUCTION_WAIT_MS 8000
static const uint8_t WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_INSTRUCTION_DIAL_PROXY[] __attribute__((unused)) = { 0x06, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x80, 0x04, 0x38 };
#define WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_INSTRUCTION_DIAL_PROXY_LEN 19
#define WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_INSTRUCTION_DIAL_READ_MS 15000
static const uint8_t WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_INSTRUCTION_SEND[] __attribute__((unused)) = { 0x05, 0x01, 0x00 };
#define WIRE_VEC_STEP_DIAL_UNSCRIPTED_MSG_INSTRUCTION_SEND_LEN 3

/* proxies-request: proxies request {} */
static const uint8_t WIRE_VEC_PROXIES_REQUEST[] = { 0x00, 0x05, 0x0c, 0x5e, 0xed, 0x00, 0x2d };
#define WIRE_VEC_PROXIES_REQUEST_ID 0x5eed002du

/* proxies-ok: proxies response {"status":0,"addresses":["hex:047f0000010438","hex:0620010db80000000000000000000010800438"]} */
static const uint8_t WIRE_VEC_PROXIES_OK[] = { 0x00, 0x20, 0x00, 0x5e, 0xed, 0x00, 0x2e, 0x02, 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x38, 0x06, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x80, 0x04, 0x38 };
#define WIRE_VEC_PROXIES_OK_ID 0x5eed002eu
#define WIRE_VEC_PROXIES_OK_MSG_STATUS 0
#define WIRE_VEC_PROXIES_OK_MSG_ADDRESSES_COUNT 2
static const uint8_t WIRE_VEC_PROXIES_OK_MSG_ADDRESSES_0[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x38 };
#define WIRE_VEC_PROXIES_OK_MSG_ADDRESSES_0_LEN 7
static const uint8_t WIRE_VEC_PROXIES_OK_MSG_ADDRESSES_1[] __attribute__((unused)) = { 0x06, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x80, 0x04, 0x38 };
#define WIRE_VEC_PROXIES_OK_MSG_ADDRESSES_1_LEN 19

/* note-request-session: note request {"session":9,"localPort":40000} */
static const uint8_t WIRE_VEC_NOTE_REQUEST_SESSION[] = { 0x00, 0x0b, 0x0d, 0x5e, 0xed, 0x00, 0x2f, 0x00, 0x00, 0x00, 0x09, 0x9c, 0x40 };
#define WIRE_VEC_NOTE_REQUEST_SESSION_ID 0x5eed002fu
#define WIRE_VEC_NOTE_REQUEST_SESSION_MSG_SESSION 9
#define WIRE_VEC_NOTE_REQUEST_SESSION_MSG_LOCAL_PORT 40000

/* note-request-standing: note request {"session":0,"localPort":40003,"ms":12,"connect":{"socktype":1,"address":"hex:04c61200010050","flags":3}} */
static const uint8_t WIRE_VEC_NOTE_REQUEST_STANDING[] = { 0x00, 0x18, 0x0d, 0x5e, 0xed, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x43, 0x00, 0x00, 0x00, 0x0c, 0x01, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50, 0x03 };
#define WIRE_VEC_NOTE_REQUEST_STANDING_ID 0x5eed0030u
#define WIRE_VEC_NOTE_REQUEST_STANDING_MSG_SESSION 0
#define WIRE_VEC_NOTE_REQUEST_STANDING_MSG_LOCAL_PORT 40003
#define WIRE_VEC_NOTE_REQUEST_STANDING_MSG_MS 12
#define WIRE_VEC_NOTE_REQUEST_STANDING_MSG_CONNECT_SOCKTYPE 1
static const uint8_t WIRE_VEC_NOTE_REQUEST_STANDING_MSG_CONNECT_ADDRESS[] __attribute__((unused)) = { 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50 };
#define WIRE_VEC_NOTE_REQUEST_STANDING_MSG_CONNECT_ADDRESS_LEN 7
#define WIRE_VEC_NOTE_REQUEST_STANDING_MSG_CONNECT_FLAGS 3

/* resume-request: resume request {"connect":{"socktype":1,"address":"hex:04c61200010050","flags":3},"ms":30,"step":{"session":0,"event":0,"errno":0,"localPort":40004,"matched":1,"bytes":"hex:05050001000000000000"}} */
static const uint8_t WIRE_VEC_RESUME_REQUEST[] = { 0x00, 0x27, 0x0e, 0x5e, 0xed, 0x00, 0x31, 0x09, 0x01, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50, 0x03, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x44, 0x01, 0x05, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_RESUME_REQUEST_ID 0x5eed0031u
#define WIRE_VEC_RESUME_REQUEST_MSG_CONNECT_SOCKTYPE 1
static const uint8_t WIRE_VEC_RESUME_REQUEST_MSG_CONNECT_ADDRESS[] __attribute__((unused)) = { 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x50 };
#define WIRE_VEC_RESUME_REQUEST_MSG_CONNECT_ADDRESS_LEN 7
#define WIRE_VEC_RESUME_REQUEST_MSG_CONNECT_FLAGS 3
#define WIRE_VEC_RESUME_REQUEST_MSG_MS 30
#define WIRE_VEC_RESUME_REQUEST_MSG_STEP_SESSION 0
#define WIRE_VEC_RESUME_REQUEST_MSG_STEP_EVENT 0
#define WIRE_VEC_RESUME_REQUEST_MSG_STEP_ERRNO 0
#define WIRE_VEC_RESUME_REQUEST_MSG_STEP_LOCAL_PORT 40004
#define WIRE_VEC_RESUME_REQUEST_MSG_STEP_MATCHED 1
static const uint8_t WIRE_VEC_RESUME_REQUEST_MSG_STEP_BYTES[] __attribute__((unused)) = { 0x05, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_RESUME_REQUEST_MSG_STEP_BYTES_LEN 10

/* resume-done-econnrefused: resume response {"status":0,"session":11,"instruction":{"state":2,"arg":111,"consume":0,"waitMs":0,"send":"hex:"}} */
static const uint8_t WIRE_VEC_RESUME_DONE_ECONNREFUSED[] = { 0x00, 0x11, 0x00, 0x5e, 0xed, 0x00, 0x32, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x6f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_RESUME_DONE_ECONNREFUSED_ID 0x5eed0032u
#define WIRE_VEC_RESUME_DONE_ECONNREFUSED_MSG_STATUS 0
#define WIRE_VEC_RESUME_DONE_ECONNREFUSED_MSG_SESSION 11
#define WIRE_VEC_RESUME_DONE_ECONNREFUSED_MSG_INSTRUCTION_STATE 2
#define WIRE_VEC_RESUME_DONE_ECONNREFUSED_MSG_INSTRUCTION_ARG 111
#define WIRE_VEC_RESUME_DONE_ECONNREFUSED_MSG_INSTRUCTION_CONSUME 0
#define WIRE_VEC_RESUME_DONE_ECONNREFUSED_MSG_INSTRUCTION_WAIT_MS 0
static const uint8_t WIRE_VEC_RESUME_DONE_ECONNREFUSED_MSG_INSTRUCTION_SEND[] __attribute__((unused)) = { 0 /* empty */ };
#define WIRE_VEC_RESUME_DONE_ECONNREFUSED_MSG_INSTRUCTION_SEND_LEN 0

/* verdict-request: verdict request {"ticket":"hex:a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"} */
static const uint8_t WIRE_VEC_VERDICT_REQUEST[] = { 0x00, 0x15, 0x0f, 0x5e, 0xed, 0x00, 0x33, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
#define WIRE_VEC_VERDICT_REQUEST_ID 0x5eed0033u
static const uint8_t WIRE_VEC_VERDICT_REQUEST_MSG_TICKET[] __attribute__((unused)) = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
#define WIRE_VEC_VERDICT_REQUEST_MSG_TICKET_LEN 16

/* verdict-connected: verdict response {"status":0,"errno":0} */
static const uint8_t WIRE_VEC_VERDICT_CONNECTED[] = { 0x00, 0x06, 0x00, 0x5e, 0xed, 0x00, 0x34, 0x00 };
#define WIRE_VEC_VERDICT_CONNECTED_ID 0x5eed0034u
#define WIRE_VEC_VERDICT_CONNECTED_MSG_STATUS 0
#define WIRE_VEC_VERDICT_CONNECTED_MSG_ERRNO 0

/* verdict-econnrefused: verdict response {"status":0,"errno":111} */
static const uint8_t WIRE_VEC_VERDICT_ECONNREFUSED[] = { 0x00, 0x06, 0x00, 0x5e, 0xed, 0x00, 0x35, 0x6f };
#define WIRE_VEC_VERDICT_ECONNREFUSED_ID 0x5eed0035u
#define WIRE_VEC_VERDICT_ECONNREFUSED_MSG_STATUS 0
#define WIRE_VEC_VERDICT_ECONNREFUSED_MSG_ERRNO 111

/* verdict-unknown: verdict response {"status":1} */
static const uint8_t WIRE_VEC_VERDICT_UNKNOWN[] = { 0x00, 0x05, 0x01, 0x5e, 0xed, 0x00, 0x36 };
#define WIRE_VEC_VERDICT_UNKNOWN_ID 0x5eed0036u
#define WIRE_VEC_VERDICT_UNKNOWN_MSG_STATUS 1

/* sockname-request-relay6: sockname request {"localPort":40001,"relay":6} */
static const uint8_t WIRE_VEC_SOCKNAME_REQUEST_RELAY6[] = { 0x00, 0x08, 0x10, 0x5e, 0xed, 0x00, 0x37, 0x9c, 0x41, 0x06 };
#define WIRE_VEC_SOCKNAME_REQUEST_RELAY6_ID 0x5eed0037u
#define WIRE_VEC_SOCKNAME_REQUEST_RELAY6_MSG_LOCAL_PORT 40001
#define WIRE_VEC_SOCKNAME_REQUEST_RELAY6_MSG_RELAY 6

/* sockname-request-dial-path: sockname request {"localPort":40002,"relay":0,"via":"hex:047f0000010438"} */
static const uint8_t WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH[] = { 0x00, 0x0f, 0x10, 0x5e, 0xed, 0x00, 0x38, 0x9c, 0x42, 0x00, 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x38 };
#define WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH_ID 0x5eed0038u
#define WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH_MSG_LOCAL_PORT 40002
#define WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH_MSG_RELAY 0
static const uint8_t WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH_MSG_VIA[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x38 };
#define WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH_MSG_VIA_LEN 7

/* sockname-ok: sockname response {"status":0,"address":"hex:04c61301019c40"} */
static const uint8_t WIRE_VEC_SOCKNAME_OK[] = { 0x00, 0x0c, 0x00, 0x5e, 0xed, 0x00, 0x39, 0x04, 0xc6, 0x13, 0x01, 0x01, 0x9c, 0x40 };
#define WIRE_VEC_SOCKNAME_OK_ID 0x5eed0039u
#define WIRE_VEC_SOCKNAME_OK_MSG_STATUS 0
static const uint8_t WIRE_VEC_SOCKNAME_OK_MSG_ADDRESS[] __attribute__((unused)) = { 0x04, 0xc6, 0x13, 0x01, 0x01, 0x9c, 0x40 };
#define WIRE_VEC_SOCKNAME_OK_MSG_ADDRESS_LEN 7

/* sockname-not-found: sockname response {"status":1} */
static const uint8_t WIRE_VEC_SOCKNAME_NOT_FOUND[] = { 0x00, 0x05, 0x01, 0x5e, 0xed, 0x00, 0x3a };
#define WIRE_VEC_SOCKNAME_NOT_FOUND_ID 0x5eed003au
#define WIRE_VEC_SOCKNAME_NOT_FOUND_MSG_STATUS 1

/* bind-request-wildcard-v4: bind request {"flags":0,"listener":"hex:047f000001a000"} */
static const uint8_t WIRE_VEC_BIND_REQUEST_WILDCARD_V4[] = { 0x00, 0x0d, 0x11, 0x5e, 0xed, 0x00, 0x3b, 0x00, 0x04, 0x7f, 0x00, 0x00, 0x01, 0xa0, 0x00 };
#define WIRE_VEC_BIND_REQUEST_WILDCARD_V4_ID 0x5eed003bu
#define WIRE_VEC_BIND_REQUEST_WILDCARD_V4_MSG_FLAGS 0
static const uint8_t WIRE_VEC_BIND_REQUEST_WILDCARD_V4_MSG_LISTENER[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0xa0, 0x00 };
#define WIRE_VEC_BIND_REQUEST_WILDCARD_V4_MSG_LISTENER_LEN 7

/* bind-request-outside-v6: bind request {"flags":1,"listener":"hex:0600000000000000000000000000000001a001"} */
static const uint8_t WIRE_VEC_BIND_REQUEST_OUTSIDE_V6[] = { 0x00, 0x19, 0x11, 0x5e, 0xed, 0x00, 0x3c, 0x01, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xa0, 0x01 };
#define WIRE_VEC_BIND_REQUEST_OUTSIDE_V6_ID 0x5eed003cu
#define WIRE_VEC_BIND_REQUEST_OUTSIDE_V6_MSG_FLAGS 1
static const uint8_t WIRE_VEC_BIND_REQUEST_OUTSIDE_V6_MSG_LISTENER[] __attribute__((unused)) = { 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xa0, 0x01 };
#define WIRE_VEC_BIND_REQUEST_OUTSIDE_V6_MSG_LISTENER_LEN 19

/* bind-local: bind response {"status":0,"action":0} */
static const uint8_t WIRE_VEC_BIND_LOCAL[] = { 0x00, 0x06, 0x00, 0x5e, 0xed, 0x00, 0x3d, 0x00 };
#define WIRE_VEC_BIND_LOCAL_ID 0x5eed003du
#define WIRE_VEC_BIND_LOCAL_MSG_STATUS 0
#define WIRE_VEC_BIND_LOCAL_MSG_ACTION 0

/* bind-proxy: bind response {"status":0,"action":1,"bound":"hex:04c61301019c40"} */
static const uint8_t WIRE_VEC_BIND_PROXY[] = { 0x00, 0x0d, 0x00, 0x5e, 0xed, 0x00, 0x3e, 0x01, 0x04, 0xc6, 0x13, 0x01, 0x01, 0x9c, 0x40 };
#define WIRE_VEC_BIND_PROXY_ID 0x5eed003eu
#define WIRE_VEC_BIND_PROXY_MSG_STATUS 0
#define WIRE_VEC_BIND_PROXY_MSG_ACTION 1
static const uint8_t WIRE_VEC_BIND_PROXY_MSG_BOUND[] __attribute__((unused)) = { 0x04, 0xc6, 0x13, 0x01, 0x01, 0x9c, 0x40 };
#define WIRE_VEC_BIND_PROXY_MSG_BOUND_LEN 7

/* bind-eaddrnotavail: bind response {"status":99} */
static const uint8_t WIRE_VEC_BIND_EADDRNOTAVAIL[] = { 0x00, 0x05, 0x63, 0x5e, 0xed, 0x00, 0x3f };
#define WIRE_VEC_BIND_EADDRNOTAVAIL_ID 0x5eed003fu
#define WIRE_VEC_BIND_EADDRNOTAVAIL_MSG_STATUS 99

/* bind-peer-request: bindPeer request {"peer":"hex:047f000001c350"} */
static const uint8_t WIRE_VEC_BIND_PEER_REQUEST[] = { 0x00, 0x0c, 0x12, 0x5e, 0xed, 0x00, 0x40, 0x04, 0x7f, 0x00, 0x00, 0x01, 0xc3, 0x50 };
#define WIRE_VEC_BIND_PEER_REQUEST_ID 0x5eed0040u
static const uint8_t WIRE_VEC_BIND_PEER_REQUEST_MSG_PEER[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0xc3, 0x50 };
#define WIRE_VEC_BIND_PEER_REQUEST_MSG_PEER_LEN 7

/* bind-peer-ok: bindPeer response {"status":0,"address":"hex:04c61301010014"} */
static const uint8_t WIRE_VEC_BIND_PEER_OK[] = { 0x00, 0x0c, 0x00, 0x5e, 0xed, 0x00, 0x41, 0x04, 0xc6, 0x13, 0x01, 0x01, 0x00, 0x14 };
#define WIRE_VEC_BIND_PEER_OK_ID 0x5eed0041u
#define WIRE_VEC_BIND_PEER_OK_MSG_STATUS 0
static const uint8_t WIRE_VEC_BIND_PEER_OK_MSG_ADDRESS[] __attribute__((unused)) = { 0x04, 0xc6, 0x13, 0x01, 0x01, 0x00, 0x14 };
#define WIRE_VEC_BIND_PEER_OK_MSG_ADDRESS_LEN 7

/* bind-peer-not-found: bindPeer response {"status":1} */
static const uint8_t WIRE_VEC_BIND_PEER_NOT_FOUND[] = { 0x00, 0x05, 0x01, 0x5e, 0xed, 0x00, 0x42 };
#define WIRE_VEC_BIND_PEER_NOT_FOUND_ID 0x5eed0042u
#define WIRE_VEC_BIND_PEER_NOT_FOUND_MSG_STATUS 1

/* udp-fast-request-dual-stack: udpFast request {"reach":6,"relay":6,"localPort":5355,"address":"hex:04c61200010007"} */
static const uint8_t WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK[] = { 0x00, 0x10, 0x13, 0x5e, 0xed, 0x00, 0x43, 0x06, 0x06, 0x14, 0xeb, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x07 };
#define WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK_ID 0x5eed0043u
#define WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK_MSG_REACH 6
#define WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK_MSG_RELAY 6
#define WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK_MSG_LOCAL_PORT 5355
static const uint8_t WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK_MSG_ADDRESS[] __attribute__((unused)) = { 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x07 };
#define WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK_MSG_ADDRESS_LEN 7

/* udp-fast-fast: udpFast response {"status":0,"action":3,"id":"hex:0102030405060708","replyKey":"hex:303132333435363738393a3b3c3d3e3f","proxyRelay":"hex:04c612000104d2"} */
static const uint8_t WIRE_VEC_UDP_FAST_FAST[] = { 0x00, 0x26, 0x00, 0x5e, 0xed, 0x00, 0x44, 0x03, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x04, 0xd2, 0x00 };
#define WIRE_VEC_UDP_FAST_FAST_ID 0x5eed0044u
#define WIRE_VEC_UDP_FAST_FAST_MSG_STATUS 0
#define WIRE_VEC_UDP_FAST_FAST_MSG_ACTION 3
static const uint8_t WIRE_VEC_UDP_FAST_FAST_MSG_ID[] __attribute__((unused)) = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
#define WIRE_VEC_UDP_FAST_FAST_MSG_ID_LEN 8
static const uint8_t WIRE_VEC_UDP_FAST_FAST_MSG_REPLY_KEY[] __attribute__((unused)) = { 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f };
#define WIRE_VEC_UDP_FAST_FAST_MSG_REPLY_KEY_LEN 16
static const uint8_t WIRE_VEC_UDP_FAST_FAST_MSG_PROXY_RELAY[] __attribute__((unused)) = { 0x04, 0xc6, 0x12, 0x00, 0x01, 0x04, 0xd2 };
#define WIRE_VEC_UDP_FAST_FAST_MSG_PROXY_RELAY_LEN 7

/* udp-fast-relay: udpFast response {"status":0,"action":1,"id":"hex:0102030405060708","replyKey":"hex:303132333435363738393a3b3c3d3e3f"} */
static const uint8_t WIRE_VEC_UDP_FAST_RELAY[] = { 0x00, 0x1e, 0x00, 0x5e, 0xed, 0x00, 0x45, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f };
#define WIRE_VEC_UDP_FAST_RELAY_ID 0x5eed0045u
#define WIRE_VEC_UDP_FAST_RELAY_MSG_STATUS 0
#define WIRE_VEC_UDP_FAST_RELAY_MSG_ACTION 1
static const uint8_t WIRE_VEC_UDP_FAST_RELAY_MSG_ID[] __attribute__((unused)) = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
#define WIRE_VEC_UDP_FAST_RELAY_MSG_ID_LEN 8
static const uint8_t WIRE_VEC_UDP_FAST_RELAY_MSG_REPLY_KEY[] __attribute__((unused)) = { 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f };
#define WIRE_VEC_UDP_FAST_RELAY_MSG_REPLY_KEY_LEN 16

/* udp-fast-errno-enetunreach: udpFast response {"status":101} */
static const uint8_t WIRE_VEC_UDP_FAST_ERRNO_ENETUNREACH[] = { 0x00, 0x05, 0x65, 0x5e, 0xed, 0x00, 0x46 };
#define WIRE_VEC_UDP_FAST_ERRNO_ENETUNREACH_ID 0x5eed0046u
#define WIRE_VEC_UDP_FAST_ERRNO_ENETUNREACH_MSG_STATUS 101

/* udp-fast-lookup-request: udpFastLookup request {"relay":4,"localPort":5355} */
static const uint8_t WIRE_VEC_UDP_FAST_LOOKUP_REQUEST[] = { 0x00, 0x08, 0x14, 0x5e, 0xed, 0x00, 0x47, 0x04, 0x14, 0xeb };
#define WIRE_VEC_UDP_FAST_LOOKUP_REQUEST_ID 0x5eed0047u
#define WIRE_VEC_UDP_FAST_LOOKUP_REQUEST_MSG_RELAY 4
#define WIRE_VEC_UDP_FAST_LOOKUP_REQUEST_MSG_LOCAL_PORT 5355

/* udp-fast-lookup-found: udpFastLookup response {"status":0,"proxyRelay":"hex:0620010db80000000000000000000000010438"} */
static const uint8_t WIRE_VEC_UDP_FAST_LOOKUP_FOUND[] = { 0x00, 0x19, 0x00, 0x5e, 0xed, 0x00, 0x48, 0x06, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x38, 0x00 };
#define WIRE_VEC_UDP_FAST_LOOKUP_FOUND_ID 0x5eed0048u
#define WIRE_VEC_UDP_FAST_LOOKUP_FOUND_MSG_STATUS 0
static const uint8_t WIRE_VEC_UDP_FAST_LOOKUP_FOUND_MSG_PROXY_RELAY[] __attribute__((unused)) = { 0x06, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x38 };
#define WIRE_VEC_UDP_FAST_LOOKUP_FOUND_MSG_PROXY_RELAY_LEN 19

/* udp-fast-lookup-not-found: udpFastLookup response {"status":1} */
static const uint8_t WIRE_VEC_UDP_FAST_LOOKUP_NOT_FOUND[] = { 0x00, 0x05, 0x01, 0x5e, 0xed, 0x00, 0x49 };
#define WIRE_VEC_UDP_FAST_LOOKUP_NOT_FOUND_ID 0x5eed0049u
#define WIRE_VEC_UDP_FAST_LOOKUP_NOT_FOUND_MSG_STATUS 1

/* template-request: template request {} */
static const uint8_t WIRE_VEC_TEMPLATE_REQUEST[] = { 0x00, 0x05, 0x15, 0x5e, 0xed, 0x00, 0x4a };
#define WIRE_VEC_TEMPLATE_REQUEST_ID 0x5eed004au

/* template-ok: template response {"status":0,"scope":[{"family":4,"prefix":8,"address":"hex:64000000","port":0},{"family":6,"prefix":96,"address":"hex:fd736f636b7300000000000000000000","port":0},{"family":4,"prefix":8,"address":"hex:7f000000","port":0},{"family":6,"prefix":128,"address":"hex:00000000000000000000000000000001","port":0},{"family":4,"prefix":16,"address":"hex:c0a80000","port":8080},{"family":4,"prefix":32,"address":"hex:c6336409","port":0},{"family":4,"prefix":8,"address":"hex:00000000","port":0},{"family":4,"prefix":3,"address":"hex:e0000000","port":0},{"family":6,"prefix":128,"address":"hex:00000000000000000000000000000000","port":0},{"family":6,"prefix":8,"address":"hex:ff000000000000000000000000000000","port":0},{"family":6,"prefix":96,"address":"hex:00000000000000000000ffff00000000","port":0}],"templates":[{"family":4,"reach":2,"plan":"hex:0306000000001f4004c6120001043800003a98001b020205000002000a05010001cb0071c9abcd8405000001000a0000050100","holes":[{"offset":33,"kind":1,"sampleLength":6}]},{"family":6,"reach":2,"plan":"hex:0306000000001f4004c6120001043800003a98002702020500000200160501000420010db85a5a1234abcdef0123456789abcd840500000400160000050100","holes":[{"offset":33,"kind":3,"sampleLength":18}]}]} */
static const uint8_t WIRE_VEC_TEMPLATE_OK[] = { 0x01, 0x20, 0x00, 0x5e, 0xed, 0x00, 0x4b, 0x00, 0x0b, 0x04, 0x08, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x60, 0xfd, 0x73, 0x6f, 0x63, 0x6b, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x08, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x04, 0x10, 0xc0, 0xa8, 0x00, 0x00, 0x1f, 0x90, 0x04, 0x20, 0xc6, 0x33, 0x64, 0x09, 0x00, 0x00, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x03, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x08, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x02, 0x00, 0x33, 0x03, 0x06, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x40, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x04, 0x38, 0x00, 0x00, 0x3a, 0x98, 0x00, 0x1b, 0x02, 0x02, 0x05, 0x00, 0x00, 0x02, 0x00, 0x0a, 0x05, 0x01, 0x00, 0x01, 0xcb, 0x00, 0x71, 0xc9, 0xab, 0xcd, 0x84, 0x05, 0x00, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x05, 0x01, 0x00, 0x01, 0x00, 0x21, 0x01, 0x06, 0x06, 0x02, 0x00, 0x3f, 0x03, 0x06, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x40, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x04, 0x38, 0x00, 0x00, 0x3a, 0x98, 0x00, 0x27, 0x02, 0x02, 0x05, 0x00, 0x00, 0x02, 0x00, 0x16, 0x05, 0x01, 0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8, 0x5a, 0x5a, 0x12, 0x34, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0x84, 0x05, 0x00, 0x00, 0x04, 0x00, 0x16, 0x00, 0x00, 0x05, 0x01, 0x00, 0x01, 0x00, 0x21, 0x03, 0x12 };
#define WIRE_VEC_TEMPLATE_OK_ID 0x5eed004bu
#define WIRE_VEC_TEMPLATE_OK_MSG_STATUS 0
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_COUNT 11
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_0_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_0_PREFIX 8
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_0_ADDRESS[] __attribute__((unused)) = { 0x64, 0x00, 0x00, 0x00 };
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_0_ADDRESS_LEN 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_0_PORT 0
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_1_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_1_PREFIX 96
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_1_ADDRESS[] __attribute__((unused)) = { 0xfd, 0x73, 0x6f, 0x63, 0x6b, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_1_ADDRESS_LEN 16
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_1_PORT 0
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_2_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_2_PREFIX 8
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_2_ADDRESS[] __attribute__((unused)) = { 0x7f, 0x00, 0x00, 0x00 };
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_2_ADDRESS_LEN 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_2_PORT 0
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_3_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_3_PREFIX 128
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_3_ADDRESS[] __attribute__((unused)) = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 };
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_3_ADDRESS_LEN 16
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_3_PORT 0
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_4_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_4_PREFIX 16
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_4_ADDRESS[] __attribute__((unused)) = { 0xc0, 0xa8, 0x00, 0x00 };
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_4_ADDRESS_LEN 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_4_PORT 8080
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_5_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_5_PREFIX 32
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_5_ADDRESS[] __attribute__((unused)) = { 0xc6, 0x33, 0x64, 0x09 };
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_5_ADDRESS_LEN 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_5_PORT 0
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_6_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_6_PREFIX 8
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_6_ADDRESS[] __attribute__((unused)) = { 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_6_ADDRESS_LEN 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_6_PORT 0
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_7_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_7_PREFIX 3
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_7_ADDRESS[] __attribute__((unused)) = { 0xe0, 0x00, 0x00, 0x00 };
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_7_ADDRESS_LEN 4
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_7_PORT 0
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_8_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_8_PREFIX 128
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_8_ADDRESS[] __attribute__((unused)) = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_8_ADDRESS_LEN 16
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_8_PORT 0
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_9_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_9_PREFIX 8
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_9_ADDRESS[] __attribute__((unused)) = { 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_9_ADDRESS_LEN 16
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_9_PORT 0
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_10_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_10_PREFIX 96
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_10_ADDRESS[] __attribute__((unused)) = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00 };
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_10_ADDRESS_LEN 16
#define WIRE_VEC_TEMPLATE_OK_MSG_SCOPE_10_PORT 0
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_COUNT 2
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_REACH 2
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_PLAN[] __attribute__((unused)) = { 0x03, 0x06, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x40, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x04, 0x38, 0x00, 0x00, 0x3a, 0x98, 0x00, 0x1b, 0x02, 0x02, 0x05, 0x00, 0x00, 0x02, 0x00, 0x0a, 0x05, 0x01, 0x00, 0x01, 0xcb, 0x00, 0x71, 0xc9, 0xab, 0xcd, 0x84, 0x05, 0x00, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x05, 0x01, 0x00 };
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_PLAN_LEN 51
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_HOLES_COUNT 1
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_HOLES_0_OFFSET 33
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_HOLES_0_KIND 1
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_0_HOLES_0_SAMPLE_LENGTH 6
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_1_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_1_REACH 2
static const uint8_t WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_1_PLAN[] __attribute__((unused)) = { 0x03, 0x06, 0x00, 0x00, 0x00, 0x00, 0x1f, 0x40, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x04, 0x38, 0x00, 0x00, 0x3a, 0x98, 0x00, 0x27, 0x02, 0x02, 0x05, 0x00, 0x00, 0x02, 0x00, 0x16, 0x05, 0x01, 0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8, 0x5a, 0x5a, 0x12, 0x34, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0x84, 0x05, 0x00, 0x00, 0x04, 0x00, 0x16, 0x00, 0x00, 0x05, 0x01, 0x00 };
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_1_PLAN_LEN 63
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_1_HOLES_COUNT 1
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_1_HOLES_0_OFFSET 33
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_1_HOLES_0_KIND 3
#define WIRE_VEC_TEMPLATE_OK_MSG_TEMPLATES_1_HOLES_0_SAMPLE_LENGTH 18
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_COUNT 24
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_0_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_0_ADDRESS "223.255.255.255"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_0_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_0_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_1_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_1_ADDRESS "224.0.0.0"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_1_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_1_SERVED 0
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_2_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_2_ADDRESS "239.255.255.255"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_2_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_2_SERVED 0
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_3_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_3_ADDRESS "255.255.255.255"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_3_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_3_SERVED 0
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_4_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_4_ADDRESS "99.255.255.255"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_4_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_4_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_5_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_5_ADDRESS "100.255.255.255"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_5_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_5_SERVED 0
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_6_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_6_ADDRESS "101.0.0.0"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_6_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_6_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_7_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_7_ADDRESS "0.255.255.255"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_7_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_7_SERVED 0
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_8_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_8_ADDRESS "1.0.0.0"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_8_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_8_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_9_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_9_ADDRESS "192.168.255.255"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_9_PORT 8080
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_9_SERVED 0
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_10_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_10_ADDRESS "192.168.255.255"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_10_PORT 8081
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_10_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_11_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_11_ADDRESS "192.169.0.0"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_11_PORT 8080
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_11_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_12_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_12_ADDRESS "198.51.100.8"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_12_PORT 22
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_12_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_13_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_13_ADDRESS "198.51.100.9"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_13_PORT 22
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_13_SERVED 0
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_14_FAMILY 4
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_14_ADDRESS "198.51.100.10"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_14_PORT 22
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_14_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_15_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_15_ADDRESS "fd73:6f63:6b73::ffff:ffff"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_15_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_15_SERVED 0
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_16_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_16_ADDRESS "fd73:6f63:6b74::1"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_16_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_16_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_17_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_17_ADDRESS "2001:db8::5"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_17_PORT 443
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_17_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_18_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_18_ADDRESS "feff:ffff::1"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_18_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_18_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_19_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_19_ADDRESS "ff00::1"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_19_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_19_SERVED 0
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_20_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_20_ADDRESS "::1"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_20_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_20_SERVED 0
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_21_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_21_ADDRESS "::2"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_21_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_21_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_22_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_22_ADDRESS "::ffff:203.0.113.1"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_22_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_22_SERVED 1
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_23_FAMILY 6
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_23_ADDRESS "::ffff:100.1.2.3"
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_23_PORT 80
#define WIRE_VEC_TEMPLATE_OK_SCOPE_CHECKS_23_SERVED 0

/* template-none: template response {"status":1} */
static const uint8_t WIRE_VEC_TEMPLATE_NONE[] = { 0x00, 0x05, 0x01, 0x5e, 0xed, 0x00, 0x4c };
#define WIRE_VEC_TEMPLATE_NONE_ID 0x5eed004cu
#define WIRE_VEC_TEMPLATE_NONE_MSG_STATUS 1

/* udp-fast-fast-guarded: udpFast response {"status":0,"action":3,"id":"hex:0102030405060708","replyKey":"hex:303132333435363738393a3b3c3d3e3f","proxyRelay":"hex:047f0000019c40","guard":{"local":"hex:047f000001d431","remote":"hex:047f0000010444"}} */
static const uint8_t WIRE_VEC_UDP_FAST_FAST_GUARDED[] = { 0x00, 0x34, 0x00, 0x5e, 0xed, 0x00, 0x4d, 0x03, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x04, 0x7f, 0x00, 0x00, 0x01, 0x9c, 0x40, 0x01, 0x04, 0x7f, 0x00, 0x00, 0x01, 0xd4, 0x31, 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x44 };
#define WIRE_VEC_UDP_FAST_FAST_GUARDED_ID 0x5eed004du
#define WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_STATUS 0
#define WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_ACTION 3
static const uint8_t WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_ID[] __attribute__((unused)) = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
#define WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_ID_LEN 8
static const uint8_t WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_REPLY_KEY[] __attribute__((unused)) = { 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f };
#define WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_REPLY_KEY_LEN 16
static const uint8_t WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_PROXY_RELAY[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0x9c, 0x40 };
#define WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_PROXY_RELAY_LEN 7
static const uint8_t WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_GUARD_LOCAL[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0xd4, 0x31 };
#define WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_GUARD_LOCAL_LEN 7
static const uint8_t WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_GUARD_REMOTE[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x44 };
#define WIRE_VEC_UDP_FAST_FAST_GUARDED_MSG_GUARD_REMOTE_LEN 7

/* udp-fast-request-ended: udpFast request {"reach":2,"relay":4,"localPort":5355,"address":"hex:04c61200010007","ended":true} */
static const uint8_t WIRE_VEC_UDP_FAST_REQUEST_ENDED[] = { 0x00, 0x10, 0x13, 0x5e, 0xed, 0x00, 0x4e, 0x82, 0x04, 0x14, 0xeb, 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x07 };
#define WIRE_VEC_UDP_FAST_REQUEST_ENDED_ID 0x5eed004eu
#define WIRE_VEC_UDP_FAST_REQUEST_ENDED_MSG_REACH 2
#define WIRE_VEC_UDP_FAST_REQUEST_ENDED_MSG_RELAY 4
#define WIRE_VEC_UDP_FAST_REQUEST_ENDED_MSG_LOCAL_PORT 5355
static const uint8_t WIRE_VEC_UDP_FAST_REQUEST_ENDED_MSG_ADDRESS[] __attribute__((unused)) = { 0x04, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x07 };
#define WIRE_VEC_UDP_FAST_REQUEST_ENDED_MSG_ADDRESS_LEN 7
#define WIRE_VEC_UDP_FAST_REQUEST_ENDED_MSG_ENDED 1

/* udp-fast-lookup-found-guarded: udpFastLookup response {"status":0,"proxyRelay":"hex:047f0000019c40","guard":{"local":"hex:047f000001d431","remote":"hex:047f0000010444"}} */
static const uint8_t WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED[] = { 0x00, 0x1b, 0x00, 0x5e, 0xed, 0x00, 0x4f, 0x04, 0x7f, 0x00, 0x00, 0x01, 0x9c, 0x40, 0x01, 0x04, 0x7f, 0x00, 0x00, 0x01, 0xd4, 0x31, 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x44 };
#define WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED_ID 0x5eed004fu
#define WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED_MSG_STATUS 0
static const uint8_t WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED_MSG_PROXY_RELAY[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0x9c, 0x40 };
#define WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED_MSG_PROXY_RELAY_LEN 7
static const uint8_t WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED_MSG_GUARD_LOCAL[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0xd4, 0x31 };
#define WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED_MSG_GUARD_LOCAL_LEN 7
static const uint8_t WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED_MSG_GUARD_REMOTE[] __attribute__((unused)) = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0x04, 0x44 };
#define WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED_MSG_GUARD_REMOTE_LEN 7

static const struct wire_frame_vector WIRE_FRAME_VECTORS[] __attribute__((unused)) = {
	{ "hello-request", 0x01, 0, 0x5eed0001u, WIRE_VEC_HELLO_REQUEST, sizeof WIRE_VEC_HELLO_REQUEST },
	{ "hello-ok", 0x01, 1, 0x5eed0002u, WIRE_VEC_HELLO_OK, sizeof WIRE_VEC_HELLO_OK },
	{ "connect-request-blocking-v4", 0x02, 0, 0x5eed0003u, WIRE_VEC_CONNECT_REQUEST_BLOCKING_V4, sizeof WIRE_VEC_CONNECT_REQUEST_BLOCKING_V4 },
	{ "connect-request-out-of-band-v6", 0x02, 0, 0x5eed0004u, WIRE_VEC_CONNECT_REQUEST_OUT_OF_BAND_V6, sizeof WIRE_VEC_CONNECT_REQUEST_OUT_OF_BAND_V6 },
	{ "connect-request-no-flags", 0x02, 0, 0x5eed0005u, WIRE_VEC_CONNECT_REQUEST_NO_FLAGS, sizeof WIRE_VEC_CONNECT_REQUEST_NO_FLAGS },
	{ "connect-request-datagram", 0x02, 0, 0x5eed0006u, WIRE_VEC_CONNECT_REQUEST_DATAGRAM, sizeof WIRE_VEC_CONNECT_REQUEST_DATAGRAM },
	{ "connect-direct", 0x02, 1, 0x5eed0007u, WIRE_VEC_CONNECT_DIRECT, sizeof WIRE_VEC_CONNECT_DIRECT },
	{ "connect-proxy", 0x02, 1, 0x5eed0008u, WIRE_VEC_CONNECT_PROXY, sizeof WIRE_VEC_CONNECT_PROXY },
	{ "connect-execute-dial-scripted-standing", 0x02, 1, 0x5eed0009u, WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING, sizeof WIRE_VEC_CONNECT_EXECUTE_DIAL_SCRIPTED_STANDING },
	{ "connect-execute-done-enetunreach", 0x02, 1, 0x5eed000au, WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH, sizeof WIRE_VEC_CONNECT_EXECUTE_DONE_ENETUNREACH },
	{ "connect-errno-enetunreach", 0x02, 1, 0x5eed000bu, WIRE_VEC_CONNECT_ERRNO_ENETUNREACH, sizeof WIRE_VEC_CONNECT_ERRNO_ENETUNREACH },
	{ "resolve-request-unspec", 0x03, 0, 0x5eed000cu, WIRE_VEC_RESOLVE_REQUEST_UNSPEC, sizeof WIRE_VEC_RESOLVE_REQUEST_UNSPEC },
	{ "resolve-request-v6", 0x03, 0, 0x5eed000du, WIRE_VEC_RESOLVE_REQUEST_V6, sizeof WIRE_VEC_RESOLVE_REQUEST_V6 },
	{ "resolve-ok", 0x03, 1, 0x5eed000eu, WIRE_VEC_RESOLVE_OK, sizeof WIRE_VEC_RESOLVE_OK },
	{ "resolve-not-found", 0x03, 1, 0x5eed000fu, WIRE_VEC_RESOLVE_NOT_FOUND, sizeof WIRE_VEC_RESOLVE_NOT_FOUND },
	{ "resolve-try-again", 0x03, 1, 0x5eed0010u, WIRE_VEC_RESOLVE_TRY_AGAIN, sizeof WIRE_VEC_RESOLVE_TRY_AGAIN },
	{ "reverse-request", 0x04, 0, 0x5eed0011u, WIRE_VEC_REVERSE_REQUEST, sizeof WIRE_VEC_REVERSE_REQUEST },
	{ "reverse-ok", 0x04, 1, 0x5eed0012u, WIRE_VEC_REVERSE_OK, sizeof WIRE_VEC_REVERSE_OK },
	{ "reverse-not-found", 0x04, 1, 0x5eed0013u, WIRE_VEC_REVERSE_NOT_FOUND, sizeof WIRE_VEC_REVERSE_NOT_FOUND },
	{ "peer-request-relay4", 0x05, 0, 0x5eed0014u, WIRE_VEC_PEER_REQUEST_RELAY4, sizeof WIRE_VEC_PEER_REQUEST_RELAY4 },
	{ "peer-request-relay6", 0x05, 0, 0x5eed0015u, WIRE_VEC_PEER_REQUEST_RELAY6, sizeof WIRE_VEC_PEER_REQUEST_RELAY6 },
	{ "peer-request-dial-path", 0x05, 0, 0x5eed0016u, WIRE_VEC_PEER_REQUEST_DIAL_PATH, sizeof WIRE_VEC_PEER_REQUEST_DIAL_PATH },
	{ "peer-ok", 0x05, 1, 0x5eed0017u, WIRE_VEC_PEER_OK, sizeof WIRE_VEC_PEER_OK },
	{ "peer-not-found", 0x05, 1, 0x5eed0018u, WIRE_VEC_PEER_NOT_FOUND, sizeof WIRE_VEC_PEER_NOT_FOUND },
	{ "udp-route-request-connecting", 0x06, 0, 0x5eed0019u, WIRE_VEC_UDP_ROUTE_REQUEST_CONNECTING, sizeof WIRE_VEC_UDP_ROUTE_REQUEST_CONNECTING },
	{ "udp-route-request-unconnected-v6", 0x06, 0, 0x5eed001au, WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6, sizeof WIRE_VEC_UDP_ROUTE_REQUEST_UNCONNECTED_V6 },
	{ "udp-route-direct", 0x06, 1, 0x5eed001bu, WIRE_VEC_UDP_ROUTE_DIRECT, sizeof WIRE_VEC_UDP_ROUTE_DIRECT },
	{ "udp-route-relay", 0x06, 1, 0x5eed001cu, WIRE_VEC_UDP_ROUTE_RELAY, sizeof WIRE_VEC_UDP_ROUTE_RELAY },
	{ "udp-route-errno-enetunreach", 0x06, 1, 0x5eed001du, WIRE_VEC_UDP_ROUTE_ERRNO_ENETUNREACH, sizeof WIRE_VEC_UDP_ROUTE_ERRNO_ENETUNREACH },
	{ "udp-release-request-closed", 0x07, 0, 0x5eed001eu, WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED, sizeof WIRE_VEC_UDP_RELEASE_REQUEST_CLOSED },
	{ "udp-release-request-disconnected", 0x07, 0, 0x5eed001fu, WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED, sizeof WIRE_VEC_UDP_RELEASE_REQUEST_DISCONNECTED },
	{ "udp-release-ok", 0x07, 1, 0x5eed0020u, WIRE_VEC_UDP_RELEASE_OK, sizeof WIRE_VEC_UDP_RELEASE_OK },
	{ "udp-lookup-request", 0x0a, 0, 0x5eed0021u, WIRE_VEC_UDP_LOOKUP_REQUEST, sizeof WIRE_VEC_UDP_LOOKUP_REQUEST },
	{ "udp-lookup-unconnected", 0x0a, 1, 0x5eed0022u, WIRE_VEC_UDP_LOOKUP_UNCONNECTED, sizeof WIRE_VEC_UDP_LOOKUP_UNCONNECTED },
	{ "udp-lookup-connected", 0x0a, 1, 0x5eed0023u, WIRE_VEC_UDP_LOOKUP_CONNECTED, sizeof WIRE_VEC_UDP_LOOKUP_CONNECTED },
	{ "udp-lookup-not-found", 0x0a, 1, 0x5eed0024u, WIRE_VEC_UDP_LOOKUP_NOT_FOUND, sizeof WIRE_VEC_UDP_LOOKUP_NOT_FOUND },
	{ "step-request-data", 0x0b, 0, 0x5eed0025u, WIRE_VEC_STEP_REQUEST_DATA, sizeof WIRE_VEC_STEP_REQUEST_DATA },
	{ "step-request-connect-failed", 0x0b, 0, 0x5eed0026u, WIRE_VEC_STEP_REQUEST_CONNECT_FAILED, sizeof WIRE_VEC_STEP_REQUEST_CONNECT_FAILED },
	{ "step-request-sent", 0x0b, 0, 0x5eed0027u, WIRE_VEC_STEP_REQUEST_SENT, sizeof WIRE_VEC_STEP_REQUEST_SENT },
	{ "step-read", 0x0b, 1, 0x5eed0028u, WIRE_VEC_STEP_READ, sizeof WIRE_VEC_STEP_READ },
	{ "step-read-more", 0x0b, 1, 0x5eed0029u, WIRE_VEC_STEP_READ_MORE, sizeof WIRE_VEC_STEP_READ_MORE },
	{ "step-done-connected", 0x0b, 1, 0x5eed002au, WIRE_VEC_STEP_DONE_CONNECTED, sizeof WIRE_VEC_STEP_DONE_CONNECTED },
	{ "step-done-econnrefused", 0x0b, 1, 0x5eed002bu, WIRE_VEC_STEP_DONE_ECONNREFUSED, sizeof WIRE_VEC_STEP_DONE_ECONNREFUSED },
	{ "step-dial-unscripted", 0x0b, 1, 0x5eed002cu, WIRE_VEC_STEP_DIAL_UNSCRIPTED, sizeof WIRE_VEC_STEP_DIAL_UNSCRIPTED },
	{ "proxies-request", 0x0c, 0, 0x5eed002du, WIRE_VEC_PROXIES_REQUEST, sizeof WIRE_VEC_PROXIES_REQUEST },
	{ "proxies-ok", 0x0c, 1, 0x5eed002eu, WIRE_VEC_PROXIES_OK, sizeof WIRE_VEC_PROXIES_OK },
	{ "note-request-session", 0x0d, 0, 0x5eed002fu, WIRE_VEC_NOTE_REQUEST_SESSION, sizeof WIRE_VEC_NOTE_REQUEST_SESSION },
	{ "note-request-standing", 0x0d, 0, 0x5eed0030u, WIRE_VEC_NOTE_REQUEST_STANDING, sizeof WIRE_VEC_NOTE_REQUEST_STANDING },
	{ "resume-request", 0x0e, 0, 0x5eed0031u, WIRE_VEC_RESUME_REQUEST, sizeof WIRE_VEC_RESUME_REQUEST },
	{ "resume-done-econnrefused", 0x0e, 1, 0x5eed0032u, WIRE_VEC_RESUME_DONE_ECONNREFUSED, sizeof WIRE_VEC_RESUME_DONE_ECONNREFUSED },
	{ "verdict-request", 0x0f, 0, 0x5eed0033u, WIRE_VEC_VERDICT_REQUEST, sizeof WIRE_VEC_VERDICT_REQUEST },
	{ "verdict-connected", 0x0f, 1, 0x5eed0034u, WIRE_VEC_VERDICT_CONNECTED, sizeof WIRE_VEC_VERDICT_CONNECTED },
	{ "verdict-econnrefused", 0x0f, 1, 0x5eed0035u, WIRE_VEC_VERDICT_ECONNREFUSED, sizeof WIRE_VEC_VERDICT_ECONNREFUSED },
	{ "verdict-unknown", 0x0f, 1, 0x5eed0036u, WIRE_VEC_VERDICT_UNKNOWN, sizeof WIRE_VEC_VERDICT_UNKNOWN },
	{ "sockname-request-relay6", 0x10, 0, 0x5eed0037u, WIRE_VEC_SOCKNAME_REQUEST_RELAY6, sizeof WIRE_VEC_SOCKNAME_REQUEST_RELAY6 },
	{ "sockname-request-dial-path", 0x10, 0, 0x5eed0038u, WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH, sizeof WIRE_VEC_SOCKNAME_REQUEST_DIAL_PATH },
	{ "sockname-ok", 0x10, 1, 0x5eed0039u, WIRE_VEC_SOCKNAME_OK, sizeof WIRE_VEC_SOCKNAME_OK },
	{ "sockname-not-found", 0x10, 1, 0x5eed003au, WIRE_VEC_SOCKNAME_NOT_FOUND, sizeof WIRE_VEC_SOCKNAME_NOT_FOUND },
	{ "bind-request-wildcard-v4", 0x11, 0, 0x5eed003bu, WIRE_VEC_BIND_REQUEST_WILDCARD_V4, sizeof WIRE_VEC_BIND_REQUEST_WILDCARD_V4 },
	{ "bind-request-outside-v6", 0x11, 0, 0x5eed003cu, WIRE_VEC_BIND_REQUEST_OUTSIDE_V6, sizeof WIRE_VEC_BIND_REQUEST_OUTSIDE_V6 },
	{ "bind-local", 0x11, 1, 0x5eed003du, WIRE_VEC_BIND_LOCAL, sizeof WIRE_VEC_BIND_LOCAL },
	{ "bind-proxy", 0x11, 1, 0x5eed003eu, WIRE_VEC_BIND_PROXY, sizeof WIRE_VEC_BIND_PROXY },
	{ "bind-eaddrnotavail", 0x11, 1, 0x5eed003fu, WIRE_VEC_BIND_EADDRNOTAVAIL, sizeof WIRE_VEC_BIND_EADDRNOTAVAIL },
	{ "bind-peer-request", 0x12, 0, 0x5eed0040u, WIRE_VEC_BIND_PEER_REQUEST, sizeof WIRE_VEC_BIND_PEER_REQUEST },
	{ "bind-peer-ok", 0x12, 1, 0x5eed0041u, WIRE_VEC_BIND_PEER_OK, sizeof WIRE_VEC_BIND_PEER_OK },
	{ "bind-peer-not-found", 0x12, 1, 0x5eed0042u, WIRE_VEC_BIND_PEER_NOT_FOUND, sizeof WIRE_VEC_BIND_PEER_NOT_FOUND },
	{ "udp-fast-request-dual-stack", 0x13, 0, 0x5eed0043u, WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK, sizeof WIRE_VEC_UDP_FAST_REQUEST_DUAL_STACK },
	{ "udp-fast-fast", 0x13, 1, 0x5eed0044u, WIRE_VEC_UDP_FAST_FAST, sizeof WIRE_VEC_UDP_FAST_FAST },
	{ "udp-fast-relay", 0x13, 1, 0x5eed0045u, WIRE_VEC_UDP_FAST_RELAY, sizeof WIRE_VEC_UDP_FAST_RELAY },
	{ "udp-fast-errno-enetunreach", 0x13, 1, 0x5eed0046u, WIRE_VEC_UDP_FAST_ERRNO_ENETUNREACH, sizeof WIRE_VEC_UDP_FAST_ERRNO_ENETUNREACH },
	{ "udp-fast-lookup-request", 0x14, 0, 0x5eed0047u, WIRE_VEC_UDP_FAST_LOOKUP_REQUEST, sizeof WIRE_VEC_UDP_FAST_LOOKUP_REQUEST },
	{ "udp-fast-lookup-found", 0x14, 1, 0x5eed0048u, WIRE_VEC_UDP_FAST_LOOKUP_FOUND, sizeof WIRE_VEC_UDP_FAST_LOOKUP_FOUND },
	{ "udp-fast-lookup-not-found", 0x14, 1, 0x5eed0049u, WIRE_VEC_UDP_FAST_LOOKUP_NOT_FOUND, sizeof WIRE_VEC_UDP_FAST_LOOKUP_NOT_FOUND },
	{ "template-request", 0x15, 0, 0x5eed004au, WIRE_VEC_TEMPLATE_REQUEST, sizeof WIRE_VEC_TEMPLATE_REQUEST },
	{ "template-ok", 0x15, 1, 0x5eed004bu, WIRE_VEC_TEMPLATE_OK, sizeof WIRE_VEC_TEMPLATE_OK },
	{ "template-none", 0x15, 1, 0x5eed004cu, WIRE_VEC_TEMPLATE_NONE, sizeof WIRE_VEC_TEMPLATE_NONE },
	{ "udp-fast-fast-guarded", 0x13, 1, 0x5eed004du, WIRE_VEC_UDP_FAST_FAST_GUARDED, sizeof WIRE_VEC_UDP_FAST_FAST_GUARDED },
	{ "udp-fast-request-ended", 0x13, 0, 0x5eed004eu, WIRE_VEC_UDP_FAST_REQUEST_ENDED, sizeof WIRE_VEC_UDP_FAST_REQUEST_ENDED },
	{ "udp-fast-lookup-found-guarded", 0x14, 1, 0x5eed004fu, WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED, sizeof WIRE_VEC_UDP_FAST_LOOKUP_FOUND_GUARDED },
};
#define WIRE_FRAME_VECTOR_COUNT (sizeof WIRE_FRAME_VECTORS / sizeof WIRE_FRAME_VECTORS[0])

#endif
