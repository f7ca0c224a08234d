/* table_text.c: logical lines of a Postfix table file, and the small text
 * helpers the table back-ends share (see table_text.h). */
#include "table_text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void table_text_init(struct table_text *tt, const char *origin, const char *text, size_t len)
{
	tt->origin = origin;
	tt->pos = text;
	tt->end = text + len;
	tt->lineno = 0;
	buf_init(&tt->line, 0);
}

void table_text_deinit(struct table_text *tt)
{
	buf_deinit(&tt->line);
}

int table_text_next(struct table_text *tt, const char **line_r, size_t *lineno_r, char **error_r)
{
	size_t first = 0;

	buf_reset(&tt->line);
	while (tt->pos < tt->end) {
		const char *start = tt->pos;
		const char *nl = memchr(start, '\n', (size_t)(tt->end - start));
		const char *eol = nl != NULL ? nl : tt->end;
		const char *p = start;
		while (p < eol && table_is_space((unsigned char)*p))
			p++;
		int skip = p == eol || *p == '#';
		int indented = p != start;
		/* A new logical line begins here: leave it for the next call. */
		if (first != 0 && !skip && !indented)
			break;
		tt->lineno++;
		tt->pos = nl != NULL ? nl + 1 : tt->end;
		if (memchr(start, '\0', (size_t)(eol - start)) != NULL) {
			*error_r = table_text_error(tt->origin, tt->lineno, "NUL byte in line");
			return -1;
		}
		if (skip)
			continue;
		if (first == 0 && indented) {
			*error_r =
			    table_text_error(tt->origin, tt->lineno,
					     "logical line must not start with white space "
					     "(a continuation line without a line to continue)");
			return -1;
		}
		if (first == 0)
			first = tt->lineno;
		buf_append(&tt->line, start, (size_t)(eol - start));
	}
	if (first == 0)
		return 0;
	size_t len = buf_len(&tt->line);
	while (len > 0 && table_is_space((unsigned char)buf_cstr(&tt->line)[len - 1]))
		len--;
	buf_truncate(&tt->line, len);
	*line_r = buf_cstr(&tt->line);
	*lineno_r = first;
	return 1;
}

void table_nest_if(struct table_nest *nest, size_t rule, size_t lineno)
{
	nest->open = xreallocarray(nest->open, nest->n_open + 1, sizeof(*nest->open));
	nest->lines = xreallocarray(nest->lines, nest->n_open + 1, sizeof(*nest->lines));
	nest->open[nest->n_open] = rule;
	nest->lines[nest->n_open++] = lineno;
}

int table_nest_endif(struct table_nest *nest, const char *origin, size_t lineno, size_t *if_rule_r,
		     char **error_r)
{
	if (nest->n_open == 0) {
		*error_r = table_text_error(origin, lineno, "ENDIF without matching IF");
		return -1;
	}
	*if_rule_r = nest->open[--nest->n_open];
	return 1;
}

int table_nest_deinit(struct table_nest *nest, const char *origin, char **error_r)
{
	int rc = 1;
	if (nest->n_open > 0) {
		rc = -1;
		if (error_r != NULL)
			*error_r = table_text_error(origin, nest->lines[nest->n_open - 1],
						    "IF has no matching ENDIF");
	}
	FREE_AND_NULL(nest->open);
	FREE_AND_NULL(nest->lines);
	nest->n_open = 0;
	return rc;
}

char *table_text_error(const char *origin, size_t lineno, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *error = xasprintf("%s:%zu: %s", origin, lineno, msg);
	free(msg);
	return error;
}

const char *table_skip_space(const char *s)
{
	while (table_is_space((unsigned char)*s))
		s++;
	return s;
}

void table_fold(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}
