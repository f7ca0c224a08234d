/* relay_conf_value.c: read typed parameter values from a configuration
 * view (see relay_conf_value.h). */
#include "relay_conf_value.h"

#include <stdlib.h>

#include "cfg_expand.h"
#include "cfg_list.h"
#include "cfg_value.h"
#include "log.h"
#include "mem.h"
#include "relay_params.h"
#include "table.h"

char *relay_conf_error(const struct cfg *view, const char *name, const char *message)
{
	const struct cfg_entry *e = cfg_lookup(view, name);
	if (e != NULL && e->file != NULL)
		return xasprintf("%s:%u: %s: %s", e->file, e->line, name, message);
	return xasprintf("%s: %s", name, message);
}

/* relay_conf_fail: replace *error_r (a bare message) by the located one. */
static int relay_conf_fail(const struct cfg *view, const char *name, char **error_r)
{
	char *bare = *error_r;
	*error_r = relay_conf_error(view, name, bare);
	free(bare);
	return -1;
}

/* relay_conf_get: the expanded, validated value and its table row. */
static int relay_conf_get(const struct cfg *view, const char *name, const struct relay_param **p_r,
			  char **value_r, char **error_r)
{
	const struct relay_param *p = relay_param_find(name);
	if (p == NULL)
		log_panic("relay_conf: %s is not in the parameter table", name);
	*p_r = p;
	char *value = NULL;
	if (p->flags & RELAY_PARAM_RAW) {
		const char *raw = cfg_get(view, name);
		value = xstrdup(raw != NULL ? raw : "");
	} else {
		int rc = cfg_expand_param(view, name, &value, error_r);
		if (rc < 0)
			return -1; /* the message names the parameter */
		if (rc == 0)
			value = xstrdup("");
	}
	if (relay_param_validate(p, value, error_r) < 0) {
		free(value);
		return relay_conf_fail(view, name, error_r);
	}
	*value_r = value;
	return 1;
}

int relay_conf_str(const struct cfg *view, const char *name, char **value_r, char **error_r)
{
	const struct relay_param *p;
	return relay_conf_get(view, name, &p, value_r, error_r);
}

int relay_conf_bool(const struct cfg *view, const char *name, int *r, char **error_r)
{
	const struct relay_param *p;
	char *value;
	if (relay_conf_get(view, name, &p, &value, error_r) < 0)
		return -1;
	int rc = cfg_value_bool(value, r, error_r);
	free(value);
	return rc < 0 ? relay_conf_fail(view, name, error_r) : 1;
}

int relay_conf_int(const struct cfg *view, const char *name, long long *r, char **error_r)
{
	const struct relay_param *p;
	char *value;
	if (relay_conf_get(view, name, &p, &value, error_r) < 0)
		return -1;
	int rc = cfg_value_int(value, p->min, p->max, r, error_r);
	free(value);
	return rc < 0 ? relay_conf_fail(view, name, error_r) : 1;
}

int relay_conf_time(const struct cfg *view, const char *name, long long *r, char **error_r)
{
	const struct relay_param *p;
	char *value;
	if (relay_conf_get(view, name, &p, &value, error_r) < 0)
		return -1;
	int rc = cfg_value_time(value, p->unit ? p->unit : 's', r, error_r);
	free(value);
	return rc < 0 ? relay_conf_fail(view, name, error_r) : 1;
}

int relay_conf_size(const struct cfg *view, const char *name, long long *r, char **error_r)
{
	const struct relay_param *p;
	char *value;
	if (relay_conf_get(view, name, &p, &value, error_r) < 0)
		return -1;
	int rc = cfg_value_size(value, r, error_r);
	free(value);
	return rc < 0 ? relay_conf_fail(view, name, error_r) : 1;
}

int relay_conf_list(const struct cfg *view, const char *name, char ***items_r, size_t *n_r,
		    char **error_r)
{
	const struct relay_param *p;
	char *value;
	if (relay_conf_get(view, name, &p, &value, error_r) < 0)
		return -1;
	int rc = cfg_list_split(value, items_r, n_r, error_r);
	free(value);
	return rc < 0 ? relay_conf_fail(view, name, error_r) : 1;
}

int relay_conf_tables(const struct cfg *view, const char *name, struct table ***tables_r,
		      size_t *n_r, char **error_r)
{
	char **items = NULL;
	size_t n = 0, opened = 0;
	struct table **tables = NULL;

	*tables_r = NULL;
	*n_r = 0;
	if (relay_conf_list(view, name, &items, &n, error_r) < 0)
		return -1;
	if (n > 0)
		tables = xcalloc(n + 1, sizeof(*tables));
	for (; opened < n; opened++) {
		char *why = NULL;
		if (table_open(items[opened], 0, &tables[opened], &why) < 0) {
			*error_r = xasprintf("%s: %s", name, why);
			free(why);
			break;
		}
	}
	cfg_list_free(&items);
	if (opened < n) {
		for (size_t i = 0; i < opened; i++)
			table_free(&tables[i]);
		free(tables);
		return -1;
	}
	*tables_r = tables;
	*n_r = n;
	return 1;
}
