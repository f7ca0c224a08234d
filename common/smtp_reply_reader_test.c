/* smtp_reply_reader_test.c: the client-side reply parser assembles
 * multi-line and pipelined replies, refuses malformed ones, enforces its
 * limits, and gives the same result however the input is split. */
#include <stdlib.h>
#include <string.h>

#include "chunking_test.h"
#include "smtp_reply_reader.h"
#include "tap.h"

/* run: feed input in pieces of at most step bytes (0: all at once, or split
 * once at split when split > 0) and describe every reply as
 * "CODE DSN|line|line;" and an error as "ERR;". Caller frees. */
static char *run(const char *input, size_t len, size_t max_line, size_t max_lines, size_t split,
		 size_t step)
{
	struct smtp_reply_reader *rr = smtp_reply_reader_new(max_line, max_lines);
	struct buf out;
	size_t pos = 0;

	buf_init(&out, 0);
	while (pos < len) {
		size_t n = chunking_piece(pos, len, split, step);
		size_t off = 0;
		int failed = 0;
		while (off < n) {
			size_t used;
			struct smtp_reply *r;
			char *err = NULL;
			int rc =
			    smtp_reply_reader_feed(rr, input + pos + off, n - off, &used, &r, &err);
			if (rc < 0) {
				buf_append_str(&out, "ERR;");
				free(err);
				failed = 1;
				break;
			}
			off += used;
			if (rc == 1) {
				buf_printf(&out, "%d %s", r->code, r->dsn);
				for (const char *p = buf_cstr(&r->text);; p++) {
					const char *nl = strchr(p, '\n');
					buf_printf(&out, "|%.*s",
						   (int)(nl ? nl - p : (long)strlen(p)), p);
					if (nl == NULL)
						break;
					p = nl;
				}
				buf_append_char(&out, ';');
				smtp_reply_free(&r);
			}
		}
		if (failed)
			break;
		pos += n;
	}
	smtp_reply_reader_free(&rr);
	char *s = strdup(buf_cstr(&out));
	buf_deinit(&out);
	return s;
}

/* S: a string literal and its length (it may hold NUL bytes). */
#define S(x) x, sizeof(x) - 1

static const struct {
	const char *name;
	const char *in;
	size_t len;
	size_t max_line, max_lines;
	const char *want;
} cases[] = {
    {"single line", S("250 2.1.0 Ok\r\n"), 2048, 100, "250 2.1.0|Ok;"},
    {"no enhanced code", S("220 mx.example.org ESMTP\r\n"), 2048, 100,
     "220 |mx.example.org ESMTP;"},
    {"EHLO reply", S("250-mx\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n"), 2048, 100,
     "250 |mx|PIPELINING|SIZE 1000|8BITMIME;"},
    {"enhanced code on every line", S("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third\r\n"),
     2048, 100, "550 5.7.1|first|second|third;"},
    {"different code later is text", S("550-5.7.1 a\r\n550 5.1.1 b\r\n"), 2048, 100,
     "550 5.7.1|a|5.1.1 b;"},
    {"enhanced class must match the code", S("550 4.7.1 odd\r\n"), 2048, 100, "550 |4.7.1 odd;"},
    {"bare code line", S("250\r\n"), 2048, 100, "250 |;"},
    {"LF-only line ends", S("250-a\n250 b\n"), 2048, 100, "250 |a|b;"},
    {"pipelined replies", S("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n"), 2048, 100,
     "250 2.1.0|Ok;250 2.1.5|Ok;354 |go;"},
    {"incomplete reply", S("250-a\r\n250 b"), 2048, 100, ""},
    {"code changes inside a reply", S("250-a\r\n251 b\r\n"), 2048, 100, "ERR;"},
    {"no code", S("hello\r\n"), 2048, 100, "ERR;"},
    {"short code", S("25\r\n"), 2048, 100, "ERR;"},
    {"code below 200", S("199 x\r\n"), 2048, 100, "ERR;"},
    {"code above 599", S("600 x\r\n"), 2048, 100, "ERR;"},
    {"bad separator", S("250_x\r\n"), 2048, 100, "ERR;"},
    {"NUL byte", S("250 a\0b\r\n"), 2048, 100, "ERR;"},
    {"line at the limit", S("250 12345\r\n"), 9, 100, "250 |12345;"},
    {"line over the limit", S("250 123456\r\n"), 9, 100, "ERR;"},
    {"lines at the limit", S("250-a\r\n250-b\r\n250 c\r\n"), 2048, 3, "250 |a|b|c;"},
    {"too many lines", S("250-a\r\n250-b\r\n250-c\r\n250 d\r\n"), 2048, 3, "ERR;"},
    {"reply after an error is not read", S("500 x\r\nbogus\r\n250 ok\r\n"), 2048, 100,
     "500 |x;ERR;"},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *in = cases[i].in;
		size_t len = cases[i].len, ml = cases[i].max_line, mn = cases[i].max_lines;
		char *whole = run(in, len, ml, mn, 0, 0);
		tap_is_str(whole, cases[i].want, "%s", cases[i].name);
		int same = 1;
		for (size_t split = 1; split < len; split++) {
			char *got = run(in, len, ml, mn, split, 0);
			if (strcmp(got, whole) != 0) {
				tap_diag("split at %zu: %s", split, got);
				same = 0;
			}
			free(got);
		}
		char *bytes = run(in, len, ml, mn, 0, 1);
		same = same && strcmp(bytes, whole) == 0;
		free(bytes);
		tap_ok(same, "%s: same result at every split and byte by byte", cases[i].name);
		free(whole);
	}
	return tap_done();
}
