/* smtpd_addrlist.c: client address lists (see smtpd_addrlist.h). */
#include "smtpd_addrlist.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "mem.h"
#include "table.h"

enum smtpd_addrlist_kind {
	SMTPD_AL_NET,
	SMTPD_AL_TABLE,
	SMTPD_AL_NAME,
};

struct smtpd_addrlist_item {
	enum smtpd_addrlist_kind kind;
	int negate;
	int family;
	unsigned char addr[16];
	unsigned prefix;
	struct table *table;
	char *name; /* SMTPD_AL_NAME, lower case */
};

struct smtpd_addrlist {
	struct smtpd_addrlist_item *items;
	size_t n;
};

/* smtpd_addrlist_net: parse "addr", "addr/len", "[addr]", "[addr]/len";
 * 1 ok, 0 not a network, -1 a network with a bad length. */
static int smtpd_addrlist_net(const char *text, struct smtpd_addrlist_item *it)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *slash = strchr(text, '/');
	size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(host))
		return 0;
	memcpy(host, text, len);
	host[len] = '\0';
	it->family = strchr(host, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(it->family, host, it->addr) != 1)
		return 0;
	unsigned max = it->family == AF_INET ? 32 : 128;
	it->prefix = max;
	if (slash != NULL) {
		char *end;
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || p > max)
			return -1;
		it->prefix = (unsigned)p;
	}
	return 1;
}

/* smtpd_addrlist_is_table: "type:name" with an alphanumeric type. */
static int smtpd_addrlist_is_table(const char *text)
{
	const char *p = text;
	while (isalnum((unsigned char)*p))
		p++;
	return p > text && *p == ':';
}

int smtpd_addrlist_new(char *const *items, size_t n, struct smtpd_addrlist **list_r, char **error_r)
{
	struct smtpd_addrlist *l = xcalloc(1, sizeof(*l));
	l->items = xcalloc(n + 1, sizeof(*l->items));
	for (size_t i = 0; i < n; i++) {
		struct smtpd_addrlist_item *it = &l->items[l->n];
		const char *text = items[i];
		while (*text == '!') {
			it->negate = !it->negate;
			text++;
		}
		int rc = smtpd_addrlist_net(text, it);
		if (rc < 0) {
			*error_r = xasprintf("%s: bad network prefix length", items[i]);
			smtpd_addrlist_free(&l);
			return -1;
		}
		if (rc > 0) {
			it->kind = SMTPD_AL_NET;
		} else if (smtpd_addrlist_is_table(text)) {
			it->kind = SMTPD_AL_TABLE;
			if (table_open(text, 0, &it->table, error_r) < 0) {
				smtpd_addrlist_free(&l);
				return -1;
			}
		} else if (*text != '\0' && *text != '/') {
			it->kind = SMTPD_AL_NAME;
			it->name = xstrdup(text);
			for (char *p = it->name; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		} else {
			*error_r = xasprintf("%s: unsupported list item (a /file of patterns, or "
					     "empty)",
					     items[i]);
			smtpd_addrlist_free(&l);
			return -1;
		}
		l->n++;
	}
	*list_r = l;
	return 1;
}

void smtpd_addrlist_free(struct smtpd_addrlist **lp)
{
	if (lp == NULL || *lp == NULL)
		return;
	struct smtpd_addrlist *l = *lp;
	for (size_t i = 0; i < l->n; i++) {
		table_free(&l->items[i].table);
		free(l->items[i].name);
	}
	free(l->items);
	FREE_AND_NULL(*lp);
}

static int smtpd_addrlist_in_net(const struct smtpd_addrlist_item *it, int family,
				 const unsigned char *addr)
{
	if (family != it->family)
		return 0;
	unsigned bytes = it->prefix / 8, bits = it->prefix % 8;
	if (memcmp(addr, it->addr, bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - bits));
	return ((addr[bytes] ^ it->addr[bytes]) & mask) == 0;
}

static int smtpd_addrlist_name_matches(const char *pattern, const char *name)
{
	if (pattern[0] == '.') {
		size_t pl = strlen(pattern), nl = strlen(name);
		return nl > pl && strcasecmp(name + nl - pl, pattern) == 0;
	}
	return strcasecmp(pattern, name) == 0;
}

/* smtpd_addrlist_item_match: 1, 0 or -1 for one item. */
static int smtpd_addrlist_item_match(const struct smtpd_addrlist_item *it, int family,
				     const unsigned char *bin, const char *addr, const char *name,
				     char **error_r)
{
	switch (it->kind) {
	case SMTPD_AL_NET:
		return family != 0 && smtpd_addrlist_in_net(it, family, bin);
	case SMTPD_AL_NAME:
		return name != NULL && smtpd_addrlist_name_matches(it->name, name);
	case SMTPD_AL_TABLE: {
		const char *keys[2] = {addr, name};
		for (int k = 0; k < 2; k++) {
			if (keys[k] == NULL)
				continue;
			char *value = NULL;
			int rc = table_lookup(it->table, keys[k], &value, error_r);
			free(value);
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	}
	return 0;
}

int smtpd_addrlist_match(const struct smtpd_addrlist *list, const char *addr, const char *name,
			 char **error_r)
{
	unsigned char bin[16];
	int family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(family, addr, bin) != 1)
		family = 0;
	if (name != NULL && strcmp(name, "unknown") == 0)
		name = NULL;
	for (size_t i = 0; i < list->n; i++) {
		int rc = smtpd_addrlist_item_match(&list->items[i], family, bin, addr, name,
						   error_r);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return list->items[i].negate ? 0 : 1;
	}
	return 0;
}
