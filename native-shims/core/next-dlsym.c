/* libc's dlsym and dlvsym, found without dlsym (the shim exports its own, hooks/dlsym-hooks.c):
 * read from the dynamic symbol table of the first object after the shim that defines them
 * (libc.so.6), as RTLD_NEXT would find them. Called from the shim, they compute RTLD_NEXT from the
 * shim's own return address, so core/libc.c finds the next definition of every hooked function
 * with them. Also the ELF table reading dlsym-hooks.c needs to tell whose definition it found. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/next-dlsym.h"
#include "core/shim-env.h"

static dlsym_fn next_dlsym;
static dlvsym_fn next_dlvsym;
static struct link_map *shim_map;
static pthread_once_t dl_once = PTHREAD_ONCE_INIT;

/* ---- reading a loaded object's dynamic symbol table ---- */

/* glibc relocates these entries of .dynamic in place, except where .dynamic is read-only (the
 * vDSO): an address below the load bias is still an offset. */
static const void *dyn_address(ElfW(Addr) bias, ElfW(Addr) value)
{
	return (const void *)(value < bias ? value + bias : value);
}

int sw_elf_read_tables(ElfW(Addr) bias, const ElfW(Dyn) *dyn, struct elf_tables *t)
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
const ElfW(Sym) *sw_elf_find_function(const struct elf_tables *t, const char *name)
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
int sw_elf_is_glibc_object(const struct elf_tables *t)
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

struct link_map *sw_map_of(const void *address)
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
	if (sw_elf_read_tables(info->dlpi_addr, dyn, &t) != 0)
		return 0;
	const ElfW(Sym) *sym;
	if (!s->dlsym && (sym = sw_elf_find_function(&t, "dlsym")) && ELF64_ST_TYPE(sym->st_info) == STT_FUNC)
		s->dlsym = (dlsym_fn)(t.bias + sym->st_value);
	if (!s->dlvsym && (sym = sw_elf_find_function(&t, "dlvsym")) && ELF64_ST_TYPE(sym->st_info) == STT_FUNC)
		s->dlvsym = (dlvsym_fn)(t.bias + sym->st_value);
	return s->dlsym && s->dlvsym;
}

static void dl_resolve(void)
{
	shim_map = sw_map_of((const void *)dl_resolve);
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

dlsym_fn sw_next_dlsym(void)
{
	pthread_once(&dl_once, dl_resolve);
	return next_dlsym;
}

dlvsym_fn sw_next_dlvsym(void)
{
	pthread_once(&dl_once, dl_resolve);
	return next_dlvsym;
}

struct link_map *sw_shim_map(void)
{
	pthread_once(&dl_once, dl_resolve);
	return shim_map;
}
