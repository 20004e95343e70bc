/* The control connection to the agent: one per thread (no lock is held across a round trip),
 * opened lazily, reopened in a fork child, closed at thread exit. Framing:
 * len u16be | kind | id u32be | body. A response must carry its request's id: the program can
 * write to this descriptor too (it is in /proc/self/fd), and a frame it wrote is answered like
 * ours. Any other id, or more than one frame, drops the connection and the call fails closed. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/agent-epoch.h"
#include "core/agent-wire.h"
#include "core/deadline.h"
#include "core/fd-guard.h"
#include "core/libc.h"
#include "core/shim-env.h"
#include "core/wire-codec.h"

/* The agent answers from memory or after starting a chain; a minute means it is wedged. */
#define AGENT_REPLY_TIMEOUT_MS 60000

struct control_conn {
	_Atomic int fd;
	pid_t owner_pid;          /* the process that opened fd; a fork child must not share it */
	int in_use;               /* a signal handler re-entering the shim takes a one-off connection */
	uint32_t next_id;         /* the next request's id: random start per connection, then +1 */
	int hello_unsent;         /* opened, HELLO not written yet: it goes out with the first request */
};

static __thread struct control_conn thread_conn = { .fd = -1 };
static pthread_key_t thread_exit_key;

static pid_t current_pid(void)
{
	/* Not getpid(): older glibc caches it, and a vforked or clone()d child must see its own. */
	return (pid_t)syscall(SYS_getpid);
}

/* One connection a thread left at its exit, for the next thread of this process that needs one:
 * a program that resolves on a short-lived thread and then connects on another (curl's threaded
 * resolver, every getaddrinfo in an executor) opens one connection, not two. Opening one costs the
 * agent an accept and a HELLO, more than a request on an open one (docs/wire-protocol.md).
 * `spare_busy` is taken with test-and-set only, never waited for (a signal handler, a vforked
 * child: whoever finds it taken opens a connection of its own). */
static struct control_conn spare = { .fd = -1 };
static atomic_flag spare_busy = ATOMIC_FLAG_INIT;

static void close_thread_conn(void *arg)
{
	struct control_conn *conn = arg;
	/* In use from here on: glibc runs key destructors with signals unblocked, and a handler's
	 * request must take a one-off connection, not this one mid-move (nor one opened after). */
	int was_in_use = conn->in_use;
	conn->in_use = 1;
	if (atomic_load(&conn->fd) >= 0 && !was_in_use && !conn->hello_unsent && conn->owner_pid == current_pid() &&
	    !atomic_flag_test_and_set(&spare_busy)) {
		if (atomic_load(&spare.fd) < 0 || spare.owner_pid != conn->owner_pid) {
			fdguard_release(&spare.fd);
			fdguard_move(&conn->fd, &spare.fd);
			spare.owner_pid = conn->owner_pid;
			spare.next_id = conn->next_id;
		}
		atomic_flag_clear(&spare_busy);
	}
	fdguard_release(&conn->fd);
}

/* The spare connection into conn, if there is one of this process: 1, else 0. */
static int take_spare(struct control_conn *conn)
{
	if (atomic_load(&spare.fd) < 0 || atomic_flag_test_and_set(&spare_busy))
		return 0;
	int taken = atomic_load(&spare.fd) >= 0 && spare.owner_pid == current_pid();
	if (taken) {
		fdguard_move(&spare.fd, &conn->fd);
		conn->owner_pid = spare.owner_pid;
		conn->next_id = spare.next_id;
		conn->hello_unsent = 0;
	}
	atomic_flag_clear(&spare_busy);
	return taken;
}

static pthread_once_t wire_once = PTHREAD_ONCE_INIT;

/* NOTEs that may wait (DIAL arg ARG_NOTES_LATER): whole frames, process-wide, sent ahead of the
 * next request any thread makes, before fork and exec, at exit, or when full. Writing one wakes
 * the agent's Node process once per connection, which on a small machine costs the program more
 * than the connect itself. `busy` is taken with test-and-set only, never waited for: whoever finds
 * it taken (another thread, a signal handler) sends its own note at once instead. */
#define NOTE_QUEUE_BYTES 2048
static struct {
	atomic_flag busy;
	_Atomic size_t len;
	uint8_t bytes[NOTE_QUEUE_BYTES];
} notes = { .busy = ATOMIC_FLAG_INIT };

static void flush_notes_before_fork(void);

static void drop_notes_after_fork(void)
{
	/* The parent sends what was queued (fork's prepare handler flushed it, unless a thread queued more since). */
	atomic_store(&notes.len, 0);
	atomic_flag_clear(&notes.busy);
	atomic_flag_clear(&spare_busy);    /* the spare itself is the parent's: forgotten below */
	fdguard_forget_all_after_fork();
	/* Its number too when a thread was exiting at the fork: fdguard_move sets the spare's number
	 * before the slot, and the descriptor was closed above all the same. */
	atomic_store(&spare.fd, -1);
	sw_agent_epoch_after_fork();
}

static void wire_init(void)
{
	sw_libc_init();
	pthread_key_create(&thread_exit_key, close_thread_conn);
	pthread_atfork(flush_notes_before_fork, NULL, drop_notes_after_fork);
}

void agent_wire_init(void)
{
	pthread_once(&wire_once, wire_init);
}

static int send_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = real.send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* At least one byte (at most cap) into buf, waiting until the deadline; -1 at its end, on EOF or
 * on an error. */
static ssize_t recv_some(int fd, uint8_t *buf, size_t cap, const struct timespec *deadline)
{
	for (;;) {
		ssize_t n = real.recv(fd, buf, cap, MSG_DONTWAIT);
		if (n > 0)
			return n;
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		if (errno == EINTR)
			continue;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = real.poll(&p, 1, (int)sw_ms_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
	}
}

/* Reads one response frame into buf (AGENT_HEAD_LEN + AGENT_MAX_BODY bytes). Requests and responses
 * alternate, so whatever is readable belongs to this response: one recv usually takes it all.
 * Returns the frame's total length, or -1 (or -2: more than one frame). */
static ssize_t recv_frame(int fd, uint8_t *buf, const struct timespec *deadline)
{
	size_t have = 0, want = 3;
	while (have < want) {
		ssize_t n = recv_some(fd, buf + have, AGENT_HEAD_LEN + AGENT_MAX_BODY - have, deadline);
		if (n < 0)
			return -1;
		have += (size_t)n;
		if (want == 3 && have >= 3) {
			want = sw_wire_frame_total(buf);
			if (want == 0)
				return -1;
		}
	}
	/* More than one frame: someone else's request was answered on this connection (-2). */
	return have == want ? (ssize_t)have : -2;
}

/* Writes one request frame (`len u16be | op | id u32be | body`) through frame
 * (AGENT_HEAD_LEN + AGENT_MAX_BODY bytes). */
static int send_frame(int fd, uint8_t *frame, uint8_t op, uint32_t id, const void *body, size_t body_len)
{
	size_t len = sw_wire_frame(frame, op, id, body, body_len);
	return len ? send_all(fd, frame, len) : -1;
}

/* Writes the queued notes on fd (an open connection of this process), unless another caller holds
 * the queue. Frames on one connection are handled in order, so they reach the agent before
 * whatever this caller sends next. Best effort: on a failed write they are lost, as an unsendable
 * note always was. */
static void send_queued_notes(int fd)
{
	if (atomic_load(&notes.len) == 0 || atomic_flag_test_and_set(&notes.busy))
		return;
	size_t len = atomic_load(&notes.len);
	if (len)
		send_all(fd, notes.bytes, len);
	atomic_store(&notes.len, 0);
	atomic_flag_clear(&notes.busy);
}

/* HELLO's frame (the session token, our pid and name) into out; returns its length. */
static size_t hello_frame(uint8_t *out, uint32_t id)
{
	const struct shim_config *cfg = shim_config();
	uint8_t body[SW_TOKEN_LEN + 4 + 64];
	size_t len = sw_enc_hello(body, cfg->token, (uint32_t)current_pid(), program_invocation_short_name,
				  strnlen(program_invocation_short_name, 64));
	return sw_wire_frame(out, OP_HELLO, id, body, len);
}

/* HELLO alone, unanswered yet: for a connection that only carries notes. */
static int send_hello(struct control_conn *conn)
{
	uint8_t frame[AGENT_HEAD_LEN + AGENT_MAX_BODY];
	conn->hello_unsent = 0;
	size_t len = hello_frame(frame, conn->next_id++);
	return len ? send_all(atomic_load(&conn->fd), frame, len) : -1;
}

/* Reads HELLO's answer and nothing after it (the request's answer may already be behind it). */
static int recv_hello_answer(int fd, uint32_t id, const struct timespec *deadline)
{
	uint8_t buf[AGENT_HEAD_LEN];      /* status OK: a head and no body */
	size_t have = 0;
	while (have < sizeof buf) {
		ssize_t n = recv_some(fd, buf + have, sizeof buf - have, deadline);
		if (n < 0)
			return -1;
		have += (size_t)n;
	}
	struct sw_frame f;
	if (sw_wire_frame_total(buf) != sizeof buf || sw_wire_parse_frame(buf, sizeof buf, &f) != 0 || f.id != id ||
	    f.kind != 0)
		return -1;
	return 0;
}

/* Returns the status byte, with the body in resp; -1 on any transport or framing failure; -2 for
 * a response that is not this request's (the connection must not be used again); -3 when the
 * HELLO sent ahead of it was not answered (no agent of ours at the socket any more). A new
 * connection's HELLO goes in the same write as its first request and is answered first: the agent
 * reads frames in order and drops the connection, unanswered, at a HELLO it refuses. */
static int round_trip(struct control_conn *conn, uint8_t op, const void *body, size_t body_len, uint8_t *resp,
		      size_t *resp_len)
{
	int fd = atomic_load(&conn->fd);
	uint8_t frame[2 * (AGENT_HEAD_LEN + AGENT_MAX_BODY)];
	size_t hello_len = 0;
	uint32_t hello_id = 0;
	if (conn->hello_unsent) {
		conn->hello_unsent = 0;
		hello_id = conn->next_id++;
		hello_len = hello_frame(frame, hello_id);
		if (!hello_len)
			return -3;
		if (atomic_load(&notes.len)) {
			/* Notes go after HELLO (the first frame must be it) and before the request. */
			if (send_all(fd, frame, hello_len) != 0)
				return -3;
			send_queued_notes(fd);
			hello_len = 0;
		}
	} else {
		send_queued_notes(fd);
	}
	uint32_t id = conn->next_id++;
	size_t len = sw_wire_frame(frame + hello_len, op, id, body, body_len);
	if (!len || send_all(fd, frame, hello_len + len) != 0)
		return hello_id ? -3 : -1;

	struct timespec deadline;
	sw_deadline_in(&deadline, AGENT_REPLY_TIMEOUT_MS);
	if (hello_id && recv_hello_answer(fd, hello_id, &deadline) != 0)
		return -3;
	/* The request frame is sent; its buffer now takes the response. */
	ssize_t got = recv_frame(fd, frame, &deadline);
	if (got < 0)
		return (int)got;
	struct sw_frame f;
	if (sw_wire_parse_frame(frame, (size_t)got, &f) != 0)
		return -1;
	if (f.id != id)
		return -2;
	*resp_len = f.body_len;
	memcpy(resp, f.body, f.body_len);
	return f.kind;
}

/* 0, or -2 with *connect_errno set when nobody takes the connection, or -1. */
static int open_conn(struct control_conn *conn, int *connect_errno)
{
	const struct shim_config *cfg = shim_config();
	int fd = real.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (fdguard_adopt(fd, &conn->fd) < 0)
		return -1;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	strcpy(sun.sun_path, cfg->sock_path);
	int r;
	do
		r = real.connect(atomic_load(&conn->fd), (struct sockaddr *)&sun, sizeof sun);
	while (r != 0 && errno == EINTR);
	/* Not secret (the program shares our memory): unpredictable, so a stray frame a buggy program
	 * wrote is never taken for an answer. */
	uint32_t start = 0;
	if (r == 0 && syscall(SYS_getrandom, &start, sizeof start, 0) != (long)sizeof start)
		start = (uint32_t)current_pid() * 2654435761u ^ (uint32_t)(uintptr_t)conn;
	conn->next_id = start;
	if (r != 0) {
		*connect_errno = errno;
		fdguard_release(&conn->fd);
		return -2;        /* nobody at the socket, or not for us */
	}
	conn->hello_unsent = 1;
	conn->owner_pid = current_pid();
	sw_agent_epoch_recheck();
	return 0;
}

/* A request with no response (DONE note of the dial path) on the thread's open connection;
 * -1 when there is none to use (the note is then lost: best effort). Marked in use while the
 * frame goes out, so a signal handler's request cannot interleave with it. */
int agent_notify(uint8_t op, const void *body, size_t body_len)
{
	struct control_conn *conn = &thread_conn;
	int fd = atomic_load(&conn->fd);
	if (conn->in_use || fd < 0 || conn->owner_pid != current_pid() || body_len > AGENT_MAX_BODY)
		return -1;
	int saved_errno = errno;
	conn->in_use = 1;
	uint8_t frame[AGENT_HEAD_LEN + AGENT_MAX_BODY];
	int r = conn->hello_unsent ? send_hello(conn) : 0;
	if (r == 0)
		r = send_frame(fd, frame, op, conn->next_id++, body, body_len);
	conn->in_use = 0;
	errno = saved_errno;
	return r;
}

int agent_notify_later(uint8_t op, const void *body, size_t body_len)
{
	if (body_len > AGENT_MAX_BODY || atomic_flag_test_and_set(&notes.busy))
		return agent_notify(op, body, body_len);
	size_t len = atomic_load(&notes.len);
	if (len + AGENT_HEAD_LEN + body_len > NOTE_QUEUE_BYTES) {
		/* Full: the queue goes out now, on this thread's connection (a standing plan ran only
		 * because it is open), and this note with it. */
		atomic_flag_clear(&notes.busy);
		agent_send_notes();
		return agent_notify(op, body, body_len);
	}
	/* No response comes, so the id is never matched: 0. */
	atomic_store(&notes.len, len + sw_wire_frame(notes.bytes + len, op, 0, body, body_len));
	atomic_flag_clear(&notes.busy);
	return 0;
}

void agent_send_notes(void)
{
	if (atomic_load(&notes.len) == 0)
		return;
	int saved_errno = errno;
	struct control_conn *conn = &thread_conn;
	int fd = atomic_load(&conn->fd);
	if (!conn->in_use && fd >= 0 && conn->owner_pid == current_pid()) {
		conn->in_use = 1;
		send_queued_notes(fd);
		conn->in_use = 0;
	} else if (shim_config()->ok) {
		/* This thread has no connection of its own to use (it never talked to the agent, or it is a
		 * vforked child about to exec, sharing its parent's memory): one made for the notes. A
		 * failure to open is quiet: the agent being gone is reported at the next connect. */
		struct control_conn one_off = { .fd = -1, .in_use = 1 };
		int ignored;
		if (open_conn(&one_off, &ignored) == 0 && send_hello(&one_off) == 0)
			send_queued_notes(atomic_load(&one_off.fd));
		fdguard_release(&one_off.fd);
	}
	errno = saved_errno;
}

static void flush_notes_before_fork(void)
{
	agent_send_notes();
}

/* exit() and a return from main: what is queued goes before the process does (_exit and a fatal
 * signal lose it: the connections worked, only the agent's tally and log miss them). */
__attribute__((destructor)) static void send_notes_at_exit(void)
{
	agent_send_notes();
}

/* Whether this thread's control connection is open and the agent still at its end: a standing
 * plan runs only then, so a program that outlives the agent gets errors, as for every other
 * connect. One non-blocking peek: nothing to read (EAGAIN) is the only healthy answer. */
int agent_alive(void)
{
	struct control_conn *conn = &thread_conn;
	int fd = atomic_load(&conn->fd);
	if (conn->in_use || fd < 0 || conn->owner_pid != current_pid())
		return 0;
	int saved_errno = errno;
	uint8_t byte;
	ssize_t n = real.recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	int alive = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	errno = saved_errno;
	return alive;
}

/* agent_alive(), else one round trip (PROXIES: no state, a small answer) on a connection opened
 * for it, which later calls on this thread find open. 0: the agent is gone, or broke the protocol. */
int agent_reachable(void)
{
	if (agent_alive())
		return 1;
	uint8_t resp[AGENT_MAX_BODY], none = 0;
	size_t resp_len;
	return agent_call(OP_PROXIES, &none, 0, resp, &resp_len) == 0;
}

int agent_call(uint8_t op, const void *body, size_t body_len, uint8_t resp[AGENT_MAX_BODY],
	       size_t *resp_len)
{
	agent_wire_init();
	if (!shim_config()->ok) {
		shim_report_config_problem();
		return -1;
	}
	/* This call's own failure, not the agent gone: no connection is touched for it (round_trip,
	 * its only path to the wire, relies on this). */
	if (body_len > AGENT_MAX_BODY)
		return -1;
	int saved_errno = errno;
	struct control_conn *conn = &thread_conn;
	struct control_conn one_off = { .fd = -1 };
	int fd = atomic_load(&conn->fd);
	/* Busy (a signal handler interrupted a round trip), or the memory is shared with a parent
	 * that owns the descriptor (vfork, raw clone): leave the thread's connection untouched. */
	if (conn->in_use || (fd >= 0 && conn->owner_pid != current_pid()))
		conn = &one_off;
	conn->in_use = 1;

	int status = -1;
	for (int attempt = 0; attempt < 2 && status < 0; attempt++) {
		int reused = atomic_load(&conn->fd) >= 0 || (conn == &thread_conn && attempt == 0 && take_spare(conn));
		if (reused && conn == &thread_conn && attempt == 0)
			pthread_setspecific(thread_exit_key, conn);
		if (!reused) {
			int connect_errno = 0;
			int opened = open_conn(conn, &connect_errno);
			if (opened != 0) {
				/* No agent at the socket, or one that refused our token (restarted). */
				if (opened == -2)
					shim_report_agent_gone(connect_errno);
				break;
			}
			if (conn == &thread_conn)
				pthread_setspecific(thread_exit_key, conn);
		}
		status = round_trip(conn, op, body, body_len, resp, resp_len);
		if (status == -3) {
			/* Our HELLO unanswered: the agent refused the token (restarted) or is gone. */
			fdguard_release(&conn->fd);
			shim_report_agent_gone(0);
			status = -1;
			break;
		}
		if (status == -2) {
			/* Someone else's frame on our connection: drop it and fail closed, no retry. */
			fdguard_release(&conn->fd);
			status = -1;
			break;
		}
		if (status < 0) {
			fdguard_release(&conn->fd);
			if (!reused)
				break;    /* a fresh connection failing means the agent is gone */
		}
	}
	if (conn == &one_off)
		fdguard_release(&one_off.fd);
	conn->in_use = 0;
	errno = saved_errno;
	return status;
}
