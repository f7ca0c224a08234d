/* base64_test.c: the streaming base64 decoder gives the same bytes and
 * defects whatever the chunking, and is lenient where mail readers are. */
#include <string.h>

#include "base64.h"
#include "tap.h"

static const struct {
	const char *in;
	const char *want;
	unsigned defects;
	const char *name;
} cases[] = {
    {"", "", 0, "empty input"},
    {"aGVsbG8gd29ybGQ=", "hello world", 0, "one pad"},
    {"aGVsbG8gd29ybGQh", "hello world!", 0, "no pad needed"},
    {"aGVsbG8=", "hello", 0, "padded"},
    {"aGVs\r\nbG8=\r\n", "hello", 0, "line breaks are skipped"},
    {"aG Vs\tbG8=", "hello", 0, "white space is skipped"},
    {"aGVsbG8", "hello", BASE64_TRUNCATED, "missing padding decodes, flagged"},
    {"aGVsbG", "hell", BASE64_TRUNCATED, "two leftover characters give a byte"},
    {"aGVsb", "hel", BASE64_TRUNCATED, "one leftover character gives nothing"},
    {"aGV*sbG8=", "hello", BASE64_BAD_CHAR, "stray character skipped"},
    {"aGk=aGk=", "hihi", BASE64_AFTER_PAD, "data after padding decodes on"},
    {"/+/+", "\xff\xef\xfe", 0, "the two special characters"},
    {"AA==", "\0", 0, "a NUL byte"},
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].in);
		size_t want_len =
		    strcmp(cases[i].name, "a NUL byte") == 0 ? 1 : strlen(cases[i].want);
		int same = 1;
		unsigned defects = 0;
		/* Split once at every position: the result must not change. */
		for (size_t split = 0; split <= len; split++) {
			struct base64_decoder d;
			struct buf out;
			buf_init(&out, 0);
			base64_decoder_init(&d);
			base64_decode_update(&d, cases[i].in, split, &out);
			base64_decode_update(&d, cases[i].in + split, len - split, &out);
			base64_decode_finish(&d, &out);
			if (buf_len(&out) != want_len ||
			    memcmp(buf_cstr(&out), cases[i].want, want_len) != 0)
				same = 0;
			if (split == 0)
				defects = d.defects;
			else if (d.defects != defects)
				same = 0;
			buf_deinit(&out);
		}
		tap_ok(same, "%s: same output at every split", cases[i].name);
		tap_is_int(defects, cases[i].defects, "%s: defects", cases[i].name);
	}
}

/* More output than the decoder stages at once (768 bytes), with line
 * breaks between quanta and inside them, fed in chunks of several sizes. */
static void test_long(void)
{
	struct buf in;
	buf_init(&in, 0);
	for (int q = 0; q < 1000; q++) {
		buf_append_str(&in, q % 3 == 0 ? "/+/+" : q % 3 == 1 ? "AAEC" : "/w\r\n==");
		if (q % 19 == 18)
			buf_append_str(&in, "\r\n");
	}
	/* "/w==" gives one byte: 334 quanta of 3, 333 of 3, 333 of 1. */
	size_t want_len = 334 * 3 + 333 * 3 + 333;
	static const size_t chunks[] = {1, 3, 4, 7, 76, 1000, 100000};
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		struct base64_decoder d;
		struct buf out;
		size_t added = 0;
		buf_init(&out, 0);
		base64_decoder_init(&d);
		for (size_t off = 0; off < buf_len(&in); off += chunks[c]) {
			size_t n = buf_len(&in) - off < chunks[c] ? buf_len(&in) - off : chunks[c];
			added += base64_decode_update(&d, buf_cstr(&in) + off, n, &out);
		}
		base64_decode_finish(&d, &out);
		int right = buf_len(&out) == want_len && added == want_len;
		const unsigned char *o = (const unsigned char *)buf_cstr(&out);
		static const unsigned char want[7] = {0xff, 0xef, 0xfe, 0, 1, 2, 0xff};
		for (size_t i = 0; right && i < want_len; i++)
			right = o[i] == want[i % 7];
		tap_ok(right, "long input in chunks of %zu: every byte, and the count returned",
		       chunks[c]);
		tap_is_int(d.defects, BASE64_AFTER_PAD, "long input in chunks of %zu: defects",
			   chunks[c]);
		buf_deinit(&out);
	}
	buf_deinit(&in);
}

static void test_one_shot(void)
{
	struct buf out;
	buf_init(&out, 0);
	tap_is_int(base64_decode("Zm9vYmFy", 8, &out), 1, "clean input: 1");
	tap_is_str(buf_cstr(&out), "foobar", "one-shot decoding");
	buf_reset(&out);
	tap_is_int(base64_decode("Zm9vYmF", 7, &out), 0, "truncated input: 0");
	tap_is_str(buf_cstr(&out), "fooba", "three leftover characters give two bytes");
	buf_deinit(&out);
}

int main(void)
{
	test_table();
	test_long();
	test_one_shot();
	return tap_done();
}
