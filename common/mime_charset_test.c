/* mime_charset_test.c: charset conversion to UTF-8: the built-in charsets,
 * iconv for the rest, replacement of invalid bytes, refusal of unknown or
 * suspicious charset names. */
#include <string.h>

#include "mime_charset.h"
#include "tap.h"

static const struct {
	const char *charset;
	const char *in;
	size_t len; /* 0: strlen(in) */
	int rc;
	const char *want;
	const char *name;
} cases[] = {
    {"utf-8", "\xc3\xa9t\xc3\xa9", 0, 1, "\xc3\xa9t\xc3\xa9", "UTF-8 passes through"},
    {"UTF8", "abc", 0, 1, "abc", "charset names ignore case"},
    {"utf-8", "a\xffz", 0, -1, "a\xef\xbf\xbdz", "invalid UTF-8 byte replaced"},
    {"utf-8", "\xc0\xaf", 0, -1, "\xef\xbf\xbd\xef\xbf\xbd", "overlong form replaced"},
    {"utf-8", "\xed\xa0\x80", 0, -1, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "surrogate replaced"},
    {"utf-8", "\xe2\x82", 0, -1, "\xef\xbf\xbd\xef\xbf\xbd", "truncated sequence replaced"},
    {"us-ascii", "plain", 0, 1, "plain", "US-ASCII"},
    {"us-ascii", "caf\xe9", 0, -1, "caf\xef\xbf\xbd", "8-bit in US-ASCII replaced"},
    {"ISO-8859-1", "caf\xe9", 0, 1, "caf\xc3\xa9", "ISO-8859-1"},
    {"latin1", "\xff", 0, 1, "\xc3\xbf", "ISO-8859-1 alias"},
    {"windows-1252", "\x80", 0, 1, "\xe2\x82\xac", "windows-1252 through iconv"},
    {"koi8-r", "\xd6", 0, 1, "\xd0\xb6", "KOI8-R through iconv"},
    {"iso-2022-jp", "\x1b$B$H\x1b(B", 0, 1, "\xe3\x81\xa8", "stateful ISO-2022-JP"},
    {"shift_jis", "\x93\xfa\x96\x7b", 0, 1, "\xe6\x97\xa5\xe6\x9c\xac", "Shift_JIS"},
    {"shift_jis", "\x93", 0, -1, "\xef\xbf\xbd", "incomplete Shift_JIS replaced"},
    {"x-no-such-charset", "abc\xe9", 0, 0, "abc\xe9", "unknown charset: bytes kept"},
    {"utf-8//ignore", "abc", 0, 0, "abc", "iconv suffixes refused"},
    {"", "abc", 0, 0, "abc", "empty charset name refused"},
    {"utf-8", "a\0b", 3, 1, "a\0b", "NUL passes through"},
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		size_t want_len = cases[i].len ? cases[i].len : strlen(cases[i].want);
		struct buf out;
		buf_init(&out, 0);
		tap_is_int(mime_charset_to_utf8(cases[i].charset, cases[i].in, len, &out),
			   cases[i].rc, "%s: result", cases[i].name);
		tap_ok(buf_len(&out) == want_len &&
			   memcmp(buf_cstr(&out), cases[i].want, want_len) == 0,
		       "%s: text", cases[i].name);
		buf_deinit(&out);
	}
}

static void test_valid(void)
{
	tap_is_int(mime_utf8_valid("\xf0\x9f\x98\x80", 4), 1, "4-byte sequence is valid");
	tap_is_int(mime_utf8_valid("\xf4\x90\x80\x80", 4), 0, "beyond U+10FFFF is not");
	tap_is_int(mime_utf8_valid("", 0), 1, "empty is valid");
}

int main(void)
{
	test_table();
	test_valid();
	return tap_done();
}
