/* headers_rules.c: the tables of postern-headers: opening the four Postfix
 * table lists once per configuration, looking keys up in them as Postfix's
 * maps_find() does (the first table that knows the key answers), and
 * reloading them. */
#include <stdlib.h>
#include <string.h>

#include "cfg_list.h"
#include "headers_private.h"
#include "mem.h"

static const char *const headers_class_names[HEADERS_N_CLASSES] = {
	"header_checks",
	"mime_header_checks",
	"nested_header_checks",
	"body_checks",
};

const char *headers_class_name(enum headers_class cls)
{
	return headers_class_names[cls];
}

/* open_table: the table for spec, opened now or shared with an earlier
 * class. 1 or -1 with *error_r. */
static int open_table(struct headers_rules *r, const char *spec, struct table **table_r,
		      char **error_r)
{
	for (size_t i = 0; i < r->n_owned; i++) {
		if (strcmp(table_spec(r->owned[i]), spec) == 0) {
			*table_r = r->owned[i];
			return 1;
		}
	}
	if (table_open(spec, TABLE_FLAGS_NONE, table_r, error_r) < 0)
		return -1;
	r->owned = xreallocarray(r->owned, r->n_owned + 1, sizeof(*r->owned));
	r->owned[r->n_owned++] = *table_r;
	return 1;
}

/* open_class: the tables of one class from its list. */
static int open_class(struct headers_rules *r, enum headers_class cls, const char *list,
		      char **error_r)
{
	char **items = NULL;
	size_t n = 0;
	char *error = NULL;
	struct headers_maps *m = &r->maps[cls];

	if (cfg_list_split(list, &items, &n, &error) < 0)
		goto fail;
	m->v = xcalloc(n > 0 ? n : 1, sizeof(*m->v));
	for (size_t i = 0; i < n; i++) {
		if (open_table(r, items[i], &m->v[i], &error) < 0)
			goto fail;
		m->n++;
	}
	cfg_list_free(&items);
	return 1;
fail:
	*error_r = xasprintf("%s: %s", headers_class_name(cls), error);
	free(error);
	cfg_list_free(&items);
	return -1;
}

int headers_rules_new(const struct headers_rules_spec *spec, struct headers_rules **rules_r,
		      char **error_r)
{
	struct headers_rules *r = xcalloc(1, sizeof(*r));

	r->body_limit = spec->body_checks_size_limit;
	r->mime = spec->mime;
	/* The checks see the lines as sent, as Postfix's do: decoding the
	 * attachments would be work for nothing. */
	r->mime.no_decoding = 1;
	for (int cls = 0; cls < HEADERS_N_CLASSES; cls++) {
		if (open_class(r, (enum headers_class)cls, spec->tables[cls], error_r) < 0) {
			headers_rules_free(&r);
			return -1;
		}
	}
	r->report_nesting = r->maps[HEADERS_HEADER_CHECKS].n > 0 ||
			    r->maps[HEADERS_MIME_HEADER_CHECKS].n > 0 ||
			    r->maps[HEADERS_NESTED_HEADER_CHECKS].n > 0;
	*rules_r = r;
	return 1;
}

void headers_rules_free(struct headers_rules **rules_r)
{
	struct headers_rules *r;

	if (rules_r == NULL || (r = *rules_r) == NULL)
		return;
	for (int cls = 0; cls < HEADERS_N_CLASSES; cls++)
		free(r->maps[cls].v);
	for (size_t i = 0; i < r->n_owned; i++)
		table_free(&r->owned[i]);
	free(r->owned);
	FREE_AND_NULL(*rules_r);
}

int headers_rules_reload(struct headers_rules *rules, char **error_r)
{
	for (size_t i = 0; i < rules->n_owned; i++)
		if (table_reload(rules->owned[i], error_r) < 0)
			return -1;
	return 1;
}

int headers_rules_lookup(const struct headers_rules *rules, enum headers_class cls, const char *key,
			 char **value_r, char **error_r)
{
	const struct headers_maps *m = &rules->maps[cls];

	for (size_t i = 0; i < m->n; i++) {
		int rc = table_lookup(m->v[i], key, value_r, error_r);
		if (rc != 0)
			return rc;
	}
	return 0;
}
