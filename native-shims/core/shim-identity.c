/* The shim's build identity, as a what(1) string: "@(#)sockswrap-shim VERSION TARGET COMPILER
 * src HASH". The launcher reads it from the file before preloading (src/cli/shim-locator.ts):
 * it refuses a shim whose VERSION is not its own, and `sockswrap --version` prints the rest.
 * The values come from the Makefile; nothing calls this, so it is kept with "used".
 *
 * It is the description of an ELF note (owner "sockswrap", `readelf -n` shows it): the linker puts
 * notes right after the headers, so the launcher finds the string in the file's first page instead
 * of reading the whole 160 kB shim at every start. ld.so skips notes of owners it does not know. */
#include <stdint.h>

#ifndef SHIM_VERSION
#error "build with the Makefile: it defines SHIM_VERSION, SHIM_TARGET, SHIM_COMPILER, SHIM_SOURCES"
#endif

#define SHIM_IDENTITY "@(#)sockswrap-shim " SHIM_VERSION " " SHIM_TARGET " " SHIM_COMPILER " src " SHIM_SOURCES
#define NOTE_OWNER "sockswrap"

/* An ELF note: sizes and type, then the owner and the description, each padded to 4 bytes. */
struct shim_identity_note {
	uint32_t namesz, descsz, type;
	char name[(sizeof NOTE_OWNER + 3) & ~3u];
	char desc[(sizeof SHIM_IDENTITY + 3) & ~3u];
};

__attribute__((used, section(".note.sockswrap"), aligned(4)))
static const struct shim_identity_note shim_identity = {
	.namesz = sizeof NOTE_OWNER,
	.descsz = sizeof SHIM_IDENTITY,
	.type = 1,
	.name = NOTE_OWNER,
	.desc = SHIM_IDENTITY,
};
