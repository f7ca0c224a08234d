/* smtpd_check_match.c: Postfix match lists, as mydestination,
 * relay_domains, virtual_*_domains and mynetworks use them (match_list(3)):
 * items separated by commas and/or white space; "!item" negates (a match
 * of a negated item ends the search with "no match"); "/file/name" stands
 * for the items in that file; "type:name" is a lookup table; the other
 * items are host or domain names, or, in mynetworks, addresses and
 * networks ("192.0.2.0/24", "[2001:db8::]/32"). The first item that
 * matches decides. Also the lists of lookup tables ("maps"). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_list.h"
#include "domain.h"
#include "mem.h"
#include "smtpd_check_private.h"

enum item_kind { ITEM_NAME, ITEM_TABLE, ITEM_NET };

struct item {
	enum item_kind kind;
	int negate;
	char *name;	     /* ITEM_NAME: the pattern, lower case */
	struct table *table; /* ITEM_TABLE (owned) */
	int family;	     /* ITEM_NET */
	unsigned char net[16];
	unsigned bits;
};

struct chk_match {
	enum chk_match_mode mode;
	int parent;
	struct item *items;
	size_t n;
};

/* parse_net: "a.b.c.d[/n]", "[v6][/n]", "v6/n" into it; 1, 0 when text is
 * not an address, -1 with *error_r when it is a malformed network. */
static int parse_net(const char *text, struct item *it, char **error_r)
{
	char buf[80];
	const char *slash = strrchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	int max;

	if (alen == 0 || alen >= sizeof(buf))
		return 0;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	char *a = buf;
	if (a[0] == '[' && a[alen - 1] == ']') {
		a[alen - 1] = '\0';
		a++;
	}
	if (inet_pton(AF_INET, a, it->net) == 1) {
		it->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, a, it->net) == 1) {
		it->family = AF_INET6;
		max = 128;
	} else {
		return 0;
	}
	it->bits = (unsigned)max;
	if (slash) {
		char *end;
		errno = 0;
		long n = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || n < 0 || n > max) {
			*error_r = xasprintf("bad network mask in \"%s\"", text);
			return -1;
		}
		it->bits = (unsigned)n;
	}
	/* Clear host bits (Postfix warns about them and does the same). */
	for (unsigned i = 0; i < (unsigned)max / 8; i++) {
		unsigned keep = it->bits > i * 8 ? it->bits - i * 8 : 0;
		if (keep < 8)
			it->net[i] &= (unsigned char)(0xff00u >> keep);
	}
	it->kind = ITEM_NET;
	return 1;
}

static int add_items(struct chk_match *m, const char *param, const char *value, int depth,
		     char **error_r);

static int add_file(struct chk_match *m, const char *param, const char *path, int depth,
		    char **error_r)
{
	FILE *fp = fopen(path, "r");
	char line[4096];
	int rc = 1;

	if (fp == NULL) {
		*error_r = xasprintf("%s: cannot open %s: %s", param, path, strerror(errno));
		return -1;
	}
	while (rc > 0 && fgets(line, sizeof(line), fp) != NULL) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		rc = add_items(m, param, line, depth + 1, error_r);
	}
	fclose(fp);
	return rc;
}

static int add_item(struct chk_match *m, const char *param, const char *text, int depth,
		    char **error_r)
{
	struct item it = { 0 };
	int rc;

	while (*text == '!') {
		it.negate = !it.negate;
		text++;
	}
	if (*text == '/')
		return add_file(m, param, text, depth, error_r);
	if (m->mode == CHK_MATCH_NAMADDR && (rc = parse_net(text, &it, error_r)) != 0) {
		if (rc < 0) {
			char *e = *error_r;
			*error_r = xasprintf("%s: %s", param, e);
			free(e);
			return -1;
		}
	} else if (strchr(text, ':')) {
		if (table_open(text, TABLE_FLAGS_NONE, &it.table, error_r) < 0) {
			char *e = *error_r;
			*error_r = xasprintf("%s: %s", param, e);
			free(e);
			return -1;
		}
		it.kind = ITEM_TABLE;
	} else {
		it.kind = ITEM_NAME;
		it.name = xstrdup(text);
		for (char *c = it.name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	}
	m->items = xreallocarray(m->items, m->n + 1, sizeof(*m->items));
	m->items[m->n++] = it;
	return 1;
}

static int add_items(struct chk_match *m, const char *param, const char *value, int depth,
		     char **error_r)
{
	char **items;
	int rc = 1;

	if (depth > 10) {
		*error_r = xasprintf("%s: files include each other too deeply", param);
		return -1;
	}
	if (cfg_list_split(value, &items, NULL, error_r) < 0)
		return -1;
	for (char **i = items; rc > 0 && *i; i++)
		rc = add_item(m, param, *i, depth, error_r);
	cfg_list_free(&items);
	return rc;
}

int chk_match_new(const char *param, const char *value, enum chk_match_mode mode, int parent,
		  struct chk_match **m_r, char **error_r)
{
	struct chk_match *m = xcalloc(1, sizeof(*m));
	m->mode = mode;
	m->parent = parent;
	if (add_items(m, param, value, 0, error_r) < 0) {
		chk_match_free(&m);
		return -1;
	}
	*m_r = m;
	return 1;
}

void chk_match_free(struct chk_match **mp)
{
	struct chk_match *m = *mp;
	if (m == NULL)
		return;
	*mp = NULL;
	for (size_t i = 0; i < m->n; i++) {
		free(m->items[i].name);
		table_free(&m->items[i].table);
	}
	free(m->items);
	free(m);
}

/* name_matches: a host name against a name pattern. ".example.com"
 * matches subdomains; in DOMAIN mode (and for names in mynetworks) with
 * the parent style, "example.com" matches them too. */
static int name_matches(const struct chk_match *m, const char *pattern, const char *name)
{
	size_t nl = strlen(name), pl = strlen(pattern);

	if (strcasecmp(pattern, name) == 0)
		return 1;
	if (m->mode == CHK_MATCH_STRING)
		return 0;
	if (pattern[0] == '.')
		return nl > pl && strcasecmp(name + nl - pl, pattern) == 0;
	return m->parent && nl > pl + 1 && name[nl - pl - 1] == '.' &&
	       strcasecmp(name + nl - pl, pattern) == 0;
}

/* table_matches: look name up in a table, then, except in STRING mode,
 * its parent domains ("example.com" with the parent style, else
 * ".example.com"). 1, 0 or -1. */
static int table_matches(const struct chk_match *m, struct table *t, const char *name,
			 char **error_r)
{
	char *value = NULL;
	int rc = table_lookup(t, name, &value, error_r);

	free(value);
	if (rc != 0 || m->mode == CHK_MATCH_STRING || table_is_pattern(t))
		return rc;
	for (const char *dot = strchr(name, '.'); dot && dot[1]; dot = strchr(dot + 1, '.')) {
		rc = table_lookup(t, m->parent ? dot + 1 : dot, &value, error_r);
		free(value);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int net_matches(const struct item *it, const char *addr)
{
	unsigned char a[16];

	if (addr == NULL || inet_pton(it->family, addr, a) != 1)
		return 0;
	for (unsigned i = 0; i * 8 < it->bits; i++) {
		unsigned keep = it->bits - i * 8;
		unsigned char mask = keep >= 8 ? 0xff : (unsigned char)(0xff00u >> keep);
		if ((a[i] & mask) != it->net[i])
			return 0;
	}
	return 1;
}

int chk_match_host(const struct chk_match *m, const char *name, const char *addr,
		   char **error_r)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct item *it = &m->items[i];
		int rc = 0;
		switch (it->kind) {
		case ITEM_NAME:
			rc = name != NULL && name_matches(m, it->name, name);
			break;
		case ITEM_NET:
			rc = net_matches(it, addr);
			break;
		case ITEM_TABLE:
			if (name != NULL)
				rc = table_matches(m, it->table, name, error_r);
			if (rc == 0 && addr != NULL && m->mode == CHK_MATCH_NAMADDR)
				rc = table_matches(m, it->table, addr, error_r);
			if (rc < 0)
				return -1;
			break;
		}
		if (rc > 0)
			return !it->negate;
	}
	return 0;
}

int chk_maps_open(const char *param, const char *value, struct chk_maps *maps, char **error_r)
{
	char **items;

	memset(maps, 0, sizeof(*maps));
	maps->param = xstrdup(param);
	if (cfg_list_split(value, &items, NULL, error_r) < 0) {
		chk_maps_close(maps);
		return -1;
	}
	for (char **i = items; *i; i++) {
		struct table *t;
		if (table_open(*i, TABLE_FLAGS_NONE, &t, error_r) < 0) {
			char *e = *error_r;
			*error_r = xasprintf("%s: %s", param, e);
			free(e);
			cfg_list_free(&items);
			chk_maps_close(maps);
			return -1;
		}
		maps->tables = xreallocarray(maps->tables, maps->n + 1, sizeof(*maps->tables));
		maps->tables[maps->n++] = t;
	}
	cfg_list_free(&items);
	return 1;
}

void chk_maps_close(struct chk_maps *maps)
{
	for (size_t i = 0; i < maps->n; i++)
		table_free(&maps->tables[i]);
	free(maps->tables);
	free(maps->param);
	memset(maps, 0, sizeof(*maps));
}
