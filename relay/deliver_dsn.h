/* deliver_dsn.h: non-delivery notifications (bounces), RFC 3464
 * multipart/report messages from the null sender, queued like any other
 * message.
 *
 * For the recipients of one message that bounced in one attempt (all its
 * deliveries, sched_bounce.c), the sender gets one notification holding: a text part for a person,
 * a message/delivery-status part (Reporting-MTA, X-Postfix-Queue-ID, X-Postfix-Sender,
 * Original-Envelope-Id when ENVID was given, Arrival-Date; per recipient
 * Final-Recipient, Original-Recipient when ORCPT was given, Action: failed,
 * Status, Remote-MTA and Diagnostic-Code), and the returned message:
 * message/rfc822 with the whole message (RET=FULL or none given), or
 * text/rfc822-headers with its header only (RET=HDRS).
 * RFC 3461: a recipient with NOTIFY that lacks FAILURE (NEVER included)
 * gets none; RFC 5321 6.1: a message from the null sender never gets one.
 * Instead, as Postfix's bounce(8), when notify_classes has "2bounce" a
 * double bounce ("Postmaster Copy: Undelivered Mail", the whole message)
 * goes to 2bounce_notice_recipient from double_bounce_sender; a double
 * bounce that fails in turn is discarded with a warning.
 * With internal_mail_filter_classes = bounce (and non_smtpd_milters set),
 * every notification goes to maildrop/ instead of incoming/, marked as
 * internal mail (DELIVER_DSN_CLASS_ATTR): the pickup gives it to
 * non_smtpd_milters, as Postfix's cleanup does with its own bounces, and
 * queues it (pickup.h).
 */
#ifndef POSTERN_DELIVER_DSN_H
#define POSTERN_DELIVER_DSN_H

#include <stddef.h>

#include "cfg.h"
#include "deliver.h"
#include "queue.h"

/* The envelope attribute that marks a notification in maildrop/ as
 * internal mail; its value is the internal_mail_filter_classes class. */
#define DELIVER_DSN_CLASS_ATTR "internal_class"

struct deliver_dsn_conf {
	char *myhostname;    /* names this MTA */
	int filter;	     /* notifications go through non_smtpd_milters */
	int send_2bounce;    /* notify_classes has 2bounce */
	char *postmaster;    /* 2bounce_notice_recipient, qualified */
	char *double_bounce; /* double_bounce_sender, qualified */
};

/* deliver_dsn_conf_init: read myhostname, notify_classes (2bounce),
 * 2bounce_notice_recipient and double_bounce_sender from view (the last
 * two qualified with @myhostname when they have no domain), and whether
 * internal_mail_filter_classes (bounce, notify; anything else is an error)
 * has bounce while non_smtpd_milters is set. 1, or -1 with
 * *error_r. Release with deliver_dsn_conf_deinit (also after a failure). */
int deliver_dsn_conf_init(struct deliver_dsn_conf *c, const struct cfg *view, char **error_r);
void deliver_dsn_conf_deinit(struct deliver_dsn_conf *c);

/* deliver_dsn_bounce: queue (synchronously, durably, into incoming/) the
 * notification for the recipients rcpts[k] of msg whose st[k] is bounced
 * and want one. Logs "ID: sender non-delivery notification: NEWID" (or
 * "postmaster non-delivery notification") and, as Postfix's qmgr would,
 * "NEWID: from=<...>, size=N, nrcpt=1 (queue active)". 1 queued, 0 none
 * needed, -1 with *error_r (the caller must not record the bounces, so
 * that they are tried again). */
int deliver_dsn_bounce(struct queue_dir *qd, const struct queue_msg *msg, const size_t *rcpts,
		       const struct deliver_status *st, size_t n,
		       const struct deliver_dsn_conf *conf, char **error_r);

/* deliver_dsn_success: the same for the delivered recipients that asked
 * for NOTIFY=SUCCESS and whose next hop does not take the request over
 * (st->notice): "Successful Mail Delivery Report", Action: relayed (an
 * SMTP server without DSN) or delivered (a mailbox). Logs "ID: sender
 * delivery status notification: NEWID". The null sender gets none. 1
 * queued, 0 none needed, -1 with *error_r (the caller logs it: a success
 * notice is not worth a second delivery). */
int deliver_dsn_success(struct queue_dir *qd, const struct queue_msg *msg, const size_t *rcpts,
			const struct deliver_status *st, size_t n,
			const struct deliver_dsn_conf *conf, char **error_r);

/* deliver_dsn_cleared: the same notice ("Successful Mail Delivery
 * Report", Action: relayed or delivered as above) for the delivered
 * recipients among rcpts that the caller picked: those that got a delay
 * warning before, with confirm_delay_cleared (Postfix's notice that the
 * delay has cleared). Logs "ID: sender delivery status notification:
 * NEWID". The null sender gets none. 1 queued, 0 none needed, -1 with
 * *error_r. */
int deliver_dsn_cleared(struct queue_dir *qd, const struct queue_msg *msg, const size_t *rcpts,
			const struct deliver_status *st, size_t n,
			const struct deliver_dsn_conf *conf, char **error_r);

/* deliver_dsn_delay: a delay warning ("Delayed Mail (still being
 * retried)", Action: delayed, the header of the message only) for the
 * deferred recipients among rcpts (the caller picks those due a warning).
 * Logs "ID: sender delay status notification: NEWID". The null sender
 * gets none. 1 queued, 0 none needed, -1 with *error_r. */
int deliver_dsn_delay(struct queue_dir *qd, const struct queue_msg *msg, const size_t *rcpts,
		      const struct deliver_status *st, size_t n,
		      const struct deliver_dsn_conf *conf, char **error_r);

#endif
