/* smtpd_helo.c: HELO and EHLO, and the EHLO keyword list (in Postfix's
 * order, less smtpd_discard_ehlo_keywords).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sasl_session.h"
#include "smtpd_private.h"
#include "smtpd_tls_session.h"

/* smtpd_helo_keywords: the EHLO reply's keyword lines. */
static void smtpd_helo_keywords(struct smtpd_session *s, struct smtp_reply *r)
{
	const struct smtpd_conf *lc = s->lconf;
	unsigned off = lc->discard_ehlo;
	if (!(off & SMTPD_EHLO_PIPELINING))
		smtp_reply_add_line(r, "PIPELINING");
	if (!(off & SMTPD_EHLO_SIZE)) {
		char size[40];
		if (lc->message_size_limit > 0)
			snprintf(size, sizeof(size), "SIZE %llu",
				 (unsigned long long)lc->message_size_limit);
		else
			snprintf(size, sizeof(size), "SIZE");
		smtp_reply_add_line(r, size);
	}
	if (!(off & SMTPD_EHLO_VRFY) && !lc->disable_vrfy_command)
		smtp_reply_add_line(r, "VRFY");
	smtpd_tls_session_ehlo(s, r);
	sasl_session_ehlo(s, r);
	if (!(off & SMTPD_EHLO_ENHANCEDSTATUSCODES))
		smtp_reply_add_line(r, "ENHANCEDSTATUSCODES");
	if (!(off & SMTPD_EHLO_8BITMIME))
		smtp_reply_add_line(r, "8BITMIME");
	if (!(off & SMTPD_EHLO_DSN))
		smtp_reply_add_line(r, "DSN");
	if (!(off & SMTPD_EHLO_SMTPUTF8) && lc->smtputf8_enable)
		smtp_reply_add_line(r, "SMTPUTF8");
}

/* smtpd_helo_checked: the HELO restrictions' verdict. */
static void smtpd_helo_checked(struct smtpd_session *s, const struct smtpd_verdict *v)
{
	int ehlo = s->pending_esmtp;
	if (v->reply != NULL) {
		smtpd_reply_send(s, v->reply);
		FREE_AND_NULL(s->helo);
		s->esmtp = 0;
		return;
	}
	if (!ehlo) {
		smtpd_reply(s, SMTP_R_HELO, s->lconf->myhostname, NULL);
		return;
	}
	struct smtp_reply *r = smtp_reply_new(SMTP_R_EHLO, s->lconf->myhostname, NULL);
	smtpd_helo_keywords(s, r);
	smtpd_reply_send(s, r);
	smtp_reply_free(&r);
}

void smtpd_cmd_helo(struct smtpd_session *s, const struct smtp_cmd *cmd)
{
	int ehlo = cmd->verb == SMTP_VERB_EHLO;
	if (cmd->args_len == 0) {
		smtpd_reply(s, ehlo ? SMTP_R_SYNTAX_EHLO : SMTP_R_SYNTAX_HELO, NULL);
		return;
	}
	smtpd_txn_reset(s);
	free(s->helo);
	s->helo = xstrndup(cmd->args, cmd->args_len);
	s->esmtp = ehlo;
	s->pending_esmtp = ehlo;
	smtpd_restrict(s, SMTPD_CHECK_HELO, smtpd_helo_checked);
}
