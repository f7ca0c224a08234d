/* table_subst.h: the result text of pcre: and regexp: rules, with "$1",
 * "${1}", "$(1)" replaced by what the pattern's groups matched and "$$"
 * by "$" (pcre_table(5), regexp_table(5) TEXT SUBSTITUTION).
 *
 * Parsed once when the table is read, so that a bad reference ("$x",
 * "$0", a group the pattern does not have, a lone "$") is an error at
 * open time, as Postfix makes it a warning there.
 */
#ifndef POSTERN_TABLE_SUBST_H
#define POSTERN_TABLE_SUBST_H

#include <stddef.h>

struct table_subst;

/* table_subst_parse: parse text for a pattern with n_groups capturing
 * groups. Returns 1 with *subst_r (free with table_subst_free()), or -1
 * with *error_r (a message without file:line). */
int table_subst_parse(const char *text, unsigned n_groups, struct table_subst **subst_r,
		      char **error_r);

/* table_subst_has_refs: 1 if the text refers to any group. */
int table_subst_has_refs(const struct table_subst *subst);

/* table_subst_expand: the text with references replaced from subject:
 * ovector holds n_pairs (start, end) offset pairs as PCRE2 sets them (a
 * group beyond n_pairs or with an unset start expands to nothing). The
 * caller frees the result. */
char *table_subst_expand(const struct table_subst *subst, const char *subject,
			 const size_t *ovector, size_t n_pairs);

/* table_subst_free: release *subst_r and set it to NULL; accepts NULL. */
void table_subst_free(struct table_subst **subst_r);

#endif
