/* cleanup_virtual.c: virtual_alias_maps expansion of recipients (see
 * cleanup_virtual.h). */
#include "cleanup_virtual.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_list.h"
#include "mem.h"
#include "relay_conf_value.h"
#include "table.h"
#include "table_find.h"

struct cleanup_virtual {
	struct table **maps;
	size_t n_maps;
	char *delimiters;
	char **local_names;	     /* myhostname, myorigin, mydestination names */
	struct table **local_tables; /* mydestination tables */
	size_t n_local_tables;
	long long recursion_limit;
	long long expansion_limit;
};

/* cleanup_virtual_tables: open each type:name of items, NULL-terminated;
 * other items go to names (if not NULL). */
static int cleanup_virtual_tables(char **items, struct table ***tables_r, size_t *n_r,
				  char ***names, size_t *n_names, char **error_r)
{
	size_t n = 0;
	for (char **i = items; *i != NULL; i++)
		n++;
	*tables_r = xcalloc(n + 1, sizeof(**tables_r));
	*n_r = 0;
	for (char **i = items; *i != NULL; i++) {
		if (strchr(*i, ':') == NULL && names != NULL) {
			*names = xreallocarray(*names, *n_names + 2, sizeof(**names));
			(*names)[(*n_names)++] = xstrdup(*i);
			(*names)[*n_names] = NULL;
			continue;
		}
		if (table_open(*i, 0, &(*tables_r)[*n_r], error_r) < 0)
			return -1;
		(*n_r)++;
	}
	return 1;
}

static int cleanup_virtual_local(struct cleanup_virtual *cv, const struct cfg *view, char **error_r)
{
	size_t n_names = 0;
	char *host = NULL, *origin = NULL, **dest = NULL;
	int rc = relay_conf_str(view, "myhostname", &host, error_r) > 0 &&
		 relay_conf_str(view, "myorigin", &origin, error_r) > 0 &&
		 relay_conf_list(view, "mydestination", &dest, NULL, error_r) > 0;
	if (rc) {
		cv->local_names = xcalloc(3, sizeof(char *));
		cv->local_names[n_names++] = host;
		cv->local_names[n_names++] = origin;
		host = origin = NULL;
		rc = cleanup_virtual_tables(dest, &cv->local_tables, &cv->n_local_tables,
					    &cv->local_names, &n_names, error_r) > 0;
	}
	free(host);
	free(origin);
	if (dest != NULL)
		cfg_list_free(&dest);
	return rc ? 1 : -1;
}

int cleanup_virtual_new(const struct cfg *view, struct cleanup_virtual **cv_r, char **error_r)
{
	char **maps = NULL;
	size_t n;
	*cv_r = NULL;
	if (relay_conf_list(view, "virtual_alias_maps", &maps, &n, error_r) < 0)
		return -1;
	if (n == 0) {
		cfg_list_free(&maps);
		return 1;
	}
	struct cleanup_virtual *cv = xcalloc(1, sizeof(*cv));
	char *error = NULL;
	int rc = cleanup_virtual_tables(maps, &cv->maps, &cv->n_maps, NULL, NULL, &error);
	cfg_list_free(&maps);
	if (rc < 0) {
		*error_r = relay_conf_error(view, "virtual_alias_maps", error);
		free(error);
	} else if (relay_conf_str(view, "recipient_delimiter", &cv->delimiters, error_r) < 0 ||
		   relay_conf_int(view, "virtual_alias_recursion_limit", &cv->recursion_limit,
				  error_r) < 0 ||
		   relay_conf_int(view, "virtual_alias_expansion_limit", &cv->expansion_limit,
				  error_r) < 0 ||
		   cleanup_virtual_local(cv, view, error_r) < 0) {
		rc = -1;
	}
	if (rc < 0) {
		cleanup_virtual_free(&cv);
		return -1;
	}
	*cv_r = cv;
	return 1;
}

void cleanup_virtual_free(struct cleanup_virtual **cvp)
{
	if (cvp == NULL || *cvp == NULL)
		return;
	struct cleanup_virtual *cv = *cvp;
	for (size_t i = 0; i < cv->n_maps; i++)
		table_free(&cv->maps[i]);
	free(cv->maps);
	for (size_t i = 0; i < cv->n_local_tables; i++)
		table_free(&cv->local_tables[i]);
	free(cv->local_tables);
	if (cv->local_names != NULL)
		cfg_list_free(&cv->local_names);
	free(cv->delimiters);
	FREE_AND_NULL(*cvp);
}

/* cleanup_virtual_is_local: is the domain of addr one of ours? 1, 0, -1. */
static int cleanup_virtual_is_local(const struct cleanup_virtual *cv, const char *addr,
				    char **error_r)
{
	const char *at = strrchr(addr, '@');
	if (at == NULL)
		return 1;
	for (char **n = cv->local_names; *n != NULL; n++)
		if (strcasecmp(*n, at + 1) == 0)
			return 1;
	for (size_t i = 0; i < cv->n_local_tables; i++) {
		char *value = NULL;
		int rc = table_lookup(cv->local_tables[i], at + 1, &value, error_r);
		free(value);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* cleanup_virtual_with_ext: item with the extension ext put back before
 * its '@' (propagate_unmatched_extensions), malloc'd. */
static char *cleanup_virtual_with_ext(const char *item, const char *ext)
{
	if (ext == NULL)
		return xstrdup(item);
	const char *at = strrchr(item, '@');
	size_t local = at != NULL ? (size_t)(at - item) : strlen(item);
	return xasprintf("%.*s%s%s", (int)local, item, ext, at != NULL ? at : "");
}

/* cleanup_virtual_lookup: one lookup of addr: 1 with the results in
 * *items_r (NULL-terminated, the extension put back), 0 no alias, -1. */
static int cleanup_virtual_lookup(const struct cleanup_virtual *cv, const char *addr,
				  char ***items_r, char **error_r)
{
	struct table_find_opts opts = {.delimiters = cv->delimiters};
	int local = cleanup_virtual_is_local(cv, addr, error_r);
	if (local < 0)
		return -1;
	opts.local_domain = local;
	struct table_match m = {0};
	int rc = table_find_virtual(cv->maps, cv->n_maps, addr, &opts, &m, error_r);
	if (rc > 0 && cfg_list_split(m.value, items_r, NULL, error_r) < 0)
		rc = -1;
	for (char **i = rc > 0 ? *items_r : NULL; i != NULL && *i != NULL; i++) {
		char *with = cleanup_virtual_with_ext(*i, m.extension);
		free(*i);
		*i = with;
	}
	table_match_deinit(&m);
	return rc;
}

/* cleanup_virtual_slot: expand slot arg of the list in place, results
 * after the first appended, until no alias applies or the slot expanded
 * into itself. 1 ok, 0 the slot went away (a duplicate), -1 lookup error,
 * -2 nesting limit. */
static int cleanup_virtual_slot(const struct cleanup_virtual *cv, char ***list, size_t *n,
				size_t arg, char **error_r)
{
	for (long long count = 0;; count++) {
		for (size_t i = 0; i < arg; i++) {
			if (strcasecmp((*list)[i], (*list)[arg]) == 0) {
				free((*list)[arg]);
				memmove(*list + arg, *list + arg + 1, (*n - arg) * sizeof(**list));
				(*n)--;
				return 0;
			}
		}
		if (count >= cv->recursion_limit)
			return -2;
		char **items = NULL;
		int rc = cleanup_virtual_lookup(cv, (*list)[arg], &items, error_r);
		if (rc <= 0)
			return rc < 0 ? -1 : 1;
		int to_self = 0;
		for (size_t i = 0; items[i] != NULL; i++) {
			to_self |= strcasecmp(items[i], (*list)[arg]) == 0;
			if (i == 0) {
				free((*list)[arg]);
				(*list)[arg] = xstrdup(items[0]);
			} else {
				*list = xreallocarray(*list, *n + 2, sizeof(**list));
				(*list)[(*n)++] = xstrdup(items[i]);
				(*list)[*n] = NULL;
			}
		}
		cfg_list_free(&items);
		if (to_self)
			return 1; /* an address may expand into itself, once */
	}
}

int cleanup_virtual_expand(const struct cleanup_virtual *cv, const char *addr, char ***list,
			   size_t *n, char **error_r)
{
	char **l = xcalloc(2, sizeof(*l));
	size_t len = 1;
	l[0] = xstrdup(addr);
	int rc = 1;
	for (size_t arg = 0; rc > 0 && arg < len; arg++) {
		int slot = cleanup_virtual_slot(cv, &l, &len, arg, error_r);
		if (slot == 0)
			arg--; /* the next one moved into this slot */
		else if (slot == -2)
			rc = 0, *error_r = xasprintf(
					"unreasonable virtual_alias_maps map nesting for %s", addr);
		else if (slot < 0)
			rc = -1;
		if (rc > 0 && len > (size_t)cv->expansion_limit) {
			*error_r = xasprintf(
				"unreasonable virtual_alias_maps map expansion size for %s", addr);
			rc = 0;
		}
	}
	for (size_t i = 0; rc > 0 && i < len; i++) {
		int dup = 0;
		for (size_t j = 0; j < *n && !dup; j++)
			dup = strcasecmp((*list)[j], l[i]) == 0;
		if (!dup) {
			*list = xreallocarray(*list, *n + 2, sizeof(**list));
			(*list)[(*n)++] = xstrdup(l[i]);
			(*list)[*n] = NULL;
		}
	}
	cfg_list_free(&l);
	return rc;
}
