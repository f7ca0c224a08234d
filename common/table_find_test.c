/* table_find_test.c: the search orders of access(5), virtual(5) and
 * transport(5). For each case, a table holding the expected keys from the
 * n-th on (each key's value is the key) must match the n-th key, so that
 * every key is tried and in the documented order; decoy keys, which
 * Postfix never asks for in that case, must never match. A key written
 * "~key" is one made by removing the address extension. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "table.h"
#include "table_find.h"
#include "table_test.h"
#include "tap.h"

enum table_find_kind {
	FIND_ACCESS,
	FIND_VIRTUAL,
	FIND_TRANSPORT,
	FIND_DOMAIN,
	FIND_HOSTADDR,
};

struct table_find_case {
	const char *name;
	enum table_find_kind kind;
	const char *search;
	struct table_find_opts opts;
	const char *order[8];  /* the keys Postfix tries, in order (lower case) */
	const char *decoys[6]; /* keys it never tries */
	const char *extension; /* the extension removed for "~" keys */
};

static const struct table_find_case table_find_cases[] = {
    {"access, subdomains match",
     FIND_ACCESS,
     "User+Ext@Sub.Example.COM",
     {"+", 1, 0},
     {"user+ext@sub.example.com", "~user@sub.example.com", "sub.example.com", "example.com", "com",
      "user+ext@", "~user@"},
     {".example.com", ".com", "user+ext", "user", "@sub.example.com", "*"},
     "+Ext"},
    {"access, .domain form",
     FIND_ACCESS,
     "user+ext@sub.example.com",
     {"+", 0, 0},
     {"user+ext@sub.example.com", "~user@sub.example.com", "sub.example.com", ".example.com",
      ".com", "user+ext@", "~user@"},
     {"example.com", "com"},
     "+ext"},
    {"access, no recipient_delimiter",
     FIND_ACCESS,
     "user+ext@example.com",
     {NULL, 1, 0},
     {"user+ext@example.com", "example.com", "com", "user+ext@"},
     {"user@example.com", "user@"},
     NULL},
    {"access, several delimiters",
     FIND_ACCESS,
     "user-a+b@example.com",
     {"+-", 1, 0},
     {"user-a+b@example.com", "~user@example.com", "example.com", "com", "user-a+b@", "~user@"},
     {"user-a@example.com", "user-a@"},
     "-a+b"},
    {"access, owner- is not split",
     FIND_ACCESS,
     "owner-list@example.com",
     {"-", 1, 0},
     {"owner-list@example.com", "example.com", "com", "owner-list@"},
     {"owner@example.com", "owner@"},
     NULL},
    {"access, -request is not split",
     FIND_ACCESS,
     "list-request@example.com",
     {"-", 1, 0},
     {"list-request@example.com", "example.com", "com", "list-request@"},
     {"list@example.com", "list@"},
     NULL},
    {"access, owner- splits at +",
     FIND_ACCESS,
     "owner-list+x@example.com",
     {"+", 1, 0},
     {"owner-list+x@example.com", "~owner-list@example.com", "example.com", "com", "owner-list+x@",
      "~owner-list@"},
     {"owner@example.com"},
     "+x"},
    {"access, postmaster is not split",
     FIND_ACCESS,
     "postmaster@example.com",
     {"+", 1, 0},
     {"postmaster@example.com", "example.com", "com", "postmaster@"},
     {"@example.com"},
     NULL},
    {"access, leading delimiter",
     FIND_ACCESS,
     "+x@example.com",
     {"+", 1, 0},
     {"+x@example.com", "example.com", "com", "+x@"},
     {"@example.com", "x@example.com"},
     NULL},
    {"virtual, local domain",
     FIND_VIRTUAL,
     "user+ext@example.com",
     {"+", 1, 1},
     {"user+ext@example.com", "~user@example.com", "user+ext", "~user", "@example.com"},
     {"example.com", "user+ext@", "user@", "com"},
     "+ext"},
    {"virtual, other domain",
     FIND_VIRTUAL,
     "user+ext@example.com",
     {"+", 1, 0},
     {"user+ext@example.com", "~user@example.com", "@example.com"},
     {"user+ext", "user", "example.com", "user@"},
     "+ext"},
    {"virtual, no domain",
     FIND_VIRTUAL,
     "user+ext",
     {"+", 1, 1},
     {"user+ext", "~user"},
     {"@", "user@"},
     "+ext"},
    {"transport, .domain form",
     FIND_TRANSPORT,
     "user+ext@a.example.com",
     {"+", 0, 0},
     {"user+ext@a.example.com", "~user@a.example.com", "a.example.com", ".example.com", ".com",
      "*"},
     {"example.com", "user@", "@a.example.com"},
     "+ext"},
    {"transport, subdomains match",
     FIND_TRANSPORT,
     "user@a.example.com",
     {"+", 1, 0},
     {"user@a.example.com", "a.example.com", "example.com", "com", "*"},
     {".example.com", "user@"},
     NULL},
    {"domain, subdomains match",
     FIND_DOMAIN,
     "Mail.Example.com",
     {NULL, 1, 0},
     {"mail.example.com", "example.com", "com"},
     {".example.com", ".com"},
     NULL},
    {"domain, .domain form",
     FIND_DOMAIN,
     "mail.example.com",
     {NULL, 0, 0},
     {"mail.example.com", ".example.com", ".com"},
     {"example.com", "com"},
     NULL},
    {"domain, a numeric name",
     FIND_DOMAIN,
     "192.0.2.1",
     {NULL, 1, 0},
     {"192.0.2.1"},
     {"0.2.1", "2.1", "1"},
     NULL},
    {"client IPv4 address",
     FIND_HOSTADDR,
     "192.0.2.1",
     {NULL, 0, 0},
     {"192.0.2.1", "192.0.2", "192.0", "192"},
     {"0.2.1", "2.1"},
     NULL},
    {"client IPv6 address",
     FIND_HOSTADDR,
     "2001:DB8::1",
     {NULL, 0, 0},
     {"2001:db8::1", "2001:db8:", "2001:db8", "2001"},
     {"db8::1", "2001:db8::"},
     NULL},
};

static int table_find_run(enum table_find_kind kind, struct table *const *tables, size_t n,
			  const char *search, const struct table_find_opts *opts,
			  struct table_match *match, char **error)
{
	switch (kind) {
	case FIND_ACCESS:
		return table_find_access(tables, n, search, opts, match, error);
	case FIND_VIRTUAL:
		return table_find_virtual(tables, n, search, opts, match, error);
	case FIND_TRANSPORT:
		return table_find_transport(tables, n, search, opts, match, error);
	case FIND_DOMAIN:
		return table_find_domain(tables, n, search, opts, match, error);
	case FIND_HOSTADDR:
		return table_find_hostaddr(tables, n, search, match, error);
	}
	return -1;
}

/* table_find_key: an expected key without its "~" mark. */
static const char *table_find_key(const char *key)
{
	return key[0] == '~' ? key + 1 : key;
}

/* table_find_keys: a texthash table of keys[from..] and the decoys. */
static struct table *table_find_keys(const struct table_find_case *c, size_t from)
{
	struct buf text;
	buf_init(&text, 0);
	for (size_t i = from; i < 8 && c->order[i] != NULL; i++)
		buf_printf(&text, "%s %s\n", table_find_key(c->order[i]),
			   table_find_key(c->order[i]));
	for (size_t i = 0; i < 6 && c->decoys[i] != NULL; i++)
		buf_printf(&text, "%s decoy\n", c->decoys[i]);
	struct table *t = table_test_text("texthash", buf_cstr(&text), 0);
	buf_deinit(&text);
	return t;
}

static void test_orders(void)
{
	for (size_t i = 0; i < sizeof(table_find_cases) / sizeof(*table_find_cases); i++) {
		const struct table_find_case *c = &table_find_cases[i];
		size_t n_keys = 0;
		while (n_keys < 8 && c->order[n_keys] != NULL)
			n_keys++;
		for (size_t from = 0; from <= n_keys; from++) {
			struct table *t = table_find_keys(c, from);
			struct table_match match = {0};
			char *error = NULL;
			int rc =
			    table_find_run(c->kind, &t, 1, c->search, &c->opts, &match, &error);
			const char *want = from < n_keys ? table_find_key(c->order[from]) : NULL;
			tap_is_str(rc > 0 ? match.value : NULL, want, "%s: %s finds %s", c->name,
				   c->search, want ? want : "nothing");
			if (rc > 0)
				tap_is_str(match.extension,
					   c->order[from][0] == '~' ? c->extension : NULL,
					   "%s: extension removed for %s", c->name, want);
			table_match_deinit(&match);
			free(error);
			table_free(&t);
		}
	}
}

static void test_key_order_across_tables(void)
{
	struct table *tables[2] = {table_test_open("inline:{example.com=domain}", 0),
				   table_test_open("inline:{u@example.com=address}", 0)};
	struct table_find_opts opts = {"+", 1, 0};
	struct table_match match = {0};
	char *error = NULL;
	tap_is_int(table_find_access(tables, 2, "u@example.com", &opts, &match, &error), 1,
		   "two tables: found");
	tap_is_str(match.value, "address", "each key is asked of every table before the next");
	tap_is_str(match.key, "u@example.com", "the matching key is reported");
	table_match_deinit(&match);
	table_free(&tables[0]);
	table_free(&tables[1]);
}

static void test_pattern_tables(void)
{
	struct table *t = table_test_open("pcre:{ {/^example\\.com$/ domain}, {/^u@$/ user} }", 0);
	struct table_find_opts opts = {"+", 1, 1};
	struct table_match match = {0};
	char *error = NULL;
	tap_is_int(table_find_access(&t, 1, "u@example.com", &opts, &match, &error), 0,
		   "a pattern table never sees partial access keys");
	tap_is_int(table_find_virtual(&t, 1, "u@example.com", &opts, &match, &error), 0,
		   "nor partial virtual keys");
	tap_is_int(table_find_domain(&t, 1, "example.com", &opts, &match, &error), 1,
		   "but sees a domain looked up as a whole");
	table_match_deinit(&match);
	table_free(&t);

	t = table_test_open("regexp:{ {/^[*]$/ wildcard} }", 0);
	tap_is_int(table_find_transport(&t, 1, "u@example.com", &opts, &match, &error), 1,
		   "the transport wild card is a full key, as in Postfix");
	tap_is_str(match.value, "wildcard", "and a pattern table can answer it");
	table_match_deinit(&match);
	table_free(&t);
}

static void test_errors(void)
{
	/* Exponential backtracking runs into PCRE2's match limit. */
	struct table *t = table_test_open("pcre:{ {/^(a|a?)+$/ never} }", 0);
	struct table_find_opts opts = {"+", 1, 0};
	struct table_match match = {0};
	char *error = NULL;
	tap_is_int(table_find_access(&t, 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", &opts,
				     &match, &error),
		   -1, "a failed lookup is an error, not a miss");
	tap_ok(error != NULL && strstr(error, "matching failed") != NULL, "with a message: %s",
	       error);
	free(error);
	table_free(&t);
}

int main(void)
{
	test_orders();
	test_key_order_across_tables();
	test_pattern_tables();
	test_errors();
	return tap_done();
}
