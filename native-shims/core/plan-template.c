/* Dial templates (docs/architecture.md, dial path; docs/wire-protocol.md, TEMPLATE). The agent
 * decides and compiles, the shim applies: a TEMPLATE answer is a table of exceptions (destinations
 * the templates must not serve: agent DNS, fake names, localnet, dnat, and what is in doubt) and a
 * plan per destination family with holes where the destination's bytes go. Nothing here knows a
 * routing rule or a proxy protocol: a destination matching no exception gets the plan of its
 * family with its address and port written into the holes in the form each hole names.
 *
 * Layout: scope_count u16 | {fam u8 | prefix u8 | addr (4|16) | port u16 (0: every)}... |
 *         count u8 | {fam u8 | reach u8 | plan_len u16 | plan | holes u8 | {offset u16 | kind u8 | sample_len u8}...}... */
#define _GNU_SOURCE
#include <string.h>

#include "core/plan-template.h"
#include "core/wire-codec.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Walks the scope; returns the offset of the template count, or 0 when malformed. When dest is
 * given, *excepted says whether an exception matches it. */
static size_t walk_scope(const uint8_t *body, size_t len, int fam, const uint8_t *addr, uint16_t port, int *excepted)
{
	if (len < 2)
		return 0;
	size_t count = get16(body), at = 2;
	for (size_t i = 0; i < count; i++) {
		if (at + 2 > len)
			return 0;
		int efam = body[at], prefix = body[at + 1];
		size_t size = efam == 4 ? 4 : efam == 6 ? 16 : 0;
		if (size == 0 || (size_t)prefix > size * 8 || at + 2 + size + 2 > len)
			return 0;
		const uint8_t *net = body + at + 2;
		uint16_t eport = get16(net + size);
		at += 2 + size + 2;
		if (!excepted || *excepted || efam != fam || (eport != 0 && eport != port))
			continue;
		int whole = prefix / 8, rest = prefix % 8;
		if (memcmp(net, addr, (size_t)whole) != 0)
			continue;
		if (rest && ((net[whole] ^ addr[whole]) & (uint8_t)(0xff << (8 - rest))) != 0)
			continue;
		*excepted = 1;
	}
	return at;
}

/* One template at body[at]; its fields, and the offset after it (0: malformed). */
struct tpl {
	int fam, reach;
	const uint8_t *plan;
	size_t plan_len;
	const uint8_t *holes;
	size_t hole_count;
};

static size_t read_template(const uint8_t *body, size_t len, size_t at, struct tpl *t)
{
	if (at + 4 > len)
		return 0;
	t->fam = body[at];
	t->reach = body[at + 1];
	t->plan_len = get16(body + at + 2);
	at += 4;
	if (at + t->plan_len + 1 > len)
		return 0;
	t->plan = body + at;
	at += t->plan_len;
	t->hole_count = body[at++];
	if (at + 4 * t->hole_count > len)
		return 0;
	t->holes = body + at;
	size_t end = 0;
	for (size_t h = 0; h < t->hole_count; h++) {
		size_t offset = get16(t->holes + 4 * h), sample = t->holes[4 * h + 3];
		if (offset < end || offset + sample > t->plan_len)
			return 0;
		end = offset + sample;
	}
	return at + 4 * t->hole_count;
}

int sw_template_check(const uint8_t *body, size_t len)
{
	size_t at = walk_scope(body, len, 0, NULL, 0, NULL);
	if (at == 0 || at >= len)
		return -1;
	size_t count = body[at++];
	for (size_t i = 0; i < count; i++) {
		struct tpl t;
		at = read_template(body, len, at, &t);
		if (at == 0)
			return -1;
	}
	return at == len ? 0 : -1;
}

/* A hole's bytes for this destination into out; their length, or 0 (a kind unknown, or not of this family). */
static size_t hole_bytes(int kind, int fam, const uint8_t *addr, uint16_t port, uint8_t *out)
{
	switch (kind) {
	case HOLE_V4_ADDR_PORT:
	case HOLE_V6_ADDR_PORT: {
		size_t n = kind == HOLE_V4_ADDR_PORT ? 4 : 16;
		if (fam != (kind == HOLE_V4_ADDR_PORT ? 4 : 6))
			return 0;
		memcpy(out, addr, n);
		sw_put16(out + n, port);
		return n + 2;
	}
	case HOLE_PORT_V4_ADDR:
		if (fam != 4)
			return 0;
		sw_put16(out, port);
		memcpy(out + 2, addr, 4);
		return 6;
	case HOLE_V4_TEXT: {
		if (fam != 4)
			return 0;
		size_t n = 0;
		unsigned values[5] = { addr[0], addr[1], addr[2], addr[3], port };
		for (int i = 0; i < 5; i++) {
			char digits[5];
			int d = 0;
			unsigned v = values[i];
			do {
				digits[d++] = (char)('0' + v % 10);
				v /= 10;
			} while (v);
			while (d)
				out[n++] = (uint8_t)digits[--d];
			if (i < 4)
				out[n++] = i < 3 ? '.' : ':';
		}
		return n;
	}
	default:
		return 0;
	}
}

size_t sw_template_fill(const uint8_t *body, size_t len, const uint8_t *request, size_t request_len, uint8_t *out,
			size_t cap)
{
	/* socktype | fam | addr | port | flags: a blocking stream connect, nothing else. */
	if (request_len < 2 || request[0] != SOCKTYPE_STREAM)
		return 0;
	int fam = request[1];
	size_t size = fam == 4 ? 4 : fam == 6 ? 16 : 0;
	if (size == 0 || request_len != 2 + size + 2 + 1)
		return 0;
	const uint8_t *addr = request + 2;
	uint16_t port = get16(addr + size);
	int flags = request[request_len - 1];
	if (!(flags & CONNECT_BLOCKING) || (flags & ~(CONNECT_BLOCKING | CONNECT_REACH4 | CONNECT_REACH6)))
		return 0;
	int excepted = 0;
	size_t at = walk_scope(body, len, fam, addr, port, &excepted);
	if (at == 0 || excepted || at >= len)
		return 0;
	size_t count = body[at++];
	for (size_t i = 0; i < count; i++) {
		struct tpl t;
		at = read_template(body, len, at, &t);
		if (at == 0)
			return 0;
		if (t.fam != fam || (flags & t.reach) != t.reach)
			continue;
		size_t from = 0, n = 0;
		for (size_t h = 0; h < t.hole_count; h++) {
			const uint8_t *hole = t.holes + 4 * h;
			size_t offset = get16(hole), sample = hole[3];
			uint8_t value[32];
			size_t value_len = hole_bytes(hole[2], fam, addr, port, value);
			if (value_len == 0 || n + (offset - from) + value_len > cap)
				return 0;
			memcpy(out + n, t.plan + from, offset - from);
			n += offset - from;
			memcpy(out + n, value, value_len);
			n += value_len;
			from = offset + sample;
		}
		if (n + (t.plan_len - from) > cap)
			return 0;
		memcpy(out + n, t.plan + from, t.plan_len - from);
		return n + (t.plan_len - from);
	}
	return 0;
}
