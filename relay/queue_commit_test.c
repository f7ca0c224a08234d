/* queue_commit_test.c: the committer under many concurrent writers shares
 * syncs between them, reports every job exactly once, through a callback
 * or a mailbox on the consumer's thread; failed commits leave no file;
 * moves and status syncs go through it too. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "queue.h"
#include "queue_test_util.h"
#include "tap.h"

#define THREADS 16
#define PER_THREAD 40

/* One waiting submitter: the callback fills it in and signals. */
struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done, status;
	char id[QUEUE_ID_SIZE];
	char *error;
	int calls;
};

static void waiter_init(struct waiter *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
}

static void waiter_deinit(struct waiter *w)
{
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w->error);
}

static void waiter_done(void *ctx, const char *id, int status, const char *error)
{
	struct waiter *w = ctx;
	pthread_mutex_lock(&w->lock);
	w->done = 1;
	w->calls++;
	w->status = status;
	snprintf(w->id, sizeof(w->id), "%s", id);
	free(w->error);
	w->error = error != NULL ? xstrdup(error) : NULL;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static int waiter_wait(struct waiter *w)
{
	pthread_mutex_lock(&w->lock);
	while (!w->done)
		pthread_cond_wait(&w->cond, &w->lock);
	w->done = 0;
	int status = w->status;
	pthread_mutex_unlock(&w->lock);
	return status;
}

struct session {
	struct queue_dir *qd;
	struct queue_committer *c;
	int index, count;
	char (*ids)[QUEUE_ID_SIZE];
	int failures, extra_calls;
};

/* session_main: like an SMTP session, write a message, commit it, wait for
 * the result before the next. */
static void *session_main(void *arg)
{
	struct session *s = arg;
	struct waiter w;
	waiter_init(&w);
	for (int i = 0; i < s->count; i++) {
		unsigned seed = (unsigned)(s->index * 1000 + i);
		struct queue_writer *qw = qtest_writer(s->qd, 1 + i % 3, seed, 100 + seed % 5000);
		snprintf(s->ids[i], QUEUE_ID_SIZE, "%s", queue_writer_id(qw));
		queue_committer_commit(s->c, &qw, QUEUE_INCOMING, NULL, waiter_done, &w);
		if (waiter_wait(&w) != 1 || strcmp(w.id, s->ids[i]) != 0)
			s->failures++;
	}
	s->extra_calls = w.calls - s->count;
	waiter_deinit(&w);
	return NULL;
}

/* run_sessions: threads sessions of per commits each; every committed
 * message is then read back and checked. */
static void run_sessions(const char *name, const struct queue_committer_settings *set, int threads,
			 int per, struct queue_committer_stats *stats_r)
{
	struct queue_dir *qd = qtest_queue(name);
	struct queue_committer *c = NULL;
	char *error = NULL;
	if (queue_committer_new(qd, set, &c, &error) < 0) {
		tap_ok(0, "%s: committer: %s", name, error);
		free(error);
		queue_dir_free(&qd);
		return;
	}
	struct session *s = xcalloc((size_t)threads, sizeof(*s));
	pthread_t *t = xcalloc((size_t)threads, sizeof(*t));
	for (int i = 0; i < threads; i++) {
		s[i] = (struct session){.qd = qd, .c = c, .index = i, .count = per};
		s[i].ids = xcalloc((size_t)per, QUEUE_ID_SIZE);
		pthread_create(&t[i], NULL, session_main, &s[i]);
	}
	int failures = 0, extra = 0, intact = 1;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		failures += s[i].failures;
		extra += s[i].extra_calls;
	}
	queue_committer_stats(c, stats_r);
	queue_committer_free(&c);
	tap_ok(c == NULL, "%s: committer stopped", name);
	tap_is_int(failures, 0, "%s: %d commits from %d threads all succeeded", name, threads * per,
		   threads);
	tap_is_int(extra, 0, "%s: one callback per commit", name);
	for (int i = 0; i < threads; i++) {
		for (int k = 0; k < per; k++) {
			unsigned seed = (unsigned)(i * 1000 + k);
			struct queue_msg *msg = NULL;
			queue_msg_open(qd, QUEUE_INCOMING, s[i].ids[k], QUEUE_MSG_READ, &msg, NULL,
				       &error);
			if (msg == NULL || !qtest_content_is(msg, seed, 100 + seed % 5000) ||
			    queue_msg_rcpt_count(msg) != (size_t)(1 + k % 3))
				intact = 0;
			queue_msg_free(&msg);
			FREE_AND_NULL(error);
		}
		free(s[i].ids);
	}
	tap_ok(intact, "%s: every message is in incoming/ and intact", name);
	tap_is_int((long long)qtest_count(qd, QUEUE_TMP), 0, "%s: tmp/ is empty", name);
	tap_is_int((long long)stats_r->jobs, threads * per, "%s: the committer counted every job",
		   name);
	tap_diag("%s: %llu jobs in %llu batches, largest %zu", name,
		 (unsigned long long)stats_r->jobs, (unsigned long long)stats_r->batches,
		 stats_r->largest);
	free(s);
	free(t);
	queue_dir_free(&qd);
}

static void test_group_commit(void)
{
	struct queue_committer_stats st;
	struct queue_committer_settings set = {.sync_method = QUEUE_SYNC_SYNCFS};
	run_sessions("syncfs", &set, THREADS, PER_THREAD, &st);
	tap_ok(st.largest > 1 && st.batches < st.jobs, "syncfs: concurrent commits share batches");
	set = (struct queue_committer_settings){.sync_method = QUEUE_SYNC_FDATASYNC};
	run_sessions("fdatasync", &set, THREADS, 10, &st);
	tap_ok(st.largest > 1, "fdatasync: concurrent commits share batches");
	set =
	    (struct queue_committer_settings){.sync_method = QUEUE_SYNC_FDATASYNC, .max_batch = 1};
	run_sessions("nogroup", &set, 4, 10, &st);
	tap_ok(st.largest == 1 && st.batches == st.jobs, "max_batch 1: one job per batch");
}

/* The mailbox: results come back on the thread that dispatches. */
struct mb_ctx {
	pthread_t expect;
	int ok, wrong_thread;
	char (*ids)[QUEUE_ID_SIZE];
	int n, matched;
};

static void mb_done(void *ctx, const char *id, int status, const char *error)
{
	struct mb_ctx *m = ctx;
	if (!pthread_equal(pthread_self(), m->expect))
		m->wrong_thread++;
	if (status == 1)
		m->ok++;
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->ids[i], id) == 0)
			m->matched++;
}

struct mb_submitter {
	struct queue_dir *qd;
	struct queue_committer *c;
	struct queue_mailbox *mb;
	struct mb_ctx *m;
	int first, count;
};

static void *mb_submit(void *arg)
{
	struct mb_submitter *s = arg;
	for (int i = s->first; i < s->first + s->count; i++) {
		struct queue_writer *w = qtest_writer(s->qd, 1, (unsigned)i, 200);
		snprintf(s->m->ids[i], QUEUE_ID_SIZE, "%s", queue_writer_id(w));
		queue_committer_commit(s->c, &w, QUEUE_INCOMING, s->mb, mb_done, s->m);
	}
	return NULL;
}

static void test_mailbox(void)
{
	struct queue_dir *qd = qtest_queue("mailbox");
	struct queue_committer *c = NULL;
	struct queue_mailbox *mb = NULL;
	char *error = NULL;
	struct queue_committer_settings set = {0};
	queue_committer_new(qd, &set, &c, &error);
	queue_mailbox_new(&mb, &error);
	enum { SUBMITTERS = 5, EACH = 10, TOTAL = SUBMITTERS * EACH };
	struct mb_ctx m = {.expect = pthread_self(), .n = TOTAL};
	m.ids = xcalloc(TOTAL, QUEUE_ID_SIZE);
	struct mb_submitter s[SUBMITTERS];
	pthread_t t[SUBMITTERS];
	for (int i = 0; i < SUBMITTERS; i++) {
		s[i] = (struct mb_submitter){qd, c, mb, &m, i * EACH, EACH};
		pthread_create(&t[i], NULL, mb_submit, &s[i]);
	}
	for (int i = 0; i < SUBMITTERS; i++)
		pthread_join(t[i], NULL);
	size_t got = 0;
	int polls = 0;
	while (got < TOTAL && polls < 1000) {
		struct pollfd pfd = {.fd = queue_mailbox_fd(mb), .events = POLLIN};
		if (poll(&pfd, 1, 5000) == 1)
			got += queue_mailbox_dispatch(mb);
		polls++;
	}
	tap_is_int((long long)got, TOTAL, "the mailbox delivered every result");
	tap_is_int(m.ok, TOTAL, "... all successful");
	tap_is_int(m.matched, TOTAL, "... each for a submitted id");
	tap_is_int(m.wrong_thread, 0, "... on the dispatching thread");
	/* The fd may still be readable (a result taken before its wake-up
	 * arrived): a dispatch then finds nothing, and the fd is quiet after. */
	tap_is_int((long long)queue_mailbox_dispatch(mb), 0, "nothing left to dispatch");
	struct pollfd pfd = {.fd = queue_mailbox_fd(mb), .events = POLLIN};
	tap_is_int(poll(&pfd, 1, 0), 0, "the mailbox fd is quiet afterwards");

	/* A failing commit: no recipient. */
	struct queue_writer *w = NULL;
	queue_writer_new(qd, &w, &error);
	struct queue_envelope env = {.sender = "a@b"};
	queue_writer_envelope(w, &env, &error);
	char id[QUEUE_ID_SIZE];
	snprintf(id, sizeof(id), "%s", queue_writer_id(w));
	struct waiter wt;
	waiter_init(&wt);
	queue_committer_commit(c, &w, QUEUE_INCOMING, NULL, waiter_done, &wt);
	tap_is_int(waiter_wait(&wt), -1, "a commit without recipients fails");
	tap_ok(wt.error != NULL && strstr(wt.error, "no recipient") != NULL, "... with a reason");
	tap_ok(!qtest_exists(qd, QUEUE_TMP, id) && !qtest_exists(qd, QUEUE_INCOMING, id),
	       "... and leaves no file");

	/* Hold, move and status sync through the committer. */
	w = qtest_writer(qd, 2, 77, 1000);
	snprintf(id, sizeof(id), "%s", queue_writer_id(w));
	queue_committer_commit(c, &w, QUEUE_HOLD, NULL, waiter_done, &wt);
	tap_ok(waiter_wait(&wt) == 1 && qtest_exists(qd, QUEUE_HOLD, id), "commit into hold/");
	queue_committer_move(c, id, QUEUE_HOLD, QUEUE_DEFERRED, NULL, waiter_done, &wt);
	tap_ok(waiter_wait(&wt) == 1 && qtest_exists(qd, QUEUE_DEFERRED, id) &&
		   !qtest_exists(qd, QUEUE_HOLD, id),
	       "move hold/ to deferred/");
	queue_committer_move(c, id, QUEUE_HOLD, QUEUE_INCOMING, NULL, waiter_done, &wt);
	tap_ok(waiter_wait(&wt) == -1 && strstr(wt.error, "No such file") != NULL,
	       "moving a missing file fails");
	struct queue_msg *msg = NULL;
	queue_msg_open(qd, QUEUE_DEFERRED, id, QUEUE_MSG_UPDATE, &msg, NULL, &error);
	queue_msg_rcpt_update(msg, 1, QUEUE_RCPT_BOUNCED, &error);
	queue_committer_sync(c, msg, NULL, waiter_done, &wt);
	tap_is_int(waiter_wait(&wt), 1, "status sync through the committer");
	queue_msg_free(&msg);
	queue_msg_open(qd, QUEUE_DEFERRED, id, QUEUE_MSG_READ, &msg, NULL, &error);
	tap_ok(msg != NULL && queue_msg_rcpt(msg, 1)->state == QUEUE_RCPT_BOUNCED &&
		   queue_msg_rcpt(msg, 0)->state == QUEUE_RCPT_PENDING,
	       "... the status reads back");
	queue_committer_sync(c, msg, NULL, waiter_done, &wt);
	tap_is_int(waiter_wait(&wt), -1, "syncing a read-only message fails");
	queue_msg_free(&msg);
	waiter_deinit(&wt);

	queue_committer_free(&c);
	queue_mailbox_free(&mb);
	tap_ok(mb == NULL, "mailbox freed");
	free(m.ids);
	queue_dir_free(&qd);
}

int main(void)
{
	test_group_commit();
	test_mailbox();
	return tap_done();
}
