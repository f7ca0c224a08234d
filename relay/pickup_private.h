/* pickup_private.h: the pickup's internals shared by pickup.c (thread and
 * files), pickup_cleanup.c (headers) and pickup_milter.c (milters). */
#ifndef POSTERN_PICKUP_PRIVATE_H
#define POSTERN_PICKUP_PRIVATE_H

#include <time.h>

#include "buf.h"
#include "milter_client.h"
#include "pickup.h"
#include "queue.h"

/* A message on its way from maildrop/ to incoming/. */
struct pickup_msg {
	char queue_id[QUEUE_ID_SIZE]; /* the new id */
	time_t arrival;
	char *sender;
	char **rcpts;
	size_t n_rcpts;
	struct buf content;
	char *message_id; /* for the log line */
	char *hold_reason, *hold_filter;
	char reject_dsn[16]; /* a milter's reject: its enhanced status code */
	char *reject_text;   /* ... and its text (NULL: no reject) */
};

/* pickup_extra: the value of envelope attribute name, or NULL. */
const char *pickup_extra(const struct queue_envelope *env, const char *name);

/* pickup_cleanup: m's content from the maildrop file msg, with the
 * Received header and the missing headers; internal mail (a notification
 * of posternd's own, DELIVER_DSN_CLASS_ATTR) as it is. */
void pickup_cleanup(struct pickup_msg *m, const struct queue_msg *msg, const char *myhostname,
		    const char *mail_name);

enum pickup_milter_outcome {
	PICKUP_MILTER_ACCEPT,	/* queue it (m may have been edited) */
	PICKUP_MILTER_DROP,	/* discarded: logged, do not queue */
	PICKUP_MILTER_REJECT,	/* rejected (m->reject_*): bounce to the sender */
	PICKUP_MILTER_TEMPFAIL, /* leave it in maildrop/ */
};

/* pickup_milter_run: run the milters of conf over m, synchronously (on a
 * private event_base). */
enum pickup_milter_outcome pickup_milter_run(const struct milter_client_conf *conf,
					     struct pickup_msg *m);

#endif
