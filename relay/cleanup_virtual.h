/* cleanup_virtual.h: virtual_alias_maps, as Postfix's cleanup(8) applies
 * them to each recipient before the message is queued.
 *
 * A recipient is looked up with virtual(5)'s keys (user+ext@domain,
 * user@domain, then for a local domain user+ext and user, then @domain;
 * recipient_delimiter decides the extension, see table_find.h). A result
 * is a list of addresses (commas and/or white space): the first takes the
 * recipient's place and is looked up again, the others join the end of
 * the list and are expanded in their turn, as Postfix's cleanup does. An
 * address that expands into itself (user@example -> user@example,
 * other@example) stays, once; an address met again later in the list is
 * dropped. A loop (a -> b, b -> a) runs into virtual_alias_recursion_limit
 * and, like more than virtual_alias_expansion_limit results, means the
 * message is not accepted for now ("unreasonable virtual_alias_maps map
 * nesting"/"expansion size", Postfix's 451 4.6.0). An extension removed to
 * make a match is added to the results (propagate_unmatched_extensions'
 * default).
 *
 * A domain is local when it is $myhostname, $myorigin, or listed in
 * $mydestination (names, or lookup tables asked for the domain).
 * Thread-safe once made.
 */
#ifndef POSTERN_CLEANUP_VIRTUAL_H
#define POSTERN_CLEANUP_VIRTUAL_H

#include <stddef.h>

#include "cfg.h"

struct cleanup_virtual;

/* cleanup_virtual_new: read virtual_alias_maps, recipient_delimiter, the
 * limits and the local domains from view. 1 with *cv_r (NULL when
 * virtual_alias_maps is empty: nothing to do), -1 with *error_r. */
int cleanup_virtual_new(const struct cfg *view, struct cleanup_virtual **cv_r, char **error_r);
/* cleanup_virtual_free: release *cvp and clear it; accepts NULL. */
void cleanup_virtual_free(struct cleanup_virtual **cvp);

/* cleanup_virtual_expand: the recipients that addr (internal form)
 * becomes, appended to *list (a NULL-terminated malloc'd array of malloc'd
 * strings, *n entries; start with NULL and 0) unless already there. 1 ok
 * (addr itself when no alias applies); 0 a limit was passed, -1 a lookup
 * failed, both with *error_r and *list unchanged. */
int cleanup_virtual_expand(const struct cleanup_virtual *cv, const char *addr, char ***list,
			   size_t *n, char **error_r);

#endif
