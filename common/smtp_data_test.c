/* smtp_data_test.c: the DATA/BDAT content decoder ends a message only on
 * <CRLF>.<CRLF>, turns every SMTP smuggling sequence into either a failed
 * message or content of the one message (never a second message), removes
 * dot-stuffing, enforces the size and header limits, splits long lines
 * without losing bytes, and gives the same result however the input is
 * chunked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunking_test.h"
#include "smtp_data.h"
#include "tap.h"

static const char *const error_names[] = {"OK",	     "BARE_LF",	       "BARE_CR",
					  "TOO_BIG", "HEADER_TOO_BIG", "CONSUMER"};

struct collect {
	struct buf out;
	int fail_at; /* return -1 for this line number (1-based), 0: never */
	int count;
};

/* append_visible: bytes with CR, LF and other non-printables made visible. */
static void append_visible(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\r')
			buf_append_str(out, "\\r");
		else if (ch == '\n')
			buf_append_str(out, "\\n");
		else if (ch < 0x20 || ch >= 0x7f)
			buf_printf(out, "\\x%02x", ch);
		else
			buf_append_char(out, (char)ch);
	}
}

/* collect_line: record "H:" for header lines, the bytes (non-printables as
 * \xNN), then "+|" for a partial piece or "|" at the end of a line. */
static int collect_line(void *ctx, const char *line, size_t len, unsigned flags)
{
	struct collect *c = ctx;
	if (++c->count == c->fail_at)
		return -1;
	if (flags & SMTP_DATA_HEADER)
		buf_append_str(&c->out, "H:");
	append_visible(&c->out, line, len);
	buf_append_str(&c->out, flags & SMTP_DATA_PARTIAL ? "+|" : "|");
	return 0;
}

static const struct smtp_data_limits default_limits = {0, 0, 2048};

/* finish: append the outcome to c->out and return it (caller frees). */
static char *finish(struct collect *c, struct smtp_data *d, const char *in, size_t len, size_t end)
{
	if (smtp_data_done(d)) {
		size_t used;
		int again = smtp_data_feed(d, in + end, len - end, &used);
		buf_printf(&c->out, " END@%zu rest=\"", end);
		append_visible(&c->out, in + end, len - end);
		buf_printf(&c->out, "\"%s", again == 1 && used == 0 ? "" : " [fed past the end!]");
	} else {
		buf_append_str(&c->out, " MORE");
	}
	buf_printf(&c->out, " err=%s", error_names[smtp_data_error(d)]);
	char *s = strdup(buf_cstr(&c->out));
	buf_deinit(&c->out);
	smtp_data_free(&d);
	return s;
}

/* run_data: decode DATA content in[0..len) fed in pieces (split: one split
 * point, 0 for none; step: piece size, 0 for all at once). */
static char *run_data(const char *in, size_t len, enum smtp_bare_mode mode,
		      const struct smtp_data_limits *limits, int fail_at, size_t split, size_t step)
{
	struct collect c = {.fail_at = fail_at};
	buf_init(&c.out, 0);
	struct smtp_data *d = smtp_data_new(mode, limits, collect_line, &c);
	size_t pos = 0;
	while (pos < len && !smtp_data_done(d)) {
		size_t n = chunking_piece(pos, len, split, step), used;
		int rc = smtp_data_feed(d, in + pos, n, &used);
		pos += used;
		if (rc == 0 && used != n)
			buf_append_str(&c.out, "[short read]");
	}
	return finish(&c, d, in, len, pos);
}

#define S(x) x, sizeof(x) - 1

/* The smuggling test: a message whose "hello" line is followed by SEQ and a
 * second, forged transaction; only the real <CRLF>.<CRLF> before QUIT may
 * end the message. */
/* "|err=" in the expected text stands for the end of data right before
 * "QUIT\r\n" (the position is computed by the test). */
#define SMUGGLE(seq)                                                                               \
	S("Subject: s\r\n\r\nhello" seq "MAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\n"          \
	  "Subject: evil\r\n\r\nbad\r\n.\r\nQUIT\r\n")
#define FORGED "MAIL FROM:<evil@x>|RCPT TO:<v@y>|DATA|Subject: evil||bad|"

static const struct {
	const char *name;
	const char *in;
	size_t len;
	enum smtp_bare_mode mode;
	const char *want;
} smuggle_cases[] = {
    {"<LF>.<LF> (reject)", SMUGGLE("\n.\n"), SMTP_BARE_REJECT,
     "H:Subject: s||"
     "|err=BARE_LF"},
    {"<LF>.<LF> (normalize)", SMUGGLE("\n.\n"), SMTP_BARE_NORMALIZE,
     "H:Subject: s||hello||" FORGED "|err=OK"},
    {"<LF>.<CRLF> (reject)", SMUGGLE("\n.\r\n"), SMTP_BARE_REJECT,
     "H:Subject: s||"
     "|err=BARE_LF"},
    {"<LF>.<CRLF> (normalize)", SMUGGLE("\n.\r\n"), SMTP_BARE_NORMALIZE,
     "H:Subject: s||hello||" FORGED "|err=OK"},
    {"<CR>.<CR> (reject)", SMUGGLE("\r.\r"), SMTP_BARE_REJECT,
     "H:Subject: s||"
     "|err=BARE_CR"},
    {"<CR>.<CR> (normalize)", SMUGGLE("\r.\r"), SMTP_BARE_NORMALIZE,
     "H:Subject: s||hello||" FORGED "|err=OK"},
    {"<CRLF>.<LF> (reject)", SMUGGLE("\r\n.\n"), SMTP_BARE_REJECT,
     "H:Subject: s||hello|"
     "|err=BARE_LF"},
    {"<CRLF>.<LF> (normalize)", SMUGGLE("\r\n.\n"), SMTP_BARE_NORMALIZE,
     "H:Subject: s||hello||" FORGED "|err=OK"},
    {"<CRLF>.<CR> (reject)", SMUGGLE("\r\n.\r"), SMTP_BARE_REJECT,
     "H:Subject: s||hello|"
     "|err=BARE_CR"},
    {"<CRLF>.<CR> (normalize)", SMUGGLE("\r\n.\r"), SMTP_BARE_NORMALIZE,
     "H:Subject: s||hello||" FORGED "|err=OK"},
    {"<CR>.<CRLF> (reject)", SMUGGLE("\r.\r\n"), SMTP_BARE_REJECT,
     "H:Subject: s||"
     "|err=BARE_CR"},
    {"<CR>.<CRLF> (normalize)", SMUGGLE("\r.\r\n"), SMTP_BARE_NORMALIZE,
     "H:Subject: s||hello||" FORGED "|err=OK"},
    {"<LF>.<CR> (reject)", SMUGGLE("\n.\r"), SMTP_BARE_REJECT,
     "H:Subject: s||"
     "|err=BARE_LF"},
    {"<LF>.<CR> (normalize)", SMUGGLE("\n.\r"), SMTP_BARE_NORMALIZE,
     "H:Subject: s||hello||" FORGED "|err=OK"},
    {"<CR>.<LF> (reject)", SMUGGLE("\r.\n"), SMTP_BARE_REJECT,
     "H:Subject: s||"
     "|err=BARE_CR"},
    {"<CR>.<LF> (normalize)", SMUGGLE("\r.\n"), SMTP_BARE_NORMALIZE,
     "H:Subject: s||hello||" FORGED "|err=OK"},
    {"<CRLF>.<CR><CRLF> (reject)", SMUGGLE("\r\n.\r\r\n"), SMTP_BARE_REJECT,
     "H:Subject: s||hello|"
     "|err=BARE_CR"},
    {"<CRLF>.<CR><CRLF> (normalize)", SMUGGLE("\r\n.\r\r\n"), SMTP_BARE_NORMALIZE,
     "H:Subject: s||hello|||" FORGED "|err=OK"},
    {"<CRLF>..<CRLF> is a dot-stuffed line (reject)", SMUGGLE("\r\n..\r\n"), SMTP_BARE_REJECT,
     "H:Subject: s||hello|.|" FORGED "|err=OK"},
    {"<CRLF>..<CRLF> is a dot-stuffed line (normalize)", SMUGGLE("\r\n..\r\n"), SMTP_BARE_NORMALIZE,
     "H:Subject: s||hello|.|" FORGED "|err=OK"},
};

static const struct smtp_data_limits small_line = {0, 0, 4};
static const struct smtp_data_limits small_size = {20, 0, 2048};
static const struct smtp_data_limits small_header = {0, 20, 2048};
static const struct smtp_data_limits small_size_and_line = {20, 0, 4};

static const struct {
	const char *name;
	const char *in;
	size_t len;
	enum smtp_bare_mode mode;
	const struct smtp_data_limits *limits;
	int fail_at;
	const char *want;
} cases[] = {
    {"<CRLF>.<CRLF> ends the message", SMUGGLE("\r\n.\r\n"), SMTP_BARE_REJECT, &default_limits, 0,
     "H:Subject: s||hello| END@24 rest=\"MAIL FROM:<evil@x>\\r\\nRCPT TO:<v@y>\\r\\n"
     "DATA\\r\\nSubject: evil\\r\\n\\r\\nbad\\r\\n.\\r\\nQUIT\\r\\n\" err=OK"},
    {"empty message", S(".\r\nQUIT\r\n"), SMTP_BARE_REJECT, &default_limits, 0,
     " END@3 rest=\"QUIT\\r\\n\" err=OK"},
    {"one empty line", S("\r\n.\r\n"), SMTP_BARE_REJECT, &default_limits, 0,
     "| END@5 rest=\"\" err=OK"},
    {"dot-stuffing removed", S("..x\r\n.x\r\n...\r\n..\r\n.\r\n"), SMTP_BARE_REJECT,
     &default_limits, 0, ".x|x|..|.| END@21 rest=\"\" err=OK"},
    {"unfinished message", S("a\r\n.\r"), SMTP_BARE_REJECT, &default_limits, 0, "a| MORE err=OK"},
    {"end after a bare CR line (reject)", S("x\r\r\n.\r\nQUIT\r\n"), SMTP_BARE_REJECT,
     &default_limits, 0, " END@7 rest=\"QUIT\\r\\n\" err=BARE_CR"},
    {"end after a bare CR line (normalize)", S("x\r\r\n.\r\nQUIT\r\n"), SMTP_BARE_NORMALIZE,
     &default_limits, 0, "x|| END@7 rest=\"QUIT\\r\\n\" err=OK"},
    {"end after a bare LF line (normalize)", S("x\n\r\n.\r\n"), SMTP_BARE_NORMALIZE,
     &default_limits, 0, "x|| END@7 rest=\"\" err=OK"},
    {"NUL bytes pass through", S("a\0b\r\n.\r\n"), SMTP_BARE_REJECT, &default_limits, 0,
     "a\\x00b| END@8 rest=\"\" err=OK"},
    {"header section", S("From: a\r\n folded\r\nTo : b\r\n\r\nBody: no\r\n.\r\n"), SMTP_BARE_REJECT,
     &default_limits, 0, "H:From: a|H: folded|H:To : b||Body: no| END@41 rest=\"\" err=OK"},
    {"a non-header line ends the header", S("From: a\r\nnot a header\r\nX: y\r\n.\r\n"),
     SMTP_BARE_REJECT, &default_limits, 0, "H:From: a|not a header|X: y| END@32 rest=\"\" err=OK"},
    {"a leading continuation is body", S(" x\r\nA: b\r\n.\r\n"), SMTP_BARE_REJECT, &default_limits,
     0, " x|A: b| END@13 rest=\"\" err=OK"},
    {"long lines come in pieces", S("S: abcdefgh\r\n\r\nbody\r\n..abcdef\r\n.\r\n"),
     SMTP_BARE_REJECT, &small_line, 0,
     "H:S: a+|H:bcde+|H:fgh||body|.abc+|def| END@34 rest=\"\" err=OK"},
    {"size limit", S("Subject: s\r\n\r\n0123456789\r\nmore\r\n.\r\nQUIT\r\n"), SMTP_BARE_REJECT,
     &small_size, 0, "H:Subject: s|| END@35 rest=\"QUIT\\r\\n\" err=TOO_BIG"},
    {"size limit inside a long line (found by fuzz_smtp_data)",
     S("0123456789012345678901234\r\n.\r\n"), SMTP_BARE_REJECT, &small_size_and_line, 0,
     "0123+|4567+|8901+|2345+|6789+| END@30 rest=\"\" err=TOO_BIG"},
    {"size limit exactly reached", S("Subject: s\r\n\r\n1234\r\n.\r\n"), SMTP_BARE_REJECT,
     &small_size, 0, "H:Subject: s||1234| END@23 rest=\"\" err=OK"},
    {"header limit", S("Subject: 0123456789\r\nX: y\r\n\r\nbody\r\n.\r\n"), SMTP_BARE_REJECT,
     &small_header, 0, " END@38 rest=\"\" err=HEADER_TOO_BIG"},
    {"header limit does not count the body",
     S("S: x\r\n\r\n0123456789012345678901234567890123456789\r\n.\r\n"), SMTP_BARE_REJECT,
     &small_header, 0, "H:S: x||0123456789012345678901234567890123456789| END@53 rest=\"\" err=OK"},
    {"consumer failure", S("a\r\nb\r\nc\r\n.\r\nQUIT\r\n"), SMTP_BARE_REJECT, &default_limits, 2,
     "a| END@12 rest=\"QUIT\\r\\n\" err=CONSUMER"},
};

static void check_chunking(const char *name, const char *in, size_t len, enum smtp_bare_mode mode,
			   const struct smtp_data_limits *limits, int fail_at, const char *whole)
{
	int same = 1;
	for (size_t split = 1; split < len; split++) {
		char *got = run_data(in, len, mode, limits, fail_at, split, 0);
		if (strcmp(got, whole) != 0) {
			if (same)
				tap_diag("split at %zu: %s", split, got);
			same = 0;
		}
		free(got);
	}
	char *bytes = run_data(in, len, mode, limits, fail_at, 0, 1);
	if (strcmp(bytes, whole) != 0) {
		tap_diag("byte by byte: %s", bytes);
		same = 0;
	}
	free(bytes);
	tap_ok(same, "%s: same result at every split and byte by byte", name);
}

static void test_smuggling(void)
{
	for (size_t i = 0; i < sizeof(smuggle_cases) / sizeof(smuggle_cases[0]); i++) {
		const char *in = smuggle_cases[i].in;
		size_t len = smuggle_cases[i].len;
		enum smtp_bare_mode mode = smuggle_cases[i].mode;
		char *got = run_data(in, len, mode, &default_limits, 0, 0, 0);
		/* want is "LINES|err=X": the end must be right before "QUIT\r\n". */
		const char *sep = strstr(smuggle_cases[i].want, "|err=");
		char *want = NULL;
		if (asprintf(&want, "%.*s END@%zu rest=\"QUIT\\r\\n\" %s",
			     (int)(sep - smuggle_cases[i].want), smuggle_cases[i].want,
			     len - strlen("QUIT\r\n"), sep + 1) < 0)
			abort();
		tap_is_str(got, want, "smuggling %s", smuggle_cases[i].name);
		free(want);
		check_chunking(smuggle_cases[i].name, in, len, mode, &default_limits, 0, got);
		free(got);
	}
}

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = run_data(cases[i].in, cases[i].len, cases[i].mode, cases[i].limits,
				     cases[i].fail_at, 0, 0);
		tap_is_str(got, cases[i].want, "%s", cases[i].name);
		check_chunking(cases[i].name, cases[i].in, cases[i].len, cases[i].mode,
			       cases[i].limits, cases[i].fail_at, got);
		free(got);
	}
}

static void test_stats(void)
{
	struct collect c = {0};
	buf_init(&c.out, 0);
	const struct smtp_data_limits ten = {0, 0, 10};
	struct smtp_data *d = smtp_data_new(SMTP_BARE_REJECT, &ten, collect_line, &c);
	const char in[] = "Subject: caf\xc3\xa9\r\n\r\nplain\r\nabcdefghijk\r\n.\r\n";
	size_t used;
	tap_is_int(smtp_data_feed(d, in, sizeof(in) - 1, &used), 1, "stats: message complete");
	const struct smtp_data_stats *st = smtp_data_stats(d);
	tap_is_int((long long)st->size, 16 + 2 + 7 + 13, "size counts lines and CRLFs");
	tap_is_int((long long)st->header_size, 16, "header size");
	tap_ok(st->header_8bit && !st->body_8bit, "8-bit in the header only");
	tap_is_int((long long)st->split_lines, 2, "two lines came in pieces");
	smtp_data_reset(d);
	tap_ok(!smtp_data_done(d) && smtp_data_stats(d)->size == 0, "reset starts a new message");
	const char in2[] = "A: b\r\n\r\n\xff\r\n.\r\n";
	smtp_data_feed(d, in2, sizeof(in2) - 1, &used);
	tap_ok(smtp_data_done(d) && !st->header_8bit && st->body_8bit, "8-bit in the body only");
	tap_is_int(smtp_data_error_reply(SMTP_DATA_BARE_LF), SMTP_R_BARE_LF, "bare LF reply");
	tap_is_int(smtp_data_error_reply(SMTP_DATA_TOO_BIG), SMTP_R_SIZE_EXCEEDED, "size reply");
	tap_is_int(smtp_data_error_reply(SMTP_DATA_HEADER_TOO_BIG), SMTP_R_HEADER_EXCEEDED,
		   "header reply");
	smtp_data_free(&d);
	tap_ok(d == NULL, "free clears the pointer");
	buf_deinit(&c.out);
}

/* run_bdat: decode in[0..len) as BDAT chunks of the given sizes (the last
 * one LAST), each fed in pieces of at most step bytes (0: whole), with
 * "QUIT\r\n" after the last chunk to check nothing past it is consumed. */
static char *run_bdat(const char *in, size_t len, const size_t *chunks, size_t nchunks,
		      enum smtp_bare_mode mode, const struct smtp_data_limits *limits, size_t step)
{
	struct collect c = {0};
	buf_init(&c.out, 0);
	struct smtp_data *d = smtp_data_new(mode, limits, collect_line, &c);
	struct buf wire;
	buf_init(&wire, 0);
	buf_append(&wire, in, len);
	buf_append_str(&wire, "QUIT\r\n");
	size_t pos = 0;
	for (size_t k = 0; k < nchunks; k++) {
		smtp_data_bdat(d, chunks[k], k + 1 == nchunks);
		int rc = 0;
		do {
			size_t n = buf_len(&wire) - pos, used;
			if (step > 0 && n > step)
				n = step;
			rc = smtp_data_feed(d, buf_cstr(&wire) + pos, n, &used);
			pos += used;
		} while (rc == 0);
	}
	char *s = finish(&c, d, buf_cstr(&wire), buf_len(&wire), pos);
	buf_deinit(&wire);
	return s;
}

static void test_bdat(void)
{
	const char msg[] = "Subject: s\r\n\r\n.x\r\n..\r\nend";
	size_t len = sizeof(msg) - 1;
	const char *want = "H:Subject: s||.x|..|end| END@25 rest=\"QUIT\\r\\n\" err=OK";
	size_t one[] = {len};
	char *got = run_bdat(msg, len, one, 1, SMTP_BARE_REJECT, &default_limits, 0);
	tap_is_str(got, want, "BDAT: no dot-stuffing, a final line without CRLF");
	free(got);
	int same = 1;
	for (size_t split = 0; split <= len; split++) {
		size_t two[] = {split, len - split};
		for (size_t step = 0; step <= 1; step++) {
			got = run_bdat(msg, len, two, 2, SMTP_BARE_REJECT, &default_limits, step);
			if (strcmp(got, want) != 0) {
				tap_diag("chunks %zu+%zu step %zu: %s", split, len - split, step,
					 got);
				same = 0;
			}
			free(got);
		}
	}
	tap_ok(same, "BDAT: same result for every two-chunk split, fed whole or byte by byte");

	static const struct {
		const char *name;
		const char *in;
		size_t len;
		size_t chunk1;
		enum smtp_bare_mode mode;
		const struct smtp_data_limits *limits;
		const char *want;
	} bdat_cases[] = {
	    {"BDAT: CRLF across chunks", S("abc\r\ndef\r\n"), 4, SMTP_BARE_REJECT, &default_limits,
	     "abc|def| END@10 rest=\"QUIT\\r\\n\" err=OK"},
	    {"BDAT: bare CR at the end (reject)", S("abc\r"), 4, SMTP_BARE_REJECT, &default_limits,
	     " END@4 rest=\"QUIT\\r\\n\" err=BARE_CR"},
	    {"BDAT: bare CR at the end (normalize)", S("abc\r"), 4, SMTP_BARE_NORMALIZE,
	     &default_limits, "abc| END@4 rest=\"QUIT\\r\\n\" err=OK"},
	    {"BDAT: bare LF (reject)", S("a\nb\r\n"), 2, SMTP_BARE_REJECT, &default_limits,
	     " END@5 rest=\"QUIT\\r\\n\" err=BARE_LF"},
	    {"BDAT: empty LAST chunk", S("a\r\n"), 3, SMTP_BARE_REJECT, &default_limits,
	     "a| END@3 rest=\"QUIT\\r\\n\" err=OK"},
	    {"BDAT: size limit", S("Subject: s\r\n\r\n0123456789\r\n"), 10, SMTP_BARE_REJECT,
	     &small_size, "H:Subject: s|| END@26 rest=\"QUIT\\r\\n\" err=TOO_BIG"},
	};
	for (size_t i = 0; i < sizeof(bdat_cases) / sizeof(bdat_cases[0]); i++) {
		size_t chunks[] = {bdat_cases[i].chunk1, bdat_cases[i].len - bdat_cases[i].chunk1};
		got = run_bdat(bdat_cases[i].in, bdat_cases[i].len, chunks, 2, bdat_cases[i].mode,
			       bdat_cases[i].limits, 0);
		tap_is_str(got, bdat_cases[i].want, "%s", bdat_cases[i].name);
		free(got);
	}
	size_t zero[] = {0};
	got = run_bdat("", 0, zero, 1, SMTP_BARE_REJECT, &default_limits, 0);
	tap_is_str(got, " END@0 rest=\"QUIT\\r\\n\" err=OK", "BDAT 0 LAST: an empty message");
	free(got);
}

int main(void)
{
	test_smuggling();
	test_cases();
	test_stats();
	test_bdat();
	return tap_done();
}
