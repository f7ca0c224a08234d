/* spf_pool.h: a small pool of worker threads, each with its own SPF
 * engine, that run blocking SPF evaluations for the event loops.
 *
 * A loop submits jobs (opaque pointers); a worker runs work(engine, job,
 * ctx), which then owns the job (it hands it back to its loop, see
 * common/mailbox.h). The pool never frees a job.
 */
#ifndef POSTERN_SPF_POOL_H
#define POSTERN_SPF_POOL_H

#include <stddef.h>

#include "spf_engine.h"

typedef void spf_pool_work_fn(struct spf_engine *engine, void *job, void *ctx);

struct spf_pool;

/* spf_pool_new: start n workers, their engines sharing dns_cache (see
 * spf_engine_new). Returns 1 with *pool_r, or -1 with
 * *error_r (an engine or a thread could not be created). */
int spf_pool_new(size_t n, const char *receiver, struct spf_cache *dns_cache,
		 spf_pool_work_fn *work, void *ctx, struct spf_pool **pool_r, char **error_r);
/* spf_pool_submit: queue job for the next free worker. */
void spf_pool_submit(struct spf_pool *pool, void *job);
/* spf_pool_stop: let the workers finish the job in hand and stop them;
 * the jobs not started stay for spf_pool_take_unstarted(). */
void spf_pool_stop(struct spf_pool *pool);
/* spf_pool_take_unstarted: after spf_pool_stop, a job no worker started
 * (the caller's again), or NULL when there is none. */
void *spf_pool_take_unstarted(struct spf_pool *pool);
/* spf_pool_free: spf_pool_stop() if not done yet, then release the pool
 * (jobs not taken back are the caller's). Sets *pp to NULL; accepts NULL. */
void spf_pool_free(struct spf_pool **pp);

#endif
