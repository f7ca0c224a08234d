/* mime_parser_test.c: what consumers of the MIME parser rely on: decoded
 * content of each part, the errors each kind of broken message reports,
 * the effective attachment file name from every source, the Postfix table
 * for each header, stopping from the callback, disable_mime, no_decoding,
 * and defaults
 * equal to Postfix's (asked from postconf). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mime.h"
#include "tap.h"

#define MAX_PARTS 16

struct collect {
	struct buf decoded[MAX_PARTS]; /* decoded content per part id */
	char *filename[MAX_PARTS];     /* effective file name per part id */
	struct buf names[MAX_PARTS];   /* every name, "|"-separated */
	struct buf checks;	       /* "table:name" per header, "|"-separated */
	unsigned errors;
	unsigned parts;
	int stop_at_header; /* return -1 on the first header */
	size_t events;
	size_t undecoded; /* content lines without decoded bytes */
	int ended;
};

static int collect_event(const struct mime_event *ev, void *context)
{
	struct collect *c = context;
	unsigned id = ev->part != NULL ? ev->part->id : 0;

	c->events++;
	if (id >= MAX_PARTS)
		return 0;
	switch (ev->type) {
	case MIME_EV_PART_START:
		c->parts++;
		break;
	case MIME_EV_HEADER:
		buf_printf(&c->checks, "%s%s:%.*s", buf_len(&c->checks) ? "|" : "",
			   header_checks_name(ev->header->checks), (int)ev->header->name_len,
			   ev->header->text);
		if (c->stop_at_header)
			return -1;
		break;
	case MIME_EV_HEADERS_END:
		free(c->filename[id]);
		c->filename[id] = ev->part->filename ? xstrdup(ev->part->filename) : NULL;
		for (size_t i = 0; i < ev->part->names_count; i++)
			buf_printf(&c->names[id], "%s%s", i ? "|" : "", ev->part->names[i].name);
		break;
	case MIME_EV_BODY:
		if (ev->line->decoded != NULL)
			buf_append(&c->decoded[id], ev->line->decoded, ev->line->decoded_len);
		else if (ev->line->kind == MIME_BODY_CONTENT)
			c->undecoded++;
		break;
	case MIME_EV_END:
		c->errors = ev->error;
		c->ended = 1;
		break;
	default:
		break;
	}
	return 0;
}

static void collect_init(struct collect *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < MAX_PARTS; i++) {
		buf_init(&c->decoded[i], 0);
		buf_init(&c->names[i], 0);
	}
	buf_init(&c->checks, 0);
}

static void collect_deinit(struct collect *c)
{
	for (int i = 0; i < MAX_PARTS; i++) {
		buf_deinit(&c->decoded[i]);
		buf_deinit(&c->names[i]);
		free(c->filename[i]);
	}
	buf_deinit(&c->checks);
}

static int parse(const struct mime_config *cfg, const char *msg, size_t len, struct collect *c)
{
	struct mime_parser *p = mime_parser_new(cfg, collect_event, c);
	int rc = mime_parser_feed(p, msg, len);
	rc &= mime_parser_finish(p);
	mime_parser_free(&p);
	return rc;
}

static void test_decoded(void)
{
	static const char msg[] =
	    "Content-Type: multipart/mixed; boundary=x\r\n\r\n"
	    "--x\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n/wA=\r\n\r\n"
	    "--x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nl=C3=A0  "
	    "\r\nsoft=\r\nend\r\n"
	    "--x\r\n\r\nfirst\r\n\r\nlast\r\n--x--\r\n";
	struct collect c;

	collect_init(&c);
	parse(NULL, msg, sizeof(msg) - 1, &c);
	tap_ok(buf_len(&c.decoded[1]) == 5 &&
		   memcmp(buf_cstr(&c.decoded[1]), "\0\1\2\377\0", 5) == 0,
	       "base64 part decodes to its bytes");
	tap_is_str(buf_cstr(&c.decoded[2]), "l\xc3\xa0\r\nsoftend",
		   "quoted-printable: padding dropped, soft break joined, last break dropped");
	tap_is_str(buf_cstr(&c.decoded[3]), "first\r\n\r\nlast",
		   "the line break before a boundary is not content");
	tap_is_int(c.errors, 0, "a clean message has no errors");
	collect_deinit(&c);

	static const char top[] = "Subject: x\n\nline 1\nline 2\n";
	collect_init(&c);
	parse(NULL, top, sizeof(top) - 1, &c);
	tap_is_str(buf_cstr(&c.decoded[0]), "line 1\nline 2\n",
		   "a message body keeps its last line break");
	collect_deinit(&c);

	/* The same content, whatever the line pieces. */
	struct buf big;
	buf_init(&big, 0);
	buf_append_str(&big, "Content-Transfer-Encoding: base64\n\n");
	for (int i = 0; i < 5000; i++)
		buf_append_str(&big, "SGVsbG8s");
	buf_append_str(&big, "\nIQ==\n");
	struct mime_config cfg;
	mime_config_init(&cfg);
	struct collect whole, pieces;
	collect_init(&whole);
	collect_init(&pieces);
	cfg.line_length_limit = 100000;
	parse(&cfg, buf_cstr(&big), buf_len(&big), &whole);
	cfg.line_length_limit = 41; /* the header fits, base64 pieces are cut mid-quantum */
	parse(&cfg, buf_cstr(&big), buf_len(&big), &pieces);
	tap_ok(buf_len(&whole.decoded[0]) == 5000 * 6 + 1 &&
		   buf_len(&whole.decoded[0]) == buf_len(&pieces.decoded[0]) &&
		   memcmp(buf_cstr(&whole.decoded[0]), buf_cstr(&pieces.decoded[0]),
			  buf_len(&whole.decoded[0])) == 0,
	       "decoded content does not depend on line pieces");
	collect_deinit(&whole);
	collect_deinit(&pieces);
	buf_deinit(&big);
}

static const struct {
	const char *msg;
	unsigned errors;
	const char *name;
} error_cases[] = {
    {"Subject: ok\n\nbody\n", 0, "clean"},
    {"Content-Type: multipart/mixed\n\nbody\n", MIME_ERR_NO_BOUNDARY, "multipart without boundary"},
    {"Content-Type: multipart/mixed; boundary=\"\"\n\n--x\n\nbody\n",
     MIME_ERR_BOUNDARY | MIME_ERR_UNCLOSED, "empty boundary"},
    {"Content-Type: text/plain\nContent-Type: text/html\n\nx\n", MIME_ERR_DUPLICATE,
     "Content-Type twice"},
    {"Content-Transfer-Encoding: x-uuencode\n\nbegin 644 a.exe\n", MIME_ERR_UNKNOWN_ENCODING,
     "unknown encoding"},
    {"Content-Type: text/plain; name*=x-unknown''%41\n\nx\n", MIME_ERR_CHARSET,
     "file name in an unknown charset"},
    {"Content-Type: text/plain; name=\"=?x-unknown?q?a?=\"\n\nx\n", MIME_ERR_CHARSET,
     "encoded word in an unknown charset"},
    {"Content-Type: text/plain; =junk\n\nx\n", MIME_ERR_PARAM, "bad parameter"},
    {"Content-Type: \"text/plain\"\n\nx\n", MIME_ERR_PARAM, "quoted type"},
    {"Content-Type: text\n\nx\n", MIME_ERR_PARAM, "type without subtype"},
    {"Subject: a\0b\n\nx\n", MIME_ERR_NUL, "NUL byte"},
    {"Content-Transfer-Encoding: quoted-printable\n\nbad =XY\n", MIME_ERR_QP, "bad QP escape"},
    {"Content-Transfer-Encoding: base64\n\nAAE\n", MIME_ERR_BASE64, "truncated base64"},
    {"Content-Type: message/partial\nContent-Transfer-Encoding: 8bit\n\nx\n",
     MIME_ERR_ENCODING_DOMAIN, "message/partial must be 7bit"},
    {"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA==\n",
     MIME_ERR_ENCODING_DOMAIN | MIME_ERR_NO_BLANK_LINE,
     "message/rfc822 in base64: its text is no header, as in Postfix"},
    {"Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; "
     "boundary=ab\n\n--ab\n\nx\n--ab--\n--a--\n",
     MIME_ERR_BOUNDARY_REUSE, "inner boundary extends the outer one"},
    {"Content-Type: multipart/mixed; boundary=a; boundary=b\n\n--a\n\nx\n--a--\n",
     MIME_ERR_MULTIPLE_BOUNDARIES, "two boundaries"},
    {"Content-Type: multipart/mixed; boundary=a\n\n--a\n\nx\n--a\n\ny\n", MIME_ERR_UNCLOSED,
     "missing closing boundary"},
    {"Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; "
     "boundary=b\n\n--b\n\ninner\n--a--\n",
     MIME_ERR_UNCLOSED, "inner multipart closed by the outer boundary"},
    {"Subject: x\r\nFrom: y\n\nz\r\n", MIME_ERR_MIXED_EOL, "CRLF and LF"},
    {"Subject: x\n\nno final newline", MIME_ERR_NO_FINAL_EOL, "no final line break"},
    {"Subject: x\nnot a header\nbody\n", MIME_ERR_NO_BLANK_LINE, "no blank line"},
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		struct collect c;
		const char *m = error_cases[i].msg;
		/* The NUL case needs its length. */
		size_t len = strlen(m);
		if (strcmp(error_cases[i].name, "NUL byte") == 0)
			len = strlen(m) + 1 + strlen(m + strlen(m) + 1);
		collect_init(&c);
		parse(NULL, m, len, &c);
		tap_is_int(c.errors, error_cases[i].errors, "errors: %s", error_cases[i].name);
		collect_deinit(&c);
	}
}

static const struct {
	const char *headers;
	const char *filename;
	const char *names;
	const char *name;
} name_cases[] = {
    {"Content-Disposition: attachment; filename=a.exe", "a.exe", "a.exe", "plain token"},
    {"Content-Disposition: attachment; filename=\"a b.exe\"", "a b.exe", "a b.exe", "quoted"},
    {"Content-Disposition: attachment; FILENAME=A.EXE", "A.EXE", "A.EXE",
     "parameter names ignore case"},
    {"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC.pif", "\xe2\x82\xac.pif",
     "\xe2\x82\xac.pif", "RFC 2231 UTF-8"},
    {"Content-Disposition: attachment; filename*=windows-1251''%E4%EE%EA.doc",
     "\xd0\xb4\xd0\xbe\xd0\xba.doc", "\xd0\xb4\xd0\xbe\xd0\xba.doc", "RFC 2231 through iconv"},
    {"Content-Disposition: attachment; filename*2=xe; filename*0=a; filename*1=.e", "a.exe",
     "a.exe", "RFC 2231 sections out of order"},
    {"Content-Disposition: attachment; filename=\"=?utf-8?q?=E2=82=AC?=.scr\"", "\xe2\x82\xac.scr",
     "\xe2\x82\xac.scr", "RFC 2047 in quotes"},
    {"Content-Disposition: attachment; filename=\"=?utf-8?b?YS5l?= =?utf-8?b?eGU=?=\"", "a.exe",
     "a.exe", "RFC 2047 split across words"},
    {"Content-Type: application/x-msdownload; name=setup.exe", "setup.exe", "setup.exe",
     "Content-Type name only"},
    {"Content-Type: application/x-msdownload; name=\"=?iso-8859-1?q?r=E9sum=E9.exe?=\"",
     "r\xc3\xa9sum\xc3\xa9.exe", "r\xc3\xa9sum\xc3\xa9.exe", "Content-Type name in RFC 2047"},
    {"Content-Type: text/plain; name=\"nice.txt\"\nContent-Disposition: attachment; "
     "filename=\"evil.exe\"",
     "evil.exe", "nice.txt|evil.exe", "the disposition name wins, both are kept"},
    {"Content-Disposition: attachment; filename=\"a.txt\"\nContent-Disposition: attachment; "
     "filename=\"b.exe\"",
     "a.txt", "a.txt|b.exe", "two dispositions: every name kept"},
    {"Content-Disposition: attachment; filename=a.txt .exe", "a.txt", "a.txt|a.txt .exe",
     "unquoted junk kept as a second reading"},
    {"Content-Disposition: attachment; filename=\"\"", NULL, "", "empty name"},
    {"Content-Disposition: inline", NULL, "", "no name"},
    {"Content-Disposition: attachment; filename=\"C:\\\\temp\\\\x.exe\"", "C:\\temp\\x.exe",
     "C:\\temp\\x.exe", "quoted pairs resolved"},
};

static void test_names(void)
{
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		struct collect c;
		char *msg = xasprintf("%s\n\nbody\n", name_cases[i].headers);
		collect_init(&c);
		parse(NULL, msg, strlen(msg), &c);
		tap_is_str(c.filename[0], name_cases[i].filename, "file name: %s",
			   name_cases[i].name);
		tap_is_str(buf_cstr(&c.names[0]), name_cases[i].names, "all names: %s",
			   name_cases[i].name);
		collect_deinit(&c);
		free(msg);
	}
}

static void test_checks(void)
{
	static const char msg[] =
	    "Subject: s\nContent-Type: multipart/mixed; boundary=b\nMIME-Version: 1.0\n\n"
	    "--b\nX-Part: p\nContent-Type: message/rfc822\n\n"
	    "Subject: n\nContent-Type: text/plain\nContent-Length: 3\n\nx\n--b--\n";
	struct collect c;

	collect_init(&c);
	parse(NULL, msg, sizeof(msg) - 1, &c);
	tap_is_str(buf_cstr(&c.checks),
		   "header_checks:Subject|mime_header_checks:Content-Type|"
		   "mime_header_checks:MIME-Version|mime_header_checks:X-Part|"
		   "mime_header_checks:Content-Type|nested_header_checks:Subject|"
		   "mime_header_checks:Content-Type|nested_header_checks:Content-Length",
		   "each header goes to the table Postfix uses");
	collect_deinit(&c);

	struct mime_config cfg;
	mime_config_init(&cfg);
	cfg.disable_mime = 1;
	collect_init(&c);
	parse(&cfg, msg, sizeof(msg) - 1, &c);
	tap_is_str(buf_cstr(&c.checks),
		   "header_checks:Subject|mime_header_checks:Content-Type|"
		   "mime_header_checks:MIME-Version",
		   "disable_mime: only the primary headers are headers");
	tap_is_int(c.parts, 1, "disable_mime: one part");
	collect_deinit(&c);
}

/* no_decoding: the same parts and content lines, no decoded bytes, no
 * transfer-encoding defects; other defects are still reported. */
static void test_no_decoding(void)
{
	static const char msg[] = "Content-Type: multipart/mixed; boundary=x\r\n\r\n"
				  "--x\r\nContent-Transfer-Encoding: base64\r\n\r\nAA*EC\r\n/w\r\n"
				  "--x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ\r\n"
				  "--x\r\n\r\n8bit \xe9\r\n--x--\r\n";
	struct mime_config cfg;
	struct collect c;

	mime_config_init(&cfg);
	collect_init(&c);
	parse(&cfg, msg, sizeof(msg) - 1, &c);
	tap_is_int(c.errors, MIME_ERR_BASE64 | MIME_ERR_QP | MIME_ERR_8BIT_IN_7BIT_BODY,
		   "decoding: the defects of each part");
	collect_deinit(&c);

	cfg.no_decoding = 1;
	collect_init(&c);
	parse(&cfg, msg, sizeof(msg) - 1, &c);
	tap_is_int(c.parts, 4, "no_decoding: every part");
	tap_is_int(c.undecoded, 4, "no_decoding: every content line, without decoded bytes");
	tap_is_int(buf_len(&c.decoded[1]) + buf_len(&c.decoded[2]) + buf_len(&c.decoded[3]), 0,
		   "no_decoding: nothing decoded");
	tap_is_int(c.errors, MIME_ERR_8BIT_IN_7BIT_BODY,
		   "no_decoding: no transfer-encoding defects, 8-bit data still seen");
	collect_deinit(&c);
}

static void test_stop(void)
{
	static const char msg[] = "Subject: a\nFrom: b\n\nbody\n";
	struct collect c;

	collect_init(&c);
	c.stop_at_header = 1;
	tap_is_int(parse(NULL, msg, sizeof(msg) - 1, &c), 0, "a callback that stops: result 0");
	tap_is_int((long long)c.events, 2, "no event after the stop");
	tap_ok(!c.ended, "not even the end");
	collect_deinit(&c);
}

/* test_defaults: the defaults are Postfix's, as postconf -d says. */
static void test_defaults(void)
{
	static const struct {
		const char *param;
		size_t offset;
	} params[] = {
	    {"header_size_limit", offsetof(struct mime_config, header_size_limit)},
	    {"mime_nesting_limit", offsetof(struct mime_config, nesting_limit)},
	    {"mime_boundary_length_limit", offsetof(struct mime_config, boundary_length_limit)},
	    {"line_length_limit", offsetof(struct mime_config, line_length_limit)},
	};
	struct mime_config cfg;

	mime_config_init(&cfg);
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		char *cmd = xasprintf("/usr/sbin/postconf -dh %s 2>/dev/null", params[i].param);
		FILE *fp = popen(cmd, "r");
		char line[64] = "";
		if (fp != NULL) {
			if (fgets(line, sizeof(line), fp) == NULL)
				line[0] = '\0';
			pclose(fp);
		}
		size_t ours = *(const size_t *)((const char *)&cfg + params[i].offset);
		tap_is_int((long long)ours, atoll(line), "default %s as in Postfix",
			   params[i].param);
		free(cmd);
	}
	tap_is_int(cfg.disable_mime, 0, "MIME processing is on by default, as in Postfix");
}

int main(void)
{
	test_decoded();
	test_errors();
	test_names();
	test_checks();
	test_no_decoding();
	test_stop();
	test_defaults();
	return tap_done();
}
