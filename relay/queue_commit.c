/* queue_commit.c: the group-commit thread (see queue_commit.h; queue.h
 * argues why the order of steps below loses nothing acknowledged).
 *
 * Submitters append jobs to a locked list and signal a condition variable.
 * The thread takes up to max_batch jobs per cycle (queue_committer_main()
 * has the pipeline). Only the list and the counters are shared; a job
 * belongs to the thread from submission to its report.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "queue_private.h"

enum queue_job_kind { JOB_COMMIT, JOB_SYNC, JOB_MOVE };

struct queue_job {
	struct queue_job *next;
	enum queue_job_kind kind;
	struct queue_writer *w; /* JOB_COMMIT */
	int fd;			/* data to sync, or -1 */
	char id[QUEUE_ID_SIZE];
	enum queue_name from, to; /* renames: JOB_COMMIT and JOB_MOVE */
	int renamed;
	int status; /* 0 while in progress, then 1 or -1 */
	char *error;
	struct queue_mailbox *mb;
	queue_done_fn *fn;
	void *ctx;
};

struct queue_committer {
	struct queue_dir *qd;
	struct queue_committer_settings set;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct queue_job *head, **tail;	    /* under lock */
	int stopping;			    /* under lock */
	struct queue_committer_stats stats; /* under lock */
};

static void queue_job_fail(struct queue_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void queue_job_fail(struct queue_job *job, const char *fmt, ...)
{
	if (job->status != 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	job->error = xvasprintf(fmt, ap);
	va_end(ap);
	job->status = -1;
}

/* queue_commit_durable: make durable the data the new batch wrote and the
 * renames of the previous cycle (pending). One syncfs() does both; with
 * fdatasync() each file is synced, then each directory pending touched. */
static void queue_commit_durable(struct queue_committer *c, struct queue_job *batch,
				 struct queue_job *pending)
{
	const char *path = queue_dir_path(c->qd);
	int data = 0;
	for (struct queue_job *j = batch; j != NULL; j = j->next)
		data |= j->status == 0 && j->fd >= 0;
	if (data && c->set.sync_method == QUEUE_SYNC_SYNCFS) {
		if (syncfs(queue_dir_fd(c->qd, QUEUE_TMP)) == 0)
			return;
		int err = errno;
		for (struct queue_job *j = batch; j != NULL; j = j->next)
			if (j->fd >= 0)
				queue_job_fail(j, "%s: syncfs: %s", path, strerror(err));
		for (struct queue_job *j = pending; j != NULL; j = j->next)
			queue_job_fail(j, "%s: syncfs: %s", path, strerror(err));
		return;
	}
	if (data) {
		/* Start writeback of every file first so the disk sees one stream. */
		for (struct queue_job *j = batch; j != NULL; j = j->next)
			if (j->status == 0 && j->fd >= 0)
				sync_file_range(j->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		for (struct queue_job *j = batch; j != NULL; j = j->next)
			if (j->status == 0 && j->fd >= 0 && fdatasync(j->fd) < 0)
				queue_job_fail(j, "%s: %s: fdatasync: %s", path, j->id,
					       strerror(errno));
	}
	int dirty[QUEUE_COUNT] = {0};
	for (struct queue_job *j = pending; j != NULL; j = j->next) {
		dirty[j->to] = 1;
		if (j->kind == JOB_MOVE)
			dirty[j->from] = 1;
	}
	for (int q = 0; q < QUEUE_COUNT; q++) {
		if (!dirty[q] || fsync(queue_dir_fd(c->qd, q)) == 0)
			continue;
		int err = errno;
		for (struct queue_job *j = pending; j != NULL; j = j->next)
			if ((int)j->to == q || (j->kind == JOB_MOVE && (int)j->from == q))
				queue_job_fail(j, "%s/%s: fsync: %s", path, queue_name_str(q),
					       strerror(err));
	}
}

/* queue_commit_renames: do the batch's renames. Renamed jobs go to
 * *pending_r, to be reported after the next durable step; the others (status
 * syncs, failures) to *done_r, to be reported now. Order is kept. */
static void queue_commit_renames(struct queue_committer *c, struct queue_job *batch,
				 struct queue_job **pending_r, struct queue_job **done_r)
{
	const char *path = queue_dir_path(c->qd);
	struct queue_job **pending_tail = pending_r, **done_tail = done_r;
	while (batch != NULL) {
		struct queue_job *j = batch;
		batch = j->next;
		j->next = NULL;
		if (j->status == 0 && j->kind != JOB_SYNC) {
			if (renameat2(queue_dir_fd(c->qd, j->from), j->id,
				      queue_dir_fd(c->qd, j->to), j->id, RENAME_NOREPLACE) == 0)
				j->renamed = 1;
			else
				queue_job_fail(j, "%s/%s/%s: rename to %s: %s", path,
					       queue_name_str(j->from), j->id,
					       queue_name_str(j->to), strerror(errno));
		}
		if (j->renamed) {
			*pending_tail = j;
			pending_tail = &j->next;
		} else {
			*done_tail = j;
			done_tail = &j->next;
		}
	}
}

/* queue_commit_report: release each job and report its result. */
static void queue_commit_report(struct queue_committer *c, struct queue_job *list)
{
	while (list != NULL) {
		struct queue_job *j = list;
		list = j->next;
		if (j->status == 0)
			j->status = 1;
		if (j->kind == JOB_COMMIT) {
			/* A commit that failed after its rename is taken back: its
			 * client gets no 250 and will send again. */
			if (j->status < 0 && j->renamed)
				unlinkat(queue_dir_fd(c->qd, j->to), j->id, 0);
			queue_writer_release(&j->w, j->renamed);
		}
		if (j->mb != NULL)
			queue_mailbox_post(j->mb, j->fn, j->ctx, j->id, j->status, j->error);
		else
			j->fn(j->ctx, j->id, j->status, j->error);
		free(j->error);
		free(j);
	}
}

/* queue_committer_take: detach up to max_batch jobs from the list (under
 * the lock). */
static struct queue_job *queue_committer_take(struct queue_committer *c)
{
	struct queue_job *batch = c->head, **cut = &c->head;
	size_t n = 0;
	while (*cut != NULL && (c->set.max_batch == 0 || n < c->set.max_batch)) {
		cut = &(*cut)->next;
		n++;
	}
	c->head = *cut;
	*cut = NULL;
	if (c->head == NULL)
		c->tail = &c->head;
	c->stats.batches++;
	c->stats.jobs += n;
	if (n > c->stats.largest)
		c->stats.largest = n;
	return batch;
}

/* queue_committer_main: each cycle makes the new batch's data and the
 * previous batch's renames durable in one step, reports the previous
 * batch, then renames the new one. A rename is thus reported only after
 * a durable step that followed it; under load one sync serves two
 * batches, and a lone message costs two syncs, as without the pipeline. */
static void *queue_committer_main(void *arg)
{
	struct queue_committer *c = arg;
	struct queue_job *pending = NULL;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (c->head == NULL && pending == NULL && !c->stopping)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->head == NULL && pending == NULL)
			break;
		struct queue_job *batch = c->head != NULL ? queue_committer_take(c) : NULL;
		pthread_mutex_unlock(&c->lock);

		queue_commit_durable(c, batch, pending);
		queue_commit_report(c, pending);
		pending = NULL;
		struct queue_job *done = NULL;
		queue_commit_renames(c, batch, &pending, &done);
		queue_commit_report(c, done);

		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int queue_committer_new(struct queue_dir *qd, const struct queue_committer_settings *set,
			struct queue_committer **c_r, char **error_r)
{
	struct queue_committer *c = xcalloc(1, sizeof(*c));
	c->qd = qd;
	c->set = *set;
	c->tail = &c->head;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	int err = pthread_create(&c->thread, NULL, queue_committer_main, c);
	if (err != 0) {
		*error_r = xasprintf("queue committer thread: %s", strerror(err));
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return -1;
	}
	*c_r = c;
	return 1;
}

void queue_committer_free(struct queue_committer **cp)
{
	struct queue_committer *c = *cp;
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = 1;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
	*cp = NULL;
}

static struct queue_job *queue_job_new(enum queue_job_kind kind, const char *id,
				       struct queue_mailbox *mb, queue_done_fn *fn, void *ctx)
{
	struct queue_job *j = xcalloc(1, sizeof(*j));
	j->kind = kind;
	j->fd = -1;
	snprintf(j->id, sizeof(j->id), "%s", id);
	j->mb = mb;
	j->fn = fn;
	j->ctx = ctx;
	return j;
}

static void queue_committer_submit(struct queue_committer *c, struct queue_job *j)
{
	pthread_mutex_lock(&c->lock);
	*c->tail = j;
	c->tail = &j->next;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

void queue_committer_commit(struct queue_committer *c, struct queue_writer **wp,
			    enum queue_name target, struct queue_mailbox *mb, queue_done_fn *fn,
			    void *ctx)
{
	struct queue_writer *w = *wp;
	*wp = NULL;
	struct queue_job *j = queue_job_new(JOB_COMMIT, w->id, mb, fn, ctx);
	j->w = w;
	j->fd = w->fd;
	j->from = QUEUE_TMP;
	j->to = target;
	if (queue_writer_finish(w) < 0)
		queue_job_fail(j, "%s", w->error);
	queue_committer_submit(c, j);
}

void queue_committer_sync(struct queue_committer *c, struct queue_msg *msg,
			  struct queue_mailbox *mb, queue_done_fn *fn, void *ctx)
{
	struct queue_job *j = queue_job_new(JOB_SYNC, queue_msg_id(msg), mb, fn, ctx);
	j->fd = queue_msg_fd(msg);
	if (j->fd < 0)
		queue_job_fail(j, "%s: opened read-only", j->id);
	queue_committer_submit(c, j);
}

void queue_committer_move(struct queue_committer *c, const char *id, enum queue_name from,
			  enum queue_name to, struct queue_mailbox *mb, queue_done_fn *fn,
			  void *ctx)
{
	struct queue_job *j = queue_job_new(JOB_MOVE, id, mb, fn, ctx);
	j->from = from;
	j->to = to;
	if (!queue_id_valid(id))
		queue_job_fail(j, "%s: not a queue id", j->id);
	queue_committer_submit(c, j);
}

void queue_committer_stats(struct queue_committer *c, struct queue_committer_stats *stats_r)
{
	pthread_mutex_lock(&c->lock);
	*stats_r = c->stats;
	pthread_mutex_unlock(&c->lock);
}
