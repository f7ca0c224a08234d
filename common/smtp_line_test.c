/* smtp_line_test.c: the command-line reader splits lines on CRLF (and on a
 * bare LF), applies the bare LF / bare CR / NUL / length rules, never
 * consumes past a line end, and gives the same lines however the input is
 * split. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chunking_test.h"
#include "smtp_line.h"
#include "tap.h"

static const char *const status_names[] = {"OK", "TOO_LONG", "NUL", "BARE_CR", "BARE_LF"};

/* run: read every line of input[0..len), fed in pieces (split: one split
 * point, 0 for none; step: piece size, 0 for all at once); describe them as
 * "STATUS:text|" and the bytes left unconsumed in a partial line as
 * "+N". Caller frees. */
static char *run(const char *input, size_t len, size_t max, enum smtp_bare_mode mode, size_t split,
		 size_t step)
{
	struct smtp_line_reader *r = smtp_line_new(max, mode);
	struct buf out;
	size_t pos = 0;

	buf_init(&out, 0);
	while (pos < len) {
		size_t n = chunking_piece(pos, len, split, step);
		size_t used;
		const char *line;
		enum smtp_line_status st;
		if (smtp_line_read(r, input + pos, n, &used, &line, &st) == 1)
			buf_printf(&out, "%s:%s|", status_names[st], line);
		else if (used != n)
			buf_append_str(&out, "[short read]");
		pos += used;
	}
	if (smtp_line_pending(r))
		buf_append_str(&out, "+pending");
	smtp_line_free(&r);
	char *s = strdup(buf_cstr(&out));
	buf_deinit(&out);
	return s;
}

#define S(x) x, sizeof(x) - 1

static const struct {
	const char *name;
	const char *in;
	size_t len;
	size_t max;
	enum smtp_bare_mode mode;
	const char *want;
} cases[] = {
    {"CRLF lines", S("EHLO a\r\nMAIL FROM:<a@b>\r\n"), 64, SMTP_BARE_REJECT,
     "OK:EHLO a|OK:MAIL FROM:<a@b>|"},
    {"empty line", S("\r\n"), 64, SMTP_BARE_REJECT, "OK:|"},
    {"partial line", S("NOOP\r\nQUI"), 64, SMTP_BARE_REJECT, "OK:NOOP|+pending"},
    {"partial CRLF", S("NOOP\r"), 64, SMTP_BARE_REJECT, "+pending"},
    {"bare LF rejected", S("NOOP\nQUIT\r\n"), 64, SMTP_BARE_REJECT, "BARE_LF:NOOP|OK:QUIT|"},
    {"bare LF normalized", S("NOOP\nQUIT\r\n"), 64, SMTP_BARE_NORMALIZE, "OK:NOOP|OK:QUIT|"},
    {"bare CR is not a line end (reject)", S("NOOP\rQUIT\r\n"), 64, SMTP_BARE_REJECT,
     "BARE_CR:NOOPQUIT|"},
    {"bare CR is not a line end (normalize)", S("NOOP\rQUIT\r\n"), 64, SMTP_BARE_NORMALIZE,
     "BARE_CR:NOOPQUIT|"},
    {"CR CR LF", S("NOOP\r\r\nQUIT\r\n"), 64, SMTP_BARE_NORMALIZE, "BARE_CR:NOOP|OK:QUIT|"},
    {"bare CR before a bare LF", S("a\rb\n"), 64, SMTP_BARE_REJECT, "BARE_CR:ab|"},
    {"NUL byte", S("NO\0OP\r\nQUIT\r\n"), 64, SMTP_BARE_REJECT, "NUL:NOOP|OK:QUIT|"},
    {"line at the limit", S("12345\r\n"), 5, SMTP_BARE_REJECT, "OK:12345|"},
    {"line over the limit", S("123456\r\nQUIT\r\n"), 5, SMTP_BARE_REJECT, "TOO_LONG:|OK:QUIT|"},
    {"too long wins over NUL",
     S("123\0"
       "456\r\n"),
     5, SMTP_BARE_REJECT, "TOO_LONG:|"},
    {"NUL wins over bare CR", S("a\rb\0c\r\n"), 5, SMTP_BARE_REJECT, "NUL:abc|"},
    {"DATA stops at its line end", S("DATA\r\nSubject: x\r\n"), 64, SMTP_BARE_REJECT,
     "OK:DATA|OK:Subject: x|"},
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *in = cases[i].in;
		size_t len = cases[i].len;
		char *whole = run(in, len, cases[i].max, cases[i].mode, 0, 0);
		tap_is_str(whole, cases[i].want, "%s", cases[i].name);
		int same = 1;
		for (size_t split = 1; split < len; split++) {
			char *got = run(in, len, cases[i].max, cases[i].mode, split, 0);
			if (strcmp(got, whole) != 0) {
				tap_diag("split at %zu: %s", split, got);
				same = 0;
			}
			free(got);
		}
		char *bytes = run(in, len, cases[i].max, cases[i].mode, 0, 1);
		same = same && strcmp(bytes, whole) == 0;
		free(bytes);
		tap_ok(same, "%s: same lines at every split and byte by byte", cases[i].name);
		free(whole);
	}
}

static void test_consumed(void)
{
	struct smtp_line_reader *r = smtp_line_new(64, SMTP_BARE_REJECT);
	const char in[] = "DATA\r\nSubject: x\r\n";
	size_t used;
	const char *line;
	enum smtp_line_status st;
	tap_is_int(smtp_line_read(r, in, sizeof(in) - 1, &used, &line, &st), 1, "a line is read");
	tap_is_int((long long)used, 6, "nothing past the line end is consumed");
	tap_is_int(smtp_line_pending(r), 0, "no partial line is held after it");
	tap_is_int(smtp_line_read(r, "STARTTLS\r\nEHLO", 14, &used, &line, &st), 1,
		   "STARTTLS is read");
	tap_is_int((long long)used, 10, "the pipelined EHLO is left to the caller");
	tap_is_int(smtp_line_read(r, "EHLO", 4, &used, &line, &st), 0, "a partial line");
	tap_is_int(smtp_line_pending(r), 1, "shows as pending");
	smtp_line_free(&r);
	tap_ok(r == NULL, "free clears the pointer");
}

int main(void)
{
	test_cases();
	test_consumed();
	return tap_done();
}
