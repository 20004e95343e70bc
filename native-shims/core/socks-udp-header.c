/* The RFC 1928 §7 UDP request header, for the fast path (core/socks-udp-header.h). */
#include <string.h>

#include "core/socks-udp-header.h"

size_t sw_socks_udp_header(uint8_t out[SW_SOCKS_UDP_HDR6], const struct wire_addr *dest)
{
	size_t alen = dest->family == 4 ? 4 : 16;
	out[0] = 0;
	out[1] = 0;
	out[2] = 0;                               /* FRAG: a whole datagram */
	out[3] = dest->family == 4 ? 0x01 : 0x04; /* ATYP */
	memcpy(out + 4, dest->bytes, alen);
	out[4 + alen] = (uint8_t)(dest->port >> 8);
	out[5 + alen] = (uint8_t)dest->port;
	return 6 + alen;
}

size_t sw_socks_udp_header_len(const uint8_t *buf)
{
	/* A fragment (FRAG not 0) is dropped, not reassembled: docs/udp.md says why. */
	if (buf[0] != 0 || buf[1] != 0 || buf[2] != 0)
		return 0;
	if (buf[3] == 0x01)
		return SW_SOCKS_UDP_HDR4;
	if (buf[3] == 0x04)
		return SW_SOCKS_UDP_HDR6;
	return 0;
}

void sw_socks_udp_source(const uint8_t *hdr, size_t len, struct wire_addr *source)
{
	memset(source, 0, sizeof *source);
	size_t alen = len == SW_SOCKS_UDP_HDR4 ? 4 : 16;
	source->family = alen == 4 ? 4 : 6;
	memcpy(source->bytes, hdr + 4, alen);
	source->port = (uint16_t)(hdr[4 + alen] << 8 | hdr[5 + alen]);
	/* A v4-mapped IPv6 source is IPv4, as everywhere in the shim. */
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (alen == 16 && memcmp(source->bytes, mapped, 12) == 0) {
		memmove(source->bytes, source->bytes + 12, 4);
		memset(source->bytes + 4, 0, 12);
		source->family = 4;
	}
}
