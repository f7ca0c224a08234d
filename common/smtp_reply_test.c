/* smtp_reply_test.c: the reply table is consistent, replies format with
 * Postfix's texts, split long lines, and reply texts from tables, policy
 * services and milters parse with Postfix's enhanced-code rules. */
#include <stdlib.h>
#include <string.h>

#include "smtp_reply.h"
#include "tap.h"

static void test_table(void)
{
	int bad = 0;
	for (int id = 0; id < SMTP_R__COUNT; id++) {
		const struct smtp_reply_def *def = smtp_reply_def((enum smtp_reply_id)id);
		const char *why = NULL;
		if (def->name == NULL || def->name[0] == '\0')
			why = "no name";
		else if (def->code < 200 || def->code > 599)
			why = "code out of range";
		else if (def->dsn != NULL && (smtp_dsn_valid(def->dsn) != strlen(def->dsn) ||
					      def->dsn[0] - '0' != def->code / 100))
			why = "bad or inconsistent enhanced status code";
		else if (strpbrk(def->text, "\r\n") != NULL)
			why = "line break in text";
		for (const char *p = def->text; why == NULL && (p = strchr(p, '%')) != NULL; p += 2)
			if (p[1] != 's')
				why = "placeholder other than %s";
		for (int other = 0; why == NULL && other < id; other++)
			if (strcmp(smtp_reply_def((enum smtp_reply_id)other)->name, def->name) == 0)
				why = "duplicate name";
		if (why != NULL) {
			tap_diag("reply %d (%s): %s", id, def->name ? def->name : "?", why);
			bad++;
		}
	}
	tap_is_int(bad, 0, "every reply table entry is well-formed");
	tap_is_int(smtp_reply_def_nargs(smtp_reply_def(SMTP_R_SENDER_NOT_OWNED)), 2,
		   "placeholders are counted");
}

static char *wire(struct smtp_reply *r, unsigned flags)
{
	struct buf b;
	buf_init(&b, 0);
	smtp_reply_format(r, flags, &b);
	char *s = strdup(buf_cstr(&b));
	buf_deinit(&b);
	smtp_reply_free(&r);
	return s;
}

static void check_wire(struct smtp_reply *r, unsigned flags, const char *want, const char *name)
{
	char *got = wire(r, flags);
	tap_is_str(got, want, "%s", name);
	free(got);
}

static void test_postfix_texts(void)
{
	const unsigned E = SMTP_REPLY_ENHANCED;
	check_wire(smtp_reply_new(SMTP_R_RELAY_DENIED, "u@example.org", NULL), E,
		   "554 5.7.1 <u@example.org>: Relay access denied\r\n", "relay access denied");
	check_wire(smtp_reply_new(SMTP_R_SIZE_EXCEEDED, NULL), E,
		   "552 5.3.4 Message size exceeds fixed limit\r\n", "message size limit");
	check_wire(smtp_reply_new(SMTP_R_BAD_SYNTAX, NULL), E, "500 5.5.2 Error: bad syntax\r\n",
		   "bad syntax");
	check_wire(smtp_reply_new(SMTP_R_NEED_MAIL, NULL), E,
		   "503 5.5.1 Error: need MAIL command\r\n", "need MAIL");
	check_wire(smtp_reply_new(SMTP_R_TOO_MANY_RCPTS, NULL), E,
		   "452 4.5.3 Error: too many recipients\r\n", "too many recipients");
	check_wire(smtp_reply_new(SMTP_R_TIMEOUT, "mx.example.org", NULL), E,
		   "421 4.4.2 mx.example.org Error: timeout exceeded\r\n", "timeout");
	check_wire(smtp_reply_new(SMTP_R_BARE_LF, "mx.example.org", NULL), E,
		   "550 5.5.2 mx.example.org Error: bare <LF> received\r\n", "bare LF");
	check_wire(smtp_reply_new(SMTP_R_SENDER_NOT_OWNED, "a@example.org", "bob", NULL), E,
		   "553 5.7.1 <a@example.org>: Sender address rejected: not owned by user bob\r\n",
		   "sender not owned, two arguments");
	check_wire(smtp_reply_new(SMTP_R_QUEUED, "4XyZ", NULL), 0, "250 Ok: queued as 4XyZ\r\n",
		   "without ENHANCEDSTATUSCODES the code is left out");
	check_wire(smtp_reply_new(SMTP_R_GREETING, "mx ESMTP Postern", NULL), E,
		   "220 mx ESMTP Postern\r\n", "the greeting carries no enhanced code");
	check_wire(smtp_reply_new(SMTP_R_UNSUPPORTED_OPTION, "X=<a\r\nRCPT TO:<b>", NULL), E,
		   "555 5.5.4 Unsupported option: X=<a??RCPT TO:<b>\r\n",
		   "CR and LF in an argument cannot start a new reply line");
}

static void test_multiline(void)
{
	struct smtp_reply *r = smtp_reply_new(SMTP_R_EHLO, "mx.example.org", NULL);
	smtp_reply_add_line(r, "PIPELINING");
	smtp_reply_add_line(r, "SIZE 10240000");
	check_wire(r, SMTP_REPLY_ENHANCED,
		   "250-mx.example.org\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n",
		   "EHLO reply: continuation lines, no enhanced code");
	check_wire(smtp_reply_custom(550, "5.7.1", "first\nsecond"), SMTP_REPLY_ENHANCED,
		   "550-5.7.1 first\r\n550 5.7.1 second\r\n",
		   "every line carries the enhanced code");
	check_wire(smtp_reply_custom(550, "5.7.1", "first\nsecond"), 0,
		   "550-first\r\n550 second\r\n", "multi-line without enhanced codes");
	check_wire(smtp_reply_custom(451, "5.3.0", "x"), SMTP_REPLY_ENHANCED, "451 4.3.0 x\r\n",
		   "custom: enhanced class follows the code");
	check_wire(smtp_reply_custom(550, NULL, "a\n"), SMTP_REPLY_ENHANCED, "550-a\r\n550 \r\n",
		   "an empty last line is kept");
}

/* check_split: format text as a 250 2.0.0 reply and verify the line limit
 * and that the pieces put back together give the text. */
static void check_split(const char *text, const char *sep, const char *name)
{
	struct smtp_reply *r = smtp_reply_custom(250, "2.0.0", text);
	char *w = wire(r, SMTP_REPLY_ENHANCED);
	struct buf joined;
	buf_init(&joined, 0);
	int ok = 1, lines = 0;
	for (char *line = w; *line != '\0'; lines++) {
		char *end = strstr(line, "\r\n");
		if (end == NULL || end + 2 - line > SMTP_REPLY_LINE_MAX) {
			ok = 0;
			break;
		}
		int last = end[2] == '\0';
		if (strncmp(line, last ? "250 2.0.0 " : "250-2.0.0 ", 10) != 0)
			ok = 0;
		if (lines > 0)
			buf_append_str(&joined, sep);
		buf_append(&joined, line + 10, (size_t)(end - line - 10));
		line = end + 2;
	}
	tap_ok(ok && lines > 1, "%s: %d lines within %d octets", name, lines, SMTP_REPLY_LINE_MAX);
	tap_is_str(buf_cstr(&joined), text, "%s: the pieces give the text back", name);
	buf_deinit(&joined);
	free(w);
}

static void test_long_lines(void)
{
	struct buf t;
	buf_init(&t, 0);
	for (int i = 0; i < 150; i++)
		buf_printf(&t, "%sword%d", i ? " " : "", i);
	check_split(buf_cstr(&t), " ", "long text split at spaces");
	buf_reset(&t);
	for (int i = 0; i < 700; i++)
		buf_append_str(&t, "\xc3\xa9"); /* U+00E9, 2 bytes */
	check_split(buf_cstr(&t), "", "long text without spaces split between characters");
	buf_reset(&t);
	buf_append_str(&t, "x");
	for (int i = 0; i < 700; i++)
		buf_append_str(&t, "\xc3\xa9");
	check_split(buf_cstr(&t), "", "odd offset: no character is cut in two");
	buf_deinit(&t);
}

static void test_code_and_string(void)
{
	struct smtp_reply *r = smtp_reply_new(SMTP_R_RELAY_DENIED, "a@b", NULL);
	tap_is_int(smtp_reply_set_code(r, 450), 1, "set_code accepts 450");
	tap_is_str(r->dsn, "4.7.1", "set_code moves the enhanced code to class 4");
	tap_is_int(smtp_reply_set_code(r, 199), -1, "set_code refuses 199");
	tap_is_int(smtp_reply_set_code(r, 600), -1, "set_code refuses 600");
	tap_is_int(r->code, 450, "a refused code leaves the reply alone");
	smtp_reply_add_line(r, "more");
	char *s = smtp_reply_to_string(r);
	tap_is_str(s, "450 4.7.1 <a@b>: Relay access denied more", "to_string joins lines");
	free(s);
	smtp_reply_free(&r);
	tap_ok(r == NULL, "free clears the pointer");
	smtp_reply_free(&r);
	r = smtp_reply_new(SMTP_R_DATA_GO, NULL);
	s = smtp_reply_to_string(r);
	tap_is_str(s, "354 End data with <CR><LF>.<CR><LF>", "to_string without enhanced code");
	free(s);
	smtp_reply_free(&r);
}

static void test_dsn_valid(void)
{
	static const struct {
		const char *in;
		size_t want;
	} cases[] = {
	    {"5.7.1", 5},    {"4.7.25 text", 6}, {"2.0.0\tx", 5}, {"5.123.456", 9},
	    {"5.1234.1", 0}, {"5.1.1234", 0},	 {"3.0.0", 0},	  {"5.7", 0},
	    {"5.7.", 0},     {"5..1", 0},	 {"5.7.1x", 0},	  {"", 0},
	    {"x.1.1", 0},    {"5.7.1.2", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_is_int((long long)smtp_dsn_valid(cases[i].in), (long long)cases[i].want,
			   "dsn_valid(\"%s\")", cases[i].in);
}

/* esc: s with CR, LF and TAB made visible, for test names (caller frees). */
static char *esc(const char *s)
{
	struct buf b;
	buf_init(&b, 0);
	for (; *s != '\0'; s++) {
		if (*s == '\r')
			buf_append_str(&b, "\\r");
		else if (*s == '\n')
			buf_append_str(&b, "\\n");
		else if (*s == '\t')
			buf_append_str(&b, "\\t");
		else
			buf_append_char(&b, *s);
	}
	char *r = strdup(buf_cstr(&b));
	buf_deinit(&b);
	return r;
}

static void test_parse(void)
{
	static const struct {
		const char *in;
		int code; /* 0: parse error expected */
		const char *dsn;
		const char *text; /* lines joined by '\n' */
	} cases[] = {
	    {"550 5.7.1 go away", 550, "5.7.1", "go away"},
	    {"450 try again later", 450, "4.7.1", "try again later"},
	    {"554 No thanks", 554, "5.7.1", "No thanks"},
	    {"421 4.7.0 closing", 421, "4.7.0", "closing"},
	    {"550 4.2.2 class follows the code", 550, "5.2.2", "class follows the code"},
	    {"451 5.7.1 and back", 451, "4.7.1", "and back"},
	    {"550", 550, "5.7.1", ""},
	    {"550 5.1.1", 550, "5.1.1", ""},
	    {"550\t5.1.1\ttabs", 550, "5.1.1", "tabs"},
	    {"550 5.7.1000 not a code", 550, "5.7.1", "5.7.1000 not a code"},
	    {"550-5.7.1 line one\r\n550 5.7.1 line two", 550, "5.7.1", "line one\nline two"},
	    {"550-5.7.1 a\n550-b\n550 5.7.1 c\r\n", 550, "5.7.1", "a\nb\nc"},
	    {"250 Ok", 0, NULL, NULL},
	    {"650 x", 0, NULL, NULL},
	    {"55 x", 0, NULL, NULL},
	    {"5500 x", 0, NULL, NULL},
	    {"REJECT x", 0, NULL, NULL},
	    {"", 0, NULL, NULL},
	    {"550-first\r\n551 second", 0, NULL, NULL},
	    {"550-only a continuation", 0, NULL, NULL},
	    {"550 a\r\n550 b", 0, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smtp_reply *r = NULL;
		char *err = NULL;
		int rc = smtp_reply_parse(cases[i].in, &r, &err);
		char *in = esc(cases[i].in);
		if (cases[i].code == 0) {
			tap_ok(rc == -1 && r == NULL && err != NULL, "parse refuses \"%s\" (%s)",
			       in, err ? err : "no error");
		} else if (tap_is_int(rc, 1, "parse \"%s\"", in)) {
			char *want = esc(cases[i].text), *got = esc(buf_cstr(&r->text));
			tap_ok(r->code == cases[i].code && strcmp(r->dsn, cases[i].dsn) == 0 &&
				   strcmp(got, want) == 0,
			       "  gives %d %s \"%s\" (got %d %s \"%s\")", cases[i].code,
			       cases[i].dsn, want, r->code, r->dsn, got);
			free(want);
			free(got);
		}
		free(in);
		free(err);
		smtp_reply_free(&r);
	}
}

int main(void)
{
	test_table();
	test_postfix_texts();
	test_multiline();
	test_long_lines();
	test_code_and_string();
	test_dsn_valid();
	test_parse();
	return tap_done();
}
