/* smtpd_tls_session.c: TLS in posternd's SMTP session (see
 * smtpd_tls_session.h): STARTTLS and wrapper mode on the session's
 * bufferevent, the EHLO keyword, the encrypt level's refusals, the facts
 * and the Received header clause. The handshake itself is smtpd_tls.c's.
 */
#include "smtpd_tls_session.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "log.h"
#include "mem.h"
#include "sasl_session.h"
#include "smtpd_private.h"
#include "smtpd_tls.h"

/* smtpd_tls_session_done: the handshake ended (STARTTLS or wrapper). */
static void smtpd_tls_session_done(void *arg, struct smtpd_tls *tls, struct bufferevent *bev)
{
	struct smtpd_session *s = arg;
	s->bev = bev;
	if (tls == NULL) {
		log_info("lost connection after %s from %s", s->last_cmd, s->namaddr);
		smtpd_session_abort(s);
		return;
	}
	s->tls = tls;
	s->tls_active = 1;
	smtpd_session_attach(s);
	void (*next)(struct smtpd_session *) = s->tls_next;
	s->tls_next = NULL;
	if (next != NULL) {
		/* Wrapper mode: on to SASL and the CONNECT restrictions. */
		sasl_session_ready(s, next);
		return;
	}
	/* STARTTLS: the session starts over (RFC 3207 4.2). */
	FREE_AND_NULL(s->helo);
	s->esmtp = 0;
	smtpd_txn_reset(s);
	sasl_session_tls(s);
	smtpd_session_resume(s);
}

/* smtpd_tls_session_lost: the client went away before the handshake. */
static void smtpd_tls_session_lost(struct bufferevent *bev, short what, void *arg)
{
	struct smtpd_session *s = arg;
	(void)bev;
	log_info("%s after STARTTLS from %s",
		 (what & BEV_EVENT_TIMEOUT) ? "timeout" : "lost connection", s->namaddr);
	smtpd_session_abort(s);
}

/* smtpd_tls_session_flushed: the 220 is out: start the handshake. */
static void smtpd_tls_session_flushed(struct bufferevent *bev, void *arg)
{
	struct smtpd_session *s = arg;
	if (s->delayed.len > 0 || evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	s->state = SMTPD_ST_BUSY;
	struct bufferevent *tls =
		smtpd_tls_starttls(s->lconf->tls, bev, s->namaddr, smtpd_tls_session_done, s);
	if (tls == NULL) {
		/* The 220 went out: nothing else can be said in the clear. */
		log_info("lost connection after STARTTLS from %s", s->namaddr);
		smtpd_session_abort(s);
		return;
	}
	s->bev = tls;
}

void smtpd_cmd_starttls(struct smtpd_session *s, const struct smtp_cmd *cmd)
{
	const struct smtpd_tls_server *srv = s->lconf->tls;
	if (cmd->args_len > 0) {
		smtpd_reply(s, SMTP_R_SYNTAX_STARTTLS, NULL);
		return;
	}
	if (s->tls_active) {
		smtpd_reply(s, SMTP_R_TLS_ACTIVE, NULL);
		return;
	}
	if (!smtpd_tls_offer_starttls(srv, 0) || (s->lconf->discard_ehlo & SMTPD_EHLO_STARTTLS)) {
		smtpd_reply(s, SMTP_R_NOT_IMPLEMENTED, NULL);
		return;
	}
	smtpd_reply(s, SMTP_R_STARTTLS_READY, NULL);
	/* Nothing more is read in the clear; what the client pipelined after
	 * STARTTLS is dropped when the handshake starts. */
	s->state = SMTPD_ST_BUSY;
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_setcb(s->bev, NULL, smtpd_tls_session_flushed, smtpd_tls_session_lost, s);
	bufferevent_enable(s->bev, EV_WRITE);
}

void smtpd_tls_session_connect(struct smtpd_session *s, void (*next)(struct smtpd_session *s))
{
	const struct smtpd_tls_server *srv = s->lconf->tls;
	if (!srv->wrappermode) {
		sasl_session_ready(s, next);
		return;
	}
	s->tls_next = next;
	s->state = SMTPD_ST_BUSY;
	struct bufferevent *tls =
		smtpd_tls_wrap(srv, s->bev, s->namaddr, smtpd_tls_session_done, s);
	if (tls == NULL) {
		log_info("lost connection after CONNECT from %s", s->namaddr);
		smtpd_session_abort(s);
		return;
	}
	s->bev = tls;
}

void smtpd_tls_session_ehlo(struct smtpd_session *s, struct smtp_reply *r)
{
	if (!(s->lconf->discard_ehlo & SMTPD_EHLO_STARTTLS) &&
	    smtpd_tls_offer_starttls(s->lconf->tls, s->tls_active))
		smtp_reply_add_line(r, "STARTTLS");
}

int smtpd_tls_session_required(struct smtpd_session *s, enum smtp_verb verb)
{
	if (s->lconf->tls->level != SMTPD_TLS_ENCRYPT || s->tls_active)
		return 0;
	switch (verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
	case SMTP_VERB_STARTTLS:
	case SMTP_VERB_NOOP:
	case SMTP_VERB_QUIT:
	case SMTP_VERB_HELP:
	case SMTP_VERB_UNKNOWN:
		return 0;
	default:
		smtpd_reply(s, SMTP_R_STARTTLS_FIRST, NULL);
		return 1;
	}
}

void smtpd_tls_session_facts(const struct smtpd_session *s, struct smtpd_facts *f)
{
	if (s->tls == NULL)
		return;
	const struct tls_info *info = smtpd_tls_info(s->tls);
	f->tls_protocol = info->protocol;
	f->tls_cipher = info->cipher;
	f->tls_bits = info->cipher_usebits;
	if (info->peer_cert && info->peer_verified) {
		f->ccert_subject = info->peer_cn;
		f->ccert_issuer = info->issuer_cn;
		f->ccert_fingerprint = info->peer_fingerprint;
	}
}

const char *smtpd_tls_session_received(const struct smtpd_session *s, struct buf *out)
{
	if (s->tls == NULL || !s->lconf->tls->received_header)
		return NULL;
	smtpd_tls_received_clause(s->tls, out);
	return out->data;
}

void smtpd_tls_session_free(struct smtpd_session *s)
{
	smtpd_tls_free(&s->tls);
}
