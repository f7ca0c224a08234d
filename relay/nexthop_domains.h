/* nexthop_domains.h: a Postfix domain list (mydestination, relay_domains,
 * virtual_*_domains) compiled for matching.
 *
 * Items are separated by commas and/or white space: "name" matches the
 * name (and its subdomains when parent is set), ".name" its subdomains,
 * "type:name" a table whose keys are looked up as the name and its parent
 * domains (table_find_domain). Case does not matter.
 */
#ifndef POSTERN_NEXTHOP_DOMAINS_H
#define POSTERN_NEXTHOP_DOMAINS_H

struct nexthop_domains;

/* nexthop_domains_new: compile value (NULL or "" gives an empty list) into
 * *list_r, freed with nexthop_domains_free(). 1 ok; -1 with *error_r. */
int nexthop_domains_new(const char *value, int parent, struct nexthop_domains **list_r,
			char **error_r);

/* nexthop_domains_free: free *listp and set it to NULL; accepts NULL. */
void nexthop_domains_free(struct nexthop_domains **listp);

/* nexthop_domains_match: 1 when domain is in the list, 0 when not, -1
 * with *error_r when a table lookup failed. */
int nexthop_domains_match(const struct nexthop_domains *list, const char *domain, char **error_r);

#endif
