/* queue_defer.h: the defer logs: why each recipient of a queued message
 * was last deferred, as Postfix keeps them in its defer/ directory for
 * mailq.
 *
 * One file per message, defer/ID, of lines "address<TAB>reason\n",
 * appended (O_APPEND, one write per line) by the delivery threads; the
 * last line for an address is its current reason. The logs are advice
 * for people: they are not synced, and a missing or damaged one only
 * means "reason unavailable". The scheduler removes a message's log with
 * the message.
 */
#ifndef POSTERN_QUEUE_DEFER_H
#define POSTERN_QUEUE_DEFER_H

#include <stddef.h>

#include "queue_dir.h"

/* queue_defer_note: record reason (a single line; control characters
 * become spaces) for address in id's log. 1 ok, -1 error with *error_r. */
int queue_defer_note(const struct queue_dir *qd, const char *id, const char *address,
		     const char *reason, char **error_r);

struct queue_defer_reasons {
	char **addresses; /* each address once, with its last reason */
	char **reasons;
	size_t n;
};

/* queue_defer_read: id's reasons (none when it has no log). Release with
 * queue_defer_reasons_deinit. */
void queue_defer_read(const struct queue_dir *qd, const char *id, struct queue_defer_reasons *r);
/* queue_defer_reason: address's reason in r, or NULL. */
const char *queue_defer_reason(const struct queue_defer_reasons *r, const char *address);
void queue_defer_reasons_deinit(struct queue_defer_reasons *r);

/* queue_defer_remove: remove id's log, if any. */
void queue_defer_remove(const struct queue_dir *qd, const char *id);

#endif
