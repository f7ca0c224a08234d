/* deliver_simple.h: the transports that need no peer: discard:, error:
 * and retry:, as Postfix's discard(8) and error(8) behave. */
#ifndef POSTERN_DELIVER_SIMPLE_H
#define POSTERN_DELIVER_SIMPLE_H

#include "deliver.h"

/* deliver_discard: report the recipient delivered (dsn 2.0.0, relay
 * none) with the nexthop as the text, or "discarded" when it is empty. */
void deliver_discard(const char *nexthop, struct deliver_status *st_r);

/* deliver_error: fail the recipient with the nexthop's text: "X.Y.Z text"
 * gives that status (a 4.X.X status defers, anything else bounces), a
 * text without a status gives 5.0.0, an empty one "mail delivery
 * disabled" (relay none). */
void deliver_error(const char *nexthop, struct deliver_status *st_r);

/* deliver_retry: defer the recipient, as Postfix's retry service (error(8)
 * run as "retry") does for mail the queue manager will not deliver now:
 * "4.X.Y text" gives that status, a text without one 4.3.0 (any 5.X.Y is
 * made 4.X.Y), relay none. The scheduler uses it for "4.3.2 deferred
 * transport" (defer_transports) and for a table it could not read. */
void deliver_retry(const char *nexthop, struct deliver_status *st_r);

#endif
