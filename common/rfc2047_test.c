/* rfc2047_test.c: encoded words decode to UTF-8 the way mail readers
 * decode them, including the irregular forms file names come in. */
#include <string.h>

#include "rfc2047.h"
#include "tap.h"

static const struct {
	const char *in;
	const char *want;
	int rc;
	unsigned flags;
	const char *name;
} cases[] = {
    {"", "", 1, 0, "empty"},
    {"no words here", "no words here", 1, 0, "plain text unchanged"},
    {"=?UTF-8?B?w6lsw6h2ZQ==?=", "\xc3\xa9l\xc3\xa8ve", 1, RFC2047_DECODED, "B encoding"},
    {"=?iso-8859-1?q?caf=E9?=", "caf\xc3\xa9", 1, RFC2047_DECODED, "Q encoding, Latin-1"},
    {"=?utf-8?q?a_b?=", "a b", 1, RFC2047_DECODED, "underscore is a space"},
    {"=?utf-8?q?a?= =?utf-8?q?b?=", "ab", 1, RFC2047_DECODED, "space between words dropped"},
    {"=?utf-8?q?a?=\n =?utf-8?q?b?=", "ab", 1, RFC2047_DECODED, "folding between words dropped"},
    {"=?utf-8?q?a?= b", "a b", 1, RFC2047_DECODED, "space before text kept"},
    {"x =?utf-8?q?a?=", "x a", 1, RFC2047_DECODED, "space after text kept"},
    {"=?utf-8?b?ww==?= =?utf-8?b?qQ==?=", "\xc3\xa9", 1, RFC2047_DECODED,
     "a character split across two words"},
    {"=?iso-8859-1?q?=E9?= =?utf-8?q?=C3=A9?=", "\xc3\xa9\xc3\xa9", 1, RFC2047_DECODED,
     "adjacent words in different charsets"},
    {"=?utf-8*en?q?hi?=", "hi", 1, RFC2047_DECODED, "RFC 2231 language suffix"},
    {"\"=?utf-8?q?a.exe?=\"", "\"a.exe\"", 1, RFC2047_DECODED, "inside a quoted string"},
    {"file=?utf-8?q?.exe?=", "file.exe", 1, RFC2047_DECODED, "next to other text"},
    {"=?windows-1252?q?=80?=", "\xe2\x82\xac", 1, RFC2047_DECODED, "charset through iconv"},
    {"=?ISO-2022-JP?B?GyRCJEgbKEI=?=", "\xe3\x81\xa8", 1, RFC2047_DECODED, "ISO-2022-JP"},
    {"=?utf-8?b?w6k?=", "\xc3\xa9", 1, RFC2047_DECODED, "missing base64 padding"},
    {"=?x-unknown?q?abc?=", "=?x-unknown?q?abc?=", -1, RFC2047_UNKNOWN_CHARSET,
     "unknown charset: word kept"},
    {"=?utf-8?q?=FF?=", "\xef\xbf\xbd", -1, RFC2047_DECODED | RFC2047_INVALID,
     "invalid UTF-8 replaced"},
    {"=?utf-8?q?a=ZZ?=", "a=ZZ", -1, RFC2047_DECODED | RFC2047_BAD_ENCODING, "bad Q escape"},
    {"=?utf-8?b?aGV*sbG8=?=", "hello", -1, RFC2047_DECODED | RFC2047_BAD_ENCODING,
     "bad base64 character"},
    {"=?utf-8?x?abc?=", "=?utf-8?x?abc?=", 1, 0, "unknown encoding: not a word"},
    {"=??q?abc?=", "=??q?abc?=", 1, 0, "empty charset: not a word"},
    {"=?utf-8?q?a b?=", "=?utf-8?q?a b?=", 1, 0, "space inside: not a word"},
    {"=?utf-8?q?abc", "=?utf-8?q?abc", 1, 0, "unterminated: not a word"},
    {"=?=?utf-8?q?x?=", "=?x", 1, RFC2047_DECODED, "a word after a false start"},
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out;
		unsigned flags = 0xffff;
		buf_init(&out, 0);
		int rc = rfc2047_decode(cases[i].in, strlen(cases[i].in), &out, &flags);
		tap_is_str(buf_cstr(&out), cases[i].want, "%s", cases[i].name);
		tap_is_int(rc, cases[i].rc, "%s: result", cases[i].name);
		tap_is_int(flags, cases[i].flags, "%s: flags", cases[i].name);
		buf_deinit(&out);
	}
}

static void test_not_terminated(void)
{
	/* The input is a length, not a C string: nothing is read past it. */
	const char text[] = "=?utf-8?q?abc?=";
	struct buf out;
	buf_init(&out, 0);
	rfc2047_decode(text, sizeof(text) - 2, &out, NULL);
	tap_is_str(buf_cstr(&out), "=?utf-8?q?abc?", "a word cut by the length stays text");
	buf_deinit(&out);
}

int main(void)
{
	test_table();
	test_not_terminated();
	return tap_done();
}
