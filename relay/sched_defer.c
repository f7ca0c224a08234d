/* sched_defer.c: the scheduler's side of the defer logs (queue_defer.h):
 * a delivery notes why each recipient it deferred was deferred; a message
 * removed from the queue takes its log with it. */
#include <stdlib.h>

#include "deliver.h"
#include "log.h"
#include "sched_private.h"

void sched_defer_note(struct sched_job *job, const struct queue_msg *msg, const size_t *rcpts,
		      const struct deliver_status *st, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (st[k].state != QUEUE_RCPT_DEFERRED || st[k].text == NULL)
			continue;
		char *error = NULL;
		if (queue_defer_note(job->s->qd, job->m->id,
				     queue_msg_rcpt(msg, rcpts[k])->address, st[k].text,
				     &error) < 0) {
			log_warn("%s: %s", job->m->id, error);
			free(error);
		}
	}
}

void sched_defer_forget(struct sched *s, const char *id)
{
	queue_defer_remove(s->qd, id);
}
