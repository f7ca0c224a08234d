/* crc32c_test.c: CRC-32C matches the published check values, chains
 * exactly, and the hardware and table versions agree on every length and
 * alignment. */
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "tap.h"

static void test_vectors(void)
{
	static const struct {
		const char *in;
		size_t len;
		uint32_t want;
	} cases[] = {
	    {"", 0, 0x00000000u},
	    {"a", 1, 0xc1d04330u},
	    {"123456789", 9, 0xe3069283u},
	    /* RFC 3720 B.4: 32 bytes of zeros */
	    {"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32, 0x8a9136aau},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tap_is_int(crc32c(0, cases[i].in, cases[i].len), cases[i].want,
			   "check value %zu (crc32c)", i);
		tap_is_int(crc32c_portable(0, cases[i].in, cases[i].len), cases[i].want,
			   "check value %zu (table)", i);
	}
	unsigned char ones[32];
	memset(ones, 0xff, sizeof(ones));
	tap_is_int(crc32c(0, ones, sizeof(ones)), 0x62a8ab43u, "RFC 3720 32 bytes of 0xff");
}

static void test_chain_and_agree(void)
{
	unsigned char data[1024 + 16];
	srand(42);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)rand();
	int chain_ok = 1, agree_ok = 1;
	for (size_t off = 0; off < 16; off++) {
		for (size_t len = 0; len <= 1024; len += 7) {
			uint32_t whole = crc32c(0, data + off, len);
			if (whole != crc32c_portable(0, data + off, len))
				agree_ok = 0;
			for (size_t cut = 0; cut <= len; cut += 13)
				if (crc32c(crc32c(0, data + off, cut), data + off + cut,
					   len - cut) != whole)
					chain_ok = 0;
		}
	}
	tap_ok(agree_ok, "hardware and table versions agree at every alignment and length");
	tap_ok(chain_ok, "chained computation equals one pass");
	uint32_t a = crc32c(0, data, 100);
	data[50] ^= 0x10;
	tap_ok(crc32c(0, data, 100) != a, "a flipped bit changes the checksum");
}

int main(void)
{
	test_vectors();
	test_chain_and_agree();
	return tap_done();
}
