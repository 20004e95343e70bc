/* The MAC on datagrams from the agent's UDP relay (docs/udp.md): HMAC-SHA256 (RFC 2104, FIPS
 * 180-4), first 8 bytes, keyed by the association's reply key. Written here rather than linked:
 * the shim depends on libc alone. The key's inner and outer states are computed once per
 * association, so a tag costs the datagram's blocks plus two. No allocation, no locks. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/uio.h>

#include "core/relay-mac.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

struct sha256 {
	uint32_t h[8];
	uint64_t total;           /* bytes absorbed */
	uint8_t block[64];
	size_t used;
};

static inline uint32_t ror(uint32_t x, int n)
{
	return x >> n | x << (32 - n);
}

static void compress(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

static void update(struct sha256 *s, const uint8_t *p, size_t n)
{
	s->total += n;
	if (s->used) {
		size_t take = 64 - s->used < n ? 64 - s->used : n;
		memcpy(s->block + s->used, p, take);
		s->used += take, p += take, n -= take;
		if (s->used < 64)
			return;
		compress(s->h, s->block);
		s->used = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		compress(s->h, p);
	memcpy(s->block, p, n);
	s->used = n;
}

static void finish(struct sha256 *s, uint8_t out[32])
{
	uint64_t bits = s->total * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->used < 56 ? 56 : 120) - s->used;
	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	update(s, pad, padlen + 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}

void sw_mac_init(struct sw_mac_key *k, const uint8_t *key, size_t key_len)
{
	uint8_t pad[64];
	struct sha256 s;
	for (int outer = 0; outer < 2; outer++) {
		memset(pad, outer ? 0x5c : 0x36, sizeof pad);
		for (size_t i = 0; i < key_len && i < 64; i++)
			pad[i] ^= key[i];
		memcpy(s.h, H0, sizeof H0);
		compress(s.h, pad);
		memcpy(outer ? k->outer : k->inner, s.h, sizeof s.h);
	}
}

int sw_mac_check(const struct sw_mac_key *k, const uint8_t tag[SW_TAG_LEN], const uint8_t *head, size_t head_len,
		 const struct iovec *iov, size_t iov_n, size_t len)
{
	struct sha256 s = { .total = 64 };
	memcpy(s.h, k->inner, sizeof s.h);
	update(&s, head, head_len);
	for (size_t i = 0; i < iov_n && len; i++) {
		size_t take = iov[i].iov_len < len ? iov[i].iov_len : len;
		update(&s, iov[i].iov_base, take);
		len -= take;
	}
	uint8_t inner[32], full[32];
	finish(&s, inner);
	s = (struct sha256){ .total = 64 };
	memcpy(s.h, k->outer, sizeof s.h);
	update(&s, inner, sizeof inner);
	finish(&s, full);
	uint8_t diff = 0;
	for (int i = 0; i < SW_TAG_LEN; i++)
		diff |= (uint8_t)(full[i] ^ tag[i]);
	return diff == 0;
}
