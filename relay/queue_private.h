/* queue_private.h: what the queue module's files share and nothing else
 * may use: the writer's insides and the mailbox's post, for the committer. */
#ifndef POSTERN_QUEUE_PRIVATE_H
#define POSTERN_QUEUE_PRIVATE_H

#include <stdint.h>

#include "buf.h"
#include "queue_commit.h"
#include "queue_dir.h"
#include "queue_id.h"

struct queue_writer {
	struct queue_dir *qd;
	char id[QUEUE_ID_SIZE];
	int fd;
	struct buf out;	  /* bytes not yet written */
	size_t chunk_at;  /* offset in out of the open 'D' record, or SIZE_MAX */
	uint64_t written; /* bytes written to the file */
	uint32_t crc;	  /* CRC-32C of the bytes written */
	uint64_t content_size;
	size_t n_rcpts;
	unsigned attrs_seen; /* known attributes written */
	int have_envelope;
	int finished; /* end record written */
	char *error;  /* the first failure, sticky */
};

/* queue_writer_finish: write the end record and flush; the file is then
 * complete but not yet durable. 1 ok, -1 error (also in w->error). */
int queue_writer_finish(struct queue_writer *w);
/* queue_writer_release: close and free the writer, removing tmp/ID
 * unless it was renamed away (keep_file). */
void queue_writer_release(struct queue_writer **wp, int keep_file);

/* queue_mailbox_post: queue one result (id and error are copied) and wake
 * the mailbox's reader. Thread-safe. */
void queue_mailbox_post(struct queue_mailbox *mb, queue_done_fn *fn, void *ctx, const char *id,
			int status, const char *error);

#endif
