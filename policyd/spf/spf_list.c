/* spf_list.c: client address lists (mynetworks style, CIDR items and
 * tables such as cidr:/etc/postfix/skip.cidr) and domain lists. CIDR
 * items are compiled into one in-memory cidr table, so matching is the
 * same code as a cidr: file. */
#include "config.h"

#include "spf_list.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cfg_list.h"
#include "mem.h"
#include "table.h"

struct spf_list {
	enum spf_list_kind kind;
	struct table **tables; /* the literal items' table first, if any */
	size_t n_tables;
	char **domains; /* SPF_LIST_DOMAIN literal items */
	size_t n_domains;
};

static int is_table_spec(const char *item)
{
	const char *colon = strchr(item, ':');
	if (colon == NULL || item[0] < 'a' || item[0] > 'z')
		return 0;
	for (const char *p = item; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

static void add_table(struct spf_list *l, struct table *t)
{
	l->tables = xreallocarray(l->tables, l->n_tables + 1, sizeof(*l->tables));
	l->tables[l->n_tables++] = t;
}

/* cidr_line: "ADDR[/LEN] OK\n" for a literal address item, brackets
 * removed. */
static void cidr_line(struct buf *b, const char *item)
{
	if (item[0] == '[') {
		const char *close = strchr(item, ']');
		size_t n = close != NULL ? (size_t)(close - item - 1) : strlen(item + 1);
		buf_append(b, item + 1, n);
		if (close != NULL)
			buf_append_str(b, close + 1);
	} else {
		buf_append_str(b, item);
	}
	buf_append_str(b, " OK\n");
}

int spf_list_new(enum spf_list_kind kind, const char *value, struct spf_list **list_r,
		 char **error_r)
{
	char **items = NULL;
	size_t n = 0;
	if (cfg_list_split(value, &items, &n, error_r) < 0)
		return -1;
	struct spf_list *l = xcalloc(1, sizeof(*l));
	l->kind = kind;
	struct buf cidr;
	buf_init(&cidr, 0);
	int rc = 1;
	for (size_t i = 0; i < n && rc == 1; i++) {
		if (is_table_spec(items[i])) {
			struct table *t = NULL;
			if (table_open(items[i], TABLE_FLAGS_NONE, &t, error_r) < 0)
				rc = -1;
			else
				add_table(l, t);
		} else if (kind == SPF_LIST_ADDR) {
			cidr_line(&cidr, items[i]);
		} else {
			l->domains = xreallocarray(l->domains, l->n_domains + 1, sizeof(char *));
			l->domains[l->n_domains++] = xstrdup(items[i]);
		}
	}
	if (rc == 1 && buf_len(&cidr) > 0) {
		struct table *t = NULL;
		if (table_open_buffer("cidr", "address list", buf_cstr(&cidr), buf_len(&cidr),
				      TABLE_FLAGS_NONE, &t, error_r) < 0) {
			rc = -1;
		} else {
			add_table(l, t);
			/* the literal table is asked first */
			memmove(l->tables + 1, l->tables, (l->n_tables - 1) * sizeof(*l->tables));
			l->tables[0] = t;
		}
	}
	buf_deinit(&cidr);
	cfg_list_free(&items);
	if (rc < 0) {
		spf_list_free(&l);
		return -1;
	}
	*list_r = l;
	return 1;
}

void spf_list_free(struct spf_list **lp)
{
	struct spf_list *l = *lp;
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n_tables; i++)
		table_free(&l->tables[i]);
	for (size_t i = 0; i < l->n_domains; i++)
		free(l->domains[i]);
	free(l->tables);
	free(l->domains);
	FREE_AND_NULL(*lp);
}

static int lookup_tables(const struct spf_list *l, const char *key, char **error_r)
{
	for (size_t i = 0; i < l->n_tables; i++) {
		char *value = NULL;
		int rc = table_lookup(l->tables[i], key, &value, error_r);
		free(value);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int spf_list_match_addr(const struct spf_list *l, const char *ip, char **error_r)
{
	return l == NULL ? 0 : lookup_tables(l, ip, error_r);
}

int spf_list_match_domain(const struct spf_list *l, const char *domain, char **error_r)
{
	if (l == NULL || *domain == '\0')
		return 0;
	size_t dlen = strlen(domain);
	for (size_t i = 0; i < l->n_domains; i++) {
		const char *item = l->domains[i];
		size_t ilen = strlen(item);
		if (item[0] == '.') {
			if (dlen > ilen && strcasecmp(domain + dlen - ilen, item) == 0)
				return 1;
		} else if (strcasecmp(domain, item) == 0) {
			return 1;
		}
	}
	return lookup_tables(l, domain, error_r);
}
