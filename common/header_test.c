/* header_test.c: header names as Postfix recognizes them, the Postfix table
 * for each kind of header, unfolding, the logical header accumulator with
 * Postfix's truncation, and the structured-value tokenizer. */
#include <string.h>

#include "header.h"
#include "header_token.h"
#include "tap.h"

static void test_name_len(void)
{
	static const struct {
		const char *line;
		size_t want;
	} cases[] = {
	    {"Subject: hi", 7},
	    {"Subject : hi", 7},
	    {"Subject\t:hi", 7},
	    {"X-A:b", 3},
	    {"Subject", 0},
	    {": no name", 0},
	    {" Subject: x", 0},
	    {"Sub ject: x", 0},
	    {"From someone", 0},
	    {"Caf\xe9: x", 0},
	    {"A\x7f: x", 0},
	    {"--b: x", 3},
	    {"", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_is_int((long long)header_name_len(cases[i].line, strlen(cases[i].line)),
			   (long long)cases[i].want, "header_name_len(\"%s\")", cases[i].line);
	tap_is_int((long long)header_name_len("Subject: x", 7), 0, "the colon must be in range");
}

static void test_checks_for(void)
{
	static const struct {
		enum header_block block;
		const char *name;
		enum header_checks want;
	} cases[] = {
	    {HEADER_BLOCK_PRIMARY, "Subject", HEADER_CHECKS},
	    {HEADER_BLOCK_PRIMARY, "content-type", MIME_HEADER_CHECKS},
	    {HEADER_BLOCK_PRIMARY, "MIME-Version", MIME_HEADER_CHECKS},
	    {HEADER_BLOCK_PRIMARY, "Content-ID", MIME_HEADER_CHECKS},
	    {HEADER_BLOCK_PRIMARY, "Content-Description", MIME_HEADER_CHECKS},
	    {HEADER_BLOCK_PRIMARY, "Content-Length", HEADER_CHECKS},
	    {HEADER_BLOCK_PRIMARY, "Content-Language", HEADER_CHECKS},
	    {HEADER_BLOCK_MULTIPART, "X-Anything", MIME_HEADER_CHECKS},
	    {HEADER_BLOCK_MULTIPART, "Subject", MIME_HEADER_CHECKS},
	    {HEADER_BLOCK_NESTED, "Subject", NESTED_HEADER_CHECKS},
	    {HEADER_BLOCK_NESTED, "Content-Transfer-Encoding", MIME_HEADER_CHECKS},
	    {HEADER_BLOCK_NESTED, "Content-Disposition", MIME_HEADER_CHECKS},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_is_str(header_checks_name(header_checks_for(cases[i].block, cases[i].name,
								strlen(cases[i].name))),
			   header_checks_name(cases[i].want), "%s in block %d", cases[i].name,
			   (int)cases[i].block);
}

static void test_unfold(void)
{
	struct buf out;
	buf_init(&out, 0);
	header_unfold("Subject: a\n\tb\n c", 17, &out);
	tap_is_str(buf_cstr(&out), "Subject: a\tb c", "unfolding removes the line joins only");
	buf_deinit(&out);
}

static void test_acc(void)
{
	struct header_acc h;

	header_acc_init(&h, 0);
	header_acc_start(&h, "Subject : one\r\n", 15, 13, 7);
	tap_ok(h.active, "a header is active after start");
	header_acc_add(&h, " two\r\n", 6, 4, 1);
	tap_is_str(buf_cstr(&h.text), "Subject: one\n two",
		   "obsolete form normalized, lines joined");
	tap_is_str(buf_cstr(&h.raw), "Subject : one\r\n two\r\n", "raw bytes kept");
	header_acc_reset(&h);
	tap_ok(!h.active && buf_len(&h.text) == 0, "reset forgets the header");
	header_acc_deinit(&h);

	/* Postfix appends while the header is shorter than the limit, so a
	 * header ends at most one piece past it. */
	header_acc_init(&h, 10);
	header_acc_start(&h, "X: 12345", 8, 8, 1);
	tap_is_int(header_acc_add(&h, " 6789", 5, 5, 1), 1, "below the limit: kept");
	tap_is_str(buf_cstr(&h.text), "X: 12345\n 6789", "the piece crossing the limit is whole");
	tap_is_int(header_acc_add(&h, " more", 5, 5, 1), 0, "at the limit: discarded");
	tap_ok(h.truncated, "and the header is marked truncated");
	tap_is_str(buf_cstr(&h.raw), "X: 12345 6789", "raw stops where the text stops");
	header_acc_deinit(&h);
}

static void test_tokens(void)
{
	static const char in[] = " text/plain (a (nested) comment) ; x=\"q \\\" s\" \x01";
	struct header_lexer lx;
	struct buf tok;
	struct buf got;
	size_t start;

	buf_init(&tok, 0);
	buf_init(&got, 0);
	header_lexer_init(&lx, in, sizeof(in) - 1, HEADER_TSPECIALS);
	for (;;) {
		enum header_token_type t = header_token_next(&lx, &tok, &start);
		if (t == HEADER_TOKEN_END)
			break;
		buf_printf(&got, "%c<%s>",
			   t == HEADER_TOKEN_ATOM      ? 'A'
			   : t == HEADER_TOKEN_QSTRING ? 'Q'
						       : 'S',
			   buf_cstr(&tok));
	}
	tap_is_str(buf_cstr(&got), "A<text>S</>A<plain>S<;>A<x>S<=>Q<q \" s>S<\x01>",
		   "atoms, specials, comments skipped, quoted pairs resolved, controls");
	tap_is_int(lx.defects, 0, "no defects");
	tap_is_int((long long)start, (long long)sizeof(in) - 1, "END starts at the end");

	static const char folded[] = "\"a  \n b\"";
	header_lexer_init(&lx, folded, sizeof(folded) - 1, HEADER_TSPECIALS);
	header_token_next(&lx, &tok, NULL);
	tap_is_str(buf_cstr(&tok), "a b", "a fold in a quoted string drops the blanks before it");

	header_lexer_init(&lx, "\"open", 5, HEADER_TSPECIALS);
	tap_is_int(header_token_next(&lx, &tok, NULL), HEADER_TOKEN_QSTRING, "unclosed quote");
	tap_is_int(lx.defects, HEADER_TOKEN_UNCLOSED, "is a defect");
	buf_deinit(&tok);
	buf_deinit(&got);
}

int main(void)
{
	test_name_len();
	test_checks_for();
	test_unfold();
	test_acc();
	test_tokens();
	return tap_done();
}
