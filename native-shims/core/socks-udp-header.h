/* core/socks-udp-header.c: the RFC 1928 §7 header the fast path puts in front of each datagram to
 * the proxy's UDP relay, and reads off each reply (docs/udp.md, "The fast path"). Sans-IO. */
#ifndef SOCKSWRAP_SOCKS_UDP_HEADER_H
#define SOCKSWRAP_SOCKS_UDP_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "core/net-addr.h"

/* RSV (2) | FRAG | ATYP | IPv4 (4) | port: the shortest header of an IP address. */
#define SW_SOCKS_UDP_HDR4 10
/* ... with an IPv6 address (16): the longest the fast path reads. */
#define SW_SOCKS_UDP_HDR6 22

/* Writes the header for dest (FRAG 0: sockswrap never fragments); returns its length, 10 or 22. */
size_t sw_socks_udp_header(uint8_t out[SW_SOCKS_UDP_HDR6], const struct wire_addr *dest);

/* The length of the header that starts buf (it holds at least 4 bytes): 10 or 22 for an IP
 * address, 0 for anything the fast path does not take (RSV not zero, FRAG not zero, a name, an
 * unknown ATYP). */
size_t sw_socks_udp_header_len(const uint8_t *buf);

/* The source address of a header of that length. */
void sw_socks_udp_source(const uint8_t *hdr, size_t len, struct wire_addr *source);

#endif
