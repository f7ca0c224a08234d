/* smtpd_tls_session.h: the TLS calls of posternd's SMTP session: the
 * STARTTLS command, wrapper mode at connect, the EHLO keyword, Postfix's
 * "530 Must issue a STARTTLS command first" at level encrypt, the facts
 * for the restriction engine and the Received header clause. The session
 * (smtpd_private.h) keeps the TLS state in s->tls; everything here runs on
 * the session's worker thread.
 */
#ifndef POSTERN_SMTPD_TLS_SESSION_H
#define POSTERN_SMTPD_TLS_SESSION_H

#include "buf.h"
#include "smtp_cmd.h"
#include "smtp_reply.h"

struct smtpd_session;
struct smtpd_facts;

/* smtpd_tls_session_connect: after the connection limits, before the
 * CONNECT restrictions: in wrapper mode run the TLS handshake, and, when
 * the listener offers AUTH, wait for the SASL back-end to be ready (so
 * the first EHLO lists AUTH), then call next(s). next may be called
 * before this returns. On a failed handshake the session is aborted
 * (logged) and next is not called. */
void smtpd_tls_session_connect(struct smtpd_session *s, void (*next)(struct smtpd_session *s));

/* smtpd_tls_session_ehlo: append "STARTTLS" to the EHLO reply r when the
 * session may start TLS (not discarded by smtpd_discard_ehlo_keywords). */
void smtpd_tls_session_ehlo(struct smtpd_session *s, struct smtp_reply *r);

/* smtpd_tls_session_required: at smtpd_tls_security_level = encrypt and
 * before TLS, Postfix answers every command but HELO, EHLO, STARTTLS,
 * NOOP and QUIT with "530 5.7.0 Must issue a STARTTLS command first":
 * sends that reply and returns 1; else 0 (the command may run). */
int smtpd_tls_session_required(struct smtpd_session *s, enum smtp_verb verb);

/* smtpd_cmd_starttls: the STARTTLS command: 220, the handshake on the
 * session's bufferevent (plaintext sent after STARTTLS is discarded),
 * then the session starts over as Postfix does (HELO, transaction and
 * authentication are forgotten). */
void smtpd_cmd_starttls(struct smtpd_session *s, const struct smtp_cmd *cmd);

/* smtpd_tls_session_facts: the TLS facts for the restriction engine
 * (protocol, cipher, bits; the client certificate's CN, issuer and
 * fingerprint when it verified, as Postfix passes them); untouched
 * without TLS. */
void smtpd_tls_session_facts(const struct smtpd_session *s, struct smtpd_facts *f);

/* smtpd_tls_session_received: with smtpd_tls_received_header = yes and
 * TLS, write the Received header's TLS lines (cleanup.h's tls_clause) to
 * out and return them; else NULL. */
const char *smtpd_tls_session_received(const struct smtpd_session *s, struct buf *out);

/* smtpd_tls_session_free: release the session's TLS state. */
void smtpd_tls_session_free(struct smtpd_session *s);

#endif
