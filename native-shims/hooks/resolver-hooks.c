/* The raw resolver API (res_query and friends) sends DNS packets itself, from inside libc where the
 * connect/sendto hooks cannot see them. With remote DNS on that would be a leak, so it fails
 * closed (NO_RECOVERY); programs fall back to getaddrinfo or report the error. With remote DNS
 * off it is libc's, unchanged. The __res_* names are what binaries linked before glibc 2.34 use. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <resolv.h>

#include "core/libc.h"
#include "core/shim-init.h"
#include "core/next-dlsym.h"
#include "core/shim-env.h"
#include "core/shim.h"

static int refuse(res_state statp)
{
	if (statp)
		statp->res_h_errno = NO_RECOVERY;
	h_errno = NO_RECOVERY;
	errno = ECONNREFUSED;
	return -1;
}

static int remote_dns(void)
{
	shim_init();
	return shim_config()->remote_dns;
}

/* libc's own definition (core/libc.c). Before glibc 2.34 these live in libresolv, which a
 * program may dlopen after the shim looked: then it is looked up again, as RTLD_NEXT finds it. */
#define NEXT(name) (real.name ? real.name : (__typeof__(real.name))sw_next_dlsym()(RTLD_NEXT, #name))

#define QUERY_HOOK(name, old_name)                                                                  \
	SHIM_EXPORT int name(const char *dname, int class, int type, unsigned char *answer, int anslen) \
	{                                                                                        \
		if (remote_dns())                                                                \
			return refuse(NULL);                                                     \
		return NEXT(name)(dname, class, type, answer, anslen);                           \
	}                                                                                        \
	SHIM_EXPORT int old_name(const char *, int, int, unsigned char *, int)                   \
		__THROW __attribute__((alias(#name)));

#define NQUERY_HOOK(name, old_name)                                                                 \
	SHIM_EXPORT int name(res_state statp, const char *dname, int class, int type,             \
			     unsigned char *answer, int anslen)                                    \
	{                                                                                        \
		if (remote_dns())                                                                \
			return refuse(statp);                                                    \
		return NEXT(name)(statp, dname, class, type, answer, anslen);                    \
	}                                                                                        \
	SHIM_EXPORT int old_name(res_state, const char *, int, int, unsigned char *, int)        \
		__THROW __attribute__((alias(#name)));

QUERY_HOOK(res_query, __res_query)
QUERY_HOOK(res_search, __res_search)
NQUERY_HOOK(res_nquery, __res_nquery)
NQUERY_HOOK(res_nsearch, __res_nsearch)

SHIM_EXPORT int res_querydomain(const char *name, const char *domain, int class, int type,
				unsigned char *answer, int anslen)
{
	if (remote_dns())
		return refuse(NULL);
	return NEXT(res_querydomain)(name, domain, class, type, answer, anslen);
}
SHIM_EXPORT int __res_querydomain(const char *, const char *, int, int, unsigned char *, int)
	__THROW __attribute__((alias("res_querydomain")));

SHIM_EXPORT int res_nquerydomain(res_state statp, const char *name, const char *domain, int class,
				 int type, unsigned char *answer, int anslen)
{
	if (remote_dns())
		return refuse(statp);
	return NEXT(res_nquerydomain)(statp, name, domain, class, type, answer, anslen);
}
SHIM_EXPORT int __res_nquerydomain(res_state, const char *, const char *, int, int, unsigned char *, int)
	__THROW __attribute__((alias("res_nquerydomain")));

SHIM_EXPORT int res_send(const unsigned char *msg, int msglen, unsigned char *answer, int anslen)
{
	if (remote_dns())
		return refuse(NULL);
	return NEXT(res_send)(msg, msglen, answer, anslen);
}
SHIM_EXPORT int __res_send(const unsigned char *, int, unsigned char *, int)
	__THROW __attribute__((alias("res_send")));

SHIM_EXPORT int res_nsend(res_state statp, const unsigned char *msg, int msglen, unsigned char *answer,
			  int anslen)
{
	if (remote_dns())
		return refuse(statp);
	return NEXT(res_nsend)(statp, msg, msglen, answer, anslen);
}
SHIM_EXPORT int __res_nsend(res_state, const unsigned char *, int, unsigned char *, int)
	__THROW __attribute__((alias("res_nsend")));
