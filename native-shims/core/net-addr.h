/* core/net-addr.c: destinations as the protocol encodes them, and sockaddr conversions. */
#ifndef SOCKSWRAP_NET_ADDR_H
#define SOCKSWRAP_NET_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A destination as the protocol encodes it; v4-mapped IPv6 is unwrapped to family 4. */
struct wire_addr {
	uint8_t family;           /* 4 or 6 */
	uint8_t bytes[16];        /* all 16 zeroed past an IPv4 address by every parser here */
	uint16_t port;            /* host order */
};

/* Parses an AF_INET/AF_INET6 sockaddr. Returns 0, or -1 for other families or short lengths. */
int wire_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct wire_addr *out);
/* Same family, port and address. */
int wire_addr_equal(const struct wire_addr *a, const struct wire_addr *b);
/* Loopback or the unspecified address (which Linux connects to the local host). */
int wire_addr_is_local(const struct wire_addr *a);
/* Goes to libc without asking the agent: local, except port 53 with remote DNS on. */
int wire_addr_skips_agent(const struct wire_addr *a);
/* 127.0.0.1 or ::1 (family 4 or 6) with this port. */
struct wire_addr wire_addr_loopback(int family, uint16_t port);
/* Appends fam|addr|port; returns the number of bytes written (7 or 19). */
size_t wire_addr_encode(const struct wire_addr *a, uint8_t *out);
/* Parses fam|addr[|port] from buf. Returns bytes consumed or 0 on malformed input. */
size_t wire_addr_decode(const uint8_t *buf, size_t len, int with_port, struct wire_addr *out);
/* Builds a sockaddr of the given socket family (AF_INET6 gets v4-mapped IPv4). Returns the
 * length, or 0 when the address cannot be expressed in that family. */
socklen_t wire_addr_to_sockaddr(const struct wire_addr *a, int socket_family,
				struct sockaddr_storage *out);

#endif
