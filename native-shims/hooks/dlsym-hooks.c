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
 *   - the shim itself (real-symbols.c, io-hooks.c, ... find libc's functions with RTLD_NEXT);
 *   - an object that defines the name itself: another interposer (a second LD_PRELOAD library
 *     with its own connect) asking for the next connect must not get ours back, or its connect
 *     and ours would call each other forever;
 *   - any lookup of a name the shim does not export.
 * For them the hook ends in a tail call to the real function, so it runs with the caller's return
 * address (a normal call would make every RTLD_NEXT lookup relative to the shim). The real dlsym
 * and dlvsym cannot be found with dlsym, now ours: they are read from the symbol table of the
 * first object after the shim that defines them (libc.so.6), as RTLD_NEXT would find them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/shim.h"

typedef void *(*dlsym_fn)(void *, const char *);
typedef void *(*dlvsym_fn)(void *, const char *, const char *);

static dlsym_fn next_dlsym;
static dlvsym_fn next_dlvsym;
static struct link_map *shim_map;
static pthread_once_t dl_once = PTHREAD_ONCE_INIT;

/* ---- reading a loaded object's dynamic symbol table ---- */

struct elf_tables {
	ElfW(Addr) bias;
	const ElfW(Sym) *symtab;
	const char *strtab;
	const ElfW(Half) *versym;
	const uint32_t *gnu_hash;
	const uint32_t *sysv_hash;
	const ElfW(Verdef) *verdef;
};

/* glibc relocates these entries of .dynamic in place, except where .dynamic is read-only (the
 * vDSO): an address below the load bias is still an offset. */
static const void *dyn_address(ElfW(Addr) bias, ElfW(Addr) value)
{
	return (const void *)(value < bias ? value + bias : value);
}

static int read_tables(ElfW(Addr) bias, const ElfW(Dyn) *dyn, struct elf_tables *t)
{
	memset(t, 0, sizeof *t);
	t->bias = bias;
	if (!dyn)
		return -1;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		const void *p = dyn_address(bias, dyn->d_un.d_ptr);
		switch (dyn->d_tag) {
		case DT_SYMTAB: t->symtab = p; break;
		case DT_STRTAB: t->strtab = p; break;
		case DT_VERSYM: t->versym = p; break;
		case DT_GNU_HASH: t->gnu_hash = p; break;
		case DT_HASH: t->sysv_hash = p; break;
		case DT_VERDEF: t->verdef = p; break;
		}
	}
	return t->symtab && t->strtab && (t->gnu_hash || t->sysv_hash) ? 0 : -1;
}

static int symbol_matches(const struct elf_tables *t, uint32_t i, const char *name)
{
	const ElfW(Sym) *s = &t->symtab[i];
	int type = ELF64_ST_TYPE(s->st_info);
	if (s->st_shndx == SHN_UNDEF || (type != STT_FUNC && type != STT_GNU_IFUNC))
		return 0;
	/* A hidden version (name@VERSION, not @@) is not what an unversioned lookup finds. */
	if (t->versym && (t->versym[i] & 0x8000))
		return 0;
	return strcmp(t->strtab + s->st_name, name) == 0;
}

/* The object's own function definition of name (default version), or NULL. */
static const ElfW(Sym) *find_function(const struct elf_tables *t, const char *name)
{
	if (t->gnu_hash) {
		uint32_t h = 5381;
		for (const unsigned char *c = (const unsigned char *)name; *c; c++)
			h = h * 33 + *c;
		uint32_t nbuckets = t->gnu_hash[0], symoffset = t->gnu_hash[1], bloom_words = t->gnu_hash[2];
		const uint32_t *buckets = (const uint32_t *)((const ElfW(Addr) *)(t->gnu_hash + 4) + bloom_words);
		const uint32_t *chain = buckets + nbuckets;
		if (nbuckets == 0)
			return NULL;
		uint32_t i = buckets[h % nbuckets];
		if (i < symoffset)
			return NULL;
		for (;; i++) {
			uint32_t h2 = chain[i - symoffset];
			if ((h | 1) == (h2 | 1) && symbol_matches(t, i, name))
				return &t->symtab[i];
			if (h2 & 1)
				return NULL;
		}
	}
	uint32_t h = 0;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		h = (h << 4) + *c;
		uint32_t g = h & 0xf0000000u;
		h ^= g >> 24;
		h &= ~g;
	}
	uint32_t nbucket = t->sysv_hash[0];
	const uint32_t *bucket = t->sysv_hash + 2, *chain = bucket + nbucket;
	if (nbucket == 0)
		return NULL;
	for (uint32_t i = bucket[h % nbucket]; i != STN_UNDEF; i = chain[i])
		if (symbol_matches(t, i, name))
			return &t->symtab[i];
	return NULL;
}

/* Does the object define symbol versions named GLIBC_*? Only glibc's libraries do. */
static int is_glibc_object(const struct elf_tables *t)
{
	const ElfW(Verdef) *vd = t->verdef;
	for (int guard = 0; vd && guard < 256; guard++) {
		const ElfW(Verdaux) *aux = (const ElfW(Verdaux) *)((const char *)vd + vd->vd_aux);
		if (!(vd->vd_flags & VER_FLG_BASE) && strncmp(t->strtab + aux->vda_name, "GLIBC_", 6) == 0)
			return 1;
		if (vd->vd_next == 0)
			break;
		vd = (const ElfW(Verdef) *)((const char *)vd + vd->vd_next);
	}
	return 0;
}

static struct link_map *map_of(const void *address)
{
	Dl_info info;
	struct link_map *map = NULL;
	if (!address || !dladdr1(address, &info, (void **)&map, RTLD_DL_LINKMAP))
		return NULL;
	return map;
}

/* ---- finding the real dlsym and dlvsym ---- */

struct next_search {
	int after_shim;
	dlsym_fn dlsym;
	dlvsym_fn dlvsym;
};

/* dl_iterate_phdr lists the objects in load order, as RTLD_NEXT searches them. */
static int find_next_dl(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct next_search *s = data;
	if (!s->after_shim) {
		s->after_shim = info->dlpi_addr == shim_map->l_addr;
		return 0;
	}
	const ElfW(Dyn) *dyn = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	struct elf_tables t;
	if (read_tables(info->dlpi_addr, dyn, &t) != 0)
		return 0;
	const ElfW(Sym) *sym;
	if (!s->dlsym && (sym = find_function(&t, "dlsym")) && ELF64_ST_TYPE(sym->st_info) == STT_FUNC)
		s->dlsym = (dlsym_fn)(t.bias + sym->st_value);
	if (!s->dlvsym && (sym = find_function(&t, "dlvsym")) && ELF64_ST_TYPE(sym->st_info) == STT_FUNC)
		s->dlvsym = (dlvsym_fn)(t.bias + sym->st_value);
	return s->dlsym && s->dlvsym;
}

static void dl_resolve(void)
{
	shim_map = map_of((const void *)dl_resolve);
	struct next_search s = { 0 };
	if (shim_map)
		dl_iterate_phdr(find_next_dl, &s);
	if (!s.dlsym || !s.dlvsym) {
		shim_log_fatal("cannot find libc's dlsym and dlvsym");
		abort();
	}
	next_dlsym = s.dlsym;
	next_dlvsym = s.dlvsym;
}

/* ---- the decision ---- */

static char forward_mark;
#define FORWARD ((void *)&forward_mark)

/* FORWARD: the real function answers, as called by the caller. Else the answer. */
static void *decide(void *handle, const char *name, const char *version, const void *caller)
{
	pthread_once(&dl_once, dl_resolve);
	if (!name)
		return FORWARD;
	struct elf_tables own;
	const ElfW(Sym) *own_sym;
	if (read_tables(shim_map->l_addr, shim_map->l_ld, &own) != 0 || !(own_sym = find_function(&own, name)))
		return FORWARD;
	struct link_map *caller_map = map_of(caller);
	if (caller_map == shim_map)
		return FORWARD;
	struct elf_tables ct;
	if (caller_map && read_tables(caller_map->l_addr, caller_map->l_ld, &ct) == 0 && find_function(&ct, name))
		return FORWARD;       /* an interposer of this name: it gets glibc's exact answer */

	/* Called from here, RTLD_NEXT is relative to the shim: the next definition after it. */
	void *found = version ? next_dlvsym(handle, name, version) : next_dlsym(handle, name);
	if (!found)
		return NULL;          /* dlerror() says why, as glibc set it */
	void *hook = (void *)(shim_map->l_addr + own_sym->st_value);
	struct link_map *found_map = map_of(found);
	if (!found_map || found_map == shim_map)
		return found;
	struct elf_tables ft;
	if (read_tables(found_map->l_addr, found_map->l_ld, &ft) == 0 && is_glibc_object(&ft))
		return hook;
	/* Not glibc's: the program's own function of that name stays its own, unless it is the
	 * definition the shim's hooks forward to (another interposer after the shim), which the
	 * shim's hook already leads to. */
	if (found_map == map_of(next_dlsym(RTLD_NEXT, name)))
		return hook;
	return found;
}

/* A tail call keeps the caller's return address for glibc. clang can be told to; GCC makes one
 * at -O2 for a return of a call with the same arguments and no address-taken locals, which is
 * all these two functions are (test/e2e/hostile-calls.test.ts checks RTLD_NEXT from a second
 * preload library). */
#if defined(__has_attribute)
#if __has_attribute(musttail)
#define SW_MUSTTAIL __attribute__((musttail))
#endif
#endif
#ifndef SW_MUSTTAIL
#define SW_MUSTTAIL
#endif
#if defined(__GNUC__) && !defined(__clang__)
#define SW_SIBCALLS __attribute__((optimize("optimize-sibling-calls")))
#else
#define SW_SIBCALLS
#endif

SHIM_EXPORT SW_SIBCALLS void *dlsym(void *handle, const char *name)
{
	void *answer = decide(handle, name, NULL, __builtin_return_address(0));
	if (answer != FORWARD)
		return answer;
	SW_MUSTTAIL return next_dlsym(handle, name);
}

SHIM_EXPORT SW_SIBCALLS void *dlvsym(void *handle, const char *name, const char *version)
{
	void *answer = decide(handle, name, version, __builtin_return_address(0));
	if (answer != FORWARD)
		return answer;
	SW_MUSTTAIL return next_dlvsym(handle, name, version);
}
