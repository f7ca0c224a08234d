/* table_find.h: Postfix's search orders over lookup tables.
 *
 * Postfix does not look a mail address up as one key: it tries the address,
 * then parts of it, in an order that depends on the feature. These helpers
 * generate the same keys in the same order (from access(5), virtual(5),
 * transport(5) and Postfix's smtpd and trivial-rewrite), asking each key of
 * every table in turn before the next key, as Postfix's lists of tables
 * ("maps") do. Pattern tables (cidr, pcre, regexp) are given only the full
 * search string, never partial keys (parent domains, "user@", "@domain").
 *
 * Addresses are in internal form (no quotes, no angle brackets), already
 * qualified with a domain as Postfix's address resolver leaves them; the
 * null address is the caller's business (Postfix looks up "<>" by default,
 * smtpd_null_access_lookup_key). Keys are folded to lower case by the
 * tables that need it.
 *
 * Each function returns 1 with *match_r filled (release it with
 * table_match_deinit()), 0 when no key matched, or -1 with *error_r when a
 * table failed (then the caller must not treat the address as unmatched).
 */
#ifndef POSTERN_TABLE_FIND_H
#define POSTERN_TABLE_FIND_H

#include <stddef.h>

#include "table.h"

struct table_find_opts {
	/* recipient_delimiter: a set of characters, any of which starts an
	 * address extension; NULL or "" for none. As in Postfix, postmaster,
	 * mailer-daemon, double-bounce, owner-* and *-request (the last two
	 * when "-" is a delimiter) and a local part that starts with a
	 * delimiter are not split. */
	const char *delimiters;
	/* Non-zero when the feature is listed in parent_domain_matches_
	 * subdomains: "example.com" then matches its subdomains too, else
	 * only ".example.com" does. */
	int parent_matches_subdomains;
	/* table_find_virtual() only: the domain is local ($myorigin,
	 * $mydestination, $inet_interfaces, $proxy_interfaces). */
	int local_domain;
};

struct table_match {
	char *value;	 /* the lookup result */
	char *key;	 /* the key that matched, as generated (before folding) */
	char *extension; /* the extension, with its delimiter, removed from the
			  * address to make the match; NULL if none was */
};

/* table_match_deinit: release the strings of a match; accepts a zeroed one. */
void table_match_deinit(struct table_match *match);

/* table_find_access: access(5) for a mail address (check_sender_access,
 * check_recipient_access, ...): user+ext@domain, user@domain, domain and
 * its parent domains, user+ext@, user@. */
int table_find_access(struct table *const *tables, size_t n_tables, const char *address,
		      const struct table_find_opts *opts, struct table_match *match_r,
		      char **error_r);

/* table_find_virtual: virtual(5), canonical(5) and the like:
 * user+ext@domain, user@domain, then for a local domain user+ext and user,
 * then @domain. The caller may re-append match_r->extension to the result
 * (propagate_unmatched_extensions). */
int table_find_virtual(struct table *const *tables, size_t n_tables, const char *address,
		       const struct table_find_opts *opts, struct table_match *match_r,
		       char **error_r);

/* table_find_transport: transport(5): user+ext@domain, user@domain,
 * domain and its parent domains, then the wild card "*". */
int table_find_transport(struct table *const *tables, size_t n_tables, const char *address,
			 const struct table_find_opts *opts, struct table_match *match_r,
			 char **error_r);

/* table_find_domain: access(5) for a host or domain name (check_helo_access,
 * the client name in check_client_access): the name, then its parent
 * domains; a numeric address is only looked up as itself. */
int table_find_domain(struct table *const *tables, size_t n_tables, const char *domain,
		      const struct table_find_opts *opts, struct table_match *match_r,
		      char **error_r);

/* table_find_hostaddr: access(5) for a client IP address: the address,
 * then its parent networks by dropping the last ".octet" (IPv4) or
 * ":octetpair" (IPv6) until nothing is left to drop. */
int table_find_hostaddr(struct table *const *tables, size_t n_tables, const char *address,
			struct table_match *match_r, char **error_r);

#endif
