/* The signals the launcher's parent ignored (core/ignored-signals.h). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/ignored-signals.h"

#define SIGIGN_VAR "SOCKSWRAP_SIGIGN"

unsigned long sw_ignored_signals(void)
{
	const char *hex = getenv(SIGIGN_VAR);
	if (!hex)
		return 0;
	/* The lowest 32 bits are the last 8 digits: signals 1..32. */
	size_t len = strlen(hex);
	if (len < 8 || len > 16)
		return 0;
	unsigned long mask = 0;
	for (size_t i = len - 8; i < len; i++) {
		char c = hex[i];
		int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (digit < 0)
			return 0;
		mask = mask << 4 | (unsigned long)digit;
	}
	return mask;
}

void sw_restore_ignored_signals(void)
{
	unsigned long mask = sw_ignored_signals();
	for (int sig = 1; sig <= 31; sig++)
		if (mask >> (sig - 1) & 1 && sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_IGN);
	unsetenv(SIGIGN_VAR);
}
