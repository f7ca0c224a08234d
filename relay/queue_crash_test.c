/* queue_crash_test.c: kill -9 at a random moment loses nothing that was
 * acknowledged.
 *
 * A child process runs four sessions that write and commit messages in a
 * loop through the committer; each reports an id on a pipe only after its
 * commit callback said it is durable ("C id"), then marks the first
 * recipient delivered ("D id" after the status sync) and moves every
 * fifth message to deferred/ ("M id" after the move). The parent kills the
 * child with SIGKILL at a random moment, runs the recovery scan and checks
 * that every reported id is there, complete and intact, with every
 * reported status and move. Several rounds; it prints "0 lost".
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "log.h"
#include "mem.h"
#include "queue.h"
#include "queue_test_util.h"
#include "tap.h"

#define ROUNDS 6
#define SESSIONS 4

struct child {
	struct queue_dir *qd;
	struct queue_committer *c;
	int report_fd;
};

struct done {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int finished, status;
};

static void done_cb(void *ctx, const char *id, int status, const char *error)
{
	struct done *d = ctx;
	pthread_mutex_lock(&d->lock);
	d->finished = 1;
	d->status = status;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

static int done_wait(struct done *d)
{
	pthread_mutex_lock(&d->lock);
	while (!d->finished)
		pthread_cond_wait(&d->cond, &d->lock);
	d->finished = 0;
	pthread_mutex_unlock(&d->lock);
	return d->status;
}

/* The content of a message follows from its id. */
static unsigned id_seed(const char *id)
{
	return crc32c(0, id, strlen(id));
}

static size_t id_len(const char *id)
{
	return 50 + id_seed(id) % 30000;
}

static void report(struct child *ch, char what, const char *id)
{
	char line[QUEUE_ID_SIZE + 3];
	int n = snprintf(line, sizeof(line), "%c %s\n", what, id);
	if (write(ch->report_fd, line, (size_t)n) != n)
		_exit(3);
}

static void *child_session(void *arg)
{
	struct child *ch = arg;
	struct done d = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	struct buf content;
	buf_init(&content, 0);
	for (unsigned n = 0;; n++) {
		struct queue_writer *w = NULL;
		char *error = NULL, id[QUEUE_ID_SIZE];
		struct queue_envelope env = {.sender = "s@example.com", .protocol = "ESMTP"};
		if (queue_writer_new(ch->qd, &w, &error) < 0)
			_exit(4);
		snprintf(id, sizeof(id), "%s", queue_writer_id(w));
		qtest_content(id_seed(id), id_len(id), &content);
		if (queue_writer_envelope(w, &env, &error) < 0 ||
		    queue_writer_rcpt(w, "one@example.org", NULL, 0, &error) < 0 ||
		    queue_writer_rcpt(w, "two@example.org", NULL, 0, &error) < 0 ||
		    queue_writer_content(w, content.data, content.len, &error) < 0)
			_exit(5);
		queue_committer_commit(ch->c, &w, QUEUE_INCOMING, NULL, done_cb, &d);
		if (done_wait(&d) != 1)
			_exit(6);
		report(ch, 'C', id);
		if (n % 2 == 0) {
			struct queue_msg *msg = NULL;
			if (queue_msg_open(ch->qd, QUEUE_INCOMING, id, QUEUE_MSG_UPDATE, &msg, NULL,
					   &error) != 1 ||
			    queue_msg_rcpt_update(msg, 0, QUEUE_RCPT_DELIVERED, &error) != 1)
				_exit(7);
			queue_committer_sync(ch->c, msg, NULL, done_cb, &d);
			if (done_wait(&d) != 1)
				_exit(8);
			queue_msg_free(&msg);
			report(ch, 'D', id);
		}
		if (n % 5 == 0) {
			queue_committer_move(ch->c, id, QUEUE_INCOMING, QUEUE_DEFERRED, NULL,
					     done_cb, &d);
			if (done_wait(&d) != 1)
				_exit(9);
			report(ch, 'M', id);
		}
	}
	return NULL;
}

static void child_main(struct queue_dir *qd, int report_fd)
{
	struct child ch = {.qd = qd, .report_fd = report_fd};
	struct queue_committer_settings set = {.sync_method = QUEUE_SYNC_SYNCFS};
	char *error = NULL;
	if (queue_committer_new(qd, &set, &ch.c, &error) < 0)
		_exit(2);
	pthread_t t[SESSIONS];
	for (int i = 0; i < SESSIONS; i++)
		pthread_create(&t[i], NULL, child_session, &ch);
	for (;;)
		pause();
}

struct reported {
	char what;
	char id[QUEUE_ID_SIZE];
};

/* collect: read report lines until the deadline (ms from now, -1: EOF),
 * or, with first set, until the first bytes arrive. */
static void collect(int fd, int ms, int first, struct buf *in)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int left = -1;
		if (ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			long spent = (now.tv_sec - start.tv_sec) * 1000 +
				     (now.tv_nsec - start.tv_nsec) / 1000000;
			if (spent >= ms)
				return;
			left = (int)(ms - spent);
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, left) <= 0)
			continue;
		char block[4096];
		ssize_t n = read(fd, block, sizeof(block));
		if (n <= 0)
			return;
		buf_append(in, block, (size_t)n);
		if (first)
			return;
	}
}

/* check_round: after recovery, every reported fact must hold; returns the
 * number of ids lost or wrong. */
static int check_round(struct queue_dir *qd, const struct buf *in, int *acked_r, int *marks_r)
{
	int lost = 0;
	*acked_r = *marks_r = 0;
	for (const char *p = in->data; p < in->data + in->len;) {
		const char *eol = memchr(p, '\n', (size_t)(in->data + in->len - p));
		if (eol == NULL || eol - p != QUEUE_ID_LEN + 2) {
			tap_diag("bad report line");
			return lost + 1;
		}
		char id[QUEUE_ID_SIZE];
		memcpy(id, p + 2, QUEUE_ID_LEN);
		id[QUEUE_ID_LEN] = '\0';
		char what = p[0];
		p = eol + 1;
		enum queue_name q = what == 'M' || qtest_exists(qd, QUEUE_DEFERRED, id)
					? QUEUE_DEFERRED
					: QUEUE_INCOMING;
		struct queue_msg *msg = NULL;
		char *error = NULL;
		int ok = queue_msg_open(qd, q, id, QUEUE_MSG_READ, &msg, NULL, &error) == 1 &&
			 qtest_content_is(msg, id_seed(id), id_len(id)) &&
			 queue_msg_rcpt_count(msg) == 2;
		if (ok && what == 'D')
			ok = queue_msg_rcpt(msg, 0)->state == QUEUE_RCPT_DELIVERED;
		if (!ok) {
			lost++;
			tap_diag("%s (%c) lost or wrong: %s", id, what, error ? error : "content");
		}
		if (what == 'C')
			(*acked_r)++;
		else
			(*marks_r)++;
		queue_msg_free(&msg);
		free(error);
	}
	return lost;
}

int main(void)
{
	log_init("queue_crash_test", LOG_DEST_STDERR);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	int total_lost = 0, total_acked = 0;
	for (int round = 0; round < ROUNDS; round++) {
		char name[32];
		snprintf(name, sizeof(name), "crash%d", round);
		struct queue_dir *qd = qtest_queue(name);
		int p[2];
		if (pipe(p) < 0)
			return 1;
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			child_main(qd, p[1]);
		}
		close(p[1]);
		struct buf in;
		buf_init(&in, 0);
		/* Kill at a random moment once the child has acknowledged mail. */
		int delay = rand() % 300;
		collect(p[0], 10000, 1, &in);
		collect(p[0], delay, 0, &in);
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		collect(p[0], -1, 0, &in);
		close(p[0]);
		tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		       "round %d: child killed with SIGKILL %d ms after its first report", round,
		       delay);

		struct queue_recovery r;
		char *error = NULL;
		int fd = dup(2), devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2); /* the scan's log lines are not the test's output */
		int ret = queue_dir_recover(qd, &r, &error);
		dup2(fd, 2);
		close(fd);
		close(devnull);
		tap_is_int(ret, 1, "round %d: recovery scan", round);
		tap_is_int(r.corrupt, 0, "round %d: nothing corrupt", round);
		int acked, marks;
		int lost = check_round(qd, &in, &acked, &marks);
		tap_is_int(lost, 0,
			   "round %d: every acknowledged message, status and move survived", round);
		tap_diag("round %d: %d acknowledged, %d status/move reports, %u unacknowledged "
			 "removed, %u requeued, %d lost",
			 round, acked, marks, r.removed, r.requeued, lost);
		total_lost += lost;
		total_acked += acked;
		buf_deinit(&in);
		queue_dir_free(&qd);
	}
	tap_ok(total_acked > 0, "messages were acknowledged before the kills (%d)", total_acked);
	tap_diag("%d lost", total_lost);
	return tap_done();
}
