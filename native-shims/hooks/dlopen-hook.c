/*
 * dlopen and dlmopen without RTLD_DEEPBIND.
 *
 * A library opened with RTLD_DEEPBIND looks up its own undefined symbols in itself and its
 * dependencies (libc) before the global scope, where LD_PRELOAD puts the shim: its connect(),
 * sendto() and getaddrinfo() would be libc's, and go direct. PHP opens every extension so (its
 * sockets extension connected straight past the shim, and a name lookup in it left the machine).
 * The flag is dropped, which is what PHP's own sanitizer builds do for the same reason (an
 * interposer must stay first); the cost is that the library's symbols can be interposed by the
 * program's, which DEEPBIND is there to prevent and which almost no program relies on.
 *
 * Both end in a tail call (core/shim.h): glibc finds the caller from the return address, for its
 * RUNPATH (a bare name is searched in the caller's) and its link-map namespace.
 */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "core/next-dlsym.h"
#include "core/shim.h"

typedef void *(*dlopen_fn)(const char *, int);
typedef void *(*dlmopen_fn)(Lmid_t, const char *, int);

/* Found once; two threads racing store the same pointer. */
static dlopen_fn next_dlopen;
static dlmopen_fn next_dlmopen;

SHIM_EXPORT SW_SIBCALLS void *dlopen(const char *file, int mode)
{
	dlopen_fn next = __atomic_load_n(&next_dlopen, __ATOMIC_RELAXED);
	if (!next) {
		next = (dlopen_fn)sw_next_dlsym()(RTLD_NEXT, "dlopen");
		__atomic_store_n(&next_dlopen, next, __ATOMIC_RELAXED);
	}
	SW_MUSTTAIL return next(file, mode & ~RTLD_DEEPBIND);
}

SHIM_EXPORT SW_SIBCALLS void *dlmopen(Lmid_t lmid, const char *file, int mode)
{
	dlmopen_fn next = __atomic_load_n(&next_dlmopen, __ATOMIC_RELAXED);
	if (!next) {
		next = (dlmopen_fn)sw_next_dlsym()(RTLD_NEXT, "dlmopen");
		__atomic_store_n(&next_dlmopen, next, __ATOMIC_RELAXED);
	}
	SW_MUSTTAIL return next(lmid, file, mode & ~RTLD_DEEPBIND);
}
