/* table_posix_test.c: POSIX regular expressions (ERE and BRE, with glibc's
 * GNU extensions) become PCRE2 patterns with the same meaning; what PCRE2
 * cannot express the same way is an error. Besides fixed cases, random
 * expressions are checked against glibc's regcomp()/regexec(), which is
 * what Postfix uses for regexp: tables. */
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

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
    {"\\+a\\(\\?b\\)", 0, 0, "\\+a(\\?b)"},
    {":-)", 1, 0, "\\:\\-\\)"},
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
    {"a\\)", 0, 0, "error: unmatched ) at offset 3"},
    {"a\\", 1, 0, "error: trailing backslash at offset 1"},
    {"\\d", 1, 0,
     "error: escape sequence with no meaning in a POSIX regular expression at offset 2"},
};

static void test_cases(void)
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
}

/* A fixed pseudo-random sequence: the same expressions every run. */
static uint64_t table_posix_seed = 42;

static unsigned table_posix_random(unsigned n)
{
	table_posix_seed = table_posix_seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((table_posix_seed >> 33) % n);
}

/* table_posix_compile: our translation compiled as regexp: tables do. */
static pcre2_code *table_posix_compile(const char *re, int extended, int icase, int newline)
{
	char *pcre, *error;
	if (table_posix_to_pcre(re, extended, newline, &pcre, &error) < 0) {
		free(error);
		return NULL;
	}
	int errcode;
	PCRE2_SIZE offset;
	uint32_t opts = (icase ? PCRE2_CASELESS : 0) |
			(newline ? PCRE2_MULTILINE : PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY);
	pcre2_code *code =
	    pcre2_compile((PCRE2_SPTR)pcre, PCRE2_ZERO_TERMINATED, opts, &errcode, &offset, NULL);
	free(pcre);
	return code;
}

/* Expressions glue random pieces together; subjects are short strings of
 * characters the pieces care about. Newlines stay out of the subjects:
 * glibc lets "^" and "$" inside an expression match next to a newline the
 * match consumes even without REG_NEWLINE, which PCRE2 cannot imitate
 * (documented in postern-tables(5)). */
static void test_against_glibc(void)
{
	static const char *const pieces[] = {
	    "a",    "b",    "a",    "b",   ".",	  "*",	 "+",	    "?",   "(",	  ")",
	    "|",    "[ab]", "[^a]", "^",   "$",	  "{2}", "{1,2}",   "\\1", "\\.", "[]a]",
	    "[\\]", "\\<",  "\\>",  "\\w", "\\(", "\\)", "\\{2\\}", "\\|", "\\+", "[[:upper:]]",
	};
	const size_t n_pieces = sizeof(pieces) / sizeof(*pieces);
	int compared = 0, we_refuse = 0, differ = 0;
	for (int i = 0; i < 20000; i++) {
		char re[128] = "";
		for (unsigned n = 1 + table_posix_random(6); n > 0; n--)
			strcat(re, pieces[table_posix_random((unsigned)n_pieces)]);
		int extended = table_posix_random(4) != 0, icase = table_posix_random(2),
		    newline = table_posix_random(3) == 0;
		regex_t posix;
		if (regcomp(&posix, re,
			    (extended ? REG_EXTENDED : 0) | (icase ? REG_ICASE : 0) |
				(newline ? REG_NEWLINE : 0)) != 0)
			continue;
		pcre2_code *code = table_posix_compile(re, extended, icase, newline);
		if (code == NULL) {
			if (we_refuse++ < 5)
				tap_diag("refused what glibc takes: %s", re);
			regfree(&posix);
			continue;
		}
		compared++;
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
		for (int k = 0; k < 20; k++) {
			char subject[16];
			size_t len = table_posix_random(8);
			for (size_t j = 0; j < len; j++)
				subject[j] = "abAB_.(w "[table_posix_random(9)];
			subject[len] = '\0';
			int posix_match = regexec(&posix, subject, 0, NULL, 0) == 0;
			int pcre_match =
			    pcre2_match(code, (PCRE2_SPTR)subject, len, 0, 0, md, NULL) >= 0;
			if (posix_match != pcre_match) {
				if (differ++ < 5)
					tap_diag("%s %s on \"%s\": glibc %d, PCRE2 %d", re,
						 extended ? "ERE" : "BRE", subject, posix_match,
						 pcre_match);
				break;
			}
		}
		pcre2_match_data_free(md);
		pcre2_code_free(code);
		regfree(&posix);
	}
	tap_ok(compared > 10000, "%d random expressions compared with glibc", compared);
	tap_is_int(we_refuse, 0, "every expression glibc compiles is translated");
	tap_is_int(differ, 0, "and they match as glibc does");
}

int main(void)
{
	test_cases();
	test_against_glibc();
	return tap_done();
}
