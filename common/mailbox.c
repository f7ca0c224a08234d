/* mailbox.c: a locked list and an eventfd (see mailbox.h). */
#include "config.h"

#include "mailbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "mem.h"

struct mailbox {
	pthread_mutex_t lock;
	struct mailbox_link *head, **tail;
	int efd;
};

int mailbox_new(struct mailbox **mb_r, char **error_r)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0) {
		*error_r = xasprintf("eventfd: %s", strerror(errno));
		return -1;
	}
	struct mailbox *mb = xcalloc(1, sizeof(*mb));
	pthread_mutex_init(&mb->lock, NULL);
	mb->tail = &mb->head;
	mb->efd = efd;
	*mb_r = mb;
	return 1;
}

/* take_list: the items posted so far, oldest first. */
static struct mailbox_link *take_list(struct mailbox *mb)
{
	pthread_mutex_lock(&mb->lock);
	struct mailbox_link *list = mb->head;
	mb->head = NULL;
	mb->tail = &mb->head;
	pthread_mutex_unlock(&mb->lock);
	return list;
}

void mailbox_free(struct mailbox **mbp, void (*drop)(struct mailbox_link *item))
{
	struct mailbox *mb = *mbp;
	if (mb == NULL)
		return;
	for (struct mailbox_link *l = take_list(mb), *next; l != NULL; l = next) {
		next = l->next;
		if (drop != NULL)
			drop(l);
	}
	close(mb->efd);
	pthread_mutex_destroy(&mb->lock);
	FREE_AND_NULL(*mbp);
}

int mailbox_fd(const struct mailbox *mb)
{
	return mb->efd;
}

void mailbox_post(struct mailbox *mb, struct mailbox_link *item)
{
	item->next = NULL;
	pthread_mutex_lock(&mb->lock);
	int was_empty = mb->head == NULL;
	*mb->tail = item;
	mb->tail = &item->next;
	pthread_mutex_unlock(&mb->lock);
	uint64_t one = 1;
	while (was_empty && write(mb->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

struct mailbox_link *mailbox_take(struct mailbox *mb)
{
	uint64_t count;
	while (read(mb->efd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
	return take_list(mb);
}
