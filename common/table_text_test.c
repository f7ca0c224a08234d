/* table_text_test.c: table files split into logical lines as Postfix's
 * readllines() does: comments and blank lines skipped, continuations
 * joined, line numbers of the first physical line, errors with file:line. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "table_text.h"
#include "tap.h"

/* table_text_lines: every logical line as "LINE:text|", or the error. */
static char *table_text_lines(const char *text, size_t len)
{
	struct table_text tt;
	struct buf out;
	const char *line;
	size_t lineno;
	char *error = NULL;
	int rc;

	buf_init(&out, 0);
	table_text_init(&tt, "t", text, len);
	while ((rc = table_text_next(&tt, &line, &lineno, &error)) > 0)
		buf_printf(&out, "%zu:%s|", lineno, line);
	if (rc < 0) {
		buf_printf(&out, "error %s", error);
		free(error);
	}
	table_text_deinit(&tt);
	char *result = buf_detach(&out);
	buf_deinit(&out);
	return result;
}

static const struct {
	const char *text;
	const char *want;
	const char *name;
} table_text_cases[] = {
    {"", "", "empty text has no lines"},
    {"a b\nc d\n", "1:a b|2:c d|", "one logical line per line"},
    {"a b", "1:a b|", "a last line without newline counts"},
    {"# x\n\n   \n\t# y\na b\n", "5:a b|", "comments and blank lines are skipped"},
    {"a b\n  c\n\td\n", "1:a b  c\td|", "continuations keep their leading white space"},
    {"a b\n# note\n  c\n \n  d\ne f\n", "1:a b  c  d|6:e f|",
     "comments and blank lines inside a continuation are skipped"},
    {"k v#not # a comment\n", "1:k v#not # a comment|", "a # inside a line is text"},
    {"a b   \r\n", "1:a b|", "trailing white space and CR are removed"},
    {"a b \n  c \n", "1:a b   c|", "inner white space before a continuation stays"},
    {"  a b\n",
     "error t:1: logical line must not start with white space (a continuation "
     "line without a line to continue)",
     "a leading continuation is an error"},
    {"# c\n\n\tx y\n",
     "error t:3: logical line must not start with white space (a "
     "continuation line without a line to continue)",
     "the error names the physical line"},
};

static void test_lines(void)
{
	for (size_t i = 0; i < sizeof(table_text_cases) / sizeof(*table_text_cases); i++) {
		char *got =
		    table_text_lines(table_text_cases[i].text, strlen(table_text_cases[i].text));
		tap_is_str(got, table_text_cases[i].want, "%s", table_text_cases[i].name);
		free(got);
	}
	char *got = table_text_lines("a b\nc\0d\n", 8);
	tap_is_str(got, "1:a b|error t:2: NUL byte in line", "a NUL byte is an error");
	free(got);
}

static void test_nest(void)
{
	struct table_nest nest = {0};
	size_t if_rule = 99;
	char *error = NULL;
	table_nest_if(&nest, 0, 1);
	table_nest_if(&nest, 3, 4);
	tap_is_int(table_nest_endif(&nest, "t", 6, &if_rule, &error), 1, "endif closes an if");
	tap_is_int((long long)if_rule, 3, "the innermost if is closed first");
	tap_is_int(table_nest_deinit(&nest, "t", &error), -1, "an if left open is an error");
	tap_is_str(error, "t:1: IF has no matching ENDIF", "the open if is named by its line");
	free(error);
	error = NULL;
	tap_is_int(table_nest_endif(&nest, "t", 9, &if_rule, &error), -1,
		   "endif without if is an error");
	tap_is_str(error, "t:9: ENDIF without matching IF", "the stray endif is named");
	free(error);
	tap_is_int(table_nest_deinit(&nest, "t", NULL), 1, "balanced nesting is fine");
}

static void test_fold(void)
{
	char s[] = "MiXeD@Example.COM \xc3\x89";
	table_fold(s);
	tap_is_str(s, "mixed@example.com \xc3\x89", "folding lowers ASCII only");
}

int main(void)
{
	test_lines();
	test_nest();
	test_fold();
	return tap_done();
}
