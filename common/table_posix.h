/* table_posix.h: translate the POSIX regular expressions of regexp_table(5)
 * into PCRE2 patterns with the same meaning.
 *
 * Postfix compiles regexp: tables with the C library's regcomp(): extended
 * syntax (ERE) by default, basic syntax (BRE) when the "x" flag turns it
 * off, with the GNU extensions glibc accepts (\1-\9, \w \W \s \S \b \B,
 * \< \>, \` \', and in BRE \+ \? \|). The translation keeps those
 * meanings and glibc's leniency: a backslash is literal inside brackets,
 * "{" starts an interval only, BRE's "( ) { } | + ?" are literal, so are
 * BRE's "*", "\+", "\?" with nothing to repeat and an unmatched ")" in
 * ERE, and a quantifier following a quantifier applies to the quantified
 * atom ("a+?" is "(a+)?", not a lazy "+").
 *
 * What differs: POSIX picks the longest of the leftmost matches, PCRE2 the
 * first alternative that matches, which can change what $n holds (never
 * whether a pattern matches); glibc lets a "^" or "$" inside an expression
 * match next to a newline the match consumes even without REG_NEWLINE, the
 * translation does not. Escapes regcomp() gives no meaning to ("\d"),
 * equivalence classes "[=a=]" and collating symbols "[.a.]" are errors.
 * table_posix_test checks the translation against glibc's regexec().
 */
#ifndef POSTERN_TABLE_POSIX_H
#define POSTERN_TABLE_POSIX_H

/* table_posix_to_pcre: translate re (ERE when extended is non-zero, else
 * BRE); newline non-zero gives REG_NEWLINE's meaning to negated bracket
 * expressions (they do not match a newline). Returns 1 with *pcre_r
 * (caller frees), or -1 with *error_r (a message without file:line). */
int table_posix_to_pcre(const char *re, int extended, int newline, char **pcre_r, char **error_r);

#endif
