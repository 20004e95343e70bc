/* libsockswrap: LD_PRELOAD shim. Shared declarations for every concern of the shim.
 * The wire protocol it speaks is docs/wire-protocol.md. */
#ifndef SOCKSWRAP_SHIM_H
#define SOCKSWRAP_SHIM_H

#include <errno.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Everything is hidden except the hooks, so the shim never interposes on anything by accident. */
#define SHIM_EXPORT __attribute__((visibility("default")))

/* ---- shim-env.c: configuration from the environment, read once per process image ---- */

struct shim_config {
	int ok;                   /* every variable present and well formed */
	char sock_path[108];      /* sizeof(sun_path) */
	unsigned char token[16];
	uint16_t relay_port4;
	uint16_t relay_port6;     /* 0: no IPv6 loopback relay */
	uint16_t udp_port4;       /* the UDP relay on 127.0.0.1 */
	uint16_t udp_port6;       /* the UDP relay on ::1; 0: none */
	int remote_dns;           /* also 1 when misconfigured, so names fail closed */
};

const struct shim_config *shim_config(void);
void shim_env_load(void);
/* Writes "[sockswrap] msg\n" to stderr; no stdio so nothing is buffered or reordered. */
void shim_log_fatal(const char *msg);
/* Once per process, when a call first needs the agent the environment did not describe. */
void shim_report_config_problem(void);

/* ---- real-symbols.c: the libc functions the hooks stand in front of ---- */

struct real_functions {
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	int (*close)(int);
	int (*close_range)(unsigned int, unsigned int, int);
	void (*closefrom)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*getaddrinfo)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
	struct hostent *(*gethostbyname)(const char *);
	struct hostent *(*gethostbyname2)(const char *, int);
	int (*gethostbyname_r)(const char *, struct hostent *, char *, size_t, struct hostent **, int *);
	int (*gethostbyname2_r)(const char *, int, struct hostent *, char *, size_t, struct hostent **, int *);
	struct hostent *(*gethostbyaddr)(const void *, socklen_t, int);
	int (*gethostbyaddr_r)(const void *, socklen_t, int, struct hostent *, char *, size_t,
			       struct hostent **, int *);
	int (*getnameinfo)(const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int);
};

extern struct real_functions real;
/* Resolves the real functions and reads the environment; cheap after the first call. */
void shim_init(void);

/* ---- fd-guard.c: the shim's own descriptors survive the program's close/close_range/dup2 ---- */

/* Moves fd to a high number with FD_CLOEXEC and remembers that *slot holds it, so a dup2 onto it
 * can move it away and update *slot. Returns the new fd, or -1 (fd closed) on failure. */
int fdguard_adopt(int fd, _Atomic int *slot);
/* Closes the descriptor in *slot (if any) and forgets it; *slot becomes -1. */
void fdguard_release(_Atomic int *slot);
int fdguard_is_shim_fd(int fd);
/* In a fork child: the parent's shim descriptors are copies the child must not use. */
void fdguard_forget_all_after_fork(void);

/* ---- agent-wire.c: the per-thread control connection ---- */

enum agent_op {
	OP_HELLO = 0x01,
	OP_CONNECT = 0x02,
	OP_RESOLVE = 0x03,
	OP_REVERSE = 0x04,
	OP_PEER = 0x05,
	OP_UDP_ROUTE = 0x06,      /* udp-hooks.c, docs/udp.md */
	OP_UDP_RELEASE = 0x07,
	OP_UDP_LOOKUP = 0x0a,     /* udp-hooks.c: a UDP socket inherited across exec */
	OP_STEP = 0x0b,           /* direct-path.c: one step of a handshake the shim executes */
	OP_PROXIES = 0x0c,        /* direct-path.c: the proxies a direct-path socket can be connected to */
	OP_NOTE = 0x0d,           /* direct-path.c: DONE note, the one request with no response */
	OP_RESUME = 0x0e,         /* direct-path.c: a standing plan needs the agent after all */
	OP_VERDICT = 0x0f,        /* connect-hook.c: a non-blocking connect's outcome, after a reset */
};

#define AGENT_MAX_BODY 1023
#define AGENT_ID_LEN 4          /* request id: every response carries its request's */
#define AGENT_HEAD_LEN (2 + 1 + AGENT_ID_LEN)  /* len u16be | kind | id u32be */
#define AGENT_MAX_FRAME (1 + AGENT_ID_LEN + AGENT_MAX_BODY)  /* len field limit */

/* One request, one response. Returns the response status (>= 0) with its body in resp (capacity
 * AGENT_MAX_BODY), or -1 when the agent is unreachable or broke the protocol: fail closed. */
int agent_call(uint8_t op, const void *body, size_t body_len, uint8_t resp[AGENT_MAX_BODY],
	       size_t *resp_len);
/* Sends a request that has no response (OP_NOTE) on the thread's open connection; -1 if none. */
int agent_notify(uint8_t op, const void *body, size_t body_len);
/* A CONNECT request body: socktype u8 | address (at most 19) | flags u8. */
#define SW_CONNECT_REQUEST_MAX (1 + 19 + 1)
/* 1 when the thread's control connection is open and the agent has not closed it (no round trip). */
int agent_alive(void);
/* agent_alive(), else a round trip that opens the thread's connection: 1 when the agent answers.
 * The UDP relay's datagrams go out only then (docs/udp.md). */
int agent_reachable(void);
/* Called once from shim_init: thread-exit cleanup and fork handling. */
void agent_wire_init(void);

/* ---- net-addr.c: address helpers shared by connect and DNS hooks ---- */

/* A destination as the protocol encodes it; v4-mapped IPv6 is unwrapped to family 4. */
struct wire_addr {
	uint8_t family;           /* 4 or 6 */
	uint8_t bytes[16];
	uint16_t port;            /* host order */
};

/* Parses an AF_INET/AF_INET6 sockaddr. Returns 0, or -1 for other families or short lengths. */
int wire_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct wire_addr *out);
/* Loopback or the unspecified address (which Linux connects to the local host). */
int wire_addr_is_local(const struct wire_addr *a);
/* Goes to libc without asking the agent: local, except port 53 with remote DNS on. */
int wire_addr_skips_agent(const struct wire_addr *a);
/* Appends fam|addr|port; returns the number of bytes written (7 or 19). */
size_t wire_addr_encode(const struct wire_addr *a, uint8_t *out);
/* Parses fam|addr[|port] from buf. Returns bytes consumed or 0 on malformed input. */
size_t wire_addr_decode(const uint8_t *buf, size_t len, int with_port, struct wire_addr *out);
/* Builds a sockaddr of the given socket family (AF_INET6 gets v4-mapped IPv4). Returns the
 * length, or 0 when the address cannot be expressed in that family. */
socklen_t wire_addr_to_sockaddr(const struct wire_addr *a, int socket_family,
				struct sockaddr_storage *out);

/* ---- connect-hook.c: asynchronous connects (docs/async-connect.md) ---- */

/* Per fd: non-zero while a non-blocking connect's outcome is not yet what the program has seen. */
#define SW_ASYNC_FDS 65536
extern _Atomic uint8_t sw_async_state[SW_ASYNC_FDS];
/* Set once this process image made a non-blocking connect: the readiness hooks look no further. */
extern _Atomic int sw_async_used;
static inline int sw_async_maybe_pending(int fd)
{
	return fd >= 0 && fd < SW_ASYNC_FDS && atomic_load_explicit(&sw_async_state[fd], memory_order_acquire) != 0;
}
/* Where a non-blocking connect stands: -1 still in progress (only when !wait), 0 connected (or not
 * ours), else the errno it failed with. */
int sw_async_learn(int fd, int wait);
/* Before a send or receive: 0 to go on, or -1 with EAGAIN while the connect is in progress and
 * the call must not block (nonblocking_call: MSG_DONTWAIT). A blocking call waits for the outcome. */
int sw_async_before_io(int fd, int nonblocking_call);
/* The errno a call reports after a failed connect: the relay's reset (ECONNRESET, or ENOTCONN and
 * EPIPE after it) stands for the chain's errno, once; any other err is returned unchanged. */
int sw_async_failed_errno(int fd, int err);
static inline ssize_t sw_async_after_io(int fd, ssize_t r)
{
	if (r < 0 && sw_async_maybe_pending(fd))
		errno = sw_async_failed_errno(fd, errno);
	return r;
}
/* The program closed or replaced fd. */
void sw_async_forget(int fd);

/* ---- readiness-hooks.c: poll, ppoll, select, pselect, epoll_* for connects in progress ---- */

struct pollfd;
int sw_real_poll(struct pollfd *fds, unsigned long n, int timeout_ms);
/* fd's connect is no longer in progress: its epoll registrations become the program's again
 * (stale: the fd is another socket now, so they are only forgotten). */
void sw_readiness_restore(int fd, int stale);
/* The agent's CONNECT: ACTION 0 direct, 1 proxy (ticket filled), or a negative errno. */
/* poll-deadline.c: wait for one descriptor against an absolute CLOCK_MONOTONIC deadline. */
void sw_deadline_in(struct timespec *deadline, long ms);
int sw_wait_for(int fd, short events, const struct timespec *deadline);

int sw_ask_agent_connect(int socktype, const struct wire_addr *dest, uint8_t ticket[16]);

/* ---- direct-path.c: blocking connects executed on the program's fd (docs/architecture.md) ---- */

/* Runs CONNECT's execute answer (after the action byte: session u32 | instruction) on fd, STEP by
 * STEP. Returns 0 when the chain is established (via = the proxy fd is connected to), else the
 * errno for connect(); the caller then disconnects the fd. */
/* *port: the fd's local port once connected to the proxy (0 if unknown). */
/* request: the CONNECT request the answer was for (a standing plan, session 0, reports with it). */
int sw_direct_execute(int fd, int domain, const uint8_t *answer, size_t answer_len, struct wire_addr *via,
		      int *port, const uint8_t *request, size_t request_len);
/* Whether a CONNECT execute answer (session | instruction) is a standing plan (DIAL arg bit 2). */
int sw_direct_is_standing(const uint8_t *answer, size_t answer_len);
/* plan-cache.c: standing plans, CONNECT answers the agent marked reusable, by request bytes. */
size_t sw_plan_lookup(const uint8_t *key, size_t key_len, uint8_t *out, size_t cap);
void sw_plan_store(const uint8_t *key, size_t key_len, const uint8_t *plan, size_t plan_len);
void sw_plan_cache_after_fork(void);
/* Is this peer one of the proxies a direct-path socket is connected to? (PROXIES, once per image) */
int sw_direct_is_proxy(const struct wire_addr *peer);

/* ---- relay-mac.c: the MAC on the UDP relay's datagrams (HMAC-SHA256, 8 bytes) ---- */

#define SW_TAG_LEN 8
struct sw_mac_key {
	uint32_t inner[8];        /* SHA-256 state after the key's ipad block */
	uint32_t outer[8];        /* ... after its opad block */
};
struct iovec;
void sw_mac_init(struct sw_mac_key *k, const uint8_t *key, size_t key_len);
/* 1 when tag is HMAC(key, head | the first len bytes of iov)'s first SW_TAG_LEN bytes. */
int sw_mac_check(const struct sw_mac_key *k, const uint8_t tag[SW_TAG_LEN], const uint8_t *head, size_t head_len,
		 const struct iovec *iov, size_t iov_n, size_t len);

/* ---- io-hooks.c: receive hooks (read, readv, recv, recvfrom, recvmsg, recvmmsg, getsockopt) ---- */

ssize_t sw_real_recv(int fd, void *buf, size_t n, int flags);
int sw_real_getsockopt(int fd, int level, int name, void *value, socklen_t *len);
/* UDP (udp-hooks.c; weak defaults in io-hooks.c: nothing is owned, recvmsg is the real one, a
 * datagram connect() asks the agent and goes direct or fails). */
int sw_udp_owns(int fd);
ssize_t sw_udp_recvmsg(int fd, struct msghdr *msg, int flags);
int sw_udp_connect(int fd, const struct sockaddr *addr, socklen_t len);
/* udp-hooks.c: a UDP socket connected through the relay reports its peer (0), else -1. */
int sw_udp_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
/* udp-hooks.c: the program is closing fd; ends its association with the agent. */
void sw_udp_closing(int fd);

/* ---- user-memory.c: the program's pointers read without faulting (EFAULT, not SIGSEGV) ---- */

/* An address no process can map: a real call made with it fails as the kernel checks the call
 * (EBADF, ENOTSOCK, EINVAL, then EFAULT), in the kernel's own order, and sends nothing. */
#define SW_BAD_POINTER ((void *)~(uintptr_t)4095)
/* Blocks already found readable during one hook call (may be NULL). */
struct sw_probe {
	uintptr_t block[2];
	unsigned int next;
};
int sw_readable(struct sw_probe *seen, const void *p, size_t n);
/* connect/sendto: 1 when *addr now points at a copy of the program's address, for the hook.
 * 0: make the real call with *addr as it now is (SW_BAD_POINTER if unreadable; left alone for a
 * length the kernel rejects or ignores). */
int sw_copy_sockaddr(const struct sockaddr **addr, socklen_t len, struct sockaddr_storage *copy);
/* sendmsg: the same for the msghdr and its name (copied into copy and name; its iovec array
 * checked when there is a name). */
int sw_copy_msghdr(const struct msghdr **msg, struct msghdr *copy, struct sockaddr_storage *name);
/* sendmmsg: how many leading messages the hooks can read (at most the kernel's 1024). */
unsigned int sw_readable_mmsgs(const struct mmsghdr *vec, unsigned int count);
/* getpeername: the kernel checks fd and the program's buffers; 0 when it accepted them (*len as
 * the program passed it), else -1 with the kernel's errno. */
int sw_check_peer_buffers(int fd, struct sockaddr *addr, socklen_t *len);

#endif
