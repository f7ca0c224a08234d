/* sched_job.c: one delivery on a pool thread (sched_pool.c): open the queue file,
 * run the transport for the job's recipients, apply maximal_queue_lifetime,
 * hand the bounced recipients to the message (one notification per
 * message, sched_bounce.c), record the results durably and log them, and
 * hand the job back to the scheduler (see scheduler.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver_dsn.h"
#include "deliver_maildir.h"
#include "deliver_simple.h"
#include "deliver_smtp.h"
#include "log.h"
#include "mem.h"
#include "sched_private.h"

/* sched_job_transport: fill st[0..n) by the job's transport. 1, or 0
 * when interrupted. */
static int sched_job_transport(struct sched_job *job, const struct queue_msg *msg,
			       struct deliver_status *st, struct deliver_times *t)
{
	const struct sched_conf *c = job->s->conf;
	const char *tr = job->transport;
	if (strcmp(tr, "smtp") == 0 || strcmp(tr, "relay") == 0 || strcmp(tr, "lmtp") == 0) {
		int lmtp = strcmp(tr, "lmtp") == 0;
		const struct deliver_cache_conf *cache = lmtp ? &c->lmtp_cache : &c->cache;
		struct deliver_smtp_req req = {
			.msg = msg,
			.rcpts = job->rcpts,
			.n_rcpts = job->n_rcpts,
			.lmtp = lmtp,
			.nexthop = job->nexthop,
			.conf = lmtp ? &c->lmtp : &c->smtp,
			.stop = &job->s->stop,
			.cache = deliver_cache_wanted(cache, job->nexthop) ? cache : NULL,
		};
		return deliver_smtp(&req, st, t);
	}
	for (size_t k = 0; k < job->n_rcpts; k++) {
		if (strcmp(tr, "discard") == 0)
			deliver_discard(job->nexthop, &st[k]);
		else if (strcmp(tr, "error") == 0)
			deliver_error(job->nexthop, &st[k]);
		else if (strcmp(tr, "maildir") == 0)
			deliver_maildir(msg, job->rcpts[k], job->nexthop, c->myhostname, &st[k]);
		else if (strcmp(tr, "retry") == 0)
			deliver_retry(job->nexthop, &st[k]);
		else
			deliver_status_set(&st[k], QUEUE_RCPT_DEFERRED, "4.3.0", "none",
					   "mail transport unavailable");
	}
	t->conn_us = sched_now_us();
	return 1;
}

/* sched_job_expire: a recipient deferred once the message is older than
 * maximal_queue_lifetime (bounce_queue_lifetime for a message from the
 * null sender, when smaller, as Postfix's qmgr) is bounced (Postfix
 * returns it as undeliverable with the last error). */
static void sched_job_expire(const struct sched_job *job, const struct queue_msg *msg,
			     struct deliver_status *st, size_t n)
{
	const struct sched_conf *c = job->s->conf;
	int64_t age = sched_now_us() - job->m->arrival_us;
	long long lifetime = c->maximal_queue_lifetime;
	if (queue_msg_envelope(msg)->sender[0] == '\0' && c->bounce_queue_lifetime < lifetime)
		lifetime = c->bounce_queue_lifetime;
	if (age < lifetime * 1000000)
		return;
	for (size_t k = 0; k < n; k++) {
		if (st[k].state != QUEUE_RCPT_DEFERRED)
			continue;
		char *text = xasprintf("message expired: %s", st[k].text);
		free(st[k].text);
		st[k].text = text;
		st[k].state = QUEUE_RCPT_BOUNCED;
	}
}

/* sched_job_bounce: queue the notification for the n recipients rcpts
 * whose st bounced, before their state is recorded (a crash in between
 * sends it twice, never not at all). When it cannot be queued they are
 * deferred instead, to bounce at a later attempt. */
static void sched_job_bounce(struct sched_job *job, const struct queue_msg *msg,
			     const size_t *rcpts, struct deliver_status *st, size_t n)
{
	char *error = NULL;
	if (deliver_dsn_bounce(job->s->qd, msg, rcpts, st, n, &job->s->conf->dsn, &error) >= 0)
		return;
	log_error("%s: cannot queue the non-delivery notification: %s", job->m->id, error);
	free(error);
	for (size_t k = 0; k < n; k++)
		if (st[k].state == QUEUE_RCPT_BOUNCED)
			st[k].state = QUEUE_RCPT_DEFERRED;
}

/* sched_job_warned: did recipient r get its delay warning at an earlier
 * attempt (the message was older than delay_warning_time then: its time
 * is in r's status slot), or was it due none (NOTIFY without DELAY)? -1
 * due none, 1 warned, 0 due and unwarned. */
static int sched_job_warned(const struct sched_job *job, const struct queue_rcpt *r)
{
	int64_t limit = (int64_t)job->s->conf->delay_warning_time * 1000000;
	int64_t arrival = job->m->arrival_us;
	if (limit <= 0 || (r->notify != 0 && (r->notify & QUEUE_NOTIFY_DELAY) == 0))
		return -1;
	return r->updated_us != 0 && r->updated_us - arrival >= limit;
}

/* sched_job_delay_due: keep in (rcpts, st) only the recipients due a
 * delay warning: deferred now, allowing NOTIFY=DELAY, the message older
 * than delay_warning_time now but not at their previous attempt (so each
 * gets one warning). Copies; the number kept. Call before the results
 * are recorded. */
static size_t sched_job_delay_due(const struct sched_job *job, const struct queue_msg *msg,
				  const size_t *rcpts, const struct deliver_status *st, size_t n,
				  size_t *due_rcpts, struct deliver_status *due_st)
{
	int64_t limit = (int64_t)job->s->conf->delay_warning_time * 1000000;
	size_t kept = 0;
	if (limit <= 0 || sched_now_us() - job->m->arrival_us < limit)
		return 0;
	for (size_t k = 0; k < n; k++) {
		if (st[k].state == QUEUE_RCPT_DEFERRED &&
		    sched_job_warned(job, queue_msg_rcpt(msg, rcpts[k])) == 0) {
			due_rcpts[kept] = rcpts[k];
			due_st[kept++] = st[k];
		}
	}
	return kept;
}

/* sched_job_cleared: with confirm_delay_cleared, keep in (rcpts, st) the
 * recipients delivered now that got a delay warning before (Postfix's
 * "delay cleared" notice), but not those that get a success notice for
 * NOTIFY=SUCCESS anyway. Copies; the number kept. Call before the
 * results are recorded. */
static size_t sched_job_cleared(const struct sched_job *job, const struct queue_msg *msg,
				const size_t *rcpts, const struct deliver_status *st, size_t n,
				size_t *cl_rcpts, struct deliver_status *cl_st)
{
	size_t kept = 0;
	if (!job->s->conf->confirm_delay_cleared)
		return 0;
	for (size_t k = 0; k < n; k++) {
		const struct queue_rcpt *r = queue_msg_rcpt(msg, rcpts[k]);
		int noticed = st[k].notice != DELIVER_NOTICE_NONE &&
			      (r->notify & QUEUE_NOTIFY_SUCCESS) != 0;
		if (st[k].state == QUEUE_RCPT_DELIVERED && !noticed &&
		    sched_job_warned(job, r) == 1) {
			cl_rcpts[kept] = rcpts[k];
			cl_st[kept++] = st[k];
		}
	}
	return kept;
}

/* sched_job_notify: after the record, the success notices (NOTIFY=SUCCESS),
 * the delay warnings (delay_warning_time) and the delay-cleared notices
 * (confirm_delay_cleared) of this delivery. A crash before them loses a
 * notice rather than delivering the message twice. */
static void sched_job_notify(struct sched_job *job, const struct queue_msg *msg,
			     const size_t *rcpts, const struct deliver_status *st, size_t n,
			     const size_t *due_rcpts, const struct deliver_status *due_st,
			     size_t n_due, const size_t *cl_rcpts,
			     const struct deliver_status *cl_st, size_t n_cl)
{
	const struct deliver_dsn_conf *dc = &job->s->conf->dsn;
	char *error = NULL;
	if (deliver_dsn_success(job->s->qd, msg, rcpts, st, n, dc, &error) < 0) {
		log_error("%s: cannot queue the delivery status notification: %s", job->m->id,
			  error);
		FREE_AND_NULL(error);
	}
	if (n_due > 0 &&
	    deliver_dsn_delay(job->s->qd, msg, due_rcpts, due_st, n_due, dc, &error) < 0) {
		log_error("%s: cannot queue the delay warning: %s", job->m->id, error);
		FREE_AND_NULL(error);
	}
	if (n_cl > 0 &&
	    deliver_dsn_cleared(job->s->qd, msg, cl_rcpts, cl_st, n_cl, dc, &error) < 0) {
		log_error("%s: cannot queue the delivery status notification: %s", job->m->id,
			  error);
		free(error);
	}
}

/* sched_job_record: hand the results in (sched_bounce.c), notify and
 * record what this thread is left with, count what became final, and
 * send this delivery's other notices (sched_job_notify). */
static void sched_job_record(struct sched_job *job, struct queue_msg *msg,
			     struct deliver_status *st, const struct deliver_times *t)
{
	size_t *rcpts;
	struct deliver_status *rst;
	char *error = NULL;
	size_t n = sched_bounce_gather(job, st, &rcpts, &rst);
	size_t *due_rcpts = xcalloc(n + 1, sizeof(*due_rcpts));
	struct deliver_status *due_st = xcalloc(n + 1, sizeof(*due_st));
	size_t n_due = sched_job_delay_due(job, msg, rcpts, rst, n, due_rcpts, due_st);
	size_t *cl_rcpts = xcalloc(n + 1, sizeof(*cl_rcpts));
	struct deliver_status *cl_st = xcalloc(n + 1, sizeof(*cl_st));
	size_t n_cl = sched_job_cleared(job, msg, rcpts, rst, n, cl_rcpts, cl_st);
	sched_job_bounce(job, msg, rcpts, rst, n);
	if (deliver_record_all(msg, rcpts, rst, n, t, job->s->committer, &error) < 0) {
		log_error("%s: cannot record the delivery results: %s", job->m->id, error);
		free(error);
	} else {
		sched_defer_note(job, msg, rcpts, rst, n);
		for (size_t k = 0; k < n; k++)
			job->n_final += rst[k].state == QUEUE_RCPT_DELIVERED ||
					rst[k].state == QUEUE_RCPT_BOUNCED;
		sched_job_notify(job, msg, rcpts, rst, n, due_rcpts, due_st, n_due, cl_rcpts,
				 cl_st, n_cl);
	}
	free(due_rcpts);
	free(due_st); /* copies: their strings belong to rst */
	free(cl_rcpts);
	free(cl_st);
	for (size_t k = 0; k < n; k++)
		deliver_status_deinit(&rst[k]);
	free(rst);
	free(rcpts);
}

/* sched_job_signal: wake the scheduler for its done and freed lists
 * (under s->lock). Signalled under the lock: once the scheduler has taken
 * the job, this thread touches s no more (sched_free may then close the
 * eventfd). Only a job that finds both lists empty signals: the scheduler
 * drains the eventfd before it takes them, so later ones go with it. */
static void sched_job_signal(struct sched *s, int lists_were_empty)
{
	uint64_t one = 1;
	if (lists_were_empty && write(s->done_fd, &one, sizeof(one)) < 0)
		log_panic("scheduler: eventfd write: %s", strerror(errno));
}

/* sched_job_post_freed: the transport is done (its session closed or
 * parked for the next delivery): the scheduler may start the next
 * delivery to the destination while this one records the results and
 * waits for them to be durable. */
static void sched_job_post_freed(struct sched_job *job)
{
	struct sched *s = job->s;
	pthread_mutex_lock(&s->lock);
	int empty = s->freed == NULL && s->done == NULL;
	job->next_freed = s->freed;
	s->freed = job;
	sched_job_signal(s, empty);
	pthread_mutex_unlock(&s->lock);
}

/* sched_job_post: hand the finished job back to the scheduler thread. */
static void sched_job_post(struct sched_job *job)
{
	struct sched *s = job->s;
	pthread_mutex_lock(&s->lock);
	int empty = s->freed == NULL && s->done == NULL;
	job->next = s->done;
	s->done = job;
	sched_job_signal(s, empty);
	pthread_mutex_unlock(&s->lock);
}

/* sched_job_run: the delivery; sets job->interrupted when nothing was
 * recorded. */
static void sched_job_run(struct sched_job *job)
{
	struct queue_msg *msg = job->msg;
	char *error = NULL;
	struct deliver_times t = {job->m->active_us, sched_now_us(), 0, 0, 0};
	job->msg = NULL;
	if (msg == NULL && queue_msg_open(job->s->qd, QUEUE_ACTIVE, job->m->id, QUEUE_MSG_UPDATE,
					  &msg, NULL, &error) <= 0) {
		log_warn("%s: cannot open for delivery: %s", job->m->id,
			 error != NULL ? error : "no such file");
		free(error);
		job->interrupted = 1;
		sched_bounce_drop(job);
		return;
	}
	struct deliver_status *st = xcalloc(job->n_rcpts, sizeof(*st));
	t.conn_us = t.start_us;
	int transported = sched_job_transport(job, msg, st, &t);
	sched_job_post_freed(job);
	if (transported > 0) {
		t.done_us = sched_now_us();
		sched_job_expire(job, msg, st, job->n_rcpts);
		sched_job_record(job, msg, st, &t);
	} else {
		job->interrupted = 1;
		sched_bounce_drop(job);
	}
	for (size_t k = 0; k < job->n_rcpts; k++)
		deliver_status_deinit(&st[k]);
	free(st);
	queue_msg_free(&msg);
}

void sched_job_work(struct sched_job *job)
{
	/* Logs as Postfix's delivery agent of that name: postern/smtp, ...;
	 * Postfix's retry service is its error(8) program. */
	log_set_thread_name(strcmp(job->transport, "retry") == 0 ? "error" : job->transport);
	sched_job_run(job);
	sched_job_post(job);
}

void sched_job_start(struct sched_job *job)
{
	if (job->msg != NULL) {
		/* Running deliveries are bounded by the concurrency limits. */
		job->s->held_msgs--;
		job->s->held_bytes -= queue_msg_content_size(job->msg);
	}
	int rc = sched_pool_submit(&job->s->pool, job);
	if (rc != 0) {
		log_warn("%s: cannot start a delivery thread: %s", job->m->id, strerror(rc));
		job->interrupted = 1;
		sched_bounce_drop(job);
		sched_job_post(job);
	}
}

void sched_job_free(struct sched_job **jp)
{
	if (jp == NULL || *jp == NULL)
		return;
	struct sched_job *job = *jp;
	free(job->transport);
	free(job->nexthop);
	free(job->rcpts);
	queue_msg_free(&job->msg);
	FREE_AND_NULL(*jp);
}
