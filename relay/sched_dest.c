/* sched_dest.c: destinations (transport and next hop) with their
 * concurrency limits, the global delivery limit, and the start of waiting
 * deliveries (see scheduler.h). */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "sched_private.h"

/* sched_dest_find: the destination of transport:nexthop, made on first
 * use with its transport's concurrency limit. */
static struct sched_dest *sched_dest_find(struct sched *s, const char *transport,
					  const char *nexthop)
{
	for (struct sched_dest *d = s->dests; d != NULL; d = d->next)
		if (strcmp(d->transport, transport) == 0 && strcmp(d->nexthop, nexthop) == 0)
			return d;
	struct sched_dest *d = xcalloc(1, sizeof(*d));
	d->transport = xstrdup(transport);
	d->nexthop = xstrdup(nexthop);
	d->limit = sched_conf_transport_limit(s->conf, transport, "destination_concurrency_limit");
	d->tail = &d->head;
	d->next = s->dests;
	s->dests = d;
	return d;
}

/* sched_dest_can_start: does a limit stop d from starting one more? */
static int sched_dest_can_start(const struct sched *s, const struct sched_dest *d)
{
	if (d->head == NULL || atomic_load(&s->stop))
		return 0;
	if (s->conf->process_limit > 0 && s->running >= (size_t)s->conf->process_limit)
		return 0;
	return d->limit <= 0 || d->running < (size_t)d->limit;
}

/* sched_dest_start: start d's waiting deliveries while limits allow. */
static void sched_dest_start(struct sched *s, struct sched_dest *d)
{
	while (sched_dest_can_start(s, d)) {
		struct sched_job *job = d->head;
		d->head = job->next;
		if (d->head == NULL)
			d->tail = &d->head;
		job->next = NULL;
		d->running++;
		s->running++;
		sched_job_start(job);
	}
}

void sched_dest_submit(struct sched *s, struct sched_job *job)
{
	struct sched_dest *d = sched_dest_find(s, job->transport, job->nexthop);
	job->d = d;
	*d->tail = job;
	d->tail = &job->next;
	sched_dest_start(s, d);
}

/* sched_dest_release: job no longer holds a slot of d. */
static void sched_dest_release(struct sched *s, struct sched_dest *d)
{
	d->running--;
	s->running--;
}

void sched_dest_free_slot(struct sched *s, struct sched_job *job)
{
	sched_dest_release(s, job->d);
	job->slot_freed = 1;
	s->finishing++;
	sched_dest_start(s, job->d);
	for (struct sched_dest *o = s->dests; o != NULL; o = o->next)
		if (o != job->d)
			sched_dest_start(s, o);
}

void sched_dest_done(struct sched *s, struct sched_job *job)
{
	struct sched_dest *d = job->d;
	struct sched_msg *m = job->m;
	if (job->slot_freed)
		s->finishing--;
	else
		sched_dest_release(s, d);
	if (job->interrupted)
		m->interrupted = 1;
	m->open_rcpts -= job->n_final;
	sched_job_free(&job);
	if (--m->jobs_left == 0)
		sched_queue_finish(s, m);
	sched_dest_start(s, d);
	for (struct sched_dest *o = s->dests; o != NULL; o = o->next)
		if (o != d)
			sched_dest_start(s, o);
}

void sched_dest_free_all(struct sched *s)
{
	while (s->dests != NULL) {
		struct sched_dest *d = s->dests;
		s->dests = d->next;
		while (d->head != NULL) {
			struct sched_job *job = d->head;
			d->head = job->next;
			if (--job->m->jobs_left == 0) {
				sched_bounce_free(job->m);
				free(job->m);
			}
			sched_job_free(&job);
		}
		free(d->transport);
		free(d->nexthop);
		free(d);
	}
}
