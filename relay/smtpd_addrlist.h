/* smtpd_addrlist.h: client address lists in Postfix's notation, for
 * parameters such as smtpd_client_event_limit_exceptions and
 * local_header_rewrite_clients' mynetworks (Postfix's namadr_list).
 *
 * Items, tried in order, the first that matches decides:
 *   192.0.2.1  192.0.2.0/24  [2001:db8::1]  [2001:db8::]/32  2001:db8::/32
 *                  an address or a network (host bits are ignored, as
 *                  Postfix does after a warning)
 *   type:name      a lookup table: the client address, then the client
 *                  name, is looked up; found means matched
 *   host.example   the client name, without regard to case;
 *   .example       any name under example
 *   !item          a match of item means "not in the list"
 * A lookup that fails (try again later) makes the whole match fail
 * temporarily, which the caller must not take as "no match".
 */
#ifndef POSTERN_SMTPD_ADDRLIST_H
#define POSTERN_SMTPD_ADDRLIST_H

#include <stddef.h>

struct smtpd_addrlist;

/* smtpd_addrlist_new: compile items (a list value, already split). 1 with
 * *list_r (free with smtpd_addrlist_free), -1 with *error_r naming the bad
 * item. */
int smtpd_addrlist_new(char *const *items, size_t n, struct smtpd_addrlist **list_r,
		       char **error_r);
/* smtpd_addrlist_free: release *lp and clear it; accepts NULL. */
void smtpd_addrlist_free(struct smtpd_addrlist **lp);

/* smtpd_addrlist_match: does the client with address addr (text) and name
 * (NULL or "unknown" when not known) match? 1 yes, 0 no, -1 a table lookup
 * failed (with *error_r). */
int smtpd_addrlist_match(const struct smtpd_addrlist *list, const char *addr, const char *name,
			 char **error_r);

#endif
