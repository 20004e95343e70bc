/* build/libsockswrap-check.so: the shim's program checker (core/program-check.c) for the
 * launcher, which calls it through ffi-rs before it spawns the program. Only the checker and this
 * entry: no hooks and no constructor, so loading it into Node changes nothing else. Why a library
 * and not a helper program or a question to the agent: docs/shim-reach.md, "One program checker".
 *
 * The answer is a record in static memory (the launcher calls from Node's main thread only):
 * NUL-terminated fields, in order: the file that would be run ("" when none is found), the kind
 * ("hookable", "static", ...), the reason phrase ("" when hookable), the message the user reads
 * ("" when hookable), then the interpreters followed, outermost first, then an empty field. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "core/program-check.h"
#include "core/seccomp-support.h"

#define CHECK_EXPORT __attribute__((visibility("default")))
#define RECORD_SIZE 16384

static unsigned char record[RECORD_SIZE];

/* Appends s and its NUL at at; cut so that the record always ends in an empty field. */
static size_t field(size_t at, const char *s)
{
	if (at + 2 > RECORD_SIZE)
		return at;
	size_t n = strlen(s), room = RECORD_SIZE - 2 - at;
	if (n > room)
		n = room;
	memcpy(record + at, s, n);
	record[at + n] = '\0';
	return at + n + 1;
}

/* command: a path (with a '/') or a name looked up on path_list, as execvp would; path_set 0
 * means PATH is unset in the program's environment. allowed: --allow-unhooked (the message's
 * wording). Returns RECORD_SIZE bytes. */
CHECK_EXPORT const unsigned char *sockswrap_check_program(const char *command, const char *path_list, int path_set,
							   int allowed)
{
	static int ready;
	if (!ready) {
		sw_program_check_init();
		ready = 1;
	}
	memset(record, 0, sizeof record);
	char found[PATH_MAX];
	const char *path = path_set ? path_list : NULL;
	const char *file = sw_program_search(command, path, found, sizeof found);
	size_t at = field(0, file ? file : "");
	if (!file) {
		field(at, "hookable");
		return record;
	}
	struct sw_program_verdict v;
	sw_program_check(AT_FDCWD, file, 0, path, &v);
	at = field(at, sw_program_kind_name(v.kind));
	char message[PATH_MAX + 4096];
	message[0] = '\0';
	if (v.kind != SW_PROGRAM_HOOKABLE)
		sw_program_message(&v, file, allowed, message, sizeof message);
	at = field(at, v.kind != SW_PROGRAM_HOOKABLE ? sw_program_reason(v.kind) : "");
	at = field(at, message);
	for (unsigned i = 0; i < v.depth; i++)
		at = field(at, v.chain[i]);
	field(at, "");
	return record;
}

/* "" when this kernel has what the seccomp supervisor needs (core/seccomp-support.c), else the
 * missing feature's name, for the launcher's refusal. */
CHECK_EXPORT const char *sockswrap_seccomp_missing(void)
{
	const char *missing = sw_seccomp_missing();
	return missing ? missing : "";
}
