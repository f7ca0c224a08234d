/* queue_mailbox.c: results of committer jobs handed to another thread
 * through a mailbox (common/mailbox.h; see queue_commit.h). A committer
 * cycle that reports many results to one worker costs one eventfd write.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mailbox.h"
#include "mem.h"
#include "queue_private.h"

struct queue_result {
	struct mailbox_link link; /* first: the mailbox's items are these */
	queue_done_fn *fn;
	void *ctx;
	char id[QUEUE_ID_SIZE];
	int status;
	char *error;
};

struct queue_mailbox {
	struct mailbox *mb;
};

int queue_mailbox_new(struct queue_mailbox **mb_r, char **error_r)
{
	struct mailbox *mb = NULL;
	if (mailbox_new(&mb, error_r) < 0)
		return -1;
	*mb_r = xcalloc(1, sizeof(**mb_r));
	(*mb_r)->mb = mb;
	return 1;
}

static void queue_result_free(struct mailbox_link *item)
{
	struct queue_result *r = (struct queue_result *)item;
	free(r->error);
	free(r);
}

void queue_mailbox_free(struct queue_mailbox **mbp)
{
	if (*mbp == NULL)
		return;
	mailbox_free(&(*mbp)->mb, queue_result_free);
	FREE_AND_NULL(*mbp);
}

int queue_mailbox_fd(const struct queue_mailbox *mb)
{
	return mailbox_fd(mb->mb);
}

void queue_mailbox_post(struct queue_mailbox *mb, queue_done_fn *fn, void *ctx, const char *id,
			int status, const char *error)
{
	struct queue_result *r = xcalloc(1, sizeof(*r));
	r->fn = fn;
	r->ctx = ctx;
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->status = status;
	r->error = error != NULL ? xstrdup(error) : NULL;
	mailbox_post(mb->mb, &r->link);
}

size_t queue_mailbox_dispatch(struct queue_mailbox *mb)
{
	size_t n = 0;
	for (struct mailbox_link *l = mailbox_take(mb->mb), *next; l != NULL; l = next, n++) {
		struct queue_result *r = (struct queue_result *)l;
		next = l->next;
		r->fn(r->ctx, r->id, r->status, r->error);
		queue_result_free(l);
	}
	return n;
}
