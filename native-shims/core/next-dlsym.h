/* core/next-dlsym.c: libc's own dlsym/dlvsym, and reading a loaded object's symbol table. */
#ifndef SOCKSWRAP_NEXT_DLSYM_H
#define SOCKSWRAP_NEXT_DLSYM_H

#include <link.h>
#include <stdint.h>

typedef void *(*dlsym_fn)(void *, const char *);
typedef void *(*dlvsym_fn)(void *, const char *, const char *);

/* The definitions after the shim's; found once per process image. */
dlsym_fn sw_next_dlsym(void);
dlvsym_fn sw_next_dlvsym(void);
/* The shim's own link map. */
struct link_map *sw_shim_map(void);

struct elf_tables {
	ElfW(Addr) bias;
	const ElfW(Sym) *symtab;
	const char *strtab;
	const ElfW(Half) *versym;
	const uint32_t *gnu_hash;
	const uint32_t *sysv_hash;
	const ElfW(Verdef) *verdef;
};

int sw_elf_read_tables(ElfW(Addr) bias, const ElfW(Dyn) *dyn, struct elf_tables *t);
/* The object's own function definition of name (default version), or NULL. */
const ElfW(Sym) *sw_elf_find_function(const struct elf_tables *t, const char *name);
/* Does the object define symbol versions named GLIBC_*? Only glibc's libraries do. */
int sw_elf_is_glibc_object(const struct elf_tables *t);
/* The loaded object an address is in, or NULL. */
struct link_map *sw_map_of(const void *address);

#endif
