/* sched_queue.c: the scheduler's work on queue files: take a message
 * into active/ and plan its deliveries, scan the queues, and remove or
 * defer a message when its deliveries are done (see scheduler.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "sched_private.h"

/* sched_queue_rename: id from one queue to another; no sync is needed
 * for the moves the scheduler makes (active/ goes back to incoming/ after
 * a crash, deferred/ and incoming/ are treated alike). 1, 0 gone, -1. */
static int sched_queue_rename(struct sched *s, const char *id, enum queue_name from,
			      enum queue_name to)
{
	if (renameat(queue_dir_fd(s->qd, from), id, queue_dir_fd(s->qd, to), id) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	log_error("%s: cannot move from %s to %s: %s", id, queue_name_str(from),
		  queue_name_str(to), strerror(errno));
	return -1;
}

/* sched_queue_group: add recipient i to the job for transport:nexthop in
 * jobs (a list being built), starting a new job when the last one for
 * that destination holds limit recipients (0: no limit). */
static void sched_queue_group(struct sched *s, struct sched_msg *m, struct sched_job **jobs,
			      const char *transport, const char *nexthop, size_t i)
{
	struct sched_job *job = NULL;
	for (struct sched_job *j = *jobs; j != NULL && job == NULL; j = j->next)
		if (strcmp(j->transport, transport) == 0 && strcmp(j->nexthop, nexthop) == 0)
			job = j;
	long long limit =
		sched_conf_transport_limit(s->conf, transport, "destination_recipient_limit");
	if (job == NULL || (limit > 0 && job->n_rcpts >= (size_t)limit)) {
		job = xcalloc(1, sizeof(*job));
		job->s = s;
		job->m = m;
		job->transport = xstrdup(transport);
		job->nexthop = xstrdup(nexthop);
		job->next = *jobs;
		*jobs = job;
	}
	job->rcpts = xreallocarray(job->rcpts, job->n_rcpts + 1, sizeof(*job->rcpts));
	job->rcpts[job->n_rcpts++] = i;
}

/* sched_queue_plan: resolve each recipient not yet final and group them
 * into deliveries. A table that cannot be read defers the recipient, and
 * so does a transport of defer_transports unless the message was flushed
 * (as Postfix's qmgr, through the "retry" pseudo transport). */
static struct sched_job *sched_queue_plan(struct sched *s, struct sched_msg *m,
					  const struct queue_msg *msg, int flushed)
{
	struct sched_job *jobs = NULL;
	for (size_t i = 0; i < queue_msg_rcpt_count(msg); i++) {
		const struct queue_rcpt *r = queue_msg_rcpt(msg, i);
		if (r->state == QUEUE_RCPT_DELIVERED || r->state == QUEUE_RCPT_BOUNCED)
			continue;
		struct nexthop_result res = {0};
		char *error = NULL;
		if (nexthop_resolve(s->conf->nexthop, r->address, &res, &error) < 0) {
			sched_queue_group(s, m, &jobs, "retry", error, i);
			free(error);
			continue;
		}
		if (!flushed && sched_conf_deferred_transport(s->conf, res.transport))
			sched_queue_group(s, m, &jobs, "retry", "4.3.2 deferred transport", i);
		else
			sched_queue_group(s, m, &jobs, res.transport,
					  res.nexthop != NULL ? res.nexthop : "", i);
		nexthop_result_deinit(&res);
	}
	return jobs;
}

/* sched_queue_open: open active/id to plan it, for status updates as
 * well (sched_queue_hand); a damaged file goes to corrupt/. The msg or
 * NULL. */
static struct queue_msg *sched_queue_open(struct sched *s, const char *id)
{
	struct queue_msg *msg = NULL;
	enum queue_msg_problem problem = QUEUE_MSG_IO;
	char *error = NULL;
	int rc = queue_msg_open(s->qd, QUEUE_ACTIVE, id, QUEUE_MSG_UPDATE, &msg, &problem, &error);
	if (rc > 0)
		return msg;
	if (rc < 0 && problem != QUEUE_MSG_IO) {
		log_warn("%s: %s; moved to corrupt/", id, error);
		sched_queue_rename(s, id, QUEUE_ACTIVE, QUEUE_CORRUPT);
	} else if (rc < 0) {
		log_warn("%s: %s; left in active/ until a restart", id, error);
	}
	free(error);
	return NULL;
}

/* sched_queue_flushed: did "postern flush" mark the message's file
 * (QUEUE_MODE_FLUSH)? The mark is cleared: it serves one attempt. */
static int sched_queue_flushed(const struct queue_msg *msg)
{
	mode_t mode = queue_msg_file_mode(msg);
	if (!(mode & QUEUE_MODE_FLUSH))
		return 0;
	if (fchmod(queue_msg_fd(msg), mode & ~(mode_t)QUEUE_MODE_FLUSH) < 0)
		log_warn("%s: cannot clear the flush mark: %s", queue_msg_id(msg), strerror(errno));
	return 1;
}

/* sched_queue_hand: give the message's only delivery the file as read
 * for the plan, while the deliveries waiting to start hold few enough;
 * else close it (*msgp is cleared either way). */
static void sched_queue_hand(struct sched *s, struct sched_job *jobs, struct queue_msg **msgp)
{
	uint64_t size = queue_msg_content_size(*msgp);
	if (jobs != NULL && jobs->next == NULL && s->held_msgs < SCHED_HELD_MSGS &&
	    s->held_bytes + size <= SCHED_HELD_BYTES) {
		jobs->msg = *msgp;
		*msgp = NULL;
		s->held_msgs++;
		s->held_bytes += size;
		return;
	}
	queue_msg_free(msgp);
}

void sched_queue_take(struct sched *s, enum queue_name from, const char *id)
{
	if (!queue_id_valid(id) || sched_queue_rename(s, id, from, QUEUE_ACTIVE) <= 0)
		return;
	struct queue_msg *msg = sched_queue_open(s, id);
	if (msg == NULL)
		return;
	int flushed = sched_queue_flushed(msg);
	struct sched_msg *m = xcalloc(1, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", id);
	m->active_us = sched_now_us();
	m->arrival_us = queue_msg_envelope(msg)->arrival_us;
	s->n_msgs++;
	struct sched_job *jobs = sched_queue_plan(s, m, msg, flushed);
	sched_queue_hand(s, jobs, &msg);
	for (struct sched_job *j = jobs; j != NULL; j = j->next) {
		m->jobs_left++;
		m->open_rcpts += j->n_rcpts;
	}
	m->jobs_unreported = m->jobs_left;
	if (m->jobs_left == 0) {
		sched_queue_finish(s, m);
		return;
	}
	while (jobs != NULL) {
		struct sched_job *job = jobs;
		jobs = job->next;
		job->next = NULL;
		sched_dest_submit(s, job);
	}
}

/* sched_queue_due: is deferred/id's retry time (its mtime) here? */
static int sched_queue_due(struct sched *s, const char *id, int64_t now_us)
{
	struct stat st;
	if (fstatat(queue_dir_fd(s->qd, QUEUE_DEFERRED), id, &st, 0) < 0)
		return 0;
	int64_t due = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
	return due <= now_us;
}

void sched_queue_scan(struct sched *s)
{
	static const enum queue_name queues[] = {QUEUE_INCOMING, QUEUE_DEFERRED};
	int64_t now = sched_now_us();
	for (size_t q = 0; q < sizeof(queues) / sizeof(queues[0]); q++) {
		struct queue_list l;
		char *error = NULL;
		if (queue_dir_list(s->qd, queues[q], &l, &error) < 0) {
			log_error("scheduler: %s", error);
			free(error);
			continue;
		}
		for (size_t i = 0; i < l.n && !atomic_load(&s->stop); i++) {
			if (s->n_msgs >= SCHED_MSG_LIMIT) {
				s->backlog = 1;
				break;
			}
			if (queues[q] == QUEUE_INCOMING || sched_queue_due(s, l.ids[i], now))
				sched_queue_take(s, queues[q], l.ids[i]);
		}
		queue_list_deinit(&l);
	}
}

/* sched_queue_backoff: defer id: to deferred/ with the next attempt's
 * time as its modification time. */
static void sched_queue_backoff(struct sched *s, const struct sched_msg *m)
{
	int64_t now = sched_now_us();
	long long delay = (long long)((now - m->arrival_us) / 1000000);
	if (delay < s->conf->minimal_backoff_time)
		delay = s->conf->minimal_backoff_time;
	if (delay > s->conf->maximal_backoff_time)
		delay = s->conf->maximal_backoff_time;
	if (sched_queue_rename(s, m->id, QUEUE_ACTIVE, QUEUE_DEFERRED) <= 0)
		return;
	struct timespec ts[2];
	ts[0].tv_sec = ts[1].tv_sec = (time_t)(now / 1000000 + delay);
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (utimensat(queue_dir_fd(s->qd, QUEUE_DEFERRED), m->id, ts, 0) < 0)
		log_warn("%s: cannot set the retry time: %s", m->id, strerror(errno));
}

void sched_queue_finish(struct sched *s, struct sched_msg *m)
{
	/* The deliveries counted the recipients they made final: the file
	 * need not be read again to know whether any is left. */
	if (!m->interrupted) {
		if (m->open_rcpts == 0) {
			if (unlinkat(queue_dir_fd(s->qd, QUEUE_ACTIVE), m->id, 0) == 0) {
				sched_defer_forget(s, m->id);
				log_info("%s: removed", m->id);
			} else {
				log_error("%s: cannot remove: %s", m->id, strerror(errno));
			}
		} else {
			sched_queue_backoff(s, m);
		}
	}
	s->n_msgs--;
	sched_bounce_free(m);
	free(m);
}
