/* Can LD_PRELOAD reach this program? The one checker sockswrap has (docs/shim-reach.md, "One
 * program checker"): the shim's exec hook asks it at execve/posix_spawn time, and the launcher
 * asks it before it spawns the program, through build/libsockswrap-check.so (check/check-entry.c)
 * and ffi-rs. Only system calls, no allocation, no locks: safe in a vfork child. */
#ifndef SOCKSWRAP_PROGRAM_CHECK_H
#define SOCKSWRAP_PROGRAM_CHECK_H

#include <stddef.h>

enum sw_program_kind {
	SW_PROGRAM_HOOKABLE = 0,  /* LD_PRELOAD reaches it, or the exec fails by itself */
	SW_PROGRAM_STATIC,        /* no PT_INTERP (and not the dynamic loader itself) */
	SW_PROGRAM_GO,            /* Go makes its system calls itself, even when dynamically linked */
	SW_PROGRAM_SETUID,        /* AT_SECURE: the loader drops LD_PRELOAD */
	SW_PROGRAM_SETGID,
	SW_PROGRAM_CAPS,          /* file capabilities, for a caller other than root */
	SW_PROGRAM_FOREIGN,       /* another machine, word size or byte order */
	SW_PROGRAM_UNREADABLE,    /* executable but not readable: cannot tell, so fail closed */
	SW_PROGRAM_KINDS
};

/* Interpreters followed: more than the kernel's 5 nested #! (the 6th is ELOOP), plus env. */
#define SW_PROGRAM_MAX_CHAIN 8
/* Room for one interpreter's name. A #! line holds at most 255 bytes (BINPRM_BUF_SIZE); a longer
 * name (env NAME found on PATH) is cut for the message only, the verdict reads the whole one. */
#define SW_PROGRAM_NAME_MAX 256

struct sw_program_verdict {
	enum sw_program_kind kind;
	/* The #! interpreters followed, outermost first (env, then the NAME it runs). When kind is
	 * not HOOKABLE and depth > 0, the verdict is about chain[depth - 1], not the program. */
	unsigned depth;
	char chain[SW_PROGRAM_MAX_CHAIN][SW_PROGRAM_NAME_MAX];
};

/* Once per process image, before any check (finds the dynamic loader, which has no PT_INTERP but
 * honours LD_PRELOAD when run as a program). Not for a vfork child: it calls dladdr. */
void sw_program_check_init(void);

/* Judges path (relative to dirfd; O_NOFOLLOW when nofollow), following #! interpreters.
 * env_path is the PATH the program will see, for `#!/usr/bin/env NAME` (NULL: PATH unset). */
void sw_program_check(int dirfd, const char *path, int nofollow, const char *env_path,
		      struct sw_program_verdict *out);

/* What execvp does with file: the first executable regular file on path_list (NULL: glibc's
 * default), written into buf; file itself when it contains a '/'; NULL when none. */
const char *sw_program_search(const char *file, const char *path_list, char *buf, size_t cap);

/* "static", "go", ... ("hookable" for 0): the launcher's and the tests' name for a kind. */
const char *sw_program_kind_name(enum sw_program_kind kind);
/* "is statically linked: ...": why LD_PRELOAD cannot reach it, as a phrase. */
const char *sw_program_reason(enum sw_program_kind kind);

/* The one line the user reads, without a prefix: "refusing to run PATH: it is ..." (or, when
 * allowed, "warning: running PATH: ..."). Always NUL-terminated; returns its length. */
size_t sw_program_message(const struct sw_program_verdict *v, const char *shown, int allowed,
			  char *out, size_t cap);

#endif
