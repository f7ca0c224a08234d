/* mailbox.h: items handed from any thread to the one thread that reads
 * them, through a locked list and an eventfd (posternd's queue results,
 * postern-spf's letters to its event loops).
 *
 * An item embeds a struct mailbox_link (first member, so the reader can
 * cast back). The poster appends under the lock and, when the list was
 * empty, adds 1 to the eventfd; the reader first clears the eventfd and
 * then takes the whole list, so an item posted at any moment is either
 * taken now or wakes the reader again. Posting to a list that is not
 * empty costs no system call.
 */
#ifndef POSTERN_MAILBOX_H
#define POSTERN_MAILBOX_H

struct mailbox_link {
	struct mailbox_link *next;
};

struct mailbox;

/* mailbox_new: 1 with *mb_r, or -1 with *error_r (no eventfd). */
int mailbox_new(struct mailbox **mb_r, char **error_r);
/* mailbox_free: release *mbp and set it to NULL (accepts NULL); each item
 * still waiting goes to drop, unless drop is NULL. */
void mailbox_free(struct mailbox **mbp, void (*drop)(struct mailbox_link *item));
/* mailbox_fd: readable while items wait (owned by the mailbox). */
int mailbox_fd(const struct mailbox *mb);
/* mailbox_post: append item; from any thread. */
void mailbox_post(struct mailbox *mb, struct mailbox_link *item);
/* mailbox_take: clear the eventfd, then take every item posted so far,
 * oldest first (NULL: none). The caller owns them. */
struct mailbox_link *mailbox_take(struct mailbox *mb);

#endif
