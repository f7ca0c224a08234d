/* queue_recover.c: the start-up scan of the queue directory (see
 * queue_dir_recover() in queue_dir.h).
 *
 * Files in tmp/ were never acknowledged: removed. Files in active/ were
 * being delivered when the process stopped: back to incoming/, where the
 * scheduler starts again (recipients already delivered are marked so in
 * their status slots). Every file in incoming/, deferred/ and hold/ is
 * read and validated; one that fails, or a name that is no queue id, goes
 * to corrupt/ with a warning, and the rest of the queue is delivered as
 * usual. The directories changed are fsynced once at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "queue_dir.h"
#include "queue_msg.h"

struct queue_scan {
	struct queue_dir *qd;
	struct queue_recovery *r;
	int dirty[QUEUE_COUNT];
};

/* queue_scan_corrupt: move q/name to corrupt/ with a warning. */
static void queue_scan_corrupt(struct queue_scan *s, enum queue_name q, const char *name,
			       const char *why)
{
	if (renameat(queue_dir_fd(s->qd, q), name, queue_dir_fd(s->qd, QUEUE_CORRUPT), name) < 0) {
		log_warn("%s: cannot move %s/%s to corrupt/: %s", name, queue_name_str(q), name,
			 strerror(errno));
		return;
	}
	log_warn("%s: moved damaged queue file %s/%s to corrupt/: %s", name, queue_name_str(q),
		 name, why);
	s->r->corrupt++;
	s->dirty[q] = s->dirty[QUEUE_CORRUPT] = 1;
}

static int queue_scan_tmp(struct queue_scan *s, char **error_r)
{
	struct queue_list list;
	if (queue_dir_list(s->qd, QUEUE_TMP, &list, error_r) < 0)
		return -1;
	for (size_t i = 0; i < list.n + list.n_strays; i++) {
		const char *name = i < list.n ? list.ids[i] : list.strays[i - list.n];
		if (unlinkat(queue_dir_fd(s->qd, QUEUE_TMP), name, 0) < 0) {
			log_warn("%s: cannot remove tmp/%s: %s", name, name, strerror(errno));
			continue;
		}
		log_info("%s: removed unfinished queue file tmp/%s (never acknowledged)", name,
			 name);
		s->r->removed++;
		s->dirty[QUEUE_TMP] = 1;
	}
	queue_list_deinit(&list);
	return 1;
}

static int queue_scan_active(struct queue_scan *s, char **error_r)
{
	struct queue_list list;
	if (queue_dir_list(s->qd, QUEUE_ACTIVE, &list, error_r) < 0)
		return -1;
	for (size_t i = 0; i < list.n; i++) {
		const char *id = list.ids[i];
		if (renameat2(queue_dir_fd(s->qd, QUEUE_ACTIVE), id,
			      queue_dir_fd(s->qd, QUEUE_INCOMING), id, RENAME_NOREPLACE) == 0) {
			log_info("%s: requeued from active to incoming", id);
			s->r->requeued++;
			s->dirty[QUEUE_ACTIVE] = s->dirty[QUEUE_INCOMING] = 1;
		} else if (errno == EEXIST) {
			queue_scan_corrupt(s, QUEUE_ACTIVE, id, "also present in incoming/");
		} else {
			log_warn("%s: cannot move active/%s to incoming/: %s", id, id,
				 strerror(errno));
		}
	}
	for (size_t i = 0; i < list.n_strays; i++)
		queue_scan_corrupt(s, QUEUE_ACTIVE, list.strays[i], "not a queue file name");
	queue_list_deinit(&list);
	return 1;
}

/* queue_scan_validate: read every file of q; *valid_r counts the good. */
static int queue_scan_validate(struct queue_scan *s, enum queue_name q, unsigned *valid_r,
			       char **error_r)
{
	struct queue_list list;
	if (queue_dir_list(s->qd, q, &list, error_r) < 0)
		return -1;
	for (size_t i = 0; i < list.n; i++) {
		struct queue_msg *msg = NULL;
		enum queue_msg_problem problem;
		char *error = NULL;
		int ret =
		    queue_msg_open(s->qd, q, list.ids[i], QUEUE_MSG_READ, &msg, &problem, &error);
		if (ret > 0)
			(*valid_r)++;
		else if (ret < 0 && problem == QUEUE_MSG_IO)
			log_warn("%s: left in place: %s", list.ids[i], error);
		else if (ret < 0)
			queue_scan_corrupt(s, q, list.ids[i], error);
		queue_msg_free(&msg);
		free(error);
	}
	for (size_t i = 0; i < list.n_strays; i++)
		queue_scan_corrupt(s, q, list.strays[i], "not a queue file name");
	queue_list_deinit(&list);
	return 1;
}

int queue_dir_recover(struct queue_dir *qd, struct queue_recovery *r, char **error_r)
{
	struct queue_scan s = {.qd = qd, .r = r};
	memset(r, 0, sizeof(*r));
	if (queue_scan_tmp(&s, error_r) < 0 || queue_scan_active(&s, error_r) < 0 ||
	    queue_scan_validate(&s, QUEUE_INCOMING, &r->incoming, error_r) < 0 ||
	    queue_scan_validate(&s, QUEUE_DEFERRED, &r->deferred, error_r) < 0 ||
	    queue_scan_validate(&s, QUEUE_HOLD, &r->hold, error_r) < 0)
		return -1;
	for (int q = 0; q < QUEUE_COUNT; q++)
		if (s.dirty[q] && queue_dir_sync(qd, (enum queue_name)q, error_r) < 0)
			return -1;
	return 1;
}
