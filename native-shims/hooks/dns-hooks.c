/* Name lookups with SOCKSWRAP_REMOTE_DNS=1: names go to the agent, which hands out fake addresses
 * (or /etc/hosts entries); no query ever leaves through libc. Results are built by libc itself
 * from numeric strings, so their shape (one entry per socktype, v4-mapping, AI_ADDRCONFIG,
 * freeaddrinfo) is exactly glibc's. With remote DNS off every call goes to libc unchanged. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/agent-wire.h"
#include "core/libc.h"
#include "core/shim-init.h"
#include "core/net-addr.h"
#include "core/shim-env.h"
#include "core/wire-codec.h"
#include "core/shim.h"

#define MAX_NAME 255          /* a DNS name is at most 253 characters; leave room for a dot */
#define MAX_ADDRS 64          /* more than a 1023-byte body can hold */

struct resolved {
	int count;
	uint8_t family[MAX_ADDRS];    /* 4 or 6 */
	uint8_t bytes[MAX_ADDRS][16];
};

enum { RESOLVE_OK = 0, RESOLVE_NO_NAME = 1, RESOLVE_TRY_AGAIN = 2, RESOLVE_FAILED = 3 };

static int remote_dns(void)
{
	shim_init();
	return shim_config()->remote_dns;
}

/* A name under .onion (RFC 7686): only Tor can resolve it, so with remote DNS off it goes to the
 * agent anyway, which refuses it with a log line; it never reaches libc's resolver. */
static int is_onion(const char *name)
{
	size_t len = strlen(name);
	if (len && name[len - 1] == '.')
		len--;
	if (len == 5)
		return strncasecmp(name, "onion", 5) == 0;
	return len > 6 && strncasecmp(name + len - 6, ".onion", 6) == 0;
}

/* Whether a name lookup is the agent's: every name with remote DNS on, .onion names always. */
static int by_agent(const char *name)
{
	return remote_dns() || is_onion(name);
}

/* The forms glibc's getaddrinfo accepts as numeric: dotted quads, inet_aton's shorter forms
 * ("127.1", "0x7f000001") and IPv6 with an optional %scope. */
static int is_numeric_host(const char *node)
{
	struct in_addr a4;
	struct in6_addr a6;
	size_t len = strlen(node);
	if (len && strspn(node, "0123456789abcdefABCDEFxX.") == len && inet_aton(node, &a4))
		return 1;
	char bare[INET6_ADDRSTRLEN];
	const char *percent = strchr(node, '%');
	size_t bare_len = percent ? (size_t)(percent - node) : len;
	if (bare_len >= sizeof bare)
		return 0;
	memcpy(bare, node, bare_len);
	bare[bare_len] = 0;
	return inet_pton(AF_INET6, bare, &a6) == 1;
}

/* family: 0, 4 or 6 as the protocol says. */
static int ask_agent_resolve(const char *name, int family, struct resolved *out)
{
	size_t name_len = strlen(name);
	if (name_len == 0 || name_len > MAX_NAME)
		return RESOLVE_NO_NAME;
	uint8_t req[1 + MAX_NAME], resp[AGENT_MAX_BODY];
	size_t resp_len;
	int status = agent_call(OP_RESOLVE, req, sw_enc_resolve(req, family, name, name_len), resp, &resp_len);
	if (status == 1)
		return RESOLVE_NO_NAME;
	if (status == 2)
		return RESOLVE_TRY_AGAIN;
	struct wire_addr found[MAX_ADDRS];
	int count;
	if (status != 0 || sw_dec_resolve(resp, resp_len, found, MAX_ADDRS, &count) != 0)
		return RESOLVE_FAILED;
	out->count = 0;
	for (int i = 0; i < count; i++) {
		out->family[out->count] = found[i].family;
		memcpy(out->bytes[out->count], found[i].bytes, 16);
		out->count++;
	}
	return out->count ? RESOLVE_OK : RESOLVE_NO_NAME;
}

/* ---- getaddrinfo ---- */

static int is_soft_error(int eai)
{
	/* The address does not fit the hints (family, AI_ADDRCONFIG): skip it, as glibc would. */
	return eai == EAI_ADDRFAMILY || eai == EAI_NONAME || eai == EAI_FAMILY || eai == EAI_NODATA;
}

SHIM_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			    struct addrinfo **res)
{
	if (!node || !by_agent(node) || (hints && (hints->ai_flags & AI_NUMERICHOST)))
		return real.getaddrinfo(node, service, hints, res);
	/* glibc's defaults when hints is NULL */
	struct addrinfo h = { .ai_flags = AI_V4MAPPED | AI_ADDRCONFIG, .ai_family = AF_UNSPEC };
	if (hints)
		h = *hints;
	if (is_numeric_host(node)) {
		h.ai_flags |= AI_NUMERICHOST;
		return real.getaddrinfo(node, service, &h, res);
	}
	int family;
	switch (h.ai_family) {
	case AF_UNSPEC: family = 0; break;
	case AF_INET: family = 4; break;
	case AF_INET6: family = 6; break;
	default: return EAI_FAMILY;
	}

	struct resolved found;
	switch (ask_agent_resolve(node, family, &found)) {
	case RESOLVE_OK: break;
	case RESOLVE_NO_NAME: return EAI_NONAME;
	case RESOLVE_TRY_AGAIN: return EAI_AGAIN;
	default: return EAI_FAIL;
	}

	struct addrinfo numeric_hints = h;
	numeric_hints.ai_flags = (h.ai_flags | AI_NUMERICHOST) & ~AI_CANONNAME;
	struct addrinfo *head = NULL, **tail = &head;
	int first_error = 0;
	for (int i = 0; i < found.count; i++) {
		char text[INET6_ADDRSTRLEN];
		inet_ntop(found.family[i] == 4 ? AF_INET : AF_INET6, found.bytes[i], text, sizeof text);
		struct addrinfo *part = NULL;
		int err = real.getaddrinfo(text, service, &numeric_hints, &part);
		if (err == 0) {
			/* glibc frees a list node by node, so libc-built lists chain safely. */
			*tail = part;
			while (*tail)
				tail = &(*tail)->ai_next;
		} else if (!first_error || (is_soft_error(first_error) && !is_soft_error(err))) {
			first_error = err;
		}
	}
	if (first_error && !is_soft_error(first_error)) {
		if (head)
			freeaddrinfo(head);
		return first_error;    /* a bad service, socktype or flag: the caller's mistake */
	}
	if (!head)
		return EAI_NONAME;
	if (h.ai_flags & AI_CANONNAME) {
		char *canon = strdup(node);
		if (!canon) {
			freeaddrinfo(head);
			return EAI_MEMORY;
		}
		head->ai_canonname = canon;
	}
	*res = head;
	return 0;
}

/* ---- gethostbyname family ---- */

/* Lays a hostent out in the caller's buffer: alias list, address list, addresses, name. */
static int fill_hostent(const char *name, int af, const uint8_t (*addrs)[16], int count,
			struct hostent *ret, char *buf, size_t buflen)
{
	size_t addr_len = af == AF_INET ? 4 : 16;
	size_t misalign = (uintptr_t)buf % alignof(char *);
	size_t pad = misalign ? alignof(char *) - misalign : 0;
	size_t pointers = (1 + (size_t)count + 1) * sizeof(char *);
	size_t name_len = strlen(name) + 1;
	if (buflen < pad + pointers + (size_t)count * addr_len + name_len)
		return ERANGE;
	char **aliases = (char **)(void *)(buf + pad);
	char **addr_list = aliases + 1;
	char *data = (char *)(addr_list + count + 1);
	aliases[0] = NULL;
	for (int i = 0; i < count; i++) {
		memcpy(data, addrs[i], addr_len);
		addr_list[i] = data;
		data += addr_len;
	}
	addr_list[count] = NULL;
	memcpy(data, name, name_len);
	ret->h_name = data;
	ret->h_aliases = aliases;
	ret->h_addrtype = af;
	ret->h_length = (int)addr_len;
	ret->h_addr_list = addr_list;
	return 0;
}

/* The addresses of one family for name, numeric or from the agent. Returns a count > 0 or the
 * negated h_errno value. */
static int lookup_one_family(const char *name, int af, uint8_t (*addrs)[16])
{
	struct in_addr a4;
	if (af == AF_INET && is_numeric_host(name))
		return inet_aton(name, &a4) ? (memcpy(addrs[0], &a4, 4), 1) : -HOST_NOT_FOUND;
	if (af == AF_INET6 && inet_pton(AF_INET6, name, addrs[0]) == 1)
		return 1;
	if (is_numeric_host(name))
		return -HOST_NOT_FOUND;   /* a literal of the other family */

	struct resolved found;
	switch (ask_agent_resolve(name, af == AF_INET ? 4 : 6, &found)) {
	case RESOLVE_OK: break;
	case RESOLVE_NO_NAME: return -HOST_NOT_FOUND;
	case RESOLVE_TRY_AGAIN: return -TRY_AGAIN;
	default: return -NO_RECOVERY;
	}
	int want = af == AF_INET ? 4 : 6, count = 0;
	for (int i = 0; i < found.count; i++)
		if (found.family[i] == want)
			memcpy(addrs[count++], found.bytes[i], 16);
	return count ? count : -NO_DATA;
}

/* Reentrant-style result: 0 (found or not found, see *result), ERANGE, EAGAIN or another errno. */
static int finish_r(int herr, int err, struct hostent **result, int *h_errnop)
{
	*result = NULL;
	*h_errnop = herr;
	h_errno = herr;           /* glibc sets both; callers such as CPython read h_errno */
	errno = err ? err : errno;
	return err;
}

static int hostent_by_name(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
			   struct hostent **result, int *h_errnop)
{
	if (af != AF_INET && af != AF_INET6)
		return finish_r(NETDB_INTERNAL, EAFNOSUPPORT, result, h_errnop);
	uint8_t addrs[MAX_ADDRS][16];
	int count = lookup_one_family(name, af, addrs);
	if (count == -TRY_AGAIN)
		return finish_r(TRY_AGAIN, EAGAIN, result, h_errnop);
	if (count == -NO_RECOVERY)
		return finish_r(NO_RECOVERY, ECONNREFUSED, result, h_errnop);
	if (count < 0)
		return finish_r(-count, 0, result, h_errnop);
	if (fill_hostent(name, af, (const uint8_t(*)[16])addrs, count, ret, buf, buflen) != 0)
		return finish_r(NETDB_INTERNAL, ERANGE, result, h_errnop);
	*result = ret;
	*h_errnop = NETDB_SUCCESS;
	return 0;
}

/* What the non-reentrant calls return points here, per thread, as glibc's static buffers do. */
struct hostent_storage {
	struct hostent entry;
	char buf[2048];           /* fits MAX_ADDRS IPv6 addresses and a MAX_NAME name */
};
static __thread struct hostent_storage thread_hostent;

SHIM_EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
				 struct hostent **result, int *h_errnop)
{
	if (!name || !by_agent(name))
		return real.gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	return hostent_by_name(name, af, ret, buf, buflen, result, h_errnop);
}

SHIM_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
				struct hostent **result, int *h_errnop)
{
	if (!name || !by_agent(name))
		return real.gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
	return hostent_by_name(name, AF_INET, ret, buf, buflen, result, h_errnop);
}

SHIM_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	if (!name || !by_agent(name))
		return real.gethostbyname2(name, af);
	struct hostent *result;
	hostent_by_name(name, af, &thread_hostent.entry, thread_hostent.buf, sizeof thread_hostent.buf,
			&result, &h_errno);
	return result;
}

SHIM_EXPORT struct hostent *gethostbyname(const char *name)
{
	if (!name || !by_agent(name))
		return real.gethostbyname(name);
	return gethostbyname2(name, AF_INET);
}

/* ---- reverse lookups: only the agent's names (fake addresses, /etc/hosts), never PTR ---- */

/* Returns RESOLVE_OK with name filled, RESOLVE_NO_NAME or RESOLVE_FAILED. */
static int ask_agent_reverse(const struct wire_addr *a, char *name, size_t name_cap)
{
	uint8_t req[17], resp[AGENT_MAX_BODY];
	size_t resp_len;
	int status = agent_call(OP_REVERSE, req, sw_enc_reverse(req, a), resp, &resp_len);
	if (status == 1)
		return RESOLVE_NO_NAME;
	if (status != 0 || resp_len == 0 || resp_len >= name_cap || memchr(resp, 0, resp_len))
		return RESOLVE_FAILED;
	memcpy(name, resp, resp_len);
	name[resp_len] = 0;
	return RESOLVE_OK;
}

static int hostent_by_addr(const void *addr, socklen_t len, int type, struct hostent *ret, char *buf,
			   size_t buflen, struct hostent **result, int *h_errnop)
{
	if (!addr || !((type == AF_INET && len == 4) || (type == AF_INET6 && len == 16)))
		return finish_r(NETDB_INTERNAL, EINVAL, result, h_errnop);
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)type };
	if (type == AF_INET)
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, addr, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, addr, 16);
	struct wire_addr wa;
	wire_addr_from_sockaddr((struct sockaddr *)&ss, sizeof ss, &wa);
	char name[AGENT_MAX_BODY];
	switch (ask_agent_reverse(&wa, name, sizeof name)) {
	case RESOLVE_OK: break;
	case RESOLVE_NO_NAME: return finish_r(HOST_NOT_FOUND, 0, result, h_errnop);
	default: return finish_r(NO_RECOVERY, ECONNREFUSED, result, h_errnop);
	}
	uint8_t one[1][16];
	memcpy(one[0], addr, len);
	if (fill_hostent(name, type, (const uint8_t(*)[16])one, 1, ret, buf, buflen) != 0)
		return finish_r(NETDB_INTERNAL, ERANGE, result, h_errnop);
	*result = ret;
	*h_errnop = NETDB_SUCCESS;
	return 0;
}

SHIM_EXPORT int gethostbyaddr_r(const void *addr, socklen_t len, int type, struct hostent *ret, char *buf,
				size_t buflen, struct hostent **result, int *h_errnop)
{
	if (!remote_dns())
		return real.gethostbyaddr_r(addr, len, type, ret, buf, buflen, result, h_errnop);
	return hostent_by_addr(addr, len, type, ret, buf, buflen, result, h_errnop);
}

SHIM_EXPORT struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
{
	if (!remote_dns())
		return real.gethostbyaddr(addr, len, type);
	struct hostent *result;
	hostent_by_addr(addr, len, type, &thread_hostent.entry, thread_hostent.buf, sizeof thread_hostent.buf,
			&result, &h_errno);
	return result;
}

SHIM_EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
			    char *serv, socklen_t servlen, int flags)
{
	struct wire_addr wa;
	if (!remote_dns() || !host || hostlen == 0 || (flags & NI_NUMERICHOST) ||
	    wire_addr_from_sockaddr(sa, salen, &wa) != 0)
		return real.getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
	/* libc does the service part and the numeric host (validating sa); the name is ours. */
	int err = real.getnameinfo(sa, salen, host, hostlen, serv, servlen,
				   (flags | NI_NUMERICHOST) & ~NI_NAMEREQD);
	if (err != 0)
		return err;
	char name[AGENT_MAX_BODY];
	switch (ask_agent_reverse(&wa, name, sizeof name)) {
	case RESOLVE_OK:
		if (strlen(name) >= hostlen)
			return EAI_OVERFLOW;
		strcpy(host, name);
		return 0;
	case RESOLVE_NO_NAME:
		return (flags & NI_NAMEREQD) ? EAI_NONAME : 0;
	default:
		return EAI_FAIL;
	}
}
