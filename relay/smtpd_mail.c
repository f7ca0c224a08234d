/* smtpd_mail.c: MAIL FROM and RCPT TO: syntax (smtp_cmd.h, addr.h,
 * smtp_params.h), the per-client message and recipient rate limits,
 * smtpd_recipient_limit, and the transaction's sender and recipients.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "log.h"
#include "mem.h"
#include "milter_client_smtpd.h"
#include "smtpd_private.h"
#include "xtext.h"

/* Postfix's smtpd_recipient_overshoot_limit: "too many recipients" replies
 * that do not count as errors. */
#define SMTPD_RCPT_OVERSHOOT 1000

void smtpd_txn_reset(struct smtpd_session *s)
{
	struct smtpd_txn *t = &s->txn;
	FREE_AND_NULL(t->sender);
	smtp_mail_params_clear(&t->mail);
	for (size_t i = 0; i < t->n_rcpts; i++) {
		free(t->rcpts[i].address);
		free(t->rcpts[i].orcpt);
	}
	FREE_AND_NULL(t->rcpts);
	t->n_rcpts = t->cap_rcpts = 0;
	t->rcpt_overshoot = 0;
	FREE_AND_NULL(s->pending_sender);
	smtp_mail_params_clear(&s->pending_mail);
	FREE_AND_NULL(s->pending_rcpt.address);
	FREE_AND_NULL(s->pending_rcpt.orcpt);
	if (s->chk != NULL)
		smtpd_check_reset_transaction(s->chk);
	milter_client_smtpd_reset(s);
	queue_writer_abort(&t->writer);
	t->queue_id[0] = '\0';
	t->in_header = 0;
	t->received_headers = 0;
	t->have_message_id = t->have_date = 0;
	t->content_failed = 0;
	FREE_AND_NULL(t->message_id);
}

void smtpd_mail_params_opts(const struct smtpd_session *s, struct smtp_params_opts *o)
{
	const struct smtpd_conf *lc = s->lconf;
	o->ext = 0;
	if (!(lc->discard_ehlo & SMTPD_EHLO_DSN))
		o->ext |= SMTP_EXT_DSN;
	if (lc->smtputf8_enable && !(lc->discard_ehlo & SMTPD_EHLO_SMTPUTF8))
		o->ext |= SMTP_EXT_SMTPUTF8;
	o->message_size_limit = lc->message_size_limit;
}

/* smtpd_mail_path: the address of a MAIL or RCPT command. 1 with *addr_r,
 * -1 after the reply. smtputf8 < 0: not known yet (MAIL: accept UTF-8
 * syntax, checked once the parameters are read). */
static int smtpd_mail_path(struct smtpd_session *s, const struct smtp_cmd *cmd, int smtputf8,
			   struct smtp_path *path, struct addr **addr_r)
{
	int mail = cmd->verb == SMTP_VERB_MAIL;
	enum smtp_reply_id id;
	if (smtp_cmd_path(cmd, s->lconf->strict_rfc821_envelopes, path, &id) < 0) {
		smtpd_reply(s, id, NULL);
		return -1;
	}
	unsigned flags = ADDR_8BIT_LOCAL;
	if (s->lconf->strict_rfc821_envelopes)
		flags |= ADDR_STRICT_RFC821;
	if (mail)
		flags |= ADDR_ALLOW_NULL;
	if (smtputf8 != 0)
		flags |= ADDR_SMTPUTF8;
	enum addr_fail fail;
	char *error = NULL;
	if (addr_parse_path(path->path, flags, addr_r, NULL, &fail, &error) < 0) {
		log_warn("Illegal address syntax from %s in %s command: %.*s", s->namaddr,
			 cmd->name, (int)path->path_len, path->path);
		free(error);
		smtpd_reply(s,
			    fail == ADDR_FAIL_UTF8 ? SMTP_R_SMTPUTF8_REQUIRED
			    : mail		   ? SMTP_R_BAD_SENDER
						   : SMTP_R_BAD_RCPT,
			    NULL);
		return -1;
	}
	return 1;
}

/* smtpd_mail_rate: an anvil rate limit; 1 within it, 0 after the reply. */
static int smtpd_mail_rate(struct smtpd_session *s, enum anvil_event ev, long long limit)
{
	if (limit <= 0 || !s->anvil_counted)
		return 1;
	unsigned rate = anvil_event(s->worker->srv->anvil, s->lconf->service, s->addr, ev,
				    smtpd_session_clock());
	if (rate <= (unsigned)limit)
		return 1;
	if (ev == ANVIL_EV_MAIL) {
		log_warn("Message delivery request rate limit exceeded: %u from %s for service %s",
			 rate, s->namaddr, s->lconf->service);
		smtpd_reply(s, SMTP_R_RATE_MAIL, s->addr, NULL);
	} else {
		log_warn("Recipient address rate limit exceeded: %u from %s for service %s", rate,
			 s->namaddr, s->lconf->service);
		smtpd_reply(s, SMTP_R_RATE_RCPT, s->addr, NULL);
	}
	return 0;
}

/* smtpd_mail_checked: the MAIL restrictions' verdict. */
static void smtpd_mail_checked(struct smtpd_session *s, const struct smtpd_verdict *v)
{
	if (v->reply != NULL) {
		smtpd_reply_send(s, v->reply);
		FREE_AND_NULL(s->pending_sender);
		smtp_mail_params_clear(&s->pending_mail);
		return;
	}
	s->txn.sender = s->pending_sender;
	s->txn.mail = s->pending_mail;
	s->pending_sender = NULL;
	memset(&s->pending_mail, 0, sizeof(s->pending_mail));
	smtpd_reply(s, SMTP_R_MAIL_OK, NULL);
}

void smtpd_cmd_mail(struct smtpd_session *s, const struct smtp_cmd *cmd)
{
	if (s->lconf->helo_required && s->helo == NULL) {
		smtpd_reply(s, SMTP_R_NEED_HELO, NULL);
		return;
	}
	if (s->txn.sender != NULL) {
		smtpd_reply(s, SMTP_R_NESTED_MAIL, NULL);
		return;
	}
	struct smtp_path path;
	struct addr *addr = NULL;
	if (smtpd_mail_path(s, cmd, -1, &path, &addr) < 0)
		return;
	struct smtp_params_opts opts;
	smtpd_mail_params_opts(s, &opts);
	struct smtp_mail_params p = {0};
	struct smtp_reply *r = NULL;
	if (smtp_params_mail(path.params, path.params_len, &opts, &p, &r) < 0) {
		smtpd_reply_send(s, r);
		smtp_reply_free(&r);
		addr_free(&addr);
		return;
	}
	if (addr->utf8 && !p.smtputf8) {
		/* Without SMTPUTF8 only an 8-bit local part passes, as in Postfix. */
		struct addr *again = NULL;
		if (smtpd_mail_path(s, cmd, 0, &path, &again) < 0) {
			smtp_mail_params_clear(&p);
			addr_free(&addr);
			return;
		}
		addr_free(&again);
	}
	if (!smtpd_mail_rate(s, ANVIL_EV_MAIL, s->lconf->msg_rate_limit)) {
		smtp_mail_params_clear(&p);
		addr_free(&addr);
		return;
	}
	s->pending_sender = xstrdup(addr->internal);
	s->pending_mail = p;
	milter_client_smtpd_params(s, path.params, path.params_len);
	addr_free(&addr);
	smtpd_check_reset_transaction(s->chk);
	smtpd_restrict_new_instance(s);
	smtpd_restrict(s, SMTPD_CHECK_MAIL, smtpd_mail_checked);
}

char *smtpd_mail_orcpt(const struct smtp_rcpt_params *p)
{
	if (p->orcpt == NULL)
		return NULL;
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s;", p->orcpt_type);
	if (strcasecmp(p->orcpt_type, "utf-8") == 0)
		xtext_utf8_encode(p->orcpt, strlen(p->orcpt), &b);
	else
		xtext_encode(p->orcpt, strlen(p->orcpt), &b);
	char *orcpt = buf_detach(&b);
	buf_deinit(&b);
	return orcpt;
}

/* smtpd_rcpt_checked: the RCPT restrictions' verdict. */
static void smtpd_rcpt_checked(struct smtpd_session *s, const struct smtpd_verdict *v)
{
	struct smtpd_txn *t = &s->txn;
	struct smtpd_rcpt *r = &s->pending_rcpt;
	if (v->reply != NULL) {
		smtpd_reply_send(s, v->reply);
		FREE_AND_NULL(r->address);
		FREE_AND_NULL(r->orcpt);
		return;
	}
	if (t->writer == NULL && milter_client_smtpd_active(s) && smtpd_data_create(s) < 0) {
		FREE_AND_NULL(r->address);
		FREE_AND_NULL(r->orcpt);
		return;
	}
	if (t->n_rcpts == t->cap_rcpts) {
		t->cap_rcpts = t->cap_rcpts ? 2 * t->cap_rcpts : 4;
		t->rcpts = xreallocarray(t->rcpts, t->cap_rcpts, sizeof(*t->rcpts));
	}
	t->rcpts[t->n_rcpts++] = *r;
	memset(r, 0, sizeof(*r));
	smtpd_reply(s, SMTP_R_RCPT_OK, NULL);
}

void smtpd_cmd_rcpt(struct smtpd_session *s, const struct smtp_cmd *cmd)
{
	struct smtpd_txn *t = &s->txn;
	if (t->sender == NULL) {
		smtpd_reply(s, SMTP_R_NEED_MAIL, NULL);
		return;
	}
	struct smtp_path path;
	struct addr *addr = NULL;
	if (smtpd_mail_path(s, cmd, t->mail.smtputf8, &path, &addr) < 0)
		return;
	struct smtp_params_opts opts;
	smtpd_mail_params_opts(s, &opts);
	struct smtp_rcpt_params p = {0};
	struct smtp_reply *r = NULL;
	if (smtp_params_rcpt(path.params, path.params_len, &opts, t->mail.smtputf8, &p, &r) < 0) {
		smtpd_reply_send(s, r);
		smtp_reply_free(&r);
		addr_free(&addr);
		return;
	}
	if (s->lconf->recipient_limit > 0 && t->n_rcpts >= (size_t)s->lconf->recipient_limit) {
		smtpd_reply(s, SMTP_R_TOO_MANY_RCPTS, NULL);
		if (t->rcpt_overshoot++ < SMTPD_RCPT_OVERSHOOT)
			s->error_count--;
	} else if (smtpd_mail_rate(s, ANVIL_EV_RCPT, s->lconf->rcpt_rate_limit)) {
		s->pending_rcpt = (struct smtpd_rcpt){xstrdup(addr->internal), smtpd_mail_orcpt(&p),
						      p.notify};
		milter_client_smtpd_params(s, path.params, path.params_len);
		smtpd_restrict(s, SMTPD_CHECK_RCPT, smtpd_rcpt_checked);
	}
	smtp_rcpt_params_clear(&p);
	addr_free(&addr);
}
