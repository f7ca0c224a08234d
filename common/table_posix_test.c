/* table_posix_test.c: POSIX regular expressions (ERE and BRE, with glibc's
 * GNU extensions) become PCRE2 patterns with the same meaning; what PCRE2
 * cannot express the same way is an error. */
#include <stdlib.h>

#include "mem.h"
#include "table_posix.h"
#include "tap.h"

static const struct {
	const char *re;
	int extended;
	int newline;
	const char *want; /* the PCRE2 pattern, or "error: ..." */
} table_posix_cases[] = {
    {"^a.b$", 1, 0, "^a.b$"},
    {"(a|b)+c?d*", 1, 0, "(a|b)+c?d*"},
    {"a{2}b{1,}c{,3}d{1,4}", 1, 0, "a{2}b{1,}c{0,3}d{1,4}"},
    {"a+?", 1, 0, "(?:a+)?"},
    {"(ab)*+", 1, 0, "(?:(ab)*)+"},
    {"x\\.y\\/z\\$", 1, 0, "x\\.y\\/z\\$"},
    {"[\\]", 1, 0, "[\\\\]"},
    {"[]a]", 1, 0, "[\\]a]"},
    {"[^]a-z]", 1, 0, "[^\\]a-z]"},
    {"[^a]", 1, 1, "[^a\\n]"},
    {"[[:alpha:][:digit:]_]", 1, 0, "[[:alpha:][:digit:]_]"},
    {"[a[b^]", 1, 0, "[a\\[b\\^]"},
    {"\\<w\\>", 1, 0, "\\b(?=\\w)w\\b(?<=\\w)"},
    {"\\`a\\'", 1, 0, "\\Aa\\z"},
    {"(a)\\1\\w\\W\\s\\S\\b\\B", 1, 0, "(a)\\1\\w\\W\\s\\S\\b\\B"},
    {"a#b c", 1, 0, "a\\#b c"},
    {"}", 1, 0, "\\}"},
    {"\xc3\xa9", 1, 0, "\xc3\xa9"},
    /* Basic syntax: the x flag toggled off. */
    {"\\(a\\)\\{2\\}", 0, 0, "(a){2}"},
    {"(a){2}|b+c?", 0, 0, "\\(a\\)\\{2\\}\\|b\\+c\\?"},
    {"a\\|b\\+c\\?", 0, 0, "a|b+c?"},
    {"*a", 0, 0, "\\*a"},
    {"\\(*a\\)", 0, 0, "(\\*a)"},
    {"^*", 0, 0, "^\\*"},
    {"a^b$c", 0, 0, "a\\^b\\$c"},
    {"^a$", 0, 0, "^a$"},
    {"\\(^a$\\)", 0, 0, "(^a$)"},
    /* Errors. */
    {"*a", 1, 0, "error: quantifier without an atom to repeat at offset 1"},
    {"(?i)a", 1, 0, "error: quantifier without an atom to repeat at offset 2"},
    {"a|+", 1, 0, "error: quantifier without an atom to repeat at offset 3"},
    {"a{", 1, 0, "error: bad interval (expected {m}, {m,} or {m,n}) at offset 2"},
    {"a{x}", 1, 0, "error: bad interval (expected {m}, {m,} or {m,n}) at offset 2"},
    {"a{3,2}", 1, 0, "error: bad interval: minimum above maximum at offset 2"},
    {"a\\{1", 0, 0, "error: bad interval (expected {m}, {m,} or {m,n}) at offset 3"},
    {"[a", 1, 0, "error: unmatched [ at offset 2"},
    {"[[:word:]]", 1, 0, "error: unknown character class at offset 1"},
    {"[[=a=]]", 1, 0,
     "error: equivalence classes and collating symbols are not supported at offset 1"},
    {"(a", 1, 0, "error: unmatched ( at offset 2"},
    {"a)", 1, 0, "error: unmatched ) at offset 2"},
    {"a\\", 1, 0, "error: trailing backslash at offset 1"},
    {"\\d", 1, 0,
     "error: escape sequence with no meaning in a POSIX regular expression at offset 2"},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(table_posix_cases) / sizeof(*table_posix_cases); i++) {
		char *pcre = NULL, *error = NULL, *got;
		if (table_posix_to_pcre(table_posix_cases[i].re, table_posix_cases[i].extended,
					table_posix_cases[i].newline, &pcre, &error) > 0)
			got = pcre;
		else
			got = xasprintf("error: %s", error);
		tap_is_str(got, table_posix_cases[i].want, "%s %s%s", table_posix_cases[i].re,
			   table_posix_cases[i].extended ? "ERE" : "BRE",
			   table_posix_cases[i].newline ? " newline" : "");
		if (got != pcre)
			free(got);
		free(pcre);
		free(error);
	}
	return tap_done();
}
