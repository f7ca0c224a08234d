/* cfg_list.h: Postfix list values.
 *
 * A list value ("permit_mynetworks, reject_unauth_destination",
 * "$myhostname localhost") is split at commas and/or white space. As in
 * Postfix 3, a "{ ... }" group is one item even when it holds separators,
 * e.g. "check_policy_service { inet:127.0.0.1:9998, timeout=10s }" gives
 * two items, the second with its braces; cfg_unbrace() opens such a group.
 */
#ifndef POSTERN_CFG_LIST_H
#define POSTERN_CFG_LIST_H

#include <stddef.h>

/* cfg_list_split: split value into *items_r, a NULL-terminated array of
 * malloc'd items (free with cfg_list_free), and their number in *n_r
 * (may be NULL). 1 ok (possibly no items); -1 when braces do not balance,
 * with *error_r. */
int cfg_list_split(const char *value, char ***items_r, size_t *n_r, char **error_r);
/* cfg_split_at: the same with other separators, e.g. only white space
 * for the fields of a master.cf line. */
int cfg_split_at(const char *value, const char *separators, char ***items_r, size_t *n_r,
		 char **error_r);
/* cfg_list_free: release a list from cfg_list_split and clear the pointer;
 * accepts NULL. */
void cfg_list_free(char ***itemsp);

/* cfg_unbrace: for "{ text }" (white space around allowed) set *inner_r to
 * text without the white space just inside the braces and return 1; for
 * text without braces set *inner_r to a copy and return 0. -1 when the
 * braces do not balance or text follows the closing brace, with *error_r.
 * *inner_r is malloc'd. */
int cfg_unbrace(const char *text, char **inner_r, char **error_r);

#endif
