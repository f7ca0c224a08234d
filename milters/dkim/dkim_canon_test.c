/* dkim_canon_test.c: canonicalization against the example of RFC 6376
 * section 3.4.5 and the rules of 3.4.1 to 3.4.4, and the same output for a
 * body split at every point. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dkim_canon.h"
#include "tap.h"

static void collect(void *ctx, const void *data, size_t len)
{
	buf_append(ctx, data, len);
}

/* canon_body: text canonicalized, fed in pieces of step bytes (0: whole). */
static char *canon_body(enum dkim_canon_mode mode, const char *text, size_t step,
			unsigned long long *len_r)
{
	struct buf out;
	struct dkim_body_canon b;
	size_t len = strlen(text);
	buf_init(&out, 0);
	dkim_body_init(&b, mode, collect, &out);
	for (size_t off = 0; off<len; off += step> 0 ? step : len)
		dkim_body_update(&b, text + off, step > 0 && len - off > step ? step : len - off);
	*len_r = dkim_body_final(&b);
	char *s = buf_detach(&out);
	buf_deinit(&out);
	return s;
}

static void test_rfc_example(void)
{
	/* RFC 6376 3.4.5 */
	const char *body = " C \r\nD \t E\r\n\r\n\r\n";
	struct buf h;
	unsigned long long len;
	buf_init(&h, 0);
	dkim_canon_header(DKIM_CANON_MODE_RELAXED, "A", " X", 1, &h);
	dkim_canon_header(DKIM_CANON_MODE_RELAXED, "B ", " Y\t\r\n\tZ  ", 1, &h);
	tap_is_str(buf_cstr(&h), "a:X\r\nb:Y Z\r\n", "RFC 6376 3.4.5: relaxed header fields");
	buf_reset(&h);
	dkim_canon_header(DKIM_CANON_MODE_SIMPLE, "B ", " Y\t\r\n\tZ  ", 1, &h);
	tap_is_str(buf_cstr(&h), "B : Y\t\r\n\tZ  \r\n", "simple header fields stay as they are");
	buf_deinit(&h);
	char *got = canon_body(DKIM_CANON_MODE_RELAXED, body, 0, &len);
	tap_is_str(got, " C\r\nD E\r\n", "RFC 6376 3.4.5: relaxed body");
	tap_is_int((long long)len, 9, "relaxed body length");
	free(got);
	got = canon_body(DKIM_CANON_MODE_SIMPLE, body, 0, &len);
	tap_is_str(got, " C \r\nD \t E\r\n", "RFC 6376 3.4.5: simple body");
	free(got);
}

static void test_bodies(void)
{
	static const struct {
		enum dkim_canon_mode mode;
		const char *in;
		const char *want;
		const char *name;
	} cases[] = {
		{DKIM_CANON_MODE_SIMPLE, "", "\r\n", "simple: an empty body is one CRLF"},
		{DKIM_CANON_MODE_RELAXED, "", "", "relaxed: an empty body stays empty"},
		{DKIM_CANON_MODE_SIMPLE, "\r\n\r\n", "\r\n", "simple: only empty lines"},
		{DKIM_CANON_MODE_RELAXED, " \r\n\t\r\n", "", "relaxed: only white space"},
		{DKIM_CANON_MODE_SIMPLE, "abc", "abc\r\n", "simple: a missing final CRLF is added"},
		{DKIM_CANON_MODE_RELAXED, "abc  ", "abc\r\n",
		 "relaxed: trailing white space on the last line goes"},
		{DKIM_CANON_MODE_SIMPLE, "a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n",
		 "simple: inner empty lines stay"},
		{DKIM_CANON_MODE_SIMPLE, "a\rb\nc\r", "a\rb\nc\r\r\n",
		 "simple: a lone CR or LF is an ordinary character"},
		{DKIM_CANON_MODE_RELAXED, "a \t b\t\r\n  c\r\n", "a b\r\n c\r\n",
		 "relaxed: runs of white space become one space"},
		{DKIM_CANON_MODE_RELAXED, "x\r\n \r\n\r\ny \r\n \r\n", "x\r\n\r\n\r\ny\r\n",
		 "relaxed: blank lines inside stay, at the end go"},
		/* Lone CRs, as dkimpy 1.1.4 canonicalizes them (libopendkim
		 * differs from the RFC there; an MTA hardly ever sends them). */
		{DKIM_CANON_MODE_SIMPLE, "a\r", "a\r\r\n", "simple: a lone CR at the end (dkimpy)"},
		{DKIM_CANON_MODE_RELAXED, "x  \r \r\n", "x \r\r\n",
		 "relaxed: white space around a lone CR (dkimpy)"},
		{DKIM_CANON_MODE_RELAXED, "b\r\r\nba\r\n", "b\r\r\nba\r\n",
		 "relaxed: CR before CRLF (dkimpy)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long long len;
		char *got = canon_body(cases[i].mode, cases[i].in, 0, &len);
		tap_is_str(got, cases[i].want, "%s", cases[i].name);
		tap_is_int((long long)len, (long long)strlen(cases[i].want), "%s: length",
			   cases[i].name);
		free(got);
	}
}

static void test_chunking(void)
{
	const char *body = "Line  one\t \r\n\r\n  two\r\r\nthree \r\n\r\n \r\n\t\r\n";
	for (int mode = 0; mode < 2; mode++) {
		unsigned long long len;
		char *whole = canon_body((enum dkim_canon_mode)mode, body, 0, &len);
		int same = 1;
		for (size_t step = 1; step < strlen(body); step++) {
			char *cut = canon_body((enum dkim_canon_mode)mode, body, step, &len);
			same &= strcmp(cut, whole) == 0;
			free(cut);
		}
		tap_ok(same, "%s: the same output for every piece size",
		       dkim_canon_name((enum dkim_canon_mode)mode));
		free(whole);
	}
}

static void test_names(void)
{
	enum dkim_canon_mode m;
	tap_ok(dkim_canon_parse("Relaxed", 7, &m) && m == DKIM_CANON_MODE_RELAXED,
	       "parse relaxed in any case");
	tap_ok(dkim_canon_parse("simple/x", 6, &m) && m == DKIM_CANON_MODE_SIMPLE,
	       "parse takes a length");
	tap_ok(!dkim_canon_parse("nofws", 5, &m), "nofws is not a DKIM canonicalization");
}

int main(void)
{
	test_rfc_example();
	test_bodies();
	test_chunking();
	test_names();
	return tap_done();
}
