/* table_subst.c: "$n" substitution in pcre: and regexp: results (see
 * table_subst.h). A parsed text is a list of parts, each either literal
 * text or a group number. */
#include "table_subst.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

/* An unset group start, as PCRE2_UNSET (~(PCRE2_SIZE)0) without pcre2.h. */
#define TABLE_SUBST_UNSET (~(size_t)0)

struct table_subst_part {
	unsigned group; /* 0: literal text */
	char *text;
};

struct table_subst {
	struct table_subst_part *parts;
	size_t n_parts;
	int has_refs;
};

static void table_subst_add(struct table_subst *subst, unsigned group, const char *text, size_t len)
{
	subst->parts = xreallocarray(subst->parts, subst->n_parts + 1, sizeof(*subst->parts));
	struct table_subst_part *part = &subst->parts[subst->n_parts++];
	part->group = group;
	part->text = group == 0 ? xstrndup(text, len) : NULL;
	if (group != 0)
		subst->has_refs = 1;
}

static int table_subst_is_name(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* table_subst_ref: parse the reference after a "$" at *p; 1 with *group_r
 * and *p past it, -1 with *error_r. */
static int table_subst_ref(const char **p, unsigned n_groups, unsigned *group_r, char **error_r)
{
	const char *s = *p, *name, *name_end;
	if (*s == '{' || *s == '(') {
		char close = *s == '{' ? '}' : ')';
		name = s + 1;
		name_end = strchr(name, close);
		if (name_end == NULL) {
			*error_r = xasprintf("unterminated reference \"$%s\"", s);
			return -1;
		}
		*p = name_end + 1;
	} else {
		name = s;
		for (name_end = s; table_subst_is_name(*name_end); name_end++)
			;
		if (name_end == name) {
			*error_r = xasprintf("\"$\" must be followed by a group number, "
					     "\"{number}\" or \"$\" (write \"$$\" for a \"$\")");
			return -1;
		}
		*p = name_end;
	}
	size_t len = (size_t)(name_end - name);
	if (len == 0 || strspn(name, "0123456789") < len) {
		*error_r = xasprintf("non-numeric group reference \"%.*s\"", (int)len, name);
		return -1;
	}
	unsigned long group = len > 6 ? ~0UL : strtoul(name, NULL, 10);
	if (group == 0 || group > n_groups) {
		*error_r = xasprintf("group reference \"%.*s\" out of range: the pattern has %u "
				     "group%s",
				     (int)len, name, n_groups, n_groups == 1 ? "" : "s");
		return -1;
	}
	*group_r = (unsigned)group;
	return 1;
}

int table_subst_parse(const char *text, unsigned n_groups, struct table_subst **subst_r,
		      char **error_r)
{
	struct table_subst *subst = xcalloc(1, sizeof(*subst));
	struct buf lit;
	buf_init(&lit, 0);
	const char *p = text;
	while (*p != '\0') {
		if (*p != '$') {
			buf_append_char(&lit, *p++);
			continue;
		}
		p++;
		if (*p == '$') {
			buf_append_char(&lit, *p++);
			continue;
		}
		unsigned group;
		if (table_subst_ref(&p, n_groups, &group, error_r) < 0) {
			buf_deinit(&lit);
			table_subst_free(&subst);
			return -1;
		}
		if (buf_len(&lit) > 0)
			table_subst_add(subst, 0, buf_cstr(&lit), buf_len(&lit));
		buf_reset(&lit);
		table_subst_add(subst, group, NULL, 0);
	}
	if (buf_len(&lit) > 0 || subst->n_parts == 0)
		table_subst_add(subst, 0, buf_cstr(&lit), buf_len(&lit));
	buf_deinit(&lit);
	*subst_r = subst;
	return 1;
}

int table_subst_has_refs(const struct table_subst *subst)
{
	return subst->has_refs;
}

char *table_subst_expand(const struct table_subst *subst, const char *subject,
			 const size_t *ovector, size_t n_pairs)
{
	struct buf out;
	buf_init(&out, 0);
	for (size_t i = 0; i < subst->n_parts; i++) {
		const struct table_subst_part *part = &subst->parts[i];
		if (part->group == 0) {
			buf_append_str(&out, part->text);
			continue;
		}
		if (part->group >= n_pairs || ovector[2 * part->group] == TABLE_SUBST_UNSET)
			continue;
		size_t start = ovector[2 * part->group], end = ovector[2 * part->group + 1];
		if (end > start)
			buf_append(&out, subject + start, end - start);
	}
	char *result = buf_detach(&out);
	buf_deinit(&out);
	return result;
}

void table_subst_free(struct table_subst **subst_r)
{
	struct table_subst *subst = *subst_r;
	if (subst == NULL)
		return;
	for (size_t i = 0; i < subst->n_parts; i++)
		free(subst->parts[i].text);
	free(subst->parts);
	free(subst);
	*subst_r = NULL;
}
