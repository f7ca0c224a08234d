/* spf_pool.c: worker threads for the blocking libspf2 evaluations (see
 * spf_pool.h). One FIFO list of jobs under a mutex. */
#include "config.h"

#include "spf_pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct node {
	struct node *next;
	void *job;
};

struct fifo {
	struct node *head, *tail;
};

struct spf_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct fifo waiting;
	int stopping;
	spf_pool_work_fn *work;
	void *ctx;
	size_t n;
	pthread_t *threads;
	struct spf_engine **engines;
	size_t started;
};

struct worker_arg {
	struct spf_pool *pool;
	struct spf_engine *engine;
};

static void fifo_push(struct fifo *f, void *job)
{
	struct node *n = xmalloc(sizeof(*n));
	n->next = NULL;
	n->job = job;
	if (f->tail != NULL)
		f->tail->next = n;
	else
		f->head = n;
	f->tail = n;
}

static void *fifo_pop(struct fifo *f)
{
	struct node *n = f->head;
	if (n == NULL)
		return NULL;
	f->head = n->next;
	if (f->head == NULL)
		f->tail = NULL;
	void *job = n->job;
	free(n);
	return job;
}

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct spf_pool *pool = wa->pool;
	struct spf_engine *engine = wa->engine;
	free(wa);
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (pool->waiting.head == NULL && !pool->stopping)
			pthread_cond_wait(&pool->wake, &pool->lock);
		if (pool->stopping)
			break;
		void *job = fifo_pop(&pool->waiting);
		pthread_mutex_unlock(&pool->lock);
		pool->work(engine, job, pool->ctx);
		pthread_mutex_lock(&pool->lock);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

int spf_pool_new(size_t n, const char *receiver, struct spf_cache *dns_cache,
		 spf_pool_work_fn *work, void *ctx, struct spf_pool **pool_r, char **error_r)
{
	struct spf_pool *pool = xcalloc(1, sizeof(*pool));
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->wake, NULL);
	pool->work = work;
	pool->ctx = ctx;
	pool->n = n;
	pool->threads = xcalloc(n, sizeof(*pool->threads));
	pool->engines = xcalloc(n, sizeof(*pool->engines));
	for (size_t i = 0; i < n; i++) {
		if (spf_engine_new(receiver, dns_cache, &pool->engines[i], error_r) < 0) {
			spf_pool_free(&pool);
			return -1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct worker_arg *wa = xmalloc(sizeof(*wa));
		wa->pool = pool;
		wa->engine = pool->engines[i];
		int rc = pthread_create(&pool->threads[i], NULL, worker, wa);
		if (rc != 0) {
			free(wa);
			*error_r = xasprintf("pthread_create: %s", strerror(rc));
			spf_pool_free(&pool);
			return -1;
		}
		pool->started++;
	}
	*pool_r = pool;
	return 1;
}

void spf_pool_submit(struct spf_pool *pool, void *job)
{
	pthread_mutex_lock(&pool->lock);
	fifo_push(&pool->waiting, job);
	pthread_cond_signal(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
}

void *spf_pool_take_unstarted(struct spf_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	void *job = fifo_pop(&pool->waiting);
	pthread_mutex_unlock(&pool->lock);
	return job;
}

void spf_pool_stop(struct spf_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->stopping = 1;
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	for (size_t i = 0; i < pool->started; i++)
		pthread_join(pool->threads[i], NULL);
	pool->started = 0;
}

void spf_pool_free(struct spf_pool **pp)
{
	struct spf_pool *pool = *pp;
	if (pool == NULL)
		return;
	spf_pool_stop(pool);
	for (size_t i = 0; i < pool->n; i++)
		spf_engine_free(&pool->engines[i]);
	while (fifo_pop(&pool->waiting) != NULL)
		;
	free(pool->threads);
	free(pool->engines);
	pthread_cond_destroy(&pool->wake);
	pthread_mutex_destroy(&pool->lock);
	FREE_AND_NULL(*pp);
}
