/* dkim_hosts.c: client host lists (see dkim_hosts.h): literal networks go
 * into one cidr table, table specs are opened as they are. */
#include "dkim_hosts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "table.h"

struct dkim_hosts {
	struct table **tables; /* the literal networks first, as a cidr table */
	size_t n;
};

/* hosts_is_table: "type:name" with a table type Postern knows, as opposed
 * to an IPv6 address such as "fe80::1". */
static int hosts_is_table(const char *item)
{
	static const char *const types[] = {"texthash", "hash",	  "btree", "dbm",  "sdbm",
					    "lmdb",	"cdb",	  "cidr",  "pcre", "regexp",
					    "static",	"inline", "proxy", NULL};
	size_t len = strcspn(item, ":");
	for (size_t i = 0; types[i] != NULL; i++)
		if (strlen(types[i]) == len && strncmp(item, types[i], len) == 0 &&
		    item[len] == ':')
			return 1;
	return 0;
}

static void hosts_add(struct dkim_hosts *h, struct table *t)
{
	h->tables = xreallocarray(h->tables, h->n + 1, sizeof(*h->tables));
	h->tables[h->n++] = t;
}

int dkim_hosts_new(char *const *items, const char *param, struct dkim_hosts **h_r, char **error_r)
{
	struct dkim_hosts *h = xcalloc(1, sizeof(*h));
	struct buf cidr;
	struct table *t;
	char *error = NULL;
	int rc = 1;

	buf_init(&cidr, 0);
	for (size_t i = 0; items != NULL && items[i] != NULL && rc > 0; i++) {
		if (hosts_is_table(items[i])) {
			if (table_open(items[i], TABLE_FLAGS_NONE, &t, &error) < 0)
				rc = -1;
			else
				hosts_add(h, t);
			continue;
		}
		/* "[2001:db8::]/32" is written "2001:db8::/32" in a cidr table. */
		for (const char *p = items[i]; *p != '\0'; p++)
			if (*p != '[' && *p != ']')
				buf_append_char(&cidr, *p);
		buf_append_str(&cidr, " OK\n");
	}
	if (rc > 0 && cidr.len > 0) {
		if (table_open_buffer("cidr", param, cidr.data, cidr.len, TABLE_FLAGS_NONE, &t,
				      &error) < 0)
			rc = -1;
		else
			hosts_add(h, t);
	}
	buf_deinit(&cidr);
	if (rc < 0) {
		*error_r = xasprintf("%s: %s", param, error);
		free(error);
		dkim_hosts_free(&h);
		return -1;
	}
	*h_r = h;
	return 1;
}

void dkim_hosts_free(struct dkim_hosts **hp)
{
	struct dkim_hosts *h = *hp;
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->n; i++)
		table_free(&h->tables[i]);
	free(h->tables);
	free(h);
	*hp = NULL;
}

int dkim_hosts_match(const struct dkim_hosts *h, const char *addr, char **error_r)
{
	if (addr == NULL)
		return 0;
	for (size_t i = 0; i < h->n; i++) {
		char *value = NULL;
		int rc = table_lookup(h->tables[i], addr, &value, error_r);
		free(value);
		if (rc != 0)
			return rc;
	}
	return 0;
}
