/* core/relay-mac.c: the MAC on the UDP relay's datagrams (HMAC-SHA256, 8 bytes). */
#ifndef SOCKSWRAP_RELAY_MAC_H
#define SOCKSWRAP_RELAY_MAC_H

#include <stddef.h>
#include <stdint.h>

#define SW_TAG_LEN 8
struct sw_mac_key {
	uint32_t inner[8];        /* SHA-256 state after the key's ipad block */
	uint32_t outer[8];        /* ... after its opad block */
};
struct iovec;
void sw_mac_init(struct sw_mac_key *k, const uint8_t *key, size_t key_len);
/* 1 when tag is HMAC(key, head | the first len bytes of iov)'s first SW_TAG_LEN bytes. */
int sw_mac_check(const struct sw_mac_key *k, const uint8_t tag[SW_TAG_LEN], const uint8_t *head, size_t head_len,
		 const struct iovec *iov, size_t iov_n, size_t len);

#endif
