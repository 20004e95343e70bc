/* CONNECT: the shim asks the agent what to do with a TCP destination. Datagram sockets ask
 * UDP_ROUTE instead (paths/udp-path.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "core/agent-wire.h"
#include "paths/connect-request.h"

size_t sw_connect_request(const struct wire_addr *dest, int flags, uint8_t req[SW_CONNECT_REQUEST_MAX])
{
	req[0] = SOCKTYPE_STREAM;
	size_t len = 1 + wire_addr_encode(dest, req + 1);
	if (flags)
		req[len++] = (uint8_t)flags;
	return len;
}

int sw_ask_connect(const uint8_t *req, size_t len, uint8_t ticket[16], uint8_t *execute, size_t *execute_len)
{
	uint8_t resp[AGENT_MAX_BODY];
	size_t resp_len;
	int status = agent_call(OP_CONNECT, req, len, resp, &resp_len);
	if (status < 0)
		return -ECONNREFUSED;
	if (status > 0)
		return -status;
	if (resp_len >= 1 && resp[0] == ACTION_DIRECT)
		return ACTION_DIRECT;
	if (resp_len >= 17 && resp[0] == ACTION_PROXY) {
		memcpy(ticket, resp + 1, 16);
		return ACTION_PROXY;
	}
	if (resp_len >= 5 && resp[0] == ACTION_EXECUTE && execute) {
		*execute_len = resp_len - 1;
		memcpy(execute, resp + 1, *execute_len);
		return ACTION_EXECUTE;
	}
	return -ECONNREFUSED;
}
