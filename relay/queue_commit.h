/* queue_commit.h: the committer, a thread that makes queue changes durable
 * in batches (group commit), and mailboxes that bring its results back to
 * an event loop.
 *
 * Sessions submit jobs from any thread: commit a finished writer, make a
 * message's status updates durable, move a file between queues. The
 * committer takes every pending job (up to max_batch) as one batch and
 * makes the whole batch durable with one sync (one syncfs(), or
 * fdatasync() per file), renames, and reports each job once a later sync
 * covers its rename (queue.h has the cycle and why it loses nothing
 * acknowledged). Jobs submitted while a batch is being synced form the
 * next batch, so the more sessions commit at once, the more share a sync.
 *
 * Results: each job names a callback fn(ctx, queue_id, status, error),
 * status 1 durable or -1 failed (error is a message owned by the caller of
 * fn, valid during the call). With a NULL mailbox fn runs on the committer
 * thread: it must be quick and thread-safe. With a mailbox fn runs on the
 * thread that calls queue_mailbox_dispatch(), typically an event loop that
 * watches queue_mailbox_fd() for readability. Every job gets exactly one
 * callback.
 */
#ifndef POSTERN_QUEUE_COMMIT_H
#define POSTERN_QUEUE_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "queue_dir.h"
#include "queue_msg.h"
#include "queue_writer.h"

typedef void queue_done_fn(void *ctx, const char *queue_id, int status, const char *error);

struct queue_mailbox;

/* queue_mailbox_new: a mailbox with its eventfd. 1 ok with *mb_r, -1
 * error with *error_r. */
int queue_mailbox_new(struct queue_mailbox **mb_r, char **error_r);
/* queue_mailbox_free: release *mbp, dropping results not dispatched
 * (their callbacks never run); accepts NULL; clears *mbp. Free it only
 * when no submitted job still names it. */
void queue_mailbox_free(struct queue_mailbox **mbp);
/* queue_mailbox_fd: readable while results wait (owned by the mailbox). */
int queue_mailbox_fd(const struct queue_mailbox *mb);
/* queue_mailbox_dispatch: run the callbacks of the results that arrived,
 * in arrival order, on the calling thread; the number run. */
size_t queue_mailbox_dispatch(struct queue_mailbox *mb);

enum queue_sync_method {
	QUEUE_SYNC_SYNCFS,    /* one syncfs() per batch: best on a file system
				 given to the queue; also flushes whatever else
				 is dirty on it */
	QUEUE_SYNC_FDATASYNC, /* fdatasync() per file in the batch */
};

struct queue_committer_settings {
	enum queue_sync_method sync_method;
	size_t max_batch; /* jobs per batch; 0 no limit; 1 no group commit */
};

struct queue_committer_stats {
	uint64_t batches; /* batches done */
	uint64_t jobs;	  /* jobs done */
	size_t largest;	  /* most jobs in one batch */
};

struct queue_committer;

/* queue_committer_new: start the committer thread for qd (which must
 * outlive it). 1 ok with *c_r, -1 error with *error_r. */
int queue_committer_new(struct queue_dir *qd, const struct queue_committer_settings *set,
			struct queue_committer **c_r, char **error_r);
/* queue_committer_free: finish every submitted job, stop the thread and
 * release *cp; accepts NULL; clears *cp. */
void queue_committer_free(struct queue_committer **cp);

/* queue_committer_commit: finish the writer's file (end record and flush,
 * on the calling thread) and commit it into target (QUEUE_INCOMING or
 * QUEUE_HOLD). Takes *wp (cleared): on failure the file is removed. Send
 * 250 only from the callback with status 1. */
void queue_committer_commit(struct queue_committer *c, struct queue_writer **wp,
			    enum queue_name target, struct queue_mailbox *mb, queue_done_fn *fn,
			    void *ctx);
/* queue_committer_sync: make msg's status updates (queue_msg_rcpt_update)
 * durable. msg must be open in QUEUE_MSG_UPDATE mode and stay untouched
 * and unfreed until the callback. */
void queue_committer_sync(struct queue_committer *c, struct queue_msg *msg,
			  struct queue_mailbox *mb, queue_done_fn *fn, void *ctx);
/* queue_committer_move: rename id from one queue to another durably. A
 * failed move may have happened or not (the status says it is not
 * durable); a missing file fails with "No such file or directory". */
void queue_committer_move(struct queue_committer *c, const char *id, enum queue_name from,
			  enum queue_name to, struct queue_mailbox *mb, queue_done_fn *fn,
			  void *ctx);

/* queue_committer_stats: counters so far (thread-safe). */
void queue_committer_stats(struct queue_committer *c, struct queue_committer_stats *stats_r);

#endif
