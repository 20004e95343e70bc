/* Asynchronous connects: the chain is still being negotiated (docs/async-connect.md).
 *
 * A non-blocking connect() returns EINPROGRESS as soon as the fd is connected to the relay and
 * the ticket is written (hooks/connect-hook.c). Until the chain answers (an urgent byte, or a
 * reset) the fd must look like a connect in progress: sw_async_learn() tells the I/O hooks and
 * the readiness hooks (hooks/readiness-hooks.c) where it stands.
 *
 * Or, when the agent's answer is a DIAL whose script is the whole handshake, the fd is connected
 * to the first proxy itself (a dial slot below holds the DIAL) and sw_async_learn() advances the
 * handshake one non-blocking step at a time, from whichever hook the program calls: TCP up →
 * the opening bytes; each expected reply → consumed exactly, its `then` written; the last → NOTE,
 * connected. Anything the script did not expect goes to the agent (paths/dial-path.c,
 * sw_dial_continue), which judges it and may take blocking round trips: the failure path. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/agent-wire.h"
#include "core/deadline.h"
#include "core/fd-table.h"
#include "core/libc.h"
#include "core/socket-ops.h"
#include "core/wire-codec.h"
#include "paths/async-connect.h"
#include "paths/destinations.h"
#include "paths/dial-path.h"
#include "paths/epoll-slots.h"
#include "paths/relay-path.h"

/* PENDING: the chain has not answered, so the program must see a connect in progress (the
 * readiness hooks hide writability, sends say EAGAIN). FAILED: the relay reset the socket, which
 * now holds the kernel's ECONNRESET where a direct connect would hold the chain's errno: the next
 * call that reports it reports async_errno instead. BUSY: a thread is learning the verdict. */
enum { ASYNC_IDLE = 0, ASYNC_PENDING = 1, ASYNC_BUSY = 2, ASYNC_FAILED = 3, ASYNC_ABORTED = 4 };
/* ABORTED: the failure was reported (SO_ERROR, a send): the kernel's next connect() on such a
 * socket says ECONNABORTED, once, and only then starts a new connect. */

/* The fd table's async_state != 0 is the whole cost of an I/O hook on any other descriptor. The
 * port identifies the socket: a pending fd the program closed and whose number came back as
 * something else is recognised as stale and forgotten. Every function below but mark_pending is
 * given the entry of a fd that has one (entries are never unmapped). */
_Atomic int sw_async_used;
_Atomic int sw_async_dialing;

/* ---- dial slots: the DIAL a non-blocking connect runs on its own fd ---- */

enum { DIAL_CONNECTING = 1, DIAL_READING = 2, DIAL_OFF_SCRIPT = 3 };

/* BSS: untouched pages cost nothing until a slot is used. With none free, the connect asks
 * without the flag and takes the relay. */
#define DIAL_SLOTS 256

struct dial_slot {
	_Atomic int used;
	int domain;
	_Atomic uint8_t phase;
	uint8_t count, entry;         /* the script's expectations, and the next one */
	int matched;
	int event, err;               /* DIAL_OFF_SCRIPT: what the connect itself met */
	size_t at;                    /* the next expectation's offset in the script */
	int port;
	uint32_t read_ms;
	uint8_t reply_len;            /* the last reply consumed, if short enough (SOCKNAME) */
	uint8_t reply[SW_DIALLED_REPLY_MAX];
	struct timespec start, deadline;
	struct wire_addr via;
	socklen_t dest_len;
	struct sockaddr_in6 dest;     /* what the program connected to (also holds a sockaddr_in) */
	size_t request_len, answer_len;
	uint8_t request[SW_CONNECT_REQUEST_MAX];
	uint8_t answer[AGENT_MAX_BODY];   /* session u32 | the DIAL */
};

static struct dial_slot dial_slots[DIAL_SLOTS];

int sw_async_dial_take(void)
{
	for (int i = 0; i < DIAL_SLOTS; i++) {
		int expected = 0;
		if (atomic_load_explicit(&dial_slots[i].used, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_strong(&dial_slots[i].used, &expected, 1)) {
			atomic_fetch_add(&sw_async_dialing, 1);
			return i;
		}
	}
	return -1;
}

void sw_async_dial_release(int slot)
{
	if (slot < 0 || slot >= DIAL_SLOTS)
		return;
	atomic_store(&dial_slots[slot].used, 0);
	atomic_fetch_sub(&sw_async_dialing, 1);
}

/* Is fd still the socket we connected to the relay? Its local port survives a reset. */
static int same_relayed_socket(int fd, struct sw_fd *e)
{
	int type;
	if (sw_int_option(fd, SOL_SOCKET, SO_TYPE, &type) != 0 || type != SOCK_STREAM)
		return 0;
	return sw_local_port(fd, NULL) == (int)atomic_load(&e->async_port);
}

int sw_async_mark_pending(int fd, int local_port, const uint8_t ticket[16])
{
	struct sw_fd *e = sw_fd_get(fd);
	if (!e)
		return -1;
	atomic_store(&e->async_port, (uint32_t)local_port);
	atomic_store(&e->async_dial, 0);
	memcpy(e->async_ticket, ticket, 16);
	atomic_store(&sw_async_used, 1);
	atomic_store(&e->async_state, ASYNC_PENDING);
	return 0;
}

void sw_async_forget(int fd)
{
	struct sw_fd *e = sw_fd_peek(fd);
	if (!e || atomic_load_explicit(&e->async_state, memory_order_acquire) == ASYNC_IDLE)
		return;
	uint8_t was = atomic_exchange(&e->async_state, ASYNC_IDLE);
	/* A dial slot of a PENDING fd is freed here; a BUSY one by the thread advancing it, whose
	 * compare-and-swap at the end then fails. */
	if (was == ASYNC_PENDING) {
		int dial = atomic_exchange(&e->async_dial, 0);
		if (dial)
			sw_async_dial_release(dial - 1);
	}
	sw_ep_restore(fd, 0);
}

/* Another thread is advancing this fd's handshake: in progress, for a call that must not wait. */
#define ASYNC_ELSEWHERE 0xff   /* not a state: async_claim only */

/* Takes a PENDING entry for this thread; another thread learning the same verdict is waited out
 * (unless patient is 0: ASYNC_ELSEWHERE). Returns the state found when it is not PENDING (IDLE or
 * FAILED), or ASYNC_BUSY with it held. */
static int async_claim(struct sw_fd *e, int patient)
{
	for (;;) {
		uint8_t expected = ASYNC_PENDING;
		if (atomic_compare_exchange_strong(&e->async_state, &expected, ASYNC_BUSY))
			return ASYNC_BUSY;
		if (expected != ASYNC_BUSY)
			return expected;
		if (!patient)
			return ASYNC_ELSEWHERE;
		struct timespec pause = { .tv_nsec = 200000 };
		nanosleep(&pause, NULL);
	}
}

/* The outcome, asked of the agent: after a reset, or an end the urgent byte did not explain. */
static int ask_verdict(struct sw_fd *e)
{
	uint8_t resp[AGENT_MAX_BODY];
	size_t resp_len;
	int status = agent_call(OP_VERDICT, e->async_ticket, 16, resp, &resp_len);
	if (status != 0 || resp_len < 1)
		return ECONNREFUSED;      /* no agent, or it forgot: fail closed */
	return resp[0];
}

/* Ends PENDING with the outcome: 0 connected, else the errno (FAILED until reported once). */
static int async_conclude(int fd, struct sw_fd *e, int verdict)
{
	if (verdict != 0) {
		/* Without the relay's reset (the agent died, or answered first), make the fd unconnected
		 * ourselves: a socket left connected to the relay must never look usable. */
		if (sw_is_connected(fd))
			sw_disconnect(fd);
		atomic_store(&e->async_errno, (uint8_t)verdict);
		atomic_store(&e->async_state, ASYNC_FAILED);
	} else {
		atomic_store(&e->async_state, ASYNC_IDLE);
	}
	sw_ep_restore(fd, 0);
	return verdict;
}

/* ---- the handshake of a dialled fd, one step at a time ---- */

/* Ready for events now (or, waiting, by the phase's deadline): 0, EAGAIN (not yet), ETIMEDOUT
 * (the deadline passed), or an errno. */
static int dial_ready(int fd, short events, const struct dial_slot *d, int wait)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int err = sw_wait_for(fd, events, wait ? &d->deadline : &now);
	if (err == ETIMEDOUT && !wait && sw_ms_left(&d->deadline) > 0)
		return EAGAIN;
	return err;
}

/* Off the script: the agent judges (STEP, or RESUME for a standing plan) and the rest runs as a
 * blocking connect's dial would. 0 connected (maybe through another proxy), else the errno. */
static int dial_off_script(int fd, struct dial_slot *d, int event, int err, size_t peek_len)
{
	struct sw_dial_report rep = {
		.session = d->answer, .request = d->request, .request_len = d->request_len, .start = d->start,
		.port = d->port, .read_ms = d->read_ms, .event = event, .err = err, .matched = d->matched,
		.peek_len = peek_len,
	};
	int port = d->port;
	int verdict = sw_dial_continue(fd, d->domain, &rep, &d->via, &port);
	d->port = port > 0 ? port : sw_local_port(fd, NULL);
	return verdict;
}

/* One advance: -1 still in progress (only when !wait), 0 connected, else the errno. */
static int dial_advance(int fd, struct dial_slot *d, int wait)
{
	struct sw_instruction ins;
	if (d->answer_len < 4 || sw_dec_instruction(d->answer + 4, d->answer_len - 4, &ins) != 0 || !ins.script)
		return ECONNABORTED;
	uint8_t buf[AGENT_MAX_BODY];
	for (;;) {
		uint8_t phase = atomic_load(&d->phase);
		if (phase == DIAL_OFF_SCRIPT)
			return dial_off_script(fd, d, d->event, d->err, 0);
		if (phase == DIAL_CONNECTING) {
			int err = dial_ready(fd, POLLOUT, d, wait);
			if (err == EAGAIN)
				return -1;
			if (err)
				return dial_off_script(fd, d, err == ETIMEDOUT ? EVENT_CONNECT_TIMEOUT : EVENT_CONNECT_FAILED, err, 0);
			if (sw_int_option(fd, SOL_SOCKET, SO_ERROR, &err) != 0)
				err = errno;
			if (err)
				return dial_off_script(fd, d, EVENT_CONNECT_FAILED, err, 0);
			sw_deadline_in(&d->deadline, d->read_ms);
			err = sw_dial_send(fd, ins.send, ins.send_len, &d->deadline);
			if (err)
				return dial_off_script(fd, d, err == ETIMEDOUT ? EVENT_READ_TIMEOUT : EVENT_IO_ERROR, err, 0);
			d->count = ins.script_len ? ins.script[0] : 0;
			d->entry = 0;
			d->at = 1;
			atomic_store(&d->phase, DIAL_READING);
			sw_ep_retag(fd, POLLIN | POLLRDHUP);
			continue;
		}
		if (d->entry >= d->count)
			return ECONNABORTED;
		struct sw_script_entry entry;
		size_t at = d->at;
		if (sw_dec_script_entry(ins.script, ins.script_len, &at, &entry) != 0 || entry.total == 0 ||
		    entry.total > sizeof buf || entry.prefix_len > entry.total)
			return dial_off_script(fd, d, EVENT_IO_ERROR, ECONNABORTED, 0);
		ssize_t n = real.recv(fd, buf, entry.total, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0)
			return dial_off_script(fd, d, EVENT_EOF, 0, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return dial_off_script(fd, d, EVENT_IO_ERROR, errno, 0);
			int err = dial_ready(fd, POLLIN | POLLRDHUP, d, wait);
			if (err == EAGAIN)
				return -1;
			if (err)
				return dial_off_script(fd, d, err == ETIMEDOUT ? EVENT_READ_TIMEOUT : EVENT_IO_ERROR, err, 0);
			continue;
		}
		/* A mismatch, or a reply split over segments: the agent's (as on the blocking dial path). */
		if ((size_t)n < entry.total || memcmp(buf, entry.prefix, entry.prefix_len) != 0)
			return dial_off_script(fd, d, EVENT_DATA, 0, (size_t)n);
		/* Exactly the reply: bytes after it (a banner) stay in the socket for the program. */
		for (size_t left = entry.total; left;) {
			ssize_t got = real.recv(fd, buf, left, MSG_DONTWAIT);
			if (got > 0) {
				left -= (size_t)got;
			} else if (!(got < 0 && errno == EINTR)) {
				return dial_off_script(fd, d, EVENT_IO_ERROR, got < 0 ? errno : ECONNABORTED, 0);
			}
		}
		d->matched++;
		d->at = at;
		d->entry++;
		d->reply_len = entry.total <= sizeof d->reply ? (uint8_t)entry.total : 0;
		memcpy(d->reply, buf, d->reply_len);
		if (entry.ends_hop)
			sw_deadline_in(&d->deadline, d->read_ms);
		int err = sw_dial_send(fd, entry.then, entry.then_len, &d->deadline);
		if (err)
			return dial_off_script(fd, d, err == ETIMEDOUT ? EVENT_READ_TIMEOUT : EVENT_IO_ERROR, err, 0);
		if (d->entry == d->count) {
			sw_dial_note(d->answer, d->port, d->request, d->request_len, &d->start, d->answer[5]);
			return 0;
		}
	}
}

int sw_async_dial_start(int slot, int fd, int domain, const uint8_t *execute, size_t execute_len,
			const uint8_t *request, size_t request_len, const struct sockaddr *addr, socklen_t len)
{
	struct dial_slot *d = &dial_slots[slot];
	struct sw_fd *e = sw_fd_get(fd);
	struct sw_instruction ins;
	if (!e || execute_len < 4 || execute_len > sizeof d->answer || request_len > sizeof d->request ||
	    sw_dec_instruction(execute + 4, execute_len - 4, &ins) != 0) {
		sw_async_dial_release(slot);
		return ECONNABORTED;
	}
	if (ins.state == STATE_DONE) {
		sw_async_dial_release(slot);
		return ins.arg ? ins.arg : ECONNABORTED;
	}
	if (ins.state != STATE_DIAL || !ins.script || (ins.arg & ARG_MORE)) {
		sw_async_dial_release(slot);
		return -2;
	}
	memcpy(d->answer, execute, execute_len);
	d->answer_len = execute_len;
	memcpy(d->request, request, request_len);
	d->request_len = request_len;
	d->domain = domain;
	d->matched = 0;
	d->count = 0;
	d->reply_len = 0;
	atomic_store(&e->dialled_port, 0);
	d->read_ms = ins.read_ms;
	d->via = ins.proxy;
	if (len > sizeof d->dest)
		len = sizeof d->dest;
	memcpy(&d->dest, addr, len);
	d->dest_len = len;
	clock_gettime(CLOCK_MONOTONIC, &d->start);
	d->deadline = d->start;
	struct timespec connect_wait = { .tv_sec = ins.wait_ms / 1000, .tv_nsec = (long)(ins.wait_ms % 1000) * 1000000 };
	sw_timespec_add(&d->deadline, &connect_wait);
	atomic_store(&d->phase, DIAL_CONNECTING);
	struct sockaddr_storage sa;
	socklen_t sa_len = wire_addr_to_sockaddr(&ins.proxy, domain, &sa);
	int err = sa_len ? 0 : EAFNOSUPPORT;
	if (!err && real.connect(fd, (struct sockaddr *)&sa, sa_len) != 0 && errno != EINPROGRESS)
		err = errno;
	if (err) {
		/* The agent judges this one too (a dead first hop of a dynamic chain is skipped), at
		 * the first call that asks where the connect stands. */
		d->event = err == EAFNOSUPPORT ? EVENT_IO_ERROR : EVENT_CONNECT_FAILED;
		d->err = err;
		atomic_store(&d->phase, DIAL_OFF_SCRIPT);
	}
	d->port = sw_local_port(fd, NULL);
	if (d->port < 0)
		d->port = 0;
	atomic_store(&e->async_port, (uint32_t)d->port);
	atomic_store(&e->async_dial, (uint16_t)(slot + 1));
	atomic_store(&sw_async_used, 1);
	atomic_store(&e->async_state, ASYNC_PENDING);
	return -1;
}

short sw_async_wait_events(int fd)
{
	struct sw_fd *e = sw_fd_peek(fd);
	int dial = e ? atomic_load(&e->async_dial) : 0;
	if (!dial)
		return POLLPRI | POLLRDHUP;
	return atomic_load(&dial_slots[dial - 1].phase) == DIAL_READING ? POLLIN | POLLRDHUP : POLLOUT;
}

/* A failed dialled connect leaves the socket as the relay's reset leaves a relayed one, which is what
 * a refused direct connect leaves: closed both ways (readable: EOF; writable; POLLHUP) with an error
 * pending (POLLERR). Disconnecting a connected socket sets ECONNRESET (tcp_disconnect), which
 * stands for the chain's errno once (sw_async_failed_errno); shutdown() of the now closed socket
 * marks both directions done. (A first proxy that refused the TCP connection itself left its error
 * to the handshake's SO_ERROR: that socket has none pending.) */
static void fail_socket(int fd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	real.connect(fd, &unspec, sizeof unspec);
	shutdown(fd, SHUT_RDWR);
}

/* Ends a dialled fd's PENDING (held BUSY) with the outcome; the slot is freed. */
static int dial_conclude(int fd, struct sw_fd *e, int slot, int verdict)
{
	struct dial_slot *d = &dial_slots[slot];
	if (verdict == 0) {
		sw_dest_remember(fd, d->port, (const struct sockaddr *)&d->dest, d->dest_len, &d->via);
		/* Off the script the agent consumed the last reply: none to tell (d->matched counts ours). */
		e->dialled_reply_len = d->matched == d->count ? d->reply_len : 0;
		memcpy(e->dialled_reply, d->reply, e->dialled_reply_len);
		atomic_store(&e->dialled_side_gen, 0);
		atomic_store(&e->dialled_port, (uint32_t)d->port);
	} else {
		fail_socket(fd);
	}
	atomic_store(&e->async_port, (uint32_t)d->port);
	atomic_store(&e->async_errno, (uint8_t)verdict);
	atomic_store(&e->async_dial, 0);
	sw_async_dial_release(slot);
	uint8_t busy = ASYNC_BUSY;
	if (!atomic_compare_exchange_strong(&e->async_state, &busy, verdict ? ASYNC_FAILED : ASYNC_IDLE))
		return 0;       /* the program closed it meanwhile (sw_async_forget) */
	sw_ep_restore(fd, 0);
	return verdict;
}

int sw_async_learn(int fd, int wait)
{
	struct sw_fd *e = sw_fd_peek(fd);
	if (!e || atomic_load_explicit(&e->async_state, memory_order_acquire) == ASYNC_IDLE)
		return 0;
	/* A dialled fd's step can take a blocking round trip (off the script): a call that must not
	 * wait does not wait for another thread's. */
	int state = async_claim(e, wait || !atomic_load(&e->async_dial));
	if (state == ASYNC_ELSEWHERE)
		return -1;
	if (state == ASYNC_FAILED) {
		/* A failed connect's socket keeps its local port; another socket on the number does not. */
		if (same_relayed_socket(fd, e))
			return atomic_load(&e->async_errno);
		uint8_t failed = ASYNC_FAILED;
		atomic_compare_exchange_strong(&e->async_state, &failed, ASYNC_IDLE);
		return 0;
	}
	if (state != ASYNC_BUSY)
		return 0;
	int dial = atomic_load(&e->async_dial);
	if (!same_relayed_socket(fd, e)) {
		if (dial) {
			atomic_store(&e->async_dial, 0);
			sw_async_dial_release(dial - 1);
		}
		atomic_store(&e->async_state, ASYNC_IDLE);
		sw_ep_restore(fd, 1);
		return 0;
	}
	if (dial) {
		int verdict = dial_advance(fd, &dial_slots[dial - 1], wait);
		if (verdict != -1)
			return dial_conclude(fd, e, dial - 1, verdict);
		uint8_t busy = ASYNC_BUSY;
		if (atomic_compare_exchange_strong(&e->async_state, &busy, ASYNC_PENDING))
			return -1;
		/* Closed meanwhile: the slot is ours to free. */
		atomic_store(&e->async_dial, 0);
		sw_async_dial_release(dial - 1);
		return 0;
	}
	struct timespec deadline;
	sw_deadline_in(&deadline, wait ? SW_VERDICT_TIMEOUT_MS : 0);
	/* Connected: one urgent byte (POLLPRI, not in the stream). Failed: a reset (POLLERR/POLLHUP).
	 * Anything else readable before either (a FIN from a dying agent) is asked about too. */
	int err = sw_wait_for(fd, POLLPRI | POLLRDHUP, &deadline);
	if (err == ETIMEDOUT) {
		atomic_store(&e->async_state, ASYNC_PENDING);
		return -1;
	}
	/* Something arrived: the urgent byte if it is there (one call, no second poll to look first). */
	uint8_t urgent;
	if (real.recv(fd, &urgent, 1, MSG_OOB | MSG_DONTWAIT) == 1)
		return async_conclude(fd, e, 0);
	return async_conclude(fd, e, ask_verdict(e));
}

/* The chain's errno in place of err (the kernel's ECONNRESET, ENOTCONN, EPIPE or 0), once: FAILED
 * becomes `after`. */
static int report_failure(int fd, int err, uint8_t after)
{
	struct sw_fd *e = sw_fd_peek(fd);
	if (!e || atomic_load(&e->async_state) != ASYNC_FAILED)
		return err;
	if (err != ECONNRESET && err != ENOTCONN && err != EPIPE && err != 0)
		return err;
	uint8_t expected = ASYNC_FAILED;
	if (!atomic_compare_exchange_strong(&e->async_state, &expected, after))
		return err;
	return atomic_load(&e->async_errno);
}

/* Reported by another call (SO_ERROR, a send): the next connect is ECONNABORTED (ABORTED). */
int sw_async_failed_errno(int fd, int err)
{
	return report_failure(fd, err, ASYNC_ABORTED);
}

int sw_async_before_io(int fd, int nonblocking_call)
{
	int verdict = sw_async_learn(fd, !(nonblocking_call || sw_fd_is_nonblocking(fd)));
	if (verdict == -1) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

/* connect() again while the chain answers: as the kernel answers a connect in progress (EALREADY,
 * or a wait on a blocking socket), done (0 once, then EISCONN: the real connect of a socket that is
 * connected, which sends nothing) or failed (its errno, once; the socket is unconnected after). */
int sw_async_connect_again(int fd)
{
	struct sw_fd *e = sw_fd_peek(fd);
	if (e && atomic_load(&e->async_state) == ASYNC_ABORTED) {
		uint8_t aborted = ASYNC_ABORTED;
		int ours = same_relayed_socket(fd, e);
		if (!atomic_compare_exchange_strong(&e->async_state, &aborted, ASYNC_IDLE) || !ours)
			return SW_CONNECT_NOT_OURS;
		/* A relayed socket the relay reset still counts as connected for connect() (EISCONN)
		 * though getpeername says ENOTCONN: disconnected either way, so the next one starts over. */
		sw_disconnect(fd);
		errno = ECONNABORTED;
		return -1;
	}
	int domain = AF_INET;
	sw_int_option(fd, SOL_SOCKET, SO_DOMAIN, &domain);
	int verdict = sw_async_learn(fd, !sw_fd_is_nonblocking(fd));
	if (verdict == -1) {
		errno = EALREADY;
		return -1;
	}
	if (verdict == 0) {
		struct sockaddr_storage relay;
		socklen_t relay_len;
		if (!sw_is_connected(fd))
			return SW_CONNECT_NOT_OURS;
		if (sw_relay_address(fd, domain, &relay, &relay_len) != 0) {
			errno = EISCONN;
			return -1;
		}
		return real.connect(fd, (struct sockaddr *)&relay, relay_len);
	}
	/* Reported by this connect: the socket is unconnected, and the next connect a new one. */
	int err = report_failure(fd, 0, ASYNC_IDLE);
	int pending;
	sw_int_option(fd, SOL_SOCKET, SO_ERROR, &pending);
	sw_disconnect(fd);
	errno = err ? err : verdict;
	return -1;
}

int sw_async_in_progress_now(int fd)
{
	struct sw_fd *e = sw_fd_peek(fd);
	if (!e)
		return 0;
	uint8_t state = atomic_load(&e->async_state);
	return state == ASYNC_PENDING || state == ASYNC_BUSY;
}

void sw_async_forget_range(unsigned int first, unsigned int last)
{
	if (!atomic_load_explicit(&sw_async_used, memory_order_relaxed))
		return;
	for (unsigned int fd = first; fd <= last && fd < SW_FD_MAX; fd++)
		sw_async_forget((int)fd);
}
