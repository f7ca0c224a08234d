/* spf_mailbox.c: a locked list and an eventfd (see spf_mailbox.h). The
 * reader drains the eventfd before it takes the list, so an item posted
 * at any moment is either taken now or wakes the reader again; posting to
 * a list that is not empty costs no system call. */
#include "config.h"

#include "spf_mailbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "mem.h"

struct node {
	struct node *next;
	void *item;
};

struct spf_mailbox {
	pthread_mutex_t lock;
	struct node *head, **tail;
	int efd;
	struct event *ev;
	spf_mailbox_fn *fn;
	void *ctx;
};

/* take_all: the list posted so far, oldest first. */
static struct node *take_all(struct spf_mailbox *mb)
{
	pthread_mutex_lock(&mb->lock);
	struct node *list = mb->head;
	mb->head = NULL;
	mb->tail = &mb->head;
	pthread_mutex_unlock(&mb->lock);
	return list;
}

static void deliver(struct spf_mailbox *mb, struct node *list)
{
	while (list != NULL) {
		struct node *n = list;
		list = n->next;
		void *item = n->item;
		free(n);
		mb->fn(item, mb->ctx);
	}
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct spf_mailbox *mb = arg;
	uint64_t count;
	while (read(mb->efd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
	deliver(mb, take_all(mb));
}

int spf_mailbox_new(struct event_base *base, spf_mailbox_fn *fn, void *ctx,
		    struct spf_mailbox **mb_r, char **error_r)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0) {
		*error_r = xasprintf("eventfd: %s", strerror(errno));
		return -1;
	}
	struct spf_mailbox *mb = xcalloc(1, sizeof(*mb));
	pthread_mutex_init(&mb->lock, NULL);
	mb->tail = &mb->head;
	mb->efd = efd;
	mb->fn = fn;
	mb->ctx = ctx;
	mb->ev = event_new(base, efd, EV_READ | EV_PERSIST, read_cb, mb);
	event_add(mb->ev, NULL);
	*mb_r = mb;
	return 1;
}

void spf_mailbox_post(struct spf_mailbox *mb, void *item)
{
	struct node *n = xmalloc(sizeof(*n));
	n->next = NULL;
	n->item = item;
	pthread_mutex_lock(&mb->lock);
	int was_empty = mb->head == NULL;
	*mb->tail = n;
	mb->tail = &n->next;
	if (was_empty) {
		uint64_t one = 1;
		while (write(mb->efd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(&mb->lock);
}

void spf_mailbox_drain(struct spf_mailbox *mb)
{
	deliver(mb, take_all(mb));
}

void spf_mailbox_free(struct spf_mailbox **mbp)
{
	struct spf_mailbox *mb = *mbp;
	if (mb == NULL)
		return;
	for (struct node *n = take_all(mb), *next; n != NULL; n = next) {
		next = n->next;
		free(n);
	}
	event_free(mb->ev);
	close(mb->efd);
	pthread_mutex_destroy(&mb->lock);
	FREE_AND_NULL(*mbp);
}
