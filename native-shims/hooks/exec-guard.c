/* The exec family: a wrapped program must not start, later, a program the shim cannot reach
 * (statically linked, Go, setuid/setgid or file capabilities, another architecture), and a child
 * whose environment was scrubbed (env -i, sudo-like tools, subprocess with env={}) must still get
 * the shim and the session's SOCKSWRAP_* variables.
 *
 * Every exec hook checks the target file with core/program-check.c (the launcher asks the same
 * checker before it spawns the program, so both refuse the same programs with the same message)
 * and rebuilds the child's environment:
 *   - refused: -1/EACCES (posix_spawn: EACCES returned) and one "[sockswrap]" line on stderr,
 *     unless SOCKSWRAP_ALLOW_UNHOOKED=1 (set by the launcher for --allow-unhooked);
 *   - environment: every SOCKSWRAP_* variable of the session (captured when this image started)
 *     replaces whatever the child's environment says, and LD_PRELOAD gets the shim in front.
 *
 * Async-signal-safety: execve, execv, execvp(e), execl*, fexecve and execveat run in vforked
 * children (Python's _posixsubprocess, shells, libuv), which share memory with a parent whose
 * other threads keep running. Those paths therefore take no locks and never call malloc or
 * stdio: the checks are open/pread/fstat/fgetxattr/prctl system calls, strings are built by hand,
 * the new environment lives on the stack (or in an mmap when it is large). Everything captured
 * from the environment is captured once, in the constructor, before main runs. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/agent-wire.h"
#include "core/ignored-signals.h"
#include "core/libc.h"
#include "core/relay-mac.h"
#include "core/shim-env.h"
#include "core/program-check.h"
#include "core/seccomp-support.h"
#include "core/shim.h"

/* ---------------------------------------------------------------------------------------------
 * The session's environment, captured once per image. */

extern char **environ;

#define MAX_SESSION_VARS 32
static char session_buf[8192];
static const char *session_vars[MAX_SESSION_VARS];
static size_t session_count;
static char shim_file[PATH_MAX];
static int allow_unhooked;
/* The exec helper next to the shim (native-shims/exec/, docs/seccomp.md), and whether this
 * session may use it (not with --seccomp=never). */
static char helper_file[PATH_MAX];
static int seccomp_never;
/* The session's token as an HMAC key, for SOCKSWRAP_LEAVE (leave_marked below); has_session: this
 * image has a token of its own. */
static struct sw_mac_key leave_key;
static int has_session;

/* glibc declares the path arguments nonnull, but a program may still pass NULL (the kernel
 * answers EFAULT): hide the pointer from the optimiser so the NULL checks stay. */
static const char *maybe_null(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Set once exec_guard_init ran: an exec from another library's constructor may come first. */
static int guard_ready;

__attribute__((constructor)) static void exec_guard_init(void)
{
	sw_libc_init();
	guard_ready = 1;
	sw_program_check_init();

	Dl_info info;
	if (dladdr((void *)exec_guard_init, &info) && info.dli_fname && info.dli_fname[0] == '/' &&
	    strlen(info.dli_fname) < sizeof shim_file)
		strcpy(shim_file, info.dli_fname);

	size_t used = 0;
	for (char **e = environ; e && *e && session_count < MAX_SESSION_VARS; e++) {
		/* A marker that let this image leave another session is not this session's to pass on,
		 * nor the launcher's ignored signals, meant for its program alone (core/ignored-signals.h). */
		if (!has_prefix(*e, "SOCKSWRAP_") || has_prefix(*e, "SOCKSWRAP_LEAVE=") || has_prefix(*e, "SOCKSWRAP_SIGIGN="))
			continue;
		size_t len = strlen(*e) + 1;
		if (used + len > sizeof session_buf)
			break;
		memcpy(session_buf + used, *e, len);
		session_vars[session_count++] = session_buf + used;
		used += len;
		if (strcmp(*e, "SOCKSWRAP_ALLOW_UNHOOKED=1") == 0)
			allow_unhooked = 1;
		if (strcmp(*e, "SOCKSWRAP_SECCOMP=never") == 0)
			seccomp_never = 1;
	}
	const struct shim_config *cfg = shim_config();
	if (cfg->ok) {
		sw_mac_init(&leave_key, cfg->token, sizeof cfg->token);
		has_session = 1;
	}
	/* The signals sockswrap's caller ignored, as the program's main must find them. Here, in the
	 * shim's own constructor, not in core/ (the exec helper links core/ and applies them itself,
	 * to its program only). After the capture above, which leaves the variable out. */
	sw_restore_ignored_signals();
	const char *slash = strrchr(shim_file, '/');
	static const char helper_name[] = "sockswrap-exec";
	if (slash && (size_t)(slash - shim_file) + 1 + sizeof helper_name <= sizeof helper_file) {
		memcpy(helper_file, shim_file, (size_t)(slash - shim_file) + 1);
		memcpy(helper_file + (slash - shim_file) + 1, helper_name, sizeof helper_name);
	}
}

/* Is the shim one of LD_PRELOAD's entries (separated by ':' or ' ')? */
static int preload_has_shim(const char *value)
{
	size_t want = strlen(shim_file);
	for (const char *p = value; *p;) {
		size_t len = strcspn(p, ": ");
		if (len == want && memcmp(p, shim_file, want) == 0)
			return 1;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

/* Scratch memory for a new environment: the caller's stack when small, else an mmap (a system
 * call, safe in a vfork child; on a successful exec the mapping goes with the old image). */
#define STACK_SCRATCH 16384

struct scratch {
	char *base;
	size_t size, used;
	int mapped;
};

static void *scratch_take(struct scratch *s, size_t len)
{
	len = (len + 15) & ~(size_t)15;
	if (s->used + len > s->size)
		return NULL;
	void *p = s->base + s->used;
	s->used += len;
	return p;
}

static size_t env_count(char *const envp[])
{
	size_t n = 0;
	while (envp && envp[n])
		n++;
	return n;
}

/* How much scratch build_env needs for envp. */
static size_t env_need(char *const envp[])
{
	size_t n = env_count(envp), need = (n + session_count + 2) * sizeof(char *) + 32;
	for (size_t i = 0; i < n; i++)
		if (has_prefix(envp[i], "LD_PRELOAD="))
			need += strlen(envp[i]);
	return need + sizeof "LD_PRELOAD=" + strlen(shim_file) + 1 + 32;
}

static char **build_env_for(char *const envp[], struct scratch *s, int with_shim);

/* Whether envp may leave this session as it is, instead of getting the session's variables and the
 * shim back (docs/shell-mode.md, "sockswrap commands inside shell mode"): a sockswrap launcher run
 * inside a session (a shell in shell mode runs every `sockswrap` command with the shim) starting a
 * program for its own agent, or `on` starting an agent that must run unhooked. They say so with
 * SOCKSWRAP_LEAVE=HEX, the first 8 bytes of HMAC-SHA256(this session's token, LEAVE_LABEL) in
 * lowercase hex (src/cli/leave-marker.ts writes it): an environment scrubbed or rewritten without
 * that intent (env -i, SOCKSWRAP_SOCK= or another agent's variables copied in) cannot produce it.
 * An image without a session of its own (no valid token) has nothing to put back: an environment
 * naming an agent is left as it is. Only arithmetic on the stack: safe in a vfork child. */
#define LEAVE_LABEL "sockswrap leave session"
static int leave_marked(char *const envp[])
{
	for (size_t i = 0; envp && envp[i]; i++) {
		if (!has_session) {
			if (has_prefix(envp[i], "SOCKSWRAP_SOCK="))
				return 1;
			continue;
		}
		if (!has_prefix(envp[i], "SOCKSWRAP_LEAVE="))
			continue;
		const char *hex = envp[i] + strlen("SOCKSWRAP_LEAVE=");
		if (strlen(hex) != 2 * SW_TAG_LEN)
			return 0;
		uint8_t tag[SW_TAG_LEN];
		for (int k = 0; k < SW_TAG_LEN; k++) {
			int v = 0;
			for (int h = 0; h < 2; h++) {
				char c = hex[2 * k + h];
				int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
				if (d < 0)
					return 0;
				v = v << 4 | d;
			}
			tag[k] = (uint8_t)v;
		}
		return sw_mac_check(&leave_key, tag, (const uint8_t *)LEAVE_LABEL, strlen(LEAVE_LABEL), NULL, 0, 0);
	}
	return 0;
}

/* envp without its SOCKSWRAP_* entries, plus the session's, with the shim first in LD_PRELOAD.
 * Returns NULL when the shim's path is unknown, or envp is marked to leave the session (then envp
 * is used unchanged). */
static char **build_env(char *const envp[], struct scratch *s)
{
	return build_env_for(envp, s, 1);
}

/* with_shim 0: for the exec helper, which must not be preloaded: an LD_PRELOAD that is only the
 * shim is left out (one with more in it is kept, and the helper takes the shim out itself). */
static char **build_env_for(char *const envp[], struct scratch *s, int with_shim)
{
	if (shim_file[0] == '\0' || leave_marked(envp))
		return NULL;
	size_t n = env_count(envp);
	char **out = scratch_take(s, (n + session_count + 2) * sizeof(char *));
	if (!out)
		return NULL;
	size_t k = 0;
	const char *preload = NULL;
	for (size_t i = 0; i < n; i++) {
		if (has_prefix(envp[i], "SOCKSWRAP_"))
			continue;
		if (has_prefix(envp[i], "LD_PRELOAD=")) {
			preload = envp[i];    /* ld.so takes the last one; one merged entry replaces all */
			continue;
		}
		out[k++] = envp[i];
	}
	for (size_t i = 0; i < session_count; i++)
		out[k++] = (char *)session_vars[i];
	const char *old = preload ? preload + strlen("LD_PRELOAD=") : "";
	if (!with_shim) {
		if (preload && strcmp(old, shim_file) != 0)
			out[k++] = (char *)preload;
	} else if (preload && preload_has_shim(old)) {
		out[k++] = (char *)preload;
	} else {
		size_t shim_len = strlen(shim_file), old_len = strlen(old);
		char *line = scratch_take(s, sizeof "LD_PRELOAD=" + shim_len + 1 + old_len);
		if (!line)
			return NULL;
		size_t at = 0;
		memcpy(line, "LD_PRELOAD=", strlen("LD_PRELOAD="));
		at += strlen("LD_PRELOAD=");
		memcpy(line + at, shim_file, shim_len);
		at += shim_len;
		if (old_len) {
			line[at++] = ':';
			memcpy(line + at, old, old_len);
			at += old_len;
		}
		line[at] = '\0';
		out[k++] = line;
	}
	out[k] = NULL;
	return out;
}

static int scratch_map(struct scratch *s, size_t need)
{
	void *p = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	*s = (struct scratch){ .base = p, .size = need, .mapped = 1 };
	return 0;
}

static void scratch_unmap(struct scratch *s)
{
	if (s->mapped) {
		int saved = errno;
		munmap(s->base, s->size);
		errno = saved;
	}
}

/* One "[sockswrap] ..." line, built by hand (no stdio, no malloc), not cut at shim_log_fatal's
 * 512 bytes: the launcher prints the same message whole. */
static void report(const struct sw_program_verdict *v, const char *shown, int allowed)
{
	static const char prefix[] = "[sockswrap] ";
	char line[sizeof prefix + PATH_MAX + 3072];
	memcpy(line, prefix, sizeof prefix - 1);
	size_t n = sizeof prefix - 1;
	n += sw_program_message(v, shown, allowed, line + n, sizeof line - n - 1);
	line[n++] = '\n';
	/* A program the supervisor would carry on another kernel: say what this one lacks (the
	 * launcher prints the same second line). */
	const char *missing = (v->kind == SW_PROGRAM_STATIC || v->kind == SW_PROGRAM_GO) && !seccomp_never ? sw_seccomp_missing() : NULL;
	if (missing) {
		static const char head[] = "static and Go programs need the seccomp supervisor, and this kernel lacks ";
		size_t ml = strlen(missing);
		if (n + sizeof prefix + sizeof head + ml + 2 <= sizeof line) {
			memcpy(line + n, prefix, sizeof prefix - 1);
			n += sizeof prefix - 1;
			memcpy(line + n, head, sizeof head - 1);
			n += sizeof head - 1;
			memcpy(line + n, missing, ml);
			n += ml;
			line[n++] = '\n';
		}
	}
	int saved = errno;
	syscall(SYS_write, 2, line, n);    /* write() is the shim's own hook */
	errno = saved;
}

/* Whether the exec helper can carry a program of this verdict: static and Go programs, a session
 * that allows it, a kernel that has what it needs, and a helper that is there. */
static int can_supervise(const struct sw_program_verdict *v)
{
	if (v->kind != SW_PROGRAM_STATIC && v->kind != SW_PROGRAM_GO)
		return 0;
	if (seccomp_never || helper_file[0] == '\0' || sw_seccomp_missing())
		return 0;
	int saved = errno;
	int ok = syscall(SYS_faccessat, AT_FDCWD, helper_file, X_OK, 0) == 0;
	errno = saved;
	return ok;
}

/* 0: go ahead; SUPERVISE: exec it through the helper instead; EACCES: refused (reported). */
#define SUPERVISE (-1)
static int guard(const struct sw_program_verdict *v, const char *shown, int supervisable)
{
	if (v->kind == SW_PROGRAM_HOOKABLE)
		return 0;
	if (supervisable && can_supervise(v))
		return SUPERVISE;
	report(v, shown, allow_unhooked);
	return allow_unhooked ? 0 : EACCES;
}

/* The PATH the new program gets (what `#!/usr/bin/env NAME` searches); NULL when unset. */
static const char *env_path(char *const envp[])
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (has_prefix(envp[i], "PATH="))
			return envp[i] + strlen("PATH=");
	return NULL;
}

/* What exec*p would run: the first executable regular file on the caller's PATH, into buf. */
static const char *search_path(const char *file, char *buf, size_t cap)
{
	return sw_program_search(file, getenv("PATH"), buf, cap);
}

/* Checks target (path relative to dirfd, or the open file fd when path is NULL), then builds the
 * child environment into *env_out. Returns 0, SUPERVISE (env_out is then the helper's: a path
 * relative to AT_FDCWD can be handed to the helper, a descriptor cannot) or an errno. */
static int prepare(int dirfd, const char *path, int fd, int nofollow, const char *shown,
		   char *const envp[], struct scratch *s, char ***env_out)
{
	int supervisable = path && (dirfd == AT_FDCWD || path[0] == '/');
	struct sw_program_verdict v;
	if (path) {
		sw_program_check(dirfd, path, nofollow, env_path(envp), &v);
	} else {
		char proc[64] = "/proc/self/fd/";
		size_t at = strlen(proc);
		char digits[16];
		int d = 0;
		unsigned u = (unsigned)fd;
		do
			digits[d++] = (char)('0' + u % 10);
		while ((u /= 10) && d < 15);
		while (d)
			proc[at++] = digits[--d];
		proc[at] = '\0';
		sw_program_check(AT_FDCWD, proc, 0, env_path(envp), &v);
	}
	int err = guard(&v, shown, supervisable);
	if (err == SUPERVISE) {
		*env_out = build_env_for(envp, s, 0);
		return SUPERVISE;
	}
	if (err)
		return err;
	*env_out = build_env(envp, s);
	return 0;
}

/* The helper's argv: sockswrap-exec PATH ARGV0 ARGS..., into out (argc + 3 entries). */
static void helper_argv(const char *path, char *const argv[], char **out)
{
	size_t k = 0;
	out[k++] = (char *)"sockswrap-exec";
	out[k++] = (char *)path;
	if (!argv || !argv[0])
		out[k++] = (char *)path;
	for (size_t i = 0; argv && argv[i]; i++)
		out[k++] = argv[i];
	out[k] = NULL;
}

static size_t argv_count(char *const argv[])
{
	size_t n = 0;
	while (argv && argv[n])
		n++;
	return n;
}

/* Runs call with hargv, the helper's argv for path and argv, on the stack or in an mmap. */
#define WITH_HELPER_ARGV(hargv, path, argv, call)                                                      \
	({                                                                                             \
		size_t n_ = argv_count(argv) + 4;                                                      \
		struct scratch hs_ = { 0 };                                                            \
		char *small_[n_ <= 1024 ? n_ : 1];                                                     \
		char **hargv = small_;                                                                 \
		int r_;                                                                                \
		if (n_ > 1024 && scratch_map(&hs_, n_ * sizeof(char *)) != 0) {                        \
			errno = E2BIG;                                                                 \
			r_ = -1;                                                                       \
		} else {                                                                               \
			if (n_ > 1024)                                                                 \
				hargv = (char **)hs_.base;                                             \
			helper_argv(path, argv, hargv);                                                \
			r_ = (call);                                                                   \
			scratch_unmap(&hs_);                                                           \
		}                                                                                      \
		r_;                                                                                    \
	})

/* Declares scratch big enough for envp: a stack VLA when small, else an mmap. */
#define WITH_SCRATCH(s, envp, fail_expr)                                                       \
	size_t s##_need = env_need(envp);                                                      \
	char s##_stack[s##_need <= STACK_SCRATCH ? s##_need : 1] __attribute__((aligned(16))); \
	struct scratch s = { .base = s##_stack, .size = sizeof s##_stack };                    \
	if (s##_need > STACK_SCRATCH && scratch_map(&s, s##_need) != 0) {                      \
		fail_expr;                                                                     \
	}

/* prepare() for a program looked up on PATH (execvp*, posix_spawnp); one not found still gets the
 * session's environment, and the real call fails as libc decides. */
static int prepare_found(const char *target, char *const envp[], struct scratch *s, char ***env)
{
	if (target)
		return prepare(AT_FDCWD, target, -1, 0, target, envp, s, env);
	*env = build_env(envp, s);
	return 0;
}

/* After prepare(): refuse with its errno, or make the real call with the prepared environment
 * (env when prepare built one). The scratch mapping goes either way. */
#define EXEC_PREPARED(s, err, call)        \
	do {                               \
		if (err) {                 \
			scratch_unmap(&s); \
			errno = err;       \
			return -1;         \
		}                          \
		agent_send_notes();        \
		int r_ = (call);           \
		scratch_unmap(&s);         \
		return r_;                 \
	} while (0)

/* A program the helper carries (docs/seccomp.md): exec the helper instead, with path and argv. */
#define EXEC_SUPERVISED(s, err, path, argv, env)                                                    \
	do {                                                                                        \
		if (err == SUPERVISE) {                                                             \
			agent_send_notes();                                                         \
			int r_ = WITH_HELPER_ARGV(hargv_, path, argv, real.execve(helper_file, hargv_, env)); \
			scratch_unmap(&s);                                                          \
			return r_;                                                                  \
		}                                                                                   \
	} while (0)

SHIM_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	if (!guard_ready)
		exec_guard_init();
	WITH_SCRATCH(s, envp, errno = E2BIG; return -1)
	char **env = NULL;
	int err = maybe_null(path) ? prepare(AT_FDCWD, path, -1, 0, path, envp, &s, &env) : 0;
	EXEC_SUPERVISED(s, err, path, argv, env ? env : envp);
	EXEC_PREPARED(s, err, real.execve(path, argv, env ? env : envp));
}

SHIM_EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

SHIM_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	if (!guard_ready)
		exec_guard_init();
	if (!maybe_null(file) || !*file)
		return real.execvpe(file, argv, envp);
	WITH_SCRATCH(s, envp, errno = E2BIG; return -1)
	char found[PATH_MAX];
	const char *target = search_path(file, found, sizeof found);
	char **env = NULL;
	int err = prepare_found(target, envp, &s, &env);
	EXEC_SUPERVISED(s, err, target, argv, env ? env : envp);
	EXEC_PREPARED(s, err, real.execvpe(file, argv, env ? env : envp));
}

SHIM_EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

SHIM_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	if (!guard_ready)
		exec_guard_init();
	WITH_SCRATCH(s, envp, errno = E2BIG; return -1)
	char **env = NULL;
	int err = prepare(AT_FDCWD, NULL, fd, 0, "(fexecve descriptor)", envp, &s, &env);
	EXEC_PREPARED(s, err, real.fexecve(fd, argv, env ? env : envp));
}

SHIM_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	if (!guard_ready)
		exec_guard_init();
	if (!real.execveat) {
		errno = ENOSYS;
		return -1;
	}
	WITH_SCRATCH(s, envp, errno = E2BIG; return -1)
	char **env = NULL;
	int err;
	if (maybe_null(path) && path[0] == '\0' && (flags & AT_EMPTY_PATH))
		err = prepare(AT_FDCWD, NULL, dirfd, 0, "(execveat descriptor)", envp, &s, &env);
	else
		err = maybe_null(path) ? prepare(dirfd, path, -1, flags & AT_SYMLINK_NOFOLLOW, path, envp, &s, &env) : 0;
	EXEC_SUPERVISED(s, err, path, argv, env ? env : envp);
	EXEC_PREPARED(s, err, real.execveat(dirfd, path, argv, env ? env : envp, flags));
}

/* execl, execle, execlp: the arguments into an array on the stack. */
#define COLLECT_ARGS(first, ap, argv, extra)                      \
	size_t argc_ = 1;                                         \
	va_start(ap, first);                                      \
	while (va_arg(ap, char *))                                \
		argc_++;                                          \
	va_end(ap);                                               \
	char *argv[argc_ + 1];                                    \
	argv[0] = (char *)first;                                  \
	va_start(ap, first);                                      \
	for (size_t i_ = 1; i_ <= argc_; i_++)                    \
		argv[i_] = va_arg(ap, char *);                    \
	extra;                                                    \
	va_end(ap);

SHIM_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	COLLECT_ARGS(arg, ap, argv, (void)0)
	return execve(path, argv, environ);
}

SHIM_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	COLLECT_ARGS(arg, ap, argv, (void)0)
	return execvpe(file, argv, environ);
}

SHIM_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char *const *envp;
	COLLECT_ARGS(arg, ap, argv, envp = va_arg(ap, char *const *))
	return execve(path, argv, envp);
}

/* posix_spawn runs here in the parent, so nothing is restricted, but the same code serves. */
static int spawn_common(int search, pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	if (!guard_ready)
		exec_guard_init();
	WITH_SCRATCH(s, envp, return E2BIG)
	char found[PATH_MAX];
	const char *target = file && *file ? (search ? search_path(file, found, sizeof found) : file) : NULL;
	char **env = NULL;
	int err = prepare_found(target, envp, &s, &env);
	/* The child may ask about a socket it inherits (PEER): the agent hears of it first. */
	if (err == 0 || err == SUPERVISE)
		agent_send_notes();
	if (err == SUPERVISE) {
		int r = WITH_HELPER_ARGV(hargv, target, argv,
					 real.posix_spawn(pid, helper_file, fa, attr, hargv, env ? env : envp));
		scratch_unmap(&s);
		return r == -1 ? E2BIG : r;   /* -1 only from WITH_HELPER_ARGV: posix_spawn returns errnos */
	}
	if (err) {
		scratch_unmap(&s);
		return err;
	}
	int r = (search ? real.posix_spawnp : real.posix_spawn)(pid, file, fa, attr, argv, env ? env : envp);
	scratch_unmap(&s);
	return r;
}

SHIM_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn_common(0, pid, path, fa, attr, argv, envp);
}

SHIM_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn_common(1, pid, file, fa, attr, argv, envp);
}

/* ---------------------------------------------------------------------------------------------
 * system() and popen() start /bin/sh from inside libc (an internal posix_spawn no hook sees),
 * with the process's own environ. A program that scrubbed LD_PRELOAD from environ would start an
 * unhooked shell, and whatever that shell runs would go direct: put the session back first.
 * Neither function is async-signal-safe, so neither is this. */

static char restored_preload[PATH_MAX + 4096];

static void restore_session_environ(void)
{
	if (!guard_ready)
		exec_guard_init();
	for (size_t i = 0; i < session_count; i++) {
		const char *eq = strchr(session_vars[i], '=');
		if (!eq)
			continue;
		char name[64];
		size_t len = (size_t)(eq - session_vars[i]);
		if (len >= sizeof name)
			continue;
		memcpy(name, session_vars[i], len);
		name[len] = '\0';
		const char *now = getenv(name);
		if (!now || strcmp(now, eq + 1) != 0)
			putenv((char *)session_vars[i]); /* static storage: putenv keeps the pointer */
	}
	if (shim_file[0] == '\0')
		return;
	const char *preload = getenv("LD_PRELOAD");
	if (preload && preload_has_shim(preload))
		return;
	int n = snprintf(restored_preload, sizeof restored_preload, "LD_PRELOAD=%s%s%s", shim_file,
			 preload && *preload ? ":" : "", preload ? preload : "");
	if (n > 0 && (size_t)n < sizeof restored_preload)
		putenv(restored_preload);
}

SHIM_EXPORT int system(const char *command)
{
	sw_libc_init();
	if (command)
		restore_session_environ();
	return real.system(command);
}

SHIM_EXPORT FILE *popen(const char *command, const char *mode)
{
	sw_libc_init();
	restore_session_environ();
	return real.popen(command, mode);
}

