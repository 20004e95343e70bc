/* getpeername of a socket the shim connected to the relay or to a proxy must report the
 * destination the program asked for (hooks/peer-hook.c). */
#define _GNU_SOURCE
#include <string.h>

#include "core/agent-wire.h"
#include "core/net-addr.h"
#include "core/socket-ops.h"
#include "core/wire-codec.h"
#include "paths/destinations.h"
#include "paths/dial-path.h"
#include "paths/peer-lookup.h"
#include "paths/relay-path.h"

/* The original destination of a relayed socket: our own table, else the agent (an fd inherited
 * across exec). */
static int original_destination(int fd, int domain, int relay, struct sockaddr_storage *out,
				socklen_t *out_len)
{
	int port = sw_local_port(fd, NULL);
	if (port <= 0)
		return -1;
	struct sockaddr_in6 remembered;
	struct wire_addr via;
	if (sw_dest_recall(fd, port, &remembered, out_len, &via) == 0 && via.family == 0) {
		memset(out, 0, sizeof *out);
		memcpy(out, &remembered, *out_len);
		return 0;
	}
	/* Ports of the two listeners' connections can coincide, so the relay is named too. */
	uint8_t req[3], resp[AGENT_MAX_BODY];
	size_t resp_len;
	struct wire_addr original;
	if (agent_call(OP_PEER, req, sw_enc_peer(req, (uint16_t)port, relay, NULL), resp, &resp_len) != 0 ||
	    sw_dec_peer(resp, resp_len, &original) != 0)
		return -1;
	*out_len = wire_addr_to_sockaddr(&original, domain, out);
	return *out_len ? 0 : -1;
}

/* The original destination of a socket connected straight to a proxy (the dial path): our own
 * table, else — only when the peer is one of the proxies — the agent (a descriptor inherited
 * across exec). Every other socket costs one table load and a list lookup. */
static int dial_original(int fd, int domain, const struct sockaddr_storage *peer, struct sockaddr_storage *out,
			   socklen_t *out_len)
{
	struct wire_addr real_peer;
	if (wire_addr_from_sockaddr((const struct sockaddr *)peer, sizeof *peer, &real_peer) != 0)
		return -1;
	int known = sw_dest_known(fd);
	if (!known && !sw_dial_is_proxy(&real_peer))
		return -1;
	int port = sw_local_port(fd, NULL);
	if (port <= 0)
		return -1;
	struct sockaddr_in6 remembered;
	struct wire_addr via;
	if (known && sw_dest_recall(fd, port, &remembered, out_len, &via) == 0 && via.family != 0 &&
	    wire_addr_equal(&via, &real_peer)) {
		memset(out, 0, sizeof *out);
		memcpy(out, &remembered, *out_len);
		return 0;
	}
	if (known && !sw_dial_is_proxy(&real_peer))
		return -1;
	uint8_t req[3 + 19], resp[AGENT_MAX_BODY];
	size_t req_len = sw_enc_peer(req, (uint16_t)port, 0, &real_peer);
	size_t resp_len;
	struct wire_addr original;
	if (agent_call(OP_PEER, req, req_len, resp, &resp_len) != 0 || sw_dec_peer(resp, resp_len, &original) != 0)
		return -1;
	*out_len = wire_addr_to_sockaddr(&original, domain, out);
	return *out_len ? 0 : -1;
}

int sw_original_destination(int fd, const struct sockaddr_storage *peer, struct sockaddr_storage *out,
			    socklen_t *out_len)
{
	int relay = sw_relay_of_peer(peer);
	return relay ? original_destination(fd, peer->ss_family, relay, out, out_len)
		     : dial_original(fd, peer->ss_family, peer, out, out_len);
}
