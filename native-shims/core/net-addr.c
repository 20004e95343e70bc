/* Converting between sockaddrs and the protocol's address encoding. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/net-addr.h"
#include "core/shim-env.h"

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int wire_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct wire_addr *out)
{
	if (!sa || len < sizeof(sa_family_t))
		return -1;
	memset(out, 0, sizeof *out);      /* callers compare all 16 bytes, also for IPv4 */
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		out->family = 4;
		memcpy(out->bytes, &sin->sin_addr, 4);
		out->port = ntohs(sin->sin_port);
		return 0;
	}
	/* 24 is SIN6_LEN_RFC2133, the shortest sockaddr_in6 the kernel accepts. */
	if (sa->sa_family == AF_INET6 && len >= 24) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		out->port = ntohs(sin6->sin6_port);
		if (memcmp(sin6->sin6_addr.s6_addr, v4_mapped_prefix, 12) == 0) {
			out->family = 4;
			memcpy(out->bytes, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			out->family = 6;
			memcpy(out->bytes, sin6->sin6_addr.s6_addr, 16);
		}
		return 0;
	}
	return -1;
}

int wire_addr_equal(const struct wire_addr *a, const struct wire_addr *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

struct wire_addr wire_addr_loopback(int family, uint16_t port)
{
	struct wire_addr a = { .family = (uint8_t)family, .port = port };
	if (family == 4) {
		a.bytes[0] = 127;
		a.bytes[3] = 1;
	} else {
		a.bytes[15] = 1;
	}
	return a;
}

int wire_addr_is_local(const struct wire_addr *a)
{
	static const uint8_t zero[16];
	if (a->family == 4)
		return a->bytes[0] == 127 || memcmp(a->bytes, zero, 4) == 0;
	/* ::1 and ::, which Linux treats as "this host" in connect */
	return memcmp(a->bytes, zero, 15) == 0 && (a->bytes[15] == 1 || a->bytes[15] == 0);
}

/* Port 53 on this host is asked about when remote DNS is on: a stub resolver there (127.0.0.53)
 * may be a nameserver of /etc/resolv.conf, whose queries the agent answers (docs/fake-dns.md).
 * Which ones are is the agent's to say; for any other it answers "direct". */
int wire_addr_skips_agent(const struct wire_addr *a)
{
	return wire_addr_is_local(a) && !(a->port == 53 && shim_config()->remote_dns);
}

size_t wire_addr_encode(const struct wire_addr *a, uint8_t *out)
{
	size_t n = a->family == 4 ? 4 : 16;
	out[0] = a->family;
	memcpy(out + 1, a->bytes, n);
	out[1 + n] = (uint8_t)(a->port >> 8);
	out[2 + n] = (uint8_t)a->port;
	return 3 + n;
}

size_t wire_addr_decode(const uint8_t *buf, size_t len, int with_port, struct wire_addr *out)
{
	if (len < 1 || (buf[0] != 4 && buf[0] != 6))
		return 0;
	size_t n = buf[0] == 4 ? 4 : 16;
	size_t need = 1 + n + (with_port ? 2 : 0);
	if (len < need)
		return 0;
	memset(out, 0, sizeof *out);
	out->family = buf[0];
	memcpy(out->bytes, buf + 1, n);
	out->port = with_port ? (uint16_t)(buf[1 + n] << 8 | buf[2 + n]) : 0;
	return need;
}

socklen_t wire_addr_to_sockaddr(const struct wire_addr *a, int socket_family,
				struct sockaddr_storage *out)
{
	memset(out, 0, sizeof *out);
	if (socket_family == AF_INET) {
		if (a->family != 4)
			return 0;
		struct sockaddr_in *sin = (struct sockaddr_in *)out;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		return sizeof *sin;
	}
	if (socket_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		if (a->family == 4) {
			memcpy(sin6->sin6_addr.s6_addr, v4_mapped_prefix, 12);
			memcpy(sin6->sin6_addr.s6_addr + 12, a->bytes, 4);
		} else {
			memcpy(sin6->sin6_addr.s6_addr, a->bytes, 16);
		}
		return sizeof *sin6;
	}
	return 0;
}
