/* sched_bounce.c: one non-delivery notification per message and attempt,
 * however many deliveries (destinations) its bounced recipients had.
 *
 * Each delivery of a message hands the recipients it bounced to the
 * message (under the scheduler's lock) without recording them; the last
 * delivery of the attempt to finish takes them all, queues one
 * notification for them with its own, and records them. A crash before
 * that leaves them not final in the queue file: they are tried again
 * (and bounce again), never left without a notification. */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sched_private.h"

/* sched_bounce_append: move entry k of (rcpts, st) to the end of the
 * arrays *rcpts_r, *st_r of *n_r entries. */
static void sched_bounce_append(size_t rcpt, struct deliver_status *st, size_t **rcpts_r,
				struct deliver_status **st_r, size_t *n_r)
{
	*rcpts_r = xreallocarray(*rcpts_r, *n_r + 1, sizeof(**rcpts_r));
	*st_r = xreallocarray(*st_r, *n_r + 1, sizeof(**st_r));
	(*rcpts_r)[*n_r] = rcpt;
	(*st_r)[*n_r] = *st;
	memset(st, 0, sizeof(*st));
	(*n_r)++;
}

size_t sched_bounce_gather(struct sched_job *job, struct deliver_status *st, size_t **rcpts_r,
			   struct deliver_status **st_r)
{
	struct sched_msg *m = job->m;
	size_t n = 0;
	*rcpts_r = NULL;
	*st_r = NULL;
	pthread_mutex_lock(&job->s->lock);
	int last = --m->jobs_unreported == 0;
	for (size_t k = 0; k < job->n_rcpts; k++) {
		if (st[k].state == QUEUE_RCPT_BOUNCED && !last)
			sched_bounce_append(job->rcpts[k], &st[k], &m->bounced_rcpts,
					    &m->bounced_st, &m->n_bounced);
		else
			sched_bounce_append(job->rcpts[k], &st[k], rcpts_r, st_r, &n);
	}
	if (last) {
		for (size_t k = 0; k < m->n_bounced; k++)
			sched_bounce_append(m->bounced_rcpts[k], &m->bounced_st[k], rcpts_r, st_r,
					    &n);
		sched_bounce_free(m);
	}
	pthread_mutex_unlock(&job->s->lock);
	return n;
}

void sched_bounce_drop(struct sched_job *job)
{
	struct sched_msg *m = job->m;
	pthread_mutex_lock(&job->s->lock);
	if (--m->jobs_unreported == 0)
		sched_bounce_free(m);
	pthread_mutex_unlock(&job->s->lock);
}

void sched_bounce_free(struct sched_msg *m)
{
	for (size_t k = 0; k < m->n_bounced; k++)
		deliver_status_deinit(&m->bounced_st[k]);
	FREE_AND_NULL(m->bounced_st);
	FREE_AND_NULL(m->bounced_rcpts);
	m->n_bounced = 0;
}
