/* The signals the launcher's parent ignored, and whether a terminal signals this process's group
 * (core/ignored-signals.h). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/ignored-signals.h"

#define SIGIGN_VAR "SOCKSWRAP_SIGIGN"

void sw_restore_ignored_signals(void)
{
	const char *hex = getenv(SIGIGN_VAR);
	if (!hex)
		return;
	/* The lowest 32 bits are the last 8 digits: signals 1..32 (bit n-1 is signal n). */
	size_t len = strlen(hex);
	unsigned long mask = 0;
	int ok = len >= 8 && len <= 16;
	for (size_t i = len >= 8 ? len - 8 : 0; ok && i < len; i++) {
		char c = hex[i];
		int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		ok = digit >= 0;
		mask = mask << 4 | (unsigned long)(digit < 0 ? 0 : digit);
	}
	if (ok)
		for (int sig = 1; sig <= 31; sig++)
			if (mask >> (sig - 1) & 1 && sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_IGN);
	unsetenv(SIGIGN_VAR);
}

int sw_in_terminal_foreground(void)
{
	/* /proc/self/stat: "pid (comm) state ppid pgrp session tty_nr tpgid ..."; comm may hold
	 * spaces and parentheses, so the fields are counted from the last ')'. */
	char buf[512];
	/* Raw system calls: no hook in the shim, and safe in a signal handler. */
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = syscall(SYS_read, fd, buf, sizeof buf - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	long field[6] = { 0 };
	for (int i = 0; i < 6; i++) {
		while (*p && *p != ' ')
			p++;
		while (*p == ' ')
			p++;
		long v = 0;
		int neg = *p == '-';
		if (neg)
			p++;
		while (*p >= '0' && *p <= '9')
			v = v * 10 + (*p++ - '0');
		field[i] = neg ? -v : v;
	}
	/* field: state(0, a letter: 0 here), ppid, pgrp, session, tty_nr, tpgid */
	return field[5] > 0 && field[5] == field[2];
}
