/* deliver_dsn.c: build and queue RFC 3464 non-delivery notifications (see
 * deliver_dsn.h). */
#include "deliver_dsn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "cleanup.h"
#include "log.h"
#include "mem.h"

/* The three kinds of notice. */
enum dsn_kind {
	DSN_FAILURE,
	DSN_SUCCESS,
	DSN_DELAY,
	DSN_CLEARED, /* a success notice for recipients the caller picked */
};

/* deliver_dsn_wanted: does recipient i get a notice of this kind? A
 * failure notice for a bounce, a success notice for NOTIFY=SUCCESS and a
 * next hop that does not pass the request on, a delay warning for any
 * deferred recipient the caller chose, a delay-cleared notice for any
 * delivered one it chose. */
static int deliver_dsn_wanted(const struct queue_msg *msg, size_t i,
			      const struct deliver_status *st, enum dsn_kind kind)
{
	unsigned notify = queue_msg_rcpt(msg, i)->notify;
	if (kind == DSN_DELAY)
		return st->state == QUEUE_RCPT_DEFERRED;
	if (kind == DSN_CLEARED)
		return st->state == QUEUE_RCPT_DELIVERED;
	if (kind == DSN_SUCCESS)
		return st->state == QUEUE_RCPT_DELIVERED && st->notice != DELIVER_NOTICE_NONE &&
		       (notify & QUEUE_NOTIFY_SUCCESS) != 0;
	if (st->state != QUEUE_RCPT_BOUNCED)
		return 0;
	return notify == 0 || (notify & QUEUE_NOTIFY_FAILURE) != 0;
}

/* deliver_dsn_header: the notification's own header and the text part. */
static void deliver_dsn_header(struct buf *b, const char *to, int postmaster, enum dsn_kind kind,
			       const char *host, const char *boundary, const char *new_id)
{
	time_t now = time(NULL);
	char *mid = NULL;
	buf_printf(b, "From: MAILER-DAEMON@%s (Mail Delivery System)\r\n", host);
	buf_printf(b, "To: <%s>\r\n", to);
	buf_printf(b, "Subject: %s\r\nDate: ",
		   kind == DSN_SUCCESS || kind == DSN_CLEARED ? "Successful Mail Delivery Report"
		   : kind == DSN_DELAY ? "Delayed Mail (still being retried)"
		   : postmaster	       ? "Postmaster Copy: Undelivered Mail"
				       : "Undelivered Mail Returned to Sender");
	cleanup_date(b, now);
	buf_append_str(b, "\r\n");
	cleanup_message_id(b, now, new_id, host, &mid);
	free(mid);
	buf_printf(
		b,
		"Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/report; report-type=delivery-status;\r\n"
		"\tboundary=\"%s\"\r\n\r\n"
		"This is a MIME-encapsulated message.\r\n\r\n"
		"--%s\r\nContent-Description: Notification\r\n"
		"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
		"This is the mail system at host %s.\r\n\r\n%s",
		boundary, boundary, host,
		kind == DSN_DELAY
			? "####################################################################\r\n"
			  "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\r\n"
			  "####################################################################"
			  "\r\n\r\n"
			  "Your message could not be delivered yet. It will be retried\r\n"
			  "until it has been in the queue for maximal_queue_lifetime.\r\n\r\n"
		: kind == DSN_SUCCESS || kind == DSN_CLEARED
			? "Your message was successfully delivered to the destination(s)\r\n"
			  "listed below. If the message was delivered to mailbox you will\r\n"
			  "receive no further notifications. Otherwise you may still receive\r\n"
			  "notifications of mail delivery errors from other systems.\r\n\r\n"
			: "I'm sorry to have to inform you that your message could not\r\n"
			  "be delivered to one or more recipients. It's attached below.\r\n\r\n");
}

/* deliver_dsn_remote_mta: the host part of a relay "host[addr]:port". */
static void deliver_dsn_remote_mta(struct buf *b, const char *relay)
{
	size_t n = strcspn(relay, "[");
	buf_printf(b, "Remote-MTA: dns; %.*s\r\n", (int)n, relay);
}

/* deliver_dsn_report: the message/delivery-status part. */
static void deliver_dsn_report(struct buf *b, const struct queue_msg *msg, const size_t *rcpts,
			       const struct deliver_status *st, size_t n, enum dsn_kind kind,
			       const char *host)
{
	const struct queue_envelope *env = queue_msg_envelope(msg);
	buf_printf(b, "Reporting-MTA: dns; %s\r\nX-Postfix-Queue-ID: %s\r\n", host,
		   queue_msg_id(msg));
	buf_printf(b, "X-Postfix-Sender: rfc822; %s\r\n", env->sender);
	if (env->envid != NULL)
		buf_printf(b, "Original-Envelope-Id: %s\r\n", env->envid);
	buf_append_str(b, "Arrival-Date: ");
	cleanup_date(b, (time_t)(env->arrival_us / 1000000));
	buf_append_str(b, "\r\n");
	for (size_t k = 0; k < n; k++) {
		const struct queue_rcpt *r = queue_msg_rcpt(msg, rcpts[k]);
		if (!deliver_dsn_wanted(msg, rcpts[k], &st[k], kind))
			continue;
		buf_printf(b, "\r\nFinal-Recipient: rfc822; %s\r\n", r->address);
		if (r->orcpt != NULL)
			buf_printf(b, "Original-Recipient: %s\r\n", r->orcpt);
		const char *action = kind == DSN_FAILURE		      ? "failed"
				     : kind == DSN_DELAY		      ? "delayed"
				     : st[k].notice == DELIVER_NOTICE_RELAYED ? "relayed"
									      : "delivered";
		buf_printf(b, "Action: %s\r\nStatus: %s\r\n", action, st[k].dsn);
		if (st[k].diag != NULL) {
			deliver_dsn_remote_mta(b, st[k].relay);
			buf_printf(b, "Diagnostic-Code: %s\r\n", st[k].diag);
		} else {
			buf_printf(b, "Diagnostic-Code: X-Postfix; %s\r\n", st[k].text);
		}
	}
}

/* deliver_dsn_returned: the returned message, or its header for
 * RET=HDRS. */
static void deliver_dsn_returned(struct buf *b, const struct queue_msg *msg, const char *boundary,
				 int hdrs_only)
{
	int hdrs = hdrs_only || queue_msg_envelope(msg)->ret == QUEUE_RET_HDRS;
	const void *data;
	size_t len, iter = 0;
	buf_printf(b, "\r\n--%s\r\nContent-Description: Undelivered Message%s\r\n", boundary,
		   hdrs ? " Headers" : "");
	buf_printf(b, "Content-Type: %s\r\n\r\n",
		   hdrs ? "text/rfc822-headers" : "message/rfc822");
	size_t start = b->len;
	while (queue_msg_content_next(msg, &iter, &data, &len) > 0)
		buf_append(b, data, len);
	if (hdrs) {
		const char *end = strstr(b->data + start, "\r\n\r\n");
		if (end != NULL)
			buf_truncate(b, (size_t)(end - b->data) + 2);
	}
	if (b->len > start && b->data[b->len - 1] != '\n')
		buf_append_str(b, "\r\n");
	buf_printf(b, "\r\n--%s--\r\n", boundary);
}

/* deliver_dsn_queue: a notification of that kind. */
static int deliver_dsn_queue(struct queue_dir *qd, const struct queue_msg *msg, const size_t *rcpts,
			     const struct deliver_status *st, size_t n, enum dsn_kind kind,
			     const struct deliver_dsn_conf *conf, char **error_r)
{
	const struct queue_envelope *env = queue_msg_envelope(msg);
	const char *myhostname = conf->myhostname;
	size_t wanted = 0;
	for (size_t k = 0; k < n; k++)
		wanted += deliver_dsn_wanted(msg, rcpts[k], &st[k], kind);
	if (wanted == 0 || (kind != DSN_FAILURE && env->sender[0] == '\0'))
		return 0;
	/* Postfix's bounce(8): never a triple bounce; a double bounce only
	 * with notify_classes 2bounce. */
	if (strcasecmp(env->sender, conf->double_bounce) == 0) {
		log_warn("%s: undeliverable postmaster notification discarded", queue_msg_id(msg));
		return 0;
	}
	if (env->sender[0] == '\0' && !conf->send_2bounce) {
		log_info("%s: no notification: the sender is the null address", queue_msg_id(msg));
		return 0;
	}
	int postmaster = env->sender[0] == '\0';
	const char *to = postmaster ? conf->postmaster : env->sender;
	struct queue_writer *w = NULL;
	if (queue_writer_new(qd, &w, error_r) < 0)
		return -1;
	char new_id[QUEUE_ID_SIZE];
	snprintf(new_id, sizeof(new_id), "%s", queue_writer_id(w));
	char *boundary = xasprintf("%s.%ld/%s", new_id, (long)time(NULL), myhostname);
	struct buf b;
	buf_init(&b, 0);
	deliver_dsn_header(&b, to, postmaster, kind, myhostname, boundary, new_id);
	for (size_t k = 0; k < n; k++)
		if (deliver_dsn_wanted(msg, rcpts[k], &st[k], kind))
			buf_printf(&b, "<%s>: %s\r\n", queue_msg_rcpt(msg, rcpts[k])->address,
				   st[k].text);
	buf_printf(&b, "\r\n--%s\r\nContent-Description: Delivery report\r\n"
		       "Content-Type: message/delivery-status\r\n\r\n", boundary);
	deliver_dsn_report(&b, msg, rcpts, st, n, kind, myhostname);
	deliver_dsn_returned(&b, msg, boundary, kind == DSN_DELAY);
	struct queue_envelope denv = {.sender = postmaster ? (char *)conf->double_bounce : "",
				      .protocol = "postern-bounce"};
	struct queue_attr internal = {DELIVER_DSN_CLASS_ATTR, "bounce"};
	if (conf->filter) {
		denv.extra = &internal;
		denv.n_extra = 1;
	}
	size_t content_len = b.len;
	int ok = queue_writer_envelope(w, &denv, error_r) > 0 &&
		 queue_writer_rcpt(w, to, NULL, 0, error_r) > 0 &&
		 queue_writer_content(w, b.data, b.len, error_r) > 0 &&
		 queue_writer_commit_sync(&w, conf->filter ? QUEUE_MAILDROP : QUEUE_INCOMING,
					  error_r) > 0;
	queue_writer_abort(&w);
	buf_deinit(&b);
	free(boundary);
	if (!ok)
		return -1;
	log_info_as("bounce", "%s: %s %s notification: %s", queue_msg_id(msg),
		    postmaster ? "postmaster" : "sender",
		    kind == DSN_SUCCESS || kind == DSN_CLEARED ? "delivery status"
		    : kind == DSN_DELAY ? "delay status"
					: "non-delivery",
		    new_id);
	/* In maildrop/, the pickup logs it once it is queued. */
	if (!conf->filter)
		log_info_as("qmgr", "%s: from=<%s>, size=%zu, nrcpt=1 (queue active)", new_id,
			    denv.sender, content_len);
	return 1;
}

int deliver_dsn_bounce(struct queue_dir *qd, const struct queue_msg *msg, const size_t *rcpts,
		       const struct deliver_status *st, size_t n,
		       const struct deliver_dsn_conf *conf, char **error_r)
{
	return deliver_dsn_queue(qd, msg, rcpts, st, n, DSN_FAILURE, conf, error_r);
}

int deliver_dsn_success(struct queue_dir *qd, const struct queue_msg *msg, const size_t *rcpts,
			const struct deliver_status *st, size_t n,
			const struct deliver_dsn_conf *conf, char **error_r)
{
	return deliver_dsn_queue(qd, msg, rcpts, st, n, DSN_SUCCESS, conf, error_r);
}

int deliver_dsn_cleared(struct queue_dir *qd, const struct queue_msg *msg, const size_t *rcpts,
			const struct deliver_status *st, size_t n,
			const struct deliver_dsn_conf *conf, char **error_r)
{
	return deliver_dsn_queue(qd, msg, rcpts, st, n, DSN_CLEARED, conf, error_r);
}

int deliver_dsn_delay(struct queue_dir *qd, const struct queue_msg *msg, const size_t *rcpts,
		      const struct deliver_status *st, size_t n,
		      const struct deliver_dsn_conf *conf, char **error_r)
{
	return deliver_dsn_queue(qd, msg, rcpts, st, n, DSN_DELAY, conf, error_r);
}
