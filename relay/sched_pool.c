/* sched_pool.c: the delivery threads. A delivery used to get a thread of
 * its own; creating and tearing down one per message (stack mappings,
 * clone) was a tenth of posternd's time at high rates, so finished
 * threads now wait for the next delivery. A new thread is made only when
 * none is idle, so there are never more than the most deliveries that
 * ran at once (default_process_limit bounds it). */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sched_private.h"

static void *sched_pool_thread(void *arg)
{
	struct sched_pool *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->head == NULL && !p->stopping)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->head == NULL)
			break;
		struct sched_job *job = p->head;
		p->head = job->next;
		if (p->head == NULL)
			p->tail = &p->head;
		job->next = NULL;
		p->idle--;
		pthread_mutex_unlock(&p->lock);
		sched_job_work(job);
		pthread_mutex_lock(&p->lock);
		p->idle++;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

void sched_pool_init(struct sched_pool *p)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->tail = &p->head;
}

int sched_pool_submit(struct sched_pool *p, struct sched_job *job)
{
	int rc = 0;
	pthread_mutex_lock(&p->lock);
	size_t queued = 0;
	for (struct sched_job *j = p->head; j != NULL; j = j->next)
		queued++;
	if (p->idle <= queued) {
		pthread_t tid;
		rc = pthread_create(&tid, NULL, sched_pool_thread, p);
		if (rc == 0) {
			p->tids = xreallocarray(p->tids, p->n_tids + 1, sizeof(*p->tids));
			p->tids[p->n_tids++] = tid;
			p->idle++;
		} else if (p->n_tids > 0) {
			rc = 0; /* a busy thread takes it when it is done */
		}
	}
	if (rc == 0) {
		*p->tail = job;
		p->tail = &job->next;
		pthread_cond_signal(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void sched_pool_deinit(struct sched_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < p->n_tids; i++)
		pthread_join(p->tids[i], NULL);
	free(p->tids);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	memset(p, 0, sizeof(*p));
}
