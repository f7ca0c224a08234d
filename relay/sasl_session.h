/* sasl_session.h: the SMTP AUTH calls of posternd's SMTP session: the
 * EHLO keyword, the AUTH command and its 334 conversation, the log line
 * and Received header parts. The session (smtpd_private.h) keeps its SASL
 * state in s->sasl and the result in s->sasl_method/s->sasl_username;
 * everything here runs on the session's worker thread.
 */
#ifndef POSTERN_SASL_SESSION_H
#define POSTERN_SASL_SESSION_H

#include "buf.h"
#include "smtp_cmd.h"
#include "smtp_line.h"
#include "smtp_reply.h"

struct smtpd_session;

/* sasl_session_ready: when the listener offers AUTH, make the session's
 * SASL state and call next(s) once the worker's back-end knows its
 * mechanisms (or is found unavailable); else call next(s) at once. */
void sasl_session_ready(struct smtpd_session *s, void (*next)(struct smtpd_session *s));

/* sasl_session_tls: the session now runs over TLS (after STARTTLS:
 * authentication starts over, as in Postfix). */
void sasl_session_tls(struct smtpd_session *s);

/* sasl_session_ehlo: append "AUTH mechanisms" (and "AUTH=mechanisms"
 * with broken_sasl_auth_clients = yes) to the EHLO reply r when AUTH is
 * offered now. */
void sasl_session_ehlo(struct smtpd_session *s, struct smtp_reply *r);

/* smtpd_cmd_auth: the AUTH command. The session is BUSY until the
 * outcome; a 334 challenge makes the next input line a response, which
 * the session hands to sasl_session_input. */
void smtpd_cmd_auth(struct smtpd_session *s, const struct smtp_cmd *cmd);

/* sasl_session_input: a line read while an AUTH conversation waits for
 * the client's response: consumed (1), or not a response (0: dispatch it
 * as a command). */
int sasl_session_input(struct smtpd_session *s, const char *line, enum smtp_line_status status);

/* sasl_session_log: append Postfix's ", sasl_method=M, sasl_username=U"
 * (and ", sasl_sender=S" for MAIL AUTH=) for the "client=" log line of an
 * authenticated session; nothing otherwise. */
void sasl_session_log(const struct smtpd_session *s, struct buf *out);

/* sasl_session_received: the name for "(Authenticated sender: NAME)" in
 * the Received header when smtpd_sasl_authenticated_header = yes and the
 * client authenticated; else NULL. */
const char *sasl_session_received(const struct smtpd_session *s);

/* sasl_session_free: release the session's SASL state. */
void sasl_session_free(struct smtpd_session *s);

#endif
