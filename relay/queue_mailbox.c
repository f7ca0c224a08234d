/* queue_mailbox.c: results of committer jobs handed to another thread
 * through a locked list and an eventfd (see queue_commit.h).
 *
 * The poster appends under the lock and, when the list was empty, then
 * adds 1 to the eventfd; the reader first drains the eventfd and then
 * takes the whole list, so a result posted at any moment is either taken
 * now or wakes the reader again (a result added to a list that is not
 * empty is taken with the one that signalled). A committer cycle that
 * reports many results to one worker thus costs one write.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "mem.h"
#include "queue_private.h"

struct queue_result {
	struct queue_result *next;
	queue_done_fn *fn;
	void *ctx;
	char id[QUEUE_ID_SIZE];
	int status;
	char *error;
};

struct queue_mailbox {
	pthread_mutex_t lock;
	struct queue_result *head, **tail;
	int efd;
};

int queue_mailbox_new(struct queue_mailbox **mb_r, char **error_r)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0) {
		*error_r = xasprintf("eventfd: %s", strerror(errno));
		return -1;
	}
	struct queue_mailbox *mb = xcalloc(1, sizeof(*mb));
	pthread_mutex_init(&mb->lock, NULL);
	mb->tail = &mb->head;
	mb->efd = efd;
	*mb_r = mb;
	return 1;
}

static void queue_result_free_list(struct queue_result *r)
{
	while (r != NULL) {
		struct queue_result *next = r->next;
		free(r->error);
		free(r);
		r = next;
	}
}

void queue_mailbox_free(struct queue_mailbox **mbp)
{
	struct queue_mailbox *mb = *mbp;
	if (mb == NULL)
		return;
	queue_result_free_list(mb->head);
	close(mb->efd);
	pthread_mutex_destroy(&mb->lock);
	free(mb);
	*mbp = NULL;
}

int queue_mailbox_fd(const struct queue_mailbox *mb)
{
	return mb->efd;
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
	pthread_mutex_lock(&mb->lock);
	int first = mb->head == NULL;
	*mb->tail = r;
	mb->tail = &r->next;
	pthread_mutex_unlock(&mb->lock);
	uint64_t one = 1;
	while (first && write(mb->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

size_t queue_mailbox_dispatch(struct queue_mailbox *mb)
{
	uint64_t count;
	while (read(mb->efd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&mb->lock);
	struct queue_result *list = mb->head;
	mb->head = NULL;
	mb->tail = &mb->head;
	pthread_mutex_unlock(&mb->lock);
	size_t n = 0;
	for (struct queue_result *r = list; r != NULL; r = r->next, n++)
		r->fn(r->ctx, r->id, r->status, r->error);
	queue_result_free_list(list);
	return n;
}
