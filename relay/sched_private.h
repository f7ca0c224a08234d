/* sched_private.h: the scheduler's internals, shared by scheduler.c (thread,
 * events), sched_queue.c (queue files), sched_dest.c (destinations and
 * limits) and sched_job.c (the delivery threads). Everything here runs on
 * the scheduler thread except sched_job's thread body, which touches only
 * its own job and, under the lock, the done list and its message's
 * bounced results.
 */
#ifndef POSTERN_SCHED_PRIVATE_H
#define POSTERN_SCHED_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "deliver.h"
#include "queue.h"
#include "queue_commit.h"
#include "sched_conf.h"
#include "scheduler.h"

/* Postfix's qmgr_message_active_limit: messages in memory at once. */
#define SCHED_MSG_LIMIT 20000
/* How many queue files, and how many bytes of them, deliveries that wait
 * for a free slot may hold open and read (sched_job.msg). */
#define SCHED_HELD_MSGS 256
#define SCHED_HELD_BYTES (32u * 1024 * 1024)

struct sched_msg {
	char id[QUEUE_ID_SIZE];
	int64_t active_us;  /* when it was taken into active/ */
	int64_t arrival_us; /* from the queue file */
	size_t jobs_left;   /* deliveries not finished */
	size_t open_rcpts;  /* recipients not final (delivered or bounced) */
	int interrupted;    /* a delivery was interrupted by the stop */
	/* Under the scheduler's lock (sched_bounce.c): */
	size_t jobs_unreported;		   /* deliveries that have not handed in */
	size_t *bounced_rcpts;		   /* recipients bounced this attempt, */
	struct deliver_status *bounced_st; /* not recorded yet */
	size_t n_bounced;
};

struct sched_dest;

struct sched_job {
	struct sched_job *next; /* in its destination's wait list or the done list */
	struct sched *s;
	struct sched_msg *m;
	struct sched_dest *d;
	char *transport;
	char *nexthop;
	size_t *rcpts; /* recipient indexes in the queue file */
	size_t n_rcpts;
	struct sched_job *next_freed; /* in the freed list */
	int slot_freed;		      /* its destination slot was given back */
	int interrupted; /* set by the thread: nothing was recorded */
	size_t n_final;	 /* set by the thread: recipients recorded as final */
	/* The file as the scheduler read it to plan the message, open for
	 * status updates, when this is the message's only delivery: the
	 * delivery takes it instead of reading the file again. NULL: the
	 * delivery opens the file itself. */
	struct queue_msg *msg;
};

struct sched_dest {
	struct sched_dest *next;
	char *transport;
	char *nexthop;
	long long limit; /* concurrency, 0 none */
	size_t running;
	struct sched_job *head, **tail; /* waiting deliveries */
};

/* The delivery threads (sched_pool.c). */
struct sched_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sched_job *head, **tail; /* deliveries waiting for a thread */
	size_t idle;			/* threads waiting for a delivery */
	int stopping;
	pthread_t *tids;
	size_t n_tids;
};

struct sched {
	struct sched_conf *conf;
	struct queue_dir *qd;
	struct queue_committer *committer; /* group commit of the deliveries' results
					      (the SMTP server's, borrowed) */
	struct sched_pool pool;
	struct event_base *base;
	struct event *ev_inotify, *ev_timer, *ev_done, *ev_stop, *ev_rescan;
	struct event *ev_cache; /* every second: close idle cached SMTP sessions */
	int inotify_fd, done_fd;
	pthread_t thread;
	atomic_int stop;
	pthread_mutex_t lock;	     /* guards done and freed */
	struct sched_job *done;	     /* finished deliveries, posted by their threads */
	struct sched_job *freed;     /* deliveries whose transport is done: they only
					record the results now (posted by their threads) */
	struct sched_dest *dests;    /* every destination seen */
	size_t running;		     /* deliveries holding a destination slot */
	size_t finishing;	     /* deliveries that gave their slot back early */
	size_t n_msgs;		     /* messages in active/ */
	size_t held_msgs;	     /* files held by waiting deliveries (job->msg) */
	uint64_t held_bytes;	     /* and their content bytes */
	int backlog;		     /* incoming/ had more than SCHED_MSG_LIMIT allowed */
};

/* sched_queue_take: move id from queue from (incoming or deferred) to
 * active/ and plan its deliveries. Damaged files go to corrupt/. */
void sched_queue_take(struct sched *s, enum queue_name from, const char *id);
/* sched_queue_scan: take every file of incoming/ and every file of
 * deferred/ whose retry time has come. */
void sched_queue_scan(struct sched *s);
/* sched_queue_finish: m's deliveries are done: remove or defer it, free
 * m. */
void sched_queue_finish(struct sched *s, struct sched_msg *m);

/* sched_dest_submit: queue job (transport, nexthop set) on its
 * destination and start what the limits allow. Takes job. */
void sched_dest_submit(struct sched *s, struct sched_job *job);
/* sched_dest_free_slot: job's transport is done (the session is closed
 * or parked): give its destination slot back and start waiting
 * deliveries, while it records the results. */
void sched_dest_free_slot(struct sched *s, struct sched_job *job);
/* sched_dest_done: job's thread has ended: account for it, free it, and
 * start waiting deliveries. */
void sched_dest_done(struct sched *s, struct sched_job *job);
/* sched_dest_free_all: release every destination (none may be running). */
void sched_dest_free_all(struct sched *s);

/* sched_job_start: run job on a pool thread (sched_pool.c); when it ends
 * it goes on s->done and s->done_fd is signalled. When there is no thread
 * and none can be started, that is logged and the job goes on s->done at
 * once, interrupted (its message stays in active/ until the next start). */
void sched_job_start(struct sched_job *job);
/* sched_job_work: run job and hand it back (on a pool thread). */
void sched_job_work(struct sched_job *job);

/* sched_pool_init: no threads yet. */
void sched_pool_init(struct sched_pool *p);
/* sched_pool_submit: run job on an idle thread, or a new one when none
 * is idle. 0 ok, or the pthread_create error when there is no thread at
 * all to run it. */
int sched_pool_submit(struct sched_pool *p, struct sched_job *job);
/* sched_pool_deinit: end and join the threads (no delivery may be
 * running or waiting). */
void sched_pool_deinit(struct sched_pool *p);

/* sched_job_free: release *jp; accepts NULL; clears *jp. */
void sched_job_free(struct sched_job **jp);

/* sched_bounce_gather: on a delivery thread, hand in the job's results
 * st[0..n_rcpts) (moved out, st left zeroed). Returns the results this
 * thread is to notify and record, in *rcpts_r and *st_r (malloc'd; the
 * caller deinits and frees): its own but the bounced ones when other
 * deliveries of the message are still to hand in; when it is the last,
 * its own and every bounced one handed in before. */
size_t sched_bounce_gather(struct sched_job *job, struct deliver_status *st, size_t **rcpts_r,
			   struct deliver_status **st_r);
/* sched_bounce_drop: the job hands in nothing (interrupted, or never
 * started); when it is the last, the bounced results handed in are
 * dropped (not recorded: tried again later). */
void sched_bounce_drop(struct sched_job *job);
/* sched_bounce_free: release m's bounced results (the lock is held, or
 * no delivery of m runs). */
void sched_bounce_free(struct sched_msg *m);
struct deliver_status;
/* sched_defer_note: record in the message's defer log why the deferred
 * recipients among rcpts[0..n) (their results st[k]) were deferred
 * (sched_defer.c). */
void sched_defer_note(struct sched_job *job, const struct queue_msg *msg, const size_t *rcpts,
		      const struct deliver_status *st, size_t n);
/* sched_defer_forget: id left the queue: remove its defer log. */
void sched_defer_forget(struct sched *s, const char *id);

/* sched_now_us: the wall-clock time in microseconds. */
int64_t sched_now_us(void);

#endif
