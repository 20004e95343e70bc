/* build/sockswrap-exec: runs a program LD_PRELOAD cannot reach (static, Go) under the seccomp
 * supervisor (docs/seccomp.md).
 *
 *   sockswrap-exec PATH ARGV0 [ARGS...]
 *
 * The launcher runs it instead of such a program, and the shim's exec hook execs it instead of
 * refusing one (hooks/exec-guard.c). It forks: the child sets no_new_privs, installs the filter
 * (exec/seccomp-filter.c) and execs PATH with ARGV0 ARGS and this environment; this process keeps
 * the filter's listener (taken from the child with pidfd_getfd: the child cannot sendmsg it once
 * the filter is on, since sendmsg is then notified to a listener nobody reads yet), supervises
 * (exec/supervisor.c), passes signals on, and ends as the program ended. It is the program's
 * parent, so it may read its memory and take its descriptors under any ptrace policy (Yama's
 * ptrace_scope 1 allows the parent).
 *
 * It must not run with the shim preloaded (its own connects to the relay would be hooked): the
 * launcher and the exec hook take the shim out of LD_PRELOAD, and if it is there anyway this
 * re-executes itself without it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ignored-signals.h"
#include "core/libc.h"
#include "core/seccomp-support.h"
#include "core/shim-env.h"
#include "exec/seccomp-filter.h"
#include "exec/supervisor.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

extern char **environ;
static pid_t child;

static void say(const char *what, const char *detail)
{
	fprintf(stderr, "sockswrap: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
}

/* LD_PRELOAD without the shim: entries naming libsockswrap.so are dropped. Returns 1 if any was. */
static int strip_shim(void)
{
	const char *old = getenv("LD_PRELOAD");
	if (!old || !strstr(old, "libsockswrap"))
		return 0;
	char *kept = calloc(1, strlen(old) + 1);
	if (!kept)
		return 0;
	for (const char *p = old; *p;) {
		size_t len = strcspn(p, ": ");
		const char *slash = memrchr(p, '/', len);
		const char *base = slash ? slash + 1 : p;
		if (!(len - (size_t)(base - p) == strlen("libsockswrap.so") && memcmp(base, "libsockswrap.so", len - (size_t)(base - p)) == 0)) {
			if (*kept)
				strcat(kept, ":");
			strncat(kept, p, len);
		}
		p += len;
		if (*p)
			p++;
	}
	if (*kept)
		setenv("LD_PRELOAD", kept, 1);
	else
		unsetenv("LD_PRELOAD");
	free(kept);
	return 1;
}

static void forward(int sig)
{
	int saved = errno;
	if (child > 0)
		kill(child, sig);
	errno = saved;
}

/* Ctrl-C, Ctrl-\ and a resize from the terminal (SI_KERNEL) went to the program's process group,
 * the program included: passed on only when a process sent them (the launcher, kill). */
static void forward_unless_terminal(int sig, siginfo_t *info, void *context)
{
	(void)context;
	if (info->si_code != SI_KERNEL)
		forward(sig);
}

static int read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* The child: filter, report the listener's number, wait until the parent has it, exec. The
 * parent's ends are closed first, so a supervisor that dies before "go" gives EOF, not a hang. */
static void run_child(int report, int ready, int parent_report, int parent_ready, const char *path, char **argv)
{
	close(parent_report);
	close(parent_ready);
	int listener = sw_filter_install();
	if (listener < 0) {
		int err = errno;
		say("cannot install the seccomp filter", strerror(err));
		_exit(126);
	}
	char ok;
	if (write(report, &listener, sizeof listener) != (ssize_t)sizeof listener || read_all(ready, &ok, 1) != 0)
		_exit(126);    /* the supervisor is gone: run nothing */
	close(listener);
	/* The program starts with this process's SIGPIPE ignored no more, and with what sockswrap's
	 * caller ignored (nohup) ignored: set here, not in the helper, which must keep SIGCHLD. */
	signal(SIGPIPE, SIG_DFL);
	sw_restore_ignored_signals();
	execve(path, argv, environ);
	int err = errno;
	fprintf(stderr, "sockswrap: %s: %s\n", path, err == ENOENT ? "command not found" : strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		say("usage: sockswrap-exec PATH ARGV0 [ARGS...]", NULL);
		return 2;
	}
	if (strip_shim()) {
		/* The raw system call: with the shim loaded here, its execve hook would put the shim back
		 * into the environment, and this would re-execute itself for ever (a shell-mode
		 * trampoline's #! line runs it so: docs/shell-mode.md). */
		syscall(SYS_execve, "/proc/self/exe", argv, environ);
		say("cannot re-execute without the shim", strerror(errno));
		return 126;
	}
	const char *missing = sw_seccomp_missing();
	if (missing) {
		fprintf(stderr, "sockswrap: refusing to run %s: this kernel lacks %s, which the seccomp supervisor needs\n", argv[1], missing);
		return 126;
	}
	sw_libc_init();
	if (!shim_config()->ok) {
		say("refusing to run the program: the session's SOCKSWRAP_* variables are missing or bad", argv[1]);
		return 126;
	}
	/* The HELLO of every worker names the program, as the shim's would, for the agent's log lines. */
	const char *slash = strrchr(argv[1], '/');
	program_invocation_short_name = (char *)(slash ? slash + 1 : argv[1]);

	int report[2], ready[2];
	if (pipe2(report, O_CLOEXEC) != 0 || pipe2(ready, O_CLOEXEC) != 0) {
		say("cannot start", strerror(errno));
		return 126;
	}
	/* Before the fork, so a signal that comes meanwhile is passed on (child is 0 until then: not
	 * at all) rather than ending this process. One sockswrap's caller ignored (nohup; the program
	 * ignores it too, run_child) is ignored here as well. */
	unsigned long ignored = sw_ignored_signals();
	int forwarded[] = { SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT, SIGINT, SIGQUIT, SIGWINCH };
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) {
		int sig = forwarded[i];
		struct sigaction sa = { .sa_flags = SA_RESTART };
		sigemptyset(&sa.sa_mask);
		if (ignored >> (sig - 1) & 1) {
			sa.sa_handler = SIG_IGN;
		} else if (sig == SIGINT || sig == SIGQUIT || sig == SIGWINCH) {
			sa.sa_sigaction = forward_unless_terminal;
			sa.sa_flags |= SA_SIGINFO;
		} else {
			sa.sa_handler = forward;
		}
		sigaction(sig, &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);

	child = fork();
	if (child < 0) {
		say("cannot fork", strerror(errno));
		return 126;
	}
	if (child == 0)
		run_child(report[1], ready[0], report[0], ready[1], argv[1], argv + 2);
	close(report[1]);
	close(ready[0]);

	int number, listener = -1;
	if (read_all(report[0], &number, sizeof number) == 0) {
		int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
		if (pidfd >= 0)
			listener = (int)syscall(SYS_pidfd_getfd, pidfd, number, 0);
		if (pidfd >= 0)
			close(pidfd);
	}
	if (listener < 0 || sw_supervise(listener) != 0) {
		say("cannot supervise the program", strerror(errno));
		kill(child, SIGKILL);
	} else {
		char go = 1;
		if (write(ready[1], &go, 1) != 1)
			kill(child, SIGKILL);
	}
	close(ready[1]);
	close(report[0]);

	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return 126;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	int sig = WTERMSIG(status);
	signal(sig, SIG_DFL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	return 128 + sig;
}
