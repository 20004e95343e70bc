/* CONNECT: the shim asks the agent what to do with a TCP destination. Datagram sockets ask
 * UDP_ROUTE instead (paths/udp-path.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "core/agent-wire.h"
#include "paths/connect-request.h"

size_t sw_connect_request(const struct wire_addr *dest, int flags, uint8_t req[SW_CONNECT_REQUEST_MAX])
{
	return sw_enc_connect(req, SOCKTYPE_STREAM, dest, flags);
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
	struct sw_connect_answer a;
	if (sw_dec_connect(resp, resp_len, &a) != 0)
		return -ECONNREFUSED;
	if (a.action == ACTION_PROXY)
		memcpy(ticket, a.ticket, SW_TICKET_LEN);
	else if (a.action == ACTION_EXECUTE) {
		if (!execute)
			return -ECONNREFUSED;
		*execute_len = a.execute_len;
		memcpy(execute, a.execute, a.execute_len);
	}
	return a.action;
}
