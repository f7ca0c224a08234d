/* table_text.h: read the text of a Postfix table file as logical lines.
 *
 * The rules are those of postmap(1) and the *_table(5) pages: empty lines,
 * white-space-only lines and lines whose first non-white-space character
 * is "#" are skipped (also between a line and its continuations); a line
 * that starts with white space continues the logical line before it (the
 * newline goes, the leading white space stays); a logical line cannot start
 * with white space. Trailing white space of a logical line is removed.
 */
#ifndef POSTERN_TABLE_TEXT_H
#define POSTERN_TABLE_TEXT_H

#include <stddef.h>

#include "buf.h"

struct table_text {
	const char *origin; /* names the text in messages; not owned */
	const char *pos;    /* next unread byte */
	const char *end;
	size_t lineno; /* physical lines consumed so far */
	struct buf line;
};

/* table_text_init: read len bytes at text (not copied: the text must
 * outlive the reader). Release with table_text_deinit(). */
void table_text_init(struct table_text *tt, const char *origin, const char *text, size_t len);
void table_text_deinit(struct table_text *tt);

/* table_text_next: the next logical line. Returns 1 with *line_r (owned by
 * the reader, valid until the next call) and *lineno_r (the number of its
 * first physical line), 0 at the end of the text, or -1 with *error_r
 * ("ORIGIN:LINE: ...") for a line that starts with white space or holds a
 * NUL byte. */
int table_text_next(struct table_text *tt, const char **line_r, size_t *lineno_r, char **error_r);

/* struct table_nest: the if/endif bookkeeping that cidr, pcre and regexp
 * tables share. Rules are numbered in the order they are read; an "if"
 * learns the number of its "endif", so a lookup that finds the "if" false
 * jumps there. Zero-initialize; release with table_nest_deinit(). */
struct table_nest {
	size_t *open;  /* rule numbers of the "if"s not closed yet */
	size_t *lines; /* and their line numbers */
	size_t n_open;
};

/* table_nest_if: rule number rule, at line lineno, is an "if". */
void table_nest_if(struct table_nest *nest, size_t rule, size_t lineno);
/* table_nest_endif: the rule at lineno is an "endif"; returns 1 with
 * *if_rule_r (the "if" it closes), or -1 with *error_r if none is open. */
int table_nest_endif(struct table_nest *nest, const char *origin, size_t lineno, size_t *if_rule_r,
		     char **error_r);
/* table_nest_deinit: at the end of the text: 1 if every "if" was closed,
 * else -1 with *error_r (only when error_r is not NULL); frees the state. */
int table_nest_deinit(struct table_nest *nest, const char *origin, char **error_r);

/* table_text_error: a malloc'd "ORIGIN:LINE: message". */
char *table_text_error(const char *origin, size_t lineno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* table_is_space: white space as Postfix means it (the C locale's). */
static inline int table_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* table_skip_space: the first character at or after s that is not white
 * space. */
const char *table_skip_space(const char *s);

/* table_fold: fold s to lower case in place (ASCII, as Postfix does when
 * SMTPUTF8 is off). */
void table_fold(char *s);

#endif
