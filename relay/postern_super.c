/* postern_super.c: the queue operations of postsuper(1) and postqueue -f,
 * as postern verbs acting on a queue that a running posternd serves:
 *
 *   postern hold ID...|ALL|-      incoming/, deferred/ and active/ to hold/
 *   postern release ID...|ALL|-   hold/ to incoming/
 *   postern requeue ID...|ALL|-   deferred/ and hold/ to incoming/
 *   postern delete ID...|ALL|-    remove from incoming/, active/, deferred/
 *                                 and hold/
 *   postern flush [ID...|ALL|-]   deferred/ to incoming/ (no argument: ALL),
 *                                 marked so that defer_transports does not
 *                                 hold them back this time
 *
 * "-" reads one id a line from stdin, as postsuper does. The running
 * daemon notices each move into incoming/ at once (its scheduler watches
 * that directory with inotify, see scheduler.h): that is the control
 * channel, and it needs no daemon to be listening for the moves to be
 * kept. hold/ is never read by the scheduler, so held mail waits until it
 * is released or deleted; a message held while a delivery is running
 * keeps the recipients that delivery completes. Mail in active/ is being
 * delivered: requeue and flush leave it alone. Each move is made durable
 * (both directories fsync'ed) before the next.
 *
 * Like postsuper, each verb reports on stderr each message it acted on
 * ("postern: ID: removed") and then the count ("postern: Deleted: 2
 * messages"), when it did something; flush says nothing, as postqueue -f. Exit status: 0; 64 for a
 * usage error; 69 (EX_UNAVAILABLE) when the queue cannot be opened or, for flush, when posternd is
 * not running ("mail system is down", as postqueue -f); 74 for an I/O error on the queue.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "postern.h"
#include "postern_queue.h"

struct postern_super_op {
	const char *verb;
	const char *each;	 /* "removed", ...: logged per message, or NULL */
	const char *done;	 /* "Deleted", ...: the count at the end */
	enum queue_name from[4]; /* QUEUE_COUNT ends the list */
	enum queue_name to;	 /* QUEUE_COUNT: remove */
	int need_daemon;
	int default_all; /* no argument means ALL */
	int mark_flush;	 /* set QUEUE_MODE_FLUSH before the move */
};

static const struct postern_super_op postern_super_ops[] = {
	{"hold",
	 "placed on hold",
	 "Placed on hold",
	 {QUEUE_INCOMING, QUEUE_DEFERRED, QUEUE_ACTIVE, QUEUE_COUNT},
	 QUEUE_HOLD,
	 0,
	 0,
	 0},
	{"release",
	 "released from hold",
	 "Released from hold",
	 {QUEUE_HOLD, QUEUE_COUNT},
	 QUEUE_INCOMING,
	 0,
	 0,
	 0},
	{"requeue",
	 "requeued",
	 "Requeued",
	 {QUEUE_DEFERRED, QUEUE_HOLD, QUEUE_COUNT},
	 QUEUE_INCOMING,
	 0,
	 0,
	 0},
	{"delete",
	 "removed",
	 "Deleted",
	 {QUEUE_INCOMING, QUEUE_DEFERRED, QUEUE_ACTIVE, QUEUE_HOLD},
	 QUEUE_COUNT,
	 0,
	 0,
	 0},
	{"flush", NULL, NULL, {QUEUE_DEFERRED, QUEUE_COUNT}, QUEUE_INCOMING, 1, 1, 1},
};

/* postern_super_mark: set QUEUE_MODE_FLUSH on id in queue from. 1 done,
 * 0 not there, -1 error with *error_r. */
static int postern_super_mark(struct postern_queue *pq, enum queue_name from, const char *id,
			      char **error_r)
{
	struct stat st;
	int fd = queue_dir_fd(pq->qd, from);
	if (!queue_id_valid(id)) {
		*error_r = xasprintf("%s: not a queue id", id);
		return -1;
	}
	if (fstatat(fd, id, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    fchmodat(fd, id, (st.st_mode & 07777) | QUEUE_MODE_FLUSH, 0) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	*error_r = xasprintf("%s/%s: %s", queue_name_str(from), id, strerror(errno));
	return -1;
}

/* postern_super_one: apply op to id in queue from. 1 done, 0 not there,
 * -1 error (reported). */
static int postern_super_one(struct postern_queue *pq, const struct postern_super_op *op,
			     enum queue_name from, const char *id)
{
	char *error = NULL;
	int rc;
	if (op->to == QUEUE_COUNT) {
		if (unlinkat(queue_dir_fd(pq->qd, from), id, 0) < 0) {
			if (errno == ENOENT)
				return 0;
			fprintf(stderr, "postern: %s/%s: %s\n", queue_name_str(from), id,
				strerror(errno));
			return -1;
		}
		queue_defer_remove(pq->qd, id);
		rc = queue_dir_sync(pq->qd, from, &error);
	} else {
		rc = op->mark_flush ? postern_super_mark(pq, from, id, &error) : 1;
		if (rc > 0)
			rc = queue_dir_move(pq->qd, id, from, op->to, &error);
	}
	if (rc < 0) {
		fprintf(stderr, "postern: %s\n", error);
		free(error);
	} else if (rc > 0 && op->each != NULL) {
		fprintf(stderr, "postern: %s: %s\n", id, op->each);
	}
	return rc;
}

/* postern_super_run: apply op to ids (or every file of its queues); the
 * exit status. */
static int postern_super_run(struct postern_queue *pq, const struct postern_super_op *op,
			     char **ids, int all)
{
	unsigned long done = 0;
	int failed = 0;
	for (size_t k = 0; k < 4 && op->from[k] != QUEUE_COUNT; k++) {
		enum queue_name from = op->from[k];
		struct queue_list l = {0};
		char *error = NULL;
		if (all && queue_dir_list(pq->qd, from, &l, &error) < 0) {
			fprintf(stderr, "postern: %s\n", error);
			free(error);
			failed = 1;
			continue;
		}
		char **names = all ? l.ids : ids;
		size_t n = all ? l.n : 0;
		if (!all)
			while (ids[n] != NULL)
				n++;
		for (size_t i = 0; i < n; i++) {
			int rc = postern_super_one(pq, op, from, names[i]);
			done += rc > 0;
			failed |= rc < 0;
		}
		queue_list_deinit(&l);
	}
	if (done > 0 && op->done != NULL)
		fprintf(stderr, "postern: %s: %lu message%s\n", op->done, done,
			done == 1 ? "" : "s");
	return failed ? POSTERN_EX_IOERR : POSTERN_EX_OK;
}

int postern_super(int argc, char **argv, struct cli_opts *global)
{
	const struct postern_super_op *op = NULL;
	for (size_t i = 0; i < sizeof(postern_super_ops) / sizeof(postern_super_ops[0]); i++)
		if (strcmp(postern_super_ops[i].verb, argv[0]) == 0)
			op = &postern_super_ops[i];
	if (op == NULL || (argc < 2 && !op->default_all)) {
		fprintf(stderr, "usage: postern %s ID...|ALL|-\n", argv[0]);
		return POSTERN_EX_USAGE;
	}
	int all = 0;
	char **ids = postern_queue_ids(argc - 1, argv + 1, &all);
	if (ids == NULL)
		return POSTERN_EX_USAGE;
	if (argc < 2)
		all = 1;
	struct postern_queue pq;
	char *error = NULL;
	int rc;
	if (postern_queue_open(global, &pq, &error) < 0) {
		fprintf(stderr, "postern: fatal: %s\n", error);
		free(error);
		rc = POSTERN_EX_UNAVAILABLE;
	} else if (op->need_daemon && !postern_queue_daemon_running(&pq)) {
		fprintf(stderr, "postern: fatal: Cannot flush mail queue - mail system is down\n");
		rc = POSTERN_EX_UNAVAILABLE;
	} else {
		rc = postern_super_run(&pq, op, ids, all);
	}
	postern_queue_close(&pq);
	postern_queue_ids_free(&ids);
	return rc;
}
