/* nexthop_domains.c: match a domain against a Postfix domain list, for the
 * address classes of nexthop.c. */
#include "nexthop_domains.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_list.h"
#include "mem.h"
#include "table.h"
#include "table_find.h"

struct nexthop_domains {
	char **names; /* plain items, as written */
	size_t n_names;
	struct table **tables;
	size_t n_tables;
	int parent;
};

int nexthop_domains_new(const char *value, int parent, struct nexthop_domains **list_r,
			char **error_r)
{
	struct nexthop_domains *l = xcalloc(1, sizeof(*l));
	char **items = NULL;
	size_t n = 0;

	l->parent = parent;
	if (cfg_list_split(value != NULL ? value : "", &items, &n, error_r) < 0) {
		nexthop_domains_free(&l);
		return -1;
	}
	l->names = xcalloc(n + 1, sizeof(*l->names));
	l->tables = xcalloc(n + 1, sizeof(*l->tables));
	for (size_t i = 0; i < n; i++) {
		if (items[i][0] == '!') {
			*error_r = xasprintf("%s: negated items are not supported in domain lists",
					     items[i]);
			goto fail;
		}
		if (strchr(items[i], ':') == NULL) {
			l->names[l->n_names++] = xstrdup(items[i]);
			continue;
		}
		if (table_open(items[i], 0, &l->tables[l->n_tables], error_r) < 0)
			goto fail;
		l->n_tables++;
	}
	cfg_list_free(&items);
	*list_r = l;
	return 1;
fail:
	cfg_list_free(&items);
	nexthop_domains_free(&l);
	return -1;
}

void nexthop_domains_free(struct nexthop_domains **listp)
{
	struct nexthop_domains *l = *listp;

	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n_names; i++)
		free(l->names[i]);
	for (size_t i = 0; i < l->n_tables; i++)
		table_free(&l->tables[i]);
	free(l->names);
	free(l->tables);
	free(l);
	*listp = NULL;
}

/* name_match: does the plain item name match domain? */
static int name_match(const char *name, const char *domain, int parent)
{
	size_t dl = strlen(domain), nl;

	if (name[0] == '.') {
		nl = strlen(name);
		return dl > nl && strcasecmp(domain + dl - nl, name) == 0;
	}
	if (strcasecmp(name, domain) == 0)
		return 1;
	nl = strlen(name);
	return parent && dl > nl + 1 && domain[dl - nl - 1] == '.' &&
	       strcasecmp(domain + dl - nl, name) == 0;
}

int nexthop_domains_match(const struct nexthop_domains *list, const char *domain, char **error_r)
{
	struct table_find_opts opts = {.parent_matches_subdomains = list->parent};
	struct table_match match = {0};
	int ret;

	for (size_t i = 0; i < list->n_names; i++)
		if (name_match(list->names[i], domain, list->parent))
			return 1;
	if (list->n_tables == 0)
		return 0;
	ret = table_find_domain(list->tables, list->n_tables, domain, &opts, &match, error_r);
	table_match_deinit(&match);
	return ret;
}
