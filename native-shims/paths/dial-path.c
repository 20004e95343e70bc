/* The dial path for blocking connects: "the shim executes, the agent decides".
 *
 * The agent answered CONNECT with action 2 (execute): this file connects the program's own fd to
 * the first proxy, writes the handshake bytes the agent gives it, peeks at what the proxy answers
 * and reports it in STEP until the agent says DONE. The agent tells how many peeked bytes belong to
 * the handshake; only those are read, so a server's first bytes (a banner that came with the final
 * reply) stay in the socket for the program. Afterwards the fd is a plain TCP connection through
 * the chain and the data path is the kernel's alone. docs/wire-protocol.md (CONNECT, STEP) and
 * docs/architecture.md ("the dial path").
 *
 * No allocation, no lock: two stack buffers of one frame each. O_NONBLOCK is switched on only for
 * the connect() to the proxy (so tcp_connect_time_out holds) and restored at once; the program is
 * blocked inside connect() and cannot observe it. Every other wait is a poll(). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/agent-wire.h"
#include "core/deadline.h"
#include "core/libc.h"
#include "core/net-addr.h"
#include "core/socket-ops.h"
#include "paths/connect-request.h"
#include "paths/dial-path.h"

enum { STATE_READ = 0, STATE_DONE = 2, STATE_DIAL = 3 };
enum { EVENT_DATA = 0, EVENT_EOF = 1, EVENT_IO_ERROR = 2, EVENT_CONNECT_FAILED = 3,
       EVENT_CONNECT_TIMEOUT = 4, EVENT_READ_TIMEOUT = 5, EVENT_SENT = 6 };
#define ARG_MORE 1
#define ARG_SCRIPT 2
#define STEP_HEADER 10   /* session u32 | event u8 | errno u16 | local port u16 | matched u8 */
#define ARG_STANDING 4

struct instruction {
	uint8_t state, arg;
	uint16_t consume;
	uint32_t wait_ms;
	struct wire_addr proxy;   /* DIAL */
	uint32_t read_ms;         /* DIAL */
	const uint8_t *script;    /* arg ARG_SCRIPT: expected replies, checked here */
	size_t script_len;
	const uint8_t *send;
	size_t send_len;
};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int parse_instruction(const uint8_t *buf, size_t len, struct instruction *ins)
{
	if (len < 8)
		return -1;
	ins->state = buf[0];
	ins->arg = buf[1];
	ins->consume = (uint16_t)(buf[2] << 8 | buf[3]);
	ins->wait_ms = be32(buf + 4);
	size_t at = 8;
	if (ins->state == STATE_DIAL) {
		size_t used = wire_addr_decode(buf + at, len - at, 1, &ins->proxy);
		if (used == 0 || len < at + used + 4)
			return -1;
		at += used;
		ins->read_ms = be32(buf + at);
		at += 4;
	}
	ins->script = NULL;
	ins->script_len = 0;
	/* arg is a flag set for DIAL and READ; for DONE it is the errno. */
	if (ins->state == STATE_DIAL && (ins->arg & ARG_SCRIPT)) {
		if (len < at + 2)
			return -1;
		ins->script_len = (size_t)(buf[at] << 8 | buf[at + 1]);
		ins->script = buf + at + 2;
		at += 2 + ins->script_len;
		if (at > len)
			return -1;
	}
	ins->send = buf + at;
	ins->send_len = len - at;
	return 0;
}

/* connect() to the proxy within ms: O_NONBLOCK on for the call, the file flags restored exactly. */
static int dial(int fd, int domain, const struct wire_addr *proxy, uint32_t ms)
{
	struct sockaddr_storage sa;
	socklen_t sa_len = wire_addr_to_sockaddr(proxy, domain, &sa);
	if (sa_len == 0)
		return EAFNOSUPPORT;
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
		return errno;
	int err = 0;
	if (real.connect(fd, (struct sockaddr *)&sa, sa_len) != 0) {
		err = errno;
		if (err == EINPROGRESS || err == EINTR) {
			struct timespec deadline;
			sw_deadline_in(&deadline, ms);
			err = sw_wait_for(fd, POLLOUT, &deadline);
			if (err == 0) {
				socklen_t len = sizeof err;
				if (real.getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
					err = errno;
			}
		}
	}
	int saved = errno;
	fcntl(fd, F_SETFL, flags);
	errno = saved;
	return err;
}

static int send_exact(int fd, const uint8_t *buf, size_t len, const struct timespec *deadline)
{
	while (len) {
		ssize_t n = real.send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int err = sw_wait_for(fd, POLLOUT, deadline);
			if (err)
				return err;
			continue;
		}
		return n < 0 ? errno : EPIPE;
	}
	return 0;
}

/* Reads (and drops) n bytes the agent counted as handshake: they were peeked, so they are there. */
static int consume(int fd, size_t n, uint8_t *scratch, size_t cap)
{
	while (n) {
		ssize_t got = real.recv(fd, scratch, n < cap ? n : cap, MSG_DONTWAIT);
		if (got > 0) {
			n -= (size_t)got;
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		return got < 0 ? errno : ECONNABORTED;
	}
	return 0;
}

/* The DIAL's script: replies the agent expects (a SOCKS5 method choice, the final reply's first
 * bytes and length). Each one that matches is consumed and answered with its `then` bytes, with no
 * round trip; the first that does not (or EOF, an error, the deadline) is reported in STEP with
 * how many matched, and the agent takes over from there. Returns -1 when all matched (the chain
 * is established), else the event; *data_len / *err describe it. */
static int run_script(int fd, const uint8_t *script, size_t len, struct timespec *deadline, uint32_t read_ms,
		      uint8_t *buf, size_t cap, int *matched, size_t *data_len, int *err)
{
	if (len < 1)
		return EVENT_IO_ERROR;
	size_t count = script[0], at = 1;
	for (size_t i = 0; i < count; i++) {
		if (at + 1 > len)
			break;
		/* Top bit: this reply ends a hop; the next hop's reply gets read_ms of its own. */
		int ends_hop = script[at] & 0x80;
		size_t plen = script[at] & 0x7f;
		if (at + 1 + plen + 4 > len)
			break;
		const uint8_t *prefix = script + at + 1;
		size_t total = (size_t)(prefix[plen] << 8 | prefix[plen + 1]);
		size_t then_len = (size_t)(prefix[plen + 2] << 8 | prefix[plen + 3]);
		const uint8_t *then = prefix + plen + 4;
		at += 1 + plen + 4 + then_len;
		if (at > len || total > cap || plen > total || total == 0)
			break;
		for (;;) {
			int e = sw_wait_for(fd, POLLIN, deadline);
			if (e) {
				*err = e;
				return e == ETIMEDOUT ? EVENT_READ_TIMEOUT : EVENT_IO_ERROR;
			}
			ssize_t n = real.recv(fd, buf, total, MSG_PEEK | MSG_DONTWAIT);
			if (n == 0)
				return EVENT_EOF;
			if (n < 0) {
				if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
					continue;
				*err = errno;
				return EVENT_IO_ERROR;
			}
			/* A mismatch, or a reply split over segments: the agent takes it from here (its
			 * read path waits for the rest with the deadline and sees an EOF; polling a
			 * peeked partial reply here would spin past both). */
			if ((size_t)n < total || memcmp(buf, prefix, plen) != 0) {
				*data_len = (size_t)n;
				return EVENT_DATA;
			}
			break;
		}
		int e = consume(fd, total, buf, cap);
		if (e) {
			*err = e;
			return EVENT_IO_ERROR;
		}
		/* Consumed, so known to the agent's replay even if writing `then` fails: the failure
		 * is then the next hop's, as on the relay. */
		(*matched)++;
		if (ends_hop)
			sw_deadline_in(deadline, read_ms);
		e = send_exact(fd, then, then_len, deadline);
		if (e) {
			*err = e;
			return EVENT_IO_ERROR;
		}
	}
	return *matched == (int)count && count > 0 ? -1 : EVENT_IO_ERROR;
}

int sw_dial_is_standing(const uint8_t *answer, size_t answer_len)
{
	return answer_len >= 4 + 8 && answer[4] == STATE_DIAL && (answer[5] & ARG_STANDING);
}

static int session_is_standing(const uint8_t *req)
{
	return (req[0] | req[1] | req[2] | req[3]) == 0;
}

/* The chain is up with no question asked. A session's NOTE is `session | port`; a standing
 * plan's (session 0) carries what the agent needs to log and record it: `0 | port | ms | request`. */
static void note_established(const uint8_t *req, int port, const uint8_t *request, size_t request_len,
			     const struct timespec *start)
{
	uint8_t note[4 + 2 + 4 + SW_CONNECT_REQUEST_MAX];
	memcpy(note, req, 4);
	note[4] = (uint8_t)(port >> 8);
	note[5] = (uint8_t)port;
	size_t len = 6;
	if (session_is_standing(req) && request_len <= SW_CONNECT_REQUEST_MAX) {
		put_be32(note + 6, (uint32_t)sw_ms_since(start));
		memcpy(note + 10, request, request_len);
		len = 10 + request_len;
	}
	agent_notify(OP_NOTE, note, len);
}

int sw_dial_execute(int fd, int domain, const uint8_t *answer, size_t answer_len, struct wire_addr *via,
		      int *port_out, const uint8_t *request, size_t request_len)
{
	*port_out = 0;
	if (answer_len < 4 || request_len > SW_CONNECT_REQUEST_MAX)
		return ECONNREFUSED;
	uint8_t resp[AGENT_MAX_BODY], req[AGENT_MAX_BODY];
	size_t resp_len = answer_len - 4;
	memcpy(resp, answer + 4, resp_len);
	int port = 0, dialed = 0;
	uint32_t read_ms = 0;
	memcpy(req, answer, 4);
	/* A standing plan (session 0) has no session in the agent until it is needed: the first
	 * report is RESUME, `request_len u8 | request | ms u32 | STEP`, so peeks leave room for that prefix. */
	struct timespec start = { 0 };
	if (session_is_standing(req))
		clock_gettime(CLOCK_MONOTONIC, &start);
	const size_t resume_room = 1 + request_len + 4;
	size_t data_cap = sizeof req - STEP_HEADER - resume_room;

	for (;;) {
		struct instruction ins;
		if (parse_instruction(resp, resp_len, &ins) != 0)
			return ECONNABORTED;
		if (ins.consume) {
			int err = consume(fd, ins.consume, req + STEP_HEADER, data_cap);
			if (err)
				return err;
		}
		if (ins.state == STATE_DONE)
			return ins.arg;

		uint8_t event = EVENT_DATA;
		int err = 0, matched = 0;
		size_t data_len = 0;
		uint32_t wait_ms = ins.wait_ms;
		if (ins.state == STATE_DIAL) {
			if (dialed)
				sw_disconnect(fd);   /* after a dead hop: free the fd for the next proxy */
			dialed = 1;
			read_ms = ins.read_ms;
			*via = ins.proxy;
			err = dial(fd, domain, &ins.proxy, ins.wait_ms);
			if (err) {
				event = err == ETIMEDOUT ? EVENT_CONNECT_TIMEOUT : EVENT_CONNECT_FAILED;
				goto report;
			}
			port = sw_local_port(fd, NULL);
			if (port < 0)
				port = 0;
			*port_out = port;
			wait_ms = read_ms;
		} else if (ins.state != STATE_READ) {
			return ECONNABORTED;
		}

		struct timespec deadline;
		sw_deadline_in(&deadline, wait_ms);
		err = send_exact(fd, ins.send, ins.send_len, &deadline);
		if (err) {
			event = err == ETIMEDOUT ? EVENT_READ_TIMEOUT : EVENT_IO_ERROR;
			goto report;
		}
		if (ins.arg & ARG_MORE) {
			event = EVENT_SENT;
			goto report;
		}
		if (ins.script) {
			int r = run_script(fd, ins.script, ins.script_len, &deadline, read_ms, req + STEP_HEADER,
					   data_cap, &matched, &data_len, &err);
			if (r < 0) {
				/* Established without a round trip: tell the agent (log line, PEER), no answer. */
				note_established(req, port, request, request_len, &start);
				return 0;
			}
			event = (uint8_t)r;
			goto report;
		}
		for (;;) {
			err = sw_wait_for(fd, POLLIN, &deadline);
			if (err) {
				event = err == ETIMEDOUT ? EVENT_READ_TIMEOUT : EVENT_IO_ERROR;
				break;
			}
			ssize_t n = real.recv(fd, req + STEP_HEADER, data_cap, MSG_PEEK | MSG_DONTWAIT);
			if (n > 0) {
				data_len = (size_t)n;
				event = EVENT_DATA;
				break;
			}
			if (n == 0) {
				event = EVENT_EOF;
				break;
			}
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			err = errno;
			event = EVENT_IO_ERROR;
			break;
		}
	report:
		req[4] = event;
		req[5] = (uint8_t)(err >> 8);
		req[6] = (uint8_t)err;
		req[7] = (uint8_t)(port >> 8);
		req[8] = (uint8_t)port;
		req[9] = (uint8_t)matched;
		if (!session_is_standing(req)) {
			if (agent_call(OP_STEP, req, STEP_HEADER + data_len, resp, &resp_len) != 0)
				return ECONNREFUSED;   /* the agent is gone: fail closed */
			continue;
		}
		/* RESUME: the agent opens the session the standing plan stood for and takes this step;
		 * its answer is `session u32 | instruction`. */
		memmove(req + resume_room, req, STEP_HEADER + data_len);
		req[0] = (uint8_t)request_len;
		memcpy(req + 1, request, request_len);
		put_be32(req + 1 + request_len, (uint32_t)sw_ms_since(&start));   /* for "connected in" */
		if (agent_call(OP_RESUME, req, resume_room + STEP_HEADER + data_len, resp, &resp_len) != 0 ||
		    resp_len < 4 + 8 || session_is_standing(resp))
			return ECONNREFUSED;
		memcpy(req, resp, 4);
		resp_len -= 4;
		memmove(resp, resp + 4, resp_len);
	}
}

/* ---- which peers are proxies (getpeername of a descriptor inherited across exec) ---- */

#define MAX_PROXIES 32
static struct wire_addr proxy_list[MAX_PROXIES];
static _Atomic int proxy_count = -1;    /* -1: not asked yet in this process image */
static _Atomic int proxy_list_claimed;

static int fetch_proxies(struct wire_addr *out)
{
	uint8_t resp[AGENT_MAX_BODY];
	size_t resp_len;
	if (agent_call(OP_PROXIES, NULL, 0, resp, &resp_len) != 0 || resp_len < 1)
		return -1;
	int count = 0;
	size_t at = 1;
	for (int i = 0; i < resp[0] && count < MAX_PROXIES; i++) {
		size_t used = wire_addr_decode(resp + at, resp_len - at, 1, &out[count]);
		if (used == 0)
			break;
		at += used;
		count++;
	}
	return count;
}

static int in_list(const struct wire_addr *list, int n, const struct wire_addr *peer)
{
	for (int i = 0; i < n; i++)
		if (wire_addr_equal(&list[i], peer))
			return 1;
	return 0;
}

int sw_dial_is_proxy(const struct wire_addr *peer)
{
	int n = atomic_load(&proxy_count);
	if (n >= 0)
		return in_list(proxy_list, n, peer);
	/* First ask in this image: fetched into the stack; one thread publishes it, a concurrent
	 * one uses its own copy (no lock, nothing to wait for after fork). */
	struct wire_addr mine[MAX_PROXIES];
	int got = fetch_proxies(mine);
	if (got < 0)
		return 0;
	int expected = 0;
	if (atomic_compare_exchange_strong(&proxy_list_claimed, &expected, 1)) {
		memcpy(proxy_list, mine, (size_t)got * sizeof mine[0]);
		atomic_store(&proxy_count, got);
	}
	return in_list(mine, got, peer);
}
