/* qp_test.c: the quoted-printable decoder handles soft and hard line
 * breaks, transport padding and malformed escapes, the same whatever the
 * chunking. */
#include <string.h>

#include "qp.h"
#include "tap.h"

/* decode: feed text line by line ("\n" separates lines in the table; each
 * line is split at split), hard breaks as "\r\n". */
static void decode(const char *text, size_t split, struct buf *out, unsigned *defects)
{
	struct qp_decoder d;

	qp_decoder_init(&d);
	for (;;) {
		const char *nl = strchr(text, '\n');
		size_t len = nl != NULL ? (size_t)(nl - text) : strlen(text);
		size_t cut = split < len ? split : len;
		qp_decode_update(&d, text, cut, out);
		qp_decode_update(&d, text + cut, len - cut, out);
		if (nl == NULL) {
			qp_decode_finish(&d, out);
			break;
		}
		qp_decode_eol(&d, "\r\n", 2, out);
		text = nl + 1;
	}
	*defects = d.defects;
}

static const struct {
	const char *in;
	const char *want;
	unsigned defects;
	const char *name;
} cases[] = {
    {"plain text", "plain text", 0, "plain text"},
    {"caf=C3=A9", "caf\xc3\xa9", 0, "escapes"},
    {"caf=c3=a9", "caf\xc3\xa9", 0, "lower-case hex accepted"},
    {"one=\ntwo", "onetwo", 0, "soft line break"},
    {"one=  \ntwo", "onetwo", 0, "soft line break with padding"},
    {"one  \ntwo", "one\r\ntwo", 0, "trailing white space dropped"},
    {"a =20\nb", "a  \r\nb", 0, "encoded trailing space kept"},
    {"x=ZZ", "x=ZZ", QP_BAD_ESCAPE, "bad escape kept literally"},
    {"x=4\ny", "x=4\r\ny", QP_BAD_ESCAPE, "half escape at line end"},
    {"x= y", "x= y", QP_BAD_ESCAPE, "= then space mid-line"},
    {"end=", "end", 0, "soft break at the very end"},
    {"caf\xe9", "caf\xe9", QP_BAD_CHAR, "8-bit byte passes, flagged"},
    {"", "", 0, "empty"},
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int same = 1;
		unsigned defects0 = 0;
		for (size_t split = 0; split <= strlen(cases[i].in); split++) {
			struct buf out;
			unsigned defects;
			buf_init(&out, 0);
			decode(cases[i].in, split, &out, &defects);
			if (split == 0) {
				tap_is_str(buf_cstr(&out), cases[i].want, "%s", cases[i].name);
				defects0 = defects;
			} else if (strcmp(buf_cstr(&out), cases[i].want) != 0 ||
				   defects != defects0) {
				same = 0;
			}
			buf_deinit(&out);
		}
		tap_ok(same, "%s: same at every split", cases[i].name);
		tap_is_int(defects0, cases[i].defects, "%s: defects", cases[i].name);
	}
}

static void test_long_padding(void)
{
	/* More white space than the decoder holds: bounded, still decoded. */
	char line[QP_WS_MAX * 3 + 2];
	memset(line, ' ', sizeof(line) - 2);
	line[sizeof(line) - 2] = 'x';
	line[sizeof(line) - 1] = '\0';
	struct buf out;
	unsigned defects;
	buf_init(&out, 0);
	decode(line, 7, &out, &defects);
	tap_is_str(buf_cstr(&out), line, "a long run of spaces before text is kept");
	buf_deinit(&out);
}

int main(void)
{
	test_table();
	test_long_padding();
	return tap_done();
}
