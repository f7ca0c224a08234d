/* deliver.h: what every delivery transport reports for one recipient.
 *
 * A transport fills a deliver_status; the caller records its state in the
 * queue file (queue_msg_rcpt_update) and logs it with deliver_log() in
 * Postfix's format once that update is durable.
 */
#ifndef POSTERN_DELIVER_H
#define POSTERN_DELIVER_H

#include <stdint.h>

#include "queue_commit.h"
#include "queue_msg.h"

/* What a NOTIFY=SUCCESS notice says of a delivered recipient. */
enum deliver_notice {
	DELIVER_NOTICE_DELIVERED, /* into a mailbox (or discarded): "delivered" */
	DELIVER_NOTICE_RELAYED,	  /* to an SMTP server without DSN: "relayed" */
	DELIVER_NOTICE_NONE,	  /* the next hop has DSN: the request went on */
};

struct deliver_status {
	enum queue_rcpt_state state; /* DELIVERED, DEFERRED or BOUNCED */
	enum deliver_notice notice;  /* for DELIVERED; deliver_status_set makes it
					DELIVERED, the SMTP/LMTP client corrects it */
	char dsn[16];		     /* enhanced status code, e.g. "2.0.0" */
	char *relay;		     /* malloc'd: "none", "host[addr]:port", ... */
	char *text;		     /* malloc'd: the reason, e.g. "delivered to maildir" */
	char *diag;		     /* malloc'd or NULL: the peer's own reply for a DSN's
					Diagnostic-Code ("smtp; 550 5.1.1 ...") */
};

/* deliver_status_set: fill st (releasing what it held) with state, dsn,
 * relay and a printf-formatted text. */
void deliver_status_set(struct deliver_status *st, enum queue_rcpt_state state, const char *dsn,
			const char *relay, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* deliver_status_deinit: free the strings of st and clear them; accepts a
 * zeroed one. */
void deliver_status_deinit(struct deliver_status *st);

/* When the steps of one delivery happened, microseconds since the epoch. */
struct deliver_times {
	int64_t active_us; /* the scheduler took the message from incoming/ */
	int64_t start_us;  /* this delivery started */
	int64_t conn_us;   /* the connection was set up (start_us if none) */
	int64_t done_us;   /* the delivery finished */
	long long conn_use; /* the session's transaction count, logged as
			       conn_use= when above 1 (a reused connection) */
};

/* deliver_log_line: Postfix's delivery log line for recipient rcpt of msg:
 * "ID: to=<rcpt>, relay=R, [conn_use=N, ]delay=D, delays=a/b/c/d,
 * dsn=X.Y.Z, status=sent (text)" (deferred, bounced), with delay from arrival to
 * done and a, b, c, d the four intervals of t after arrival. malloc'd; the
 * caller frees. */
char *deliver_log_line(const struct queue_msg *msg, const char *rcpt,
		       const struct deliver_status *st, const struct deliver_times *t);

/* deliver_record: write st's state into recipient i's status slot, make it
 * durable and then log the delivery line with log_info(). With committer
 * NULL the calling thread syncs the file (queue_msg_sync); otherwise the
 * sync is one job of the committer's next batch (group commit) and the
 * calling thread waits for it. 1 ok; -1 with *error_r (nothing logged:
 * the recipient will be tried again). msg must be open in
 * QUEUE_MSG_UPDATE mode. */
int deliver_record(struct queue_msg *msg, size_t i, const struct deliver_status *st,
		   const struct deliver_times *t, struct queue_committer *committer,
		   char **error_r);

/* deliver_record_all: deliver_record for n recipients (indexes rcpts,
 * results st) at once: every status written, one sync, then one log line
 * each. 1 ok; -1 with *error_r (nothing logged). */
int deliver_record_all(struct queue_msg *msg, const size_t *rcpts, const struct deliver_status *st,
		       size_t n, const struct deliver_times *t, struct queue_committer *committer,
		       char **error_r);

#endif
