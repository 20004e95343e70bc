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
#include "core/wire-codec.h"
#include "paths/connect-request.h"
#include "paths/dial-path.h"
#include "paths/plan-cache.h"

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
			/* Connected, but the socket stays "connecting" until connect() is called again:
			 * the program's next connect() would return 0 once instead of EISCONN, as after
			 * a blocking connect. This call settles it (0 when established). */
			if (err == 0 && real.connect(fd, (struct sockaddr *)&sa, sa_len) != 0 && errno != EISCONN)
				err = errno;
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

int sw_dial_send(int fd, const uint8_t *buf, size_t len, const struct timespec *deadline)
{
	return send_exact(fd, buf, len, deadline);
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
		struct sw_script_entry entry;
		if (sw_dec_script_entry(script, len, &at, &entry) != 0)
			break;
		/* ends_hop: the next hop's reply gets read_ms of its own. */
		int ends_hop = entry.ends_hop;
		size_t plen = entry.prefix_len, total = entry.total, then_len = entry.then_len;
		const uint8_t *prefix = entry.prefix, *then = entry.then;
		if (total > cap || plen > total || total == 0)
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
 * plan's (session 0) carries what the agent needs to log and record it: `0 | port | ms | request`.
 * A standing plan whose DIAL said ARG_NOTES_LATER queues it (core/agent-wire.c). */
void sw_dial_note(const uint8_t *req, int port, const uint8_t *request, size_t request_len,
		  const struct timespec *start, uint8_t arg)
{
	uint8_t note[4 + 2 + 4 + SW_CONNECT_REQUEST_MAX];
	int standing = session_is_standing(req);
	uint32_t ms = standing ? (uint32_t)sw_ms_since(start) : 0;
	size_t len = sw_enc_note(note, sw_get32(req), (uint16_t)port, ms, request, request_len);
	if (standing && (arg & ARG_NOTES_LATER))
		agent_notify_later(OP_NOTE, note, len);
	else
		agent_notify(OP_NOTE, note, len);
}

/* One execution: the fd, the STEP being built in req (the peeked bytes go straight into it), and
 * what a standing plan's RESUME needs. */
struct dial_run {
	int fd, domain;
	int port, dialed;
	uint32_t read_ms;
	const uint8_t *request;
	size_t request_len;
	struct timespec start;        /* a standing plan's, for "connected in" */
	size_t resume_room;           /* RESUME's prefix: `request_len u8 | request | ms u32` */
	size_t data_cap;
	uint8_t req[AGENT_MAX_BODY];  /* session u32 | STEP, with resume_room kept free behind it */
};

/* What one instruction led to, for its STEP. */
struct step {
	uint8_t event;
	int err, matched;
	size_t data_len;
};

enum { RUN_REPORT = -1, RUN_ESTABLISHED = 0 };

/* Waits for the proxy's reply and peeks at it (it stays in the socket until the agent says how
 * much is handshake). */
static void peek_reply(struct dial_run *r, const struct timespec *deadline, struct step *st)
{
	for (;;) {
		st->err = sw_wait_for(r->fd, POLLIN, deadline);
		if (st->err) {
			st->event = st->err == ETIMEDOUT ? EVENT_READ_TIMEOUT : EVENT_IO_ERROR;
			return;
		}
		ssize_t n = real.recv(r->fd, r->req + SW_STEP_HEADER_LEN, r->data_cap, MSG_PEEK | MSG_DONTWAIT);
		if (n > 0) {
			st->data_len = (size_t)n;
			st->event = EVENT_DATA;
			return;
		}
		if (n == 0) {
			st->event = EVENT_EOF;
			return;
		}
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			continue;
		st->err = errno;
		st->event = EVENT_IO_ERROR;
		return;
	}
}

/* Carries out a DIAL or READ instruction. RUN_REPORT: *st is the step to report. RUN_ESTABLISHED:
 * the script matched to the end and the agent was told (NOTE). Else the errno for connect(). */
static int run_instruction(struct dial_run *r, const struct sw_instruction *ins, struct wire_addr *via, int *port_out,
			   struct step *st)
{
	uint32_t wait_ms = ins->wait_ms;
	if (ins->state == STATE_DIAL) {
		if (r->dialed)
			sw_disconnect(r->fd);   /* after a dead hop: free the fd for the next proxy */
		r->dialed = 1;
		r->read_ms = ins->read_ms;
		*via = ins->proxy;
		st->err = dial(r->fd, r->domain, &ins->proxy, ins->wait_ms);
		if (st->err) {
			st->event = st->err == ETIMEDOUT ? EVENT_CONNECT_TIMEOUT : EVENT_CONNECT_FAILED;
			return RUN_REPORT;
		}
		r->port = sw_local_port(r->fd, NULL);
		if (r->port < 0)
			r->port = 0;
		*port_out = r->port;
		wait_ms = r->read_ms;
	} else if (ins->state != STATE_READ) {
		return ECONNABORTED;
	}

	struct timespec deadline;
	sw_deadline_in(&deadline, wait_ms);
	st->err = send_exact(r->fd, ins->send, ins->send_len, &deadline);
	if (st->err) {
		st->event = st->err == ETIMEDOUT ? EVENT_READ_TIMEOUT : EVENT_IO_ERROR;
		return RUN_REPORT;
	}
	if (ins->arg & ARG_MORE) {
		st->event = EVENT_SENT;
		return RUN_REPORT;
	}
	if (ins->script) {
		int e = run_script(r->fd, ins->script, ins->script_len, &deadline, r->read_ms, r->req + SW_STEP_HEADER_LEN,
				   r->data_cap, &st->matched, &st->data_len, &st->err);
		if (e >= 0) {
			st->event = (uint8_t)e;
			return RUN_REPORT;
		}
		/* Established without a round trip: tell the agent (log line, PEER), no answer. */
		sw_dial_note(r->req, r->port, r->request, r->request_len, &r->start, ins->arg);
		return RUN_ESTABLISHED;
	}
	peek_reply(r, &deadline, st);
	return RUN_REPORT;
}

/* Sends the step (STEP, or RESUME for a standing plan) and takes the next instruction into resp.
 * 0, or ECONNREFUSED: the agent is gone, fail closed. */
static int report_step(struct dial_run *r, const struct step *st, uint8_t *resp, size_t *resp_len)
{
	uint8_t *req = r->req;
	sw_enc_step_head(req, sw_get32(req), st->event, st->err, (uint16_t)r->port, st->matched);
	if (!session_is_standing(req))
		return agent_call(OP_STEP, req, SW_STEP_HEADER_LEN + st->data_len, resp, resp_len) == 0 ? 0 : ECONNREFUSED;
	/* RESUME: the agent opens the session the standing plan stood for and takes this step;
	 * its answer is `session u32 | instruction`. */
	memmove(req + r->resume_room, req, SW_STEP_HEADER_LEN + st->data_len);
	sw_enc_resume_prefix(req, r->request, r->request_len, (uint32_t)sw_ms_since(&r->start));   /* ms: "connected in" */
	if (agent_call(OP_RESUME, req, r->resume_room + SW_STEP_HEADER_LEN + st->data_len, resp, resp_len) != 0 ||
	    *resp_len < 4 + 8 || session_is_standing(resp))
		return ECONNREFUSED;
	memcpy(req, resp, 4);
	*resp_len -= 4;
	memmove(resp, resp + 4, *resp_len);
	return 0;
}

/* A standing plan (session 0) has no session in the agent until it is needed: the first report is
 * RESUME, `request_len u8 | request | ms u32 | STEP`, so peeks leave room for that prefix. */
static void run_init(struct dial_run *r, int fd, int domain, const uint8_t session[4], const uint8_t *request,
		     size_t request_len)
{
	r->fd = fd;
	r->domain = domain;
	r->request = request;
	r->request_len = request_len;
	memcpy(r->req, session, 4);
	r->resume_room = 1 + request_len + 4;
	r->data_cap = sizeof r->req - SW_STEP_HEADER_LEN - r->resume_room;
}

/* Carries out instructions from resp (the agent's last answer) until DONE or established. */
static int drive(struct dial_run *r, uint8_t *resp, size_t resp_len, struct wire_addr *via, int *port_out);

int sw_dial_execute(int fd, int domain, const uint8_t *answer, size_t answer_len, struct wire_addr *via,
		    int *port_out, const uint8_t *request, size_t request_len)
{
	*port_out = 0;
	if (answer_len < 4 || request_len > SW_CONNECT_REQUEST_MAX)
		return ECONNREFUSED;
	struct dial_run r = { 0 };
	run_init(&r, fd, domain, answer, request, request_len);
	uint8_t resp[AGENT_MAX_BODY];
	size_t resp_len = answer_len - 4;
	memcpy(resp, answer + 4, resp_len);
	if (session_is_standing(r.req))
		clock_gettime(CLOCK_MONOTONIC, &r.start);
	return drive(&r, resp, resp_len, via, port_out);
}

int sw_dial_continue(int fd, int domain, const struct sw_dial_report *rep, struct wire_addr *via, int *port_out)
{
	if (rep->request_len > SW_CONNECT_REQUEST_MAX)
		return ECONNREFUSED;
	struct dial_run r = { 0 };
	run_init(&r, fd, domain, rep->session, rep->request, rep->request_len);
	r.start = rep->start;
	r.port = *port_out = rep->port;
	r.dialed = 1;
	r.read_ms = rep->read_ms;
	struct step st = { .event = (uint8_t)rep->event, .err = rep->err, .matched = rep->matched };
	if (st.event == EVENT_DATA) {
		/* What the script did not expect, peeked again for the report (it is still there). */
		size_t want = rep->peek_len < r.data_cap ? rep->peek_len : r.data_cap;
		ssize_t n = real.recv(fd, r.req + SW_STEP_HEADER_LEN, want, MSG_PEEK | MSG_DONTWAIT);
		if (n > 0) {
			st.data_len = (size_t)n;
		} else {
			st.event = n == 0 ? EVENT_EOF : EVENT_IO_ERROR;
			st.err = n == 0 ? 0 : errno;
		}
	}
	uint8_t resp[AGENT_MAX_BODY];
	size_t resp_len;
	int err = report_step(&r, &st, resp, &resp_len);
	if (err)
		return err;
	return drive(&r, resp, resp_len, via, port_out);
}

static int drive(struct dial_run *r, uint8_t *resp, size_t resp_len, struct wire_addr *via, int *port_out)
{
	int fd = r->fd;
	const uint8_t *request = r->request;
	size_t request_len = r->request_len;
	for (;;) {
		struct sw_instruction ins;
		if (sw_dec_instruction(resp, resp_len, &ins) != 0)
			return ECONNABORTED;
		/* Another DIAL: the plan's first attempt did not hold (a dead hop re-planned, or a proxy
		 * that failed a pipelined handshake, dialled again without): a standing plan kept for
		 * this request would meet the same again, so the next connect asks instead. */
		if (ins.state == STATE_DIAL && r->dialed) {
			sw_plan_forget(request, request_len);
			sw_templates_forget();   /* the same first attempt as the plan's */
		}
		if (ins.consume) {
			int err = consume(fd, ins.consume, r->req + SW_STEP_HEADER_LEN, r->data_cap);
			if (err)
				return err;
		}
		if (ins.state == STATE_DONE)
			return ins.arg;
		struct step st = { .event = EVENT_DATA };
		int outcome = run_instruction(r, &ins, via, port_out, &st);
		if (outcome != RUN_REPORT)
			return outcome;   /* 0: established */
		int err = report_step(r, &st, resp, &resp_len);
		if (err)
			return err;
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
	int count;
	if (agent_call(OP_PROXIES, NULL, 0, resp, &resp_len) != 0 || sw_dec_proxies(resp, resp_len, out, MAX_PROXIES, &count) != 0)
		return -1;
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

int sw_connect_answer(const uint8_t *request, size_t request_len, int use_standing, uint8_t *ticket,
		      uint8_t *execute, size_t *execute_len)
{
	size_t standing = use_standing ? sw_plan_lookup(request, request_len, execute + 4, AGENT_MAX_BODY - 4) : 0;
	/* No plan kept for this destination: a template's, filled with it (paths/plan-cache.c). */
	if (use_standing && !standing)
		standing = sw_template_plan(request, request_len, execute + 4, AGENT_MAX_BODY - 4);
	if (standing && agent_alive()) {
		memset(execute, 0, 4);
		*execute_len = 4 + standing;
		return ACTION_EXECUTE;
	}
	int action = sw_ask_connect(request, request_len, ticket, execute, execute_len);
	if (action == ACTION_EXECUTE && sw_dial_is_standing(execute, *execute_len)) {
		sw_plan_store(request, request_len, execute + 4, *execute_len - 4);
		if (execute[5] & ARG_TEMPLATES)
			sw_templates_offered();
	}
	return action;
}
