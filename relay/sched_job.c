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
		struct deliver_smtp_req req = {
			.msg = msg,
			.rcpts = job->rcpts,
			.n_rcpts = job->n_rcpts,
			.lmtp = strcmp(tr, "lmtp") == 0,
			.nexthop = job->nexthop,
			.conf = &c->smtp,
			.stop = &job->s->stop,
			/* Postfix's lmtp_connection_* parameters are not read: LMTP
			 * sessions are not reused. */
			.cache = strcmp(tr, "lmtp") == 0 ? NULL : &c->cache,
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
			deliver_status_set(&st[k], QUEUE_RCPT_DEFERRED, "4.3.0", "none", "%s",
					   job->nexthop);
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

/* sched_job_delay_due: keep in (rcpts, st) only the recipients due a
 * delay warning: deferred now, allowing NOTIFY=DELAY, the message older
 * than delay_warning_time now but not at their previous attempt (its time
 * is in their status slot, so each gets one warning). Copies; the number
 * kept. Call before the results are recorded. */
static size_t sched_job_delay_due(const struct sched_job *job, const struct queue_msg *msg,
				  const size_t *rcpts, const struct deliver_status *st, size_t n,
				  size_t *due_rcpts, struct deliver_status *due_st)
{
	int64_t limit = (int64_t)job->s->conf->delay_warning_time * 1000000;
	int64_t arrival = job->m->arrival_us;
	size_t kept = 0;
	if (limit <= 0 || sched_now_us() - arrival < limit)
		return 0;
	for (size_t k = 0; k < n; k++) {
		const struct queue_rcpt *r = queue_msg_rcpt(msg, rcpts[k]);
		int wants = r->notify == 0 || (r->notify & QUEUE_NOTIFY_DELAY) != 0;
		int warned = r->updated_us != 0 && r->updated_us - arrival >= limit;
		if (st[k].state == QUEUE_RCPT_DEFERRED && wants && !warned) {
			due_rcpts[kept] = rcpts[k];
			due_st[kept++] = st[k];
		}
	}
	return kept;
}

/* sched_job_record: hand the results in (sched_bounce.c), notify and
 * record what this thread is left with, count what became final, and
 * send the success notices (NOTIFY=SUCCESS) and delay warnings
 * (delay_warning_time) of this delivery. */
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
	sched_job_bounce(job, msg, rcpts, rst, n);
	if (deliver_record_all(msg, rcpts, rst, n, t, job->s->committer, &error) < 0) {
		log_error("%s: cannot record the delivery results: %s", job->m->id, error);
		free(error);
	} else {
		sched_defer_note(job, msg, rcpts, rst, n);
		for (size_t k = 0; k < n; k++)
			job->n_final += rst[k].state == QUEUE_RCPT_DELIVERED ||
					rst[k].state == QUEUE_RCPT_BOUNCED;
		/* After the record: a crash in between loses the notice rather
		 * than delivering the message twice. */
		if (deliver_dsn_success(job->s->qd, msg, rcpts, rst, n, &job->s->conf->dsn,
					&error) < 0) {
			log_error("%s: cannot queue the delivery status notification: %s",
				  job->m->id, error);
			free(error);
		}
		if (n_due > 0 && deliver_dsn_delay(job->s->qd, msg, due_rcpts, due_st, n_due,
						   &job->s->conf->dsn, &error) < 0) {
			log_error("%s: cannot queue the delay warning: %s", job->m->id, error);
			free(error);
		}
	}
	free(due_rcpts);
	free(due_st); /* copies: their strings belong to rst */
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
	/* Logs as Postfix's delivery agent of that name: postern/smtp, ... */
	log_set_thread_name(job->transport);
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
