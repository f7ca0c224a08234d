/* spf_loop.h: one event loop of postern-spf and the connections it
 * serves (see spf_server.h for the whole). Each loop runs on a thread of
 * its own with its own libevent base, SPF engine and DNS socket; the
 * result cache, the DNS cache and the worker pool are shared.
 *
 * A connection stays on the loop it was handed to. A connection has at
 * most one request in evaluation; cached answers and skips are given at
 * once, other requests are evaluated on the loop (spf_dns_async.h) or by
 * a worker (spf_pool.h) under a per-request deadline (request_timeout,
 * then timeout_action).
 *
 * Malformed input (a line without "=", an over-long line, binary garbage,
 * a request cut off by the end of the connection) is logged and the
 * connection is closed; a request without client_address gets DUNNO. Other
 * clients are not affected.
 *
 * Order of use: spf_loop_new, spf_loop_run (on the loop's thread) until
 * it returns, and once every loop has returned: spf_loop_close, then,
 * after the workers have stopped, spf_loop_free.
 */
#ifndef POSTERN_SPF_LOOP_H
#define POSTERN_SPF_LOOP_H

#include <stddef.h>

#include <event2/event.h>

#include "spf_conf.h"
#include "spf_engine.h"

struct spf_cache;
struct spf_pool;
struct spf_loop;

/* spf_loop_new: loop number index for conf (which must outlive it),
 * answering from cache and sharing dns_cache with the workers. Returns 1
 * with *loop_r, or -1 with *error_r. */
int spf_loop_new(const struct spf_conf *conf, size_t index, struct spf_cache *cache,
		 struct spf_cache *dns_cache, struct spf_loop **loop_r, char **error_r);
/* spf_loop_base: the loop's event base (the server adds its listeners
 * and signal event to loop 0's). */
struct event_base *spf_loop_base(struct spf_loop *loop);
/* spf_loop_add_stream: serve one client reading in_fd and writing out_fd
 * (spawn mode), on the thread that will run the loop; the loop ends when
 * that client is done. */
void spf_loop_add_stream(struct spf_loop *loop, int in_fd, int out_fd);
/* spf_loop_hand: serve the accepted socket fd (peer names it in logs);
 * from any thread. The loop owns fd from now on. */
void spf_loop_hand(struct spf_loop *loop, int fd, const char *peer);
/* spf_loop_load: connections handed to the loop and not closed yet; read
 * from any thread (a hint for spreading connections). */
size_t spf_loop_load(struct spf_loop *loop);
/* spf_loop_run: run the loop, sending work it cannot do itself to pool,
 * until it is stopped and its checks in hand are answered (or have timed
 * out), or the stream has ended. */
void spf_loop_run(struct spf_loop *loop, struct spf_pool *pool);
/* spf_loop_stop: close idle connections, answer the busy ones, then end
 * spf_loop_run; from any thread. */
void spf_loop_stop(struct spf_loop *loop);
/* spf_loop_close: close every connection left, on a loop that no longer
 * runs; checks still with the workers are then answered to no one. */
void spf_loop_close(struct spf_loop *loop);
/* spf_loop_free: release *lp, with what was handed to it and not taken
 * (the workers must have stopped); set *lp to NULL; accepts NULL. */
void spf_loop_free(struct spf_loop **lp);

/* spf_loop_work: the workers' function (spf_pool_work_fn): evaluate job
 * with engine and hand it back to its loop. */
void spf_loop_work(struct spf_engine *engine, void *job, void *ctx);
/* spf_loop_job_drop: release a job no worker started (spf_pool_stop). */
void spf_loop_job_drop(void *job);

#endif
