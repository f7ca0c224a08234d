/* queue_writer.h: write a new queue file and commit it.
 *
 * A session creates a writer (the file tmp/ID, created with O_EXCL), adds
 * the envelope, recipients and content in any order (buffered writes, no
 * sync), then commits: asynchronously through the committer
 * (queue_committer_commit() in queue_commit.h, the fast path with group
 * commit) or synchronously with queue_writer_commit_sync(). Only a
 * successful commit may be acknowledged with 250. A writer is used by one
 * thread at a time. The first failure (I/O error, bad argument) sticks:
 * every later call returns -1 with the same message, and the commit fails.
 */
#ifndef POSTERN_QUEUE_WRITER_H
#define POSTERN_QUEUE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "queue_dir.h"
#include "queue_msg.h"

struct queue_writer;

/* queue_writer_new: create a queue file with a new id in qd's tmp/. qd
 * must outlive the writer. 1 ok with *w_r, -1 error with *error_r. */
int queue_writer_new(struct queue_dir *qd, struct queue_writer **w_r, char **error_r);
/* queue_writer_id: the new message's queue id (owned by the writer). */
const char *queue_writer_id(const struct queue_writer *w);

/* queue_writer_envelope: write the arrival time and each attribute env
 * has (NULL strings are left out; env->sender must not be NULL). Once per
 * writer. Nothing of env is kept. 1 ok, -1 error with *error_r. */
int queue_writer_envelope(struct queue_writer *w, const struct queue_envelope *env, char **error_r);
/* queue_writer_attr: write one more attribute, e.g. hold_reason decided at
 * the end of DATA: a known name (queue.h) at most once per file, or any
 * other valid name (a-z 0-9 _ -). 1 ok, -1 error with *error_r. */
int queue_writer_attr(struct queue_writer *w, const char *name, const char *value, char **error_r);
/* queue_writer_rcpt: add a recipient; orcpt may be NULL; notify is
 * QUEUE_NOTIFY_* bits. Address and ORCPT are at most 65535 bytes. 1 ok,
 * -1 error with *error_r. */
int queue_writer_rcpt(struct queue_writer *w, const char *address, const char *orcpt,
		      unsigned notify, char **error_r);
/* queue_writer_content: append message content. 1 ok, -1 error. */
int queue_writer_content(struct queue_writer *w, const void *data, size_t len, char **error_r);
/* queue_writer_content_size: content bytes appended so far. */
uint64_t queue_writer_content_size(const struct queue_writer *w);

/* queue_writer_commit_sync: finish the file, fdatasync it, rename it to
 * target (QUEUE_INCOMING or QUEUE_HOLD) and fsync that directory, in the
 * calling thread. Consumes *wp (cleared) whatever the result: on failure
 * the file is removed. 1 durable, -1 error with *error_r. */
int queue_writer_commit_sync(struct queue_writer **wp, enum queue_name target, char **error_r);
/* queue_writer_abort: remove the unfinished file and free *wp; accepts
 * NULL; clears *wp. */
void queue_writer_abort(struct queue_writer **wp);

#endif
