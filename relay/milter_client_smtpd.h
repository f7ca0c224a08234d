/* milter_client_smtpd.h: the SMTP session's side of the milter client
 * (milter_client.h): the hooks the command files call. Every function does
 * nothing (and returns 0) when the listener has no smtpd_milters.
 */
#ifndef POSTERN_MILTER_CLIENT_SMTPD_H
#define POSTERN_MILTER_CLIENT_SMTPD_H

#include <stddef.h>
#include <stdint.h>

#include "queue.h"
#include "smtpd_check.h"

struct smtpd_session;
struct smtpd_verdict;

/* milter_client_smtpd_stage: the restrictions let stage through: send it
 * to the milters. Returns 1 when they run (next(s, verdict) follows, with
 * the milters' refusal, if any), 0 when there are none (the caller goes
 * on at once). */
int milter_client_smtpd_stage(struct smtpd_session *s, enum smtpd_check_stage stage,
			      void (*next)(struct smtpd_session *s, const struct smtpd_verdict *v));
/* milter_client_smtpd_greet: after CONNECT: when a milter refused the
 * connection with a 5xx reply, send Postfix's "554 HOST ESMTP not
 * accepting connections" greeting and return 1; else 0 (the caller
 * greets). */
int milter_client_smtpd_greet(struct smtpd_session *s);
/* milter_client_smtpd_unknown: an SMTP command the relay does not know
 * (line as sent): when milters run, they get it and the session waits;
 * their refusal, or else "500 5.5.2 Error: command not recognized", is
 * the reply; returns 1. 0 when there are no milters (the caller replies
 * 500). */
int milter_client_smtpd_unknown(struct smtpd_session *s, const char *line);
/* milter_client_smtpd_params: remember the ESMTP parameters of the MAIL
 * or RCPT command about to be checked (sent to the milters with it). */
void milter_client_smtpd_params(struct smtpd_session *s, const char *params, size_t len);
/* milter_client_smtpd_active: 1 when the message content goes to the
 * milters first (the envelope and content are written to the queue file
 * by milter_client_smtpd_queue() at the end), else 0. */
int milter_client_smtpd_active(const struct smtpd_session *s);
/* milter_client_smtpd_content: keep content for the milters; 1 taken, 0
 * not active (the caller writes it to the queue file). */
int milter_client_smtpd_content(struct smtpd_session *s, const void *data, size_t len);
/* milter_client_smtpd_size: the content size so far. */
uint64_t milter_client_smtpd_size(const struct smtpd_session *s);
/* milter_client_smtpd_queue: at the end of the message, after the
 * milters: apply their result: recipients added and deleted in s->txn,
 * the new sender, the envelope and the content written, the hold reason
 * (unless held is set: the restrictions already hold the message, with
 * their reason) and *target_r set to QUEUE_HOLD. Returns 1 queued, 0 the
 * milters discard the message, -1 a queue write error (logged). */
int milter_client_smtpd_queue(struct smtpd_session *s, int held, enum queue_name *target_r);
/* milter_client_smtpd_reset: the transaction ends. */
void milter_client_smtpd_reset(struct smtpd_session *s);
/* milter_client_smtpd_free: the session ends. */
void milter_client_smtpd_free(struct smtpd_session *s);

#endif
