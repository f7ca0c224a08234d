/* spf_mailbox.h: items handed to an event loop from other threads (a new
 * connection from the accepting loop, a finished evaluation from a worker,
 * a request to stop). The poster appends under a lock and, when the list
 * was empty, wakes the loop through an eventfd; the loop then takes the
 * whole list and calls fn for each item in the order they were posted.
 * Items are the caller's: the mailbox only carries them.
 */
#ifndef POSTERN_SPF_MAILBOX_H
#define POSTERN_SPF_MAILBOX_H

#include <event2/event.h>

typedef void spf_mailbox_fn(void *item, void *ctx);

struct spf_mailbox;

/* spf_mailbox_new: a mailbox read by base's loop, which calls fn(item,
 * ctx) for each item. Returns 1 with *mb_r, or -1 with *error_r (no
 * eventfd). */
int spf_mailbox_new(struct event_base *base, spf_mailbox_fn *fn, void *ctx,
		    struct spf_mailbox **mb_r, char **error_r);
/* spf_mailbox_post: hand item to the loop; from any thread. */
void spf_mailbox_post(struct spf_mailbox *mb, void *item);
/* spf_mailbox_drain: call fn for every item waiting, on the calling
 * thread (when the loop no longer runs). */
void spf_mailbox_drain(struct spf_mailbox *mb);
/* spf_mailbox_free: release *mbp (drain it first: items still waiting
 * are not freed) and set it to NULL; accepts NULL. */
void spf_mailbox_free(struct spf_mailbox **mbp);

#endif
