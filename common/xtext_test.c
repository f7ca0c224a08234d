/* xtext_test.c: RFC 3461 xtext and RFC 6533 utf-8-addr-xtext/unitext
 * decode what they must, refuse what they must, and encoders round-trip. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "xtext.h"

/* shown: s with bytes outside printable ASCII as \xNN, for test names
 * (caller frees). */
static char *shown(const char *s)
{
	struct buf b;
	buf_init(&b, 0);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f)
			buf_printf(&b, "\\x%02X", c);
		else
			buf_append_char(&b, (char)c);
	}
	char *r = strdup(buf_cstr(&b));
	buf_deinit(&b);
	return r;
}

static void test_xtext(void)
{
	static const struct {
		const char *in;
		const char *want; /* NULL: refused */
	} cases[] = {
	    {"user@example.org", "user@example.org"},
	    {"a+2Bb@c", "a+b@c"},
	    {"a+3Db", "a=b"},
	    {"+20lead", " lead"},
	    {"lower+2bhex", "lower+hex"},
	    {"+C3+A9", "\xc3\xa9"},
	    {"", ""},
	    {"a=b", NULL},
	    {"a b", NULL},
	    {"a\x01", NULL},
	    {"caf\xc3\xa9", NULL},
	    {"a+", NULL},
	    {"a+4", NULL},
	    {"a+4G", NULL},
	    {"a+zz", NULL},
	    {"a+00b", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out;
		char *err = NULL;
		buf_init(&out, 0);
		int rc = xtext_decode(cases[i].in, strlen(cases[i].in), &out, &err);
		char *in = shown(cases[i].in);
		if (cases[i].want == NULL)
			tap_ok(rc == -1 && err != NULL, "xtext \"%s\" refused (%s)", in,
			       err ? err : "no message");
		else
			tap_ok(rc == 1 && strcmp(buf_cstr(&out), cases[i].want) == 0,
			       "xtext \"%s\" decodes", in);
		free(in);
		free(err);
		buf_deinit(&out);
	}
	struct buf out;
	buf_init(&out, 0);
	tap_is_int(xtext_decode("a b", 3, &out, NULL), -1, "error_r may be NULL");
	buf_deinit(&out);
}

static void test_xtext_encode(void)
{
	struct buf enc, dec;
	buf_init(&enc, 0);
	buf_init(&dec, 0);
	const char raw[] = "a+b=c d\x01\xff~!";
	tap_is_int(xtext_encode(raw, sizeof(raw) - 1, &enc), 1, "xtext encode succeeds");
	tap_is_str(buf_cstr(&enc), "a+2Bb+3Dc+20d+01+FF~!", "xtext encode");
	int rc = xtext_decode(buf_cstr(&enc), buf_len(&enc), &dec, NULL);
	tap_ok(rc == 1 && buf_len(&dec) == sizeof(raw) - 1 &&
		   memcmp(buf_cstr(&dec), raw, sizeof(raw) - 1) == 0,
	       "xtext round trip");
	struct buf small;
	buf_init(&small, 4);
	tap_is_int(xtext_encode("  ", 2, &small), -1, "encode reports a full buffer");
	buf_deinit(&small);
	buf_deinit(&enc);
	buf_deinit(&dec);
}

static void test_utf8(void)
{
	static const struct {
		const char *in;
		int allow_utf8;
		const char *want; /* NULL: refused */
	} cases[] = {
	    {"user@example.org", 0, "user@example.org"},
	    {"caf\\x{E9}@example.org", 0, "caf\xc3\xa9@example.org"},
	    {"caf\\x{e9}@example.org", 0, "caf\xc3\xa9@example.org"},
	    {"\\x{4E2D}\\x{6587}@example.org", 0, "\xe4\xb8\xad\xe6\x96\x87@example.org"},
	    {"\\x{1F600}x", 0, "\xf0\x9f\x98\x80x"},
	    {"a\\x{2B}b\\x{3D}c\\x{20}d\\x{5C}", 0, "a+b=c d\\"},
	    {"caf\xc3\xa9@example.org", 1, "caf\xc3\xa9@example.org"},
	    {"caf\xc3\xa9@example.org", 0, NULL},
	    {"bad\xc3", 1, NULL},
	    {"overlong\xc0\xaf", 1, NULL},
	    {"surrogate\xed\xa0\x80", 1, NULL},
	    {"a+b", 0, NULL},
	    {"a=b", 0, NULL},
	    {"a\\b", 0, NULL},
	    {"a b", 0, NULL},
	    {"\\x{41}", 0, NULL},
	    {"\\x{0}", 0, NULL},
	    {"\\x{00}", 0, NULL},
	    {"\\x{00E9}", 0, NULL},
	    {"\\x{D800}", 0, NULL},
	    {"\\x{110000}", 0, NULL},
	    {"\\x{1234567}", 0, NULL},
	    {"\\x{E}", 0, NULL},
	    {"\\x{E9", 0, NULL},
	    {"\\xE9", 0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out;
		char *err = NULL;
		buf_init(&out, 0);
		int rc = xtext_utf8_decode(cases[i].in, strlen(cases[i].in), cases[i].allow_utf8,
					   &out, &err);
		const char *mode = cases[i].allow_utf8 ? "unitext" : "xtext";
		char *in = shown(cases[i].in);
		if (cases[i].want == NULL)
			tap_ok(rc == -1 && err != NULL, "utf-8-addr-%s \"%s\" refused (%s)", mode,
			       in, err ? err : "no message");
		else
			tap_ok(rc == 1 && strcmp(buf_cstr(&out), cases[i].want) == 0,
			       "utf-8-addr-%s \"%s\" decodes", mode, in);
		free(in);
		free(err);
		buf_deinit(&out);
	}
}

static void test_utf8_encode(void)
{
	struct buf enc, dec;
	buf_init(&enc, 0);
	buf_init(&dec, 0);
	const char raw[] = "j\xc3\xb6rg+x=y z\\\xe4\xb8\xad@\xf0\x9f\x98\x80.example";
	tap_is_int(xtext_utf8_encode(raw, sizeof(raw) - 1, &enc), 1, "utf-8-addr-xtext encode");
	tap_is_str(buf_cstr(&enc),
		   "j\\x{F6}rg\\x{2B}x\\x{3D}y\\x{20}z\\x{5C}\\x{4E2D}@\\x{1F600}.example",
		   "  ASCII only, minimal upper-case hex");
	tap_is_int(xtext_utf8_decode(buf_cstr(&enc), buf_len(&enc), 0, &dec, NULL), 1,
		   "  decodes again");
	tap_is_str(buf_cstr(&dec), raw, "  round trip");
	buf_reset(&enc);
	tap_is_int(xtext_utf8_encode("bad\xc3", 4, &enc), -1, "encode refuses malformed UTF-8");
	buf_deinit(&enc);
	buf_deinit(&dec);
}

int main(void)
{
	test_xtext();
	test_xtext_encode();
	test_utf8();
	test_utf8_encode();
	return tap_done();
}
