/* table_find.c: Postfix's search orders for addresses, domains and client
 * addresses over a list of tables (see table_find.h). */
#include "table_find.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"

/* One search: the tables, and where the answer goes. */
struct table_search {
	struct table *const *tables;
	size_t n_tables;
	struct table_match *match;
	char **error_r;
};

/* An address taken apart. */
struct table_addr {
	char *local;	    /* the local part, extension included */
	char *bare;	    /* the local part without its extension, or NULL */
	const char *ext;    /* the extension with its delimiter (in local), or NULL */
	const char *domain; /* after the last "@" (in the caller's string), or NULL */
};

void table_match_deinit(struct table_match *match)
{
	FREE_AND_NULL(match->value);
	FREE_AND_NULL(match->key);
	FREE_AND_NULL(match->extension);
}

/* table_search_key: ask every table for key, in order; a partial key
 * skips pattern tables. ext is the extension removed to make key, or NULL.
 * Returns 1 found, 0 not found, -1 error. */
static int table_search_key(const struct table_search *s, const char *key, int partial,
			    const char *ext)
{
	for (size_t i = 0; i < s->n_tables; i++) {
		if (partial && table_is_pattern(s->tables[i]))
			continue;
		char *value;
		int rc = table_lookup(s->tables[i], key, &value, s->error_r);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			s->match->value = value;
			s->match->key = xstrdup(key);
			s->match->extension = ext != NULL ? xstrdup(ext) : NULL;
			return 1;
		}
	}
	return 0;
}

/* table_search_keyf: table_search_key() with a formatted key. */
static int table_search_keyf(const struct table_search *s, int partial, const char *ext,
			     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int table_search_keyf(const struct table_search *s, int partial, const char *ext,
			     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *key = xvasprintf(fmt, ap);
	va_end(ap);
	int rc = table_search_key(s, key, partial, ext);
	free(key);
	return rc;
}

/* table_search_domain: name, then its parents ("a.b.c": "b.c", "c" or
 * ".b.c", ".c"); the first lookup is a full key unless first_partial. */
static int table_search_domain(const struct table_search *s, const char *domain,
			       const struct table_find_opts *opts, int first_partial)
{
	int partial = first_partial;
	for (const char *name = domain; *name != '\0'; partial = 1) {
		int rc = table_search_key(s, name, partial, NULL);
		if (rc != 0)
			return rc;
		const char *next = strchr(name + 1, '.');
		if (next == NULL)
			break;
		name = opts->parent_matches_subdomains ? next + 1 : next;
	}
	return 0;
}

/* table_addr_splits: may the local part be split at a delimiter? */
static int table_addr_splits(const char *local, const char *delims)
{
	static const char *const reserved[] = {"postmaster", "mailer-daemon", "double-bounce"};
	for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++)
		if (strcasecmp(local, reserved[i]) == 0)
			return 0;
	size_t len = strlen(local);
	/* owner_request_special (default yes): owner-list, list-request. */
	if (strchr(delims, '-') != NULL &&
	    (strncasecmp(local, "owner-", 6) == 0 ||
	     (len > 8 && strcasecmp(local + len - 8, "-request") == 0)))
		return 0;
	return 1;
}

static void table_addr_split(const char *address, const char *delims, struct table_addr *a)
{
	const char *at = strrchr(address, '@');
	memset(a, 0, sizeof(*a));
	a->local = at != NULL ? xstrndup(address, (size_t)(at - address)) : xstrdup(address);
	a->domain = at != NULL ? at + 1 : NULL;
	if (delims == NULL || *delims == '\0' || !table_addr_splits(a->local, delims))
		return;
	size_t len = strcspn(a->local, delims);
	if (len == 0 || a->local[len] == '\0')
		return;
	a->bare = xstrndup(a->local, len);
	a->ext = a->local + len;
}

static void table_addr_deinit(struct table_addr *a)
{
	FREE_AND_NULL(a->local);
	FREE_AND_NULL(a->bare);
}

/* table_search_bare: the address without its extension, if it has one. */
static int table_search_bare(const struct table_search *s, const struct table_addr *a)
{
	if (a->bare == NULL)
		return 0;
	if (a->domain == NULL)
		return table_search_key(s, a->bare, 1, a->ext);
	return table_search_keyf(s, 1, a->ext, "%s@%s", a->bare, a->domain);
}

int table_find_access(struct table *const *tables, size_t n_tables, const char *address,
		      const struct table_find_opts *opts, struct table_match *match_r,
		      char **error_r)
{
	const struct table_search s = {tables, n_tables, match_r, error_r};
	struct table_addr a;
	int rc;

	table_addr_split(address, opts->delimiters, &a);
	if ((rc = table_search_key(&s, address, 0, NULL)) != 0 ||
	    (rc = table_search_bare(&s, &a)) != 0 || a.domain == NULL ||
	    (rc = table_search_domain(&s, a.domain, opts, 1)) != 0 ||
	    (rc = table_search_keyf(&s, 1, NULL, "%s@", a.local)) != 0)
		goto out;
	if (a.bare != NULL)
		rc = table_search_keyf(&s, 1, a.ext, "%s@", a.bare);
out:
	table_addr_deinit(&a);
	return rc;
}

int table_find_virtual(struct table *const *tables, size_t n_tables, const char *address,
		       const struct table_find_opts *opts, struct table_match *match_r,
		       char **error_r)
{
	const struct table_search s = {tables, n_tables, match_r, error_r};
	struct table_addr a;
	int rc;

	table_addr_split(address, opts->delimiters, &a);
	if ((rc = table_search_key(&s, address, 0, NULL)) != 0 ||
	    (rc = table_search_bare(&s, &a)) != 0 || a.domain == NULL)
		goto out;
	if (opts->local_domain &&
	    ((rc = table_search_key(&s, a.local, 1, NULL)) != 0 ||
	     (a.bare != NULL && (rc = table_search_key(&s, a.bare, 1, a.ext)) != 0)))
		goto out;
	rc = table_search_keyf(&s, 1, NULL, "@%s", a.domain);
out:
	table_addr_deinit(&a);
	return rc;
}

int table_find_transport(struct table *const *tables, size_t n_tables, const char *address,
			 const struct table_find_opts *opts, struct table_match *match_r,
			 char **error_r)
{
	const struct table_search s = {tables, n_tables, match_r, error_r};
	struct table_addr a;
	int rc;

	table_addr_split(address, opts->delimiters, &a);
	if ((rc = table_search_key(&s, address, 0, NULL)) != 0 ||
	    (rc = table_search_bare(&s, &a)) != 0 ||
	    (a.domain != NULL && (rc = table_search_domain(&s, a.domain, opts, 1)) != 0))
		goto out;
	/* Postfix asks for the wild card as a full key. */
	rc = table_search_key(&s, "*", 0, NULL);
out:
	table_addr_deinit(&a);
	return rc;
}

/* table_is_hostaddr: is name an IPv4 or IPv6 address? */
static int table_is_hostaddr(const char *name)
{
	unsigned char addr[16];
	return inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1;
}

int table_find_domain(struct table *const *tables, size_t n_tables, const char *domain,
		      const struct table_find_opts *opts, struct table_match *match_r,
		      char **error_r)
{
	const struct table_search s = {tables, n_tables, match_r, error_r};
	/* No subdomain magic for numeric names. */
	if (table_is_hostaddr(domain))
		return table_search_key(&s, domain, 0, NULL);
	return table_search_domain(&s, domain, opts, 0);
}

int table_find_hostaddr(struct table *const *tables, size_t n_tables, const char *address,
			struct table_match *match_r, char **error_r)
{
	const struct table_search s = {tables, n_tables, match_r, error_r};
	char *key = xstrdup(address);
	int delim = strchr(key, ':') != NULL ? ':' : '.';
	int rc, partial = 0;
	char *cut;
	do {
		if ((rc = table_search_key(&s, key, partial, NULL)) != 0)
			break;
		partial = 1;
		if ((cut = strrchr(key, delim)) != NULL)
			*cut = '\0';
	} while (cut != NULL);
	free(key);
	return rc;
}
