/*
 * dlsym and dlvsym: a program that finds a hooked function by name gets the hook (issue 11, item 3).
 *
 * ctypes.CDLL('libc.so.6').connect, dlsym(dlopen("libc.so.6"), "connect") and
 * dlvsym(handle, "connect", "GLIBC_2.2.5") search libc's own symbol table, past the global scope
 * the shim is first in, and would hand back libc's connect: a direct connection. Every name the
 * shim exports (its dynamic symbol table is the list; nothing is kept by hand) is looked up as
 * asked and, when the answer is glibc's definition or the one the shim's own hooks call, the
 * shim's function is returned instead. Every other lookup is glibc's own, unchanged.
 *
 * Three callers must keep glibc's exact answer, RTLD_NEXT above all, which glibc computes from
 * the caller's return address:
 *   - the shim itself (which no longer calls this hook: core/libc.c uses libc's dlsym directly);
 *   - an object that defines the name itself: another interposer (a second LD_PRELOAD library
 *     with its own connect) asking for the next connect must not get ours back, or its connect
 *     and ours would call each other forever;
 *   - any lookup of a name the shim does not export.
 * For them the hook ends in a tail call to the real function, so it runs with the caller's return
 * address (a normal call would make every RTLD_NEXT lookup relative to the shim). The real dlsym
 * and dlvsym cannot be found with dlsym, now ours: core/next-dlsym.c reads them from the symbol
 * table of the first object after the shim that defines them (libc.so.6).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "core/next-dlsym.h"
#include "core/shim.h"

/* ---- the decision ---- */

static char forward_mark;
#define FORWARD ((void *)&forward_mark)

/* FORWARD: the real function answers, as called by the caller. Else the answer. */
static void *decide(void *handle, const char *name, const char *version, const void *caller)
{
	struct link_map *shim_map = sw_shim_map();
	dlsym_fn next_dlsym = sw_next_dlsym();
	dlvsym_fn next_dlvsym = sw_next_dlvsym();
	if (!name)
		return FORWARD;
	struct elf_tables own;
	const ElfW(Sym) *own_sym;
	if (sw_elf_read_tables(shim_map->l_addr, shim_map->l_ld, &own) != 0 || !(own_sym = sw_elf_find_function(&own, name)))
		return FORWARD;
	struct link_map *caller_map = sw_map_of(caller);
	if (caller_map == shim_map)
		return FORWARD;
	struct elf_tables ct;
	if (caller_map && sw_elf_read_tables(caller_map->l_addr, caller_map->l_ld, &ct) == 0 && sw_elf_find_function(&ct, name))
		return FORWARD;       /* an interposer of this name: it gets glibc's exact answer */

	/* Called from here, RTLD_NEXT is relative to the shim: the next definition after it. */
	void *found = version ? next_dlvsym(handle, name, version) : next_dlsym(handle, name);
	if (!found)
		return NULL;          /* dlerror() says why, as glibc set it */
	void *hook = (void *)(shim_map->l_addr + own_sym->st_value);
	struct link_map *found_map = sw_map_of(found);
	if (!found_map || found_map == shim_map)
		return found;
	struct elf_tables ft;
	if (sw_elf_read_tables(found_map->l_addr, found_map->l_ld, &ft) == 0 && sw_elf_is_glibc_object(&ft))
		return hook;
	/* Not glibc's: the program's own function of that name stays its own, unless it is the
	 * definition the shim's hooks forward to (another interposer after the shim), which the
	 * shim's hook already leads to. */
	if (found_map == sw_map_of(next_dlsym(RTLD_NEXT, name)))
		return hook;
	return found;
}

SHIM_EXPORT SW_SIBCALLS void *dlsym(void *handle, const char *name)
{
	void *answer = decide(handle, name, NULL, __builtin_return_address(0));
	if (answer != FORWARD)
		return answer;
	dlsym_fn next = sw_next_dlsym();
	SW_MUSTTAIL return next(handle, name);
}

SHIM_EXPORT SW_SIBCALLS void *dlvsym(void *handle, const char *name, const char *version)
{
	void *answer = decide(handle, name, version, __builtin_return_address(0));
	if (answer != FORWARD)
		return answer;
	dlvsym_fn next = sw_next_dlvsym();
	SW_MUSTTAIL return next(handle, name, version);
}
