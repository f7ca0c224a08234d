/* milter_client_smtpd.c: the glue between an SMTP session and its milter
 * chain (milter_client_smtpd.h): stages after the restrictions, the
 * content kept for the milters, and the milters' result turned into the
 * queue file's envelope, recipients and content.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_list.h"
#include "log.h"
#include "mem.h"
#include "milter_client.h"
#include "milter_client_smtpd.h"
#include "smtpd_private.h"

static void milter_client_smtpd_done(void *arg, const struct milter_verdict *mv)
{
	struct smtpd_session *s = arg;
	void (*next)(struct smtpd_session *, const struct smtpd_verdict *) = s->milter_next;
	struct smtpd_verdict v = {mv->reply, 0};
	s->milter_next = NULL;
	if (mv->reply != NULL && !mv->logged) {
		/* Postfix's log: smtpd's "milter-reject: RCPT from ...: 550 5.7.1
		 * ...", and at the end of the message cleanup's, without the
		 * reply code. */
		char *text = smtp_reply_to_string(mv->reply);
		const char *shown = text;
		if (s->check_stage == SMTPD_CHECK_END_OF_DATA && strlen(text) > 4)
			shown = text + 4;
		smtpd_log_action(s, "milter-reject", smtpd_check_stage_name(s->check_stage), shown);
		free(text);
	}
	next(s, &v);
}

int milter_client_smtpd_stage(struct smtpd_session *s, enum smtpd_check_stage stage,
			      void (*next)(struct smtpd_session *s, const struct smtpd_verdict *v))
{
	if (s->lconf->milters == NULL || s->milters_off)
		return 0;
	if (s->milters == NULL) {
		const struct milter_client_conf *conf = NULL;
		char *error = NULL;
		if (milter_client_conf_client(s->lconf->milters, s->addr, &conf, &error) < 0) {
			log_warn("%s: %s; using smtpd_milters", s->namaddr, error);
			free(error);
		}
		if (conf == NULL || conf->n_milters == 0) {
			s->milters_off = 1;
			return 0;
		}
		s->milters = milter_chain_new(conf, s->worker->base);
	}
	s->milter_next = next;
	char **args = NULL, *error = NULL;
	if ((stage == SMTPD_CHECK_MAIL || stage == SMTPD_CHECK_RCPT) && s->pending_params != NULL &&
	    cfg_split_at(s->pending_params, " ", &args, NULL, &error) < 0)
		FREE_AND_NULL(error);
	milter_chain_stage(s->milters, stage, &s->facts, (const char *const *)args,
			   milter_client_smtpd_done, s);
	if (args != NULL)
		cfg_list_free(&args);
	return 1;
}

/* milter_client_smtpd_unknown_done: the milters' verdict on an unknown
 * command; Postfix logs a refusal as "milter-reject: UNKNOWN from ...". */
static void milter_client_smtpd_unknown_done(void *arg, const struct milter_verdict *mv)
{
	struct smtpd_session *s = arg;
	if (mv->reply != NULL) {
		char *text = smtp_reply_to_string(mv->reply);
		smtpd_log_action(s, "milter-reject", "UNKNOWN", text);
		free(text);
		smtpd_reply_send(s, mv->reply);
	} else {
		smtpd_reply(s, SMTP_R_UNKNOWN_COMMAND, NULL);
	}
	smtpd_session_resume(s);
}

int milter_client_smtpd_unknown(struct smtpd_session *s, const char *line)
{
	if (s->milters == NULL)
		return 0;
	smtpd_restrict_facts(s);
	s->state = SMTPD_ST_BUSY;
	milter_chain_unknown(s->milters, &s->facts, line, milter_client_smtpd_unknown_done, s);
	return 1;
}

void milter_client_smtpd_params(struct smtpd_session *s, const char *params, size_t len)
{
	free(s->pending_params);
	s->pending_params = params != NULL ? xstrndup(params, len) : NULL;
}

int milter_client_smtpd_greet(struct smtpd_session *s)
{
	const struct smtp_reply *r = s->milters ? milter_chain_session_reply(s->milters) : NULL;
	if (r == NULL || r->code < 500)
		return 0;
	char *text = xasprintf("%s ESMTP not accepting connections", s->lconf->myhostname);
	struct smtp_reply *greet = smtp_reply_custom(554, NULL, text);
	smtpd_reply_send(s, greet);
	smtp_reply_free(&greet);
	free(text);
	return 1;
}

int milter_client_smtpd_active(const struct smtpd_session *s)
{
	return s->milters != NULL;
}

int milter_client_smtpd_content(struct smtpd_session *s, const void *data, size_t len)
{
	if (s->milters == NULL)
		return 0;
	milter_chain_content(s->milters, data, len);
	return 1;
}

uint64_t milter_client_smtpd_size(const struct smtpd_session *s)
{
	if (s->milters == NULL)
		return queue_writer_content_size(s->txn.writer);
	return milter_chain_content_size(s->milters);
}

/* milter_client_smtpd_ignore: Postfix's warning for an ESMTP argument of
 * a milter's CHGFROM or ADDRCPT_PAR that it does not use. */
static void milter_client_smtpd_ignore(const struct smtpd_session *s, const char *arg)
{
	log_warn("%s: ignoring ESMTP argument from Milter: \"%.100s\"", s->txn.queue_id, arg);
}

/* milter_client_smtpd_args: args split at spaces (NULL-terminated, free
 * with cfg_list_free), or NULL when there are none. */
static char **milter_client_smtpd_args(const char *args)
{
	char **items = NULL, *error = NULL;
	if (args == NULL || cfg_split_at(args, " ", &items, NULL, &error) < 0) {
		free(error);
		return NULL;
	}
	return items;
}

/* milter_client_smtpd_sender_args: the arguments of CHGFROM: RET and
 * ENVID replace the transaction's, as in Postfix 3.7; the others are
 * ignored with a warning. Each argument is checked alone, as SMTP would. */
static void milter_client_smtpd_sender_args(struct smtpd_session *s, const char *args)
{
	char **items = milter_client_smtpd_args(args);
	struct smtp_params_opts opts;
	smtpd_mail_params_opts(s, &opts);
	opts.ext |= SMTP_EXT_DSN;
	for (char **i = items; i != NULL && *i != NULL; i++) {
		struct smtp_mail_params p;
		struct smtp_reply *reply = NULL;
		if ((strncasecmp(*i, "RET=", 4) != 0 && strncasecmp(*i, "ENVID=", 6) != 0) ||
		    smtp_params_mail(*i, strlen(*i), &opts, &p, &reply) < 0) {
			smtp_reply_free(&reply);
			milter_client_smtpd_ignore(s, *i);
			continue;
		}
		if (p.ret != SMTP_RET_NONE)
			s->txn.mail.ret = p.ret;
		if (p.envid != NULL) {
			free(s->txn.mail.envid);
			s->txn.mail.envid = p.envid;
			p.envid = NULL;
		}
		smtp_mail_params_clear(&p);
	}
	if (items != NULL)
		cfg_list_free(&items);
}

/* milter_client_smtpd_rcpt_args: the arguments of ADDRCPT_PAR: NOTIFY
 * and ORCPT go with the recipient, the others are ignored with a
 * warning, as in Postfix 3.7. */
static void milter_client_smtpd_rcpt_args(struct smtpd_session *s, struct smtpd_rcpt *rc,
					  const char *args)
{
	char **items = milter_client_smtpd_args(args);
	struct smtp_params_opts opts;
	smtpd_mail_params_opts(s, &opts);
	opts.ext |= SMTP_EXT_DSN;
	for (char **i = items; i != NULL && *i != NULL; i++) {
		struct smtp_rcpt_params p;
		struct smtp_reply *reply = NULL;
		if (smtp_params_rcpt(*i, strlen(*i), &opts, s->txn.mail.smtputf8, &p, &reply) < 0) {
			smtp_reply_free(&reply);
			milter_client_smtpd_ignore(s, *i);
			continue;
		}
		if (p.notify != 0)
			rc->notify = p.notify;
		if (p.orcpt != NULL) {
			free(rc->orcpt);
			rc->orcpt = smtpd_mail_orcpt(&p);
		}
		smtp_rcpt_params_clear(&p);
	}
	if (items != NULL)
		cfg_list_free(&items);
}

/* milter_client_smtpd_rcpts: delete and add recipients in the
 * transaction, as the milters asked. */
static void milter_client_smtpd_rcpts(struct smtpd_session *s, const struct milter_result *r)
{
	struct smtpd_txn *t = &s->txn;
	for (size_t d = 0; d < r->n_del_rcpts; d++) {
		for (size_t i = 0; i < t->n_rcpts; i++) {
			if (strcasecmp(t->rcpts[i].address, r->del_rcpts[d]) != 0)
				continue;
			free(t->rcpts[i].address);
			free(t->rcpts[i].orcpt);
			memmove(&t->rcpts[i], &t->rcpts[i + 1],
				(t->n_rcpts - i - 1) * sizeof(*t->rcpts));
			t->n_rcpts--;
			break;
		}
	}
	for (size_t a = 0; a < r->n_add_rcpts; a++) {
		if (t->n_rcpts == t->cap_rcpts) {
			t->cap_rcpts = t->cap_rcpts ? 2 * t->cap_rcpts : 4;
			t->rcpts = xreallocarray(t->rcpts, t->cap_rcpts, sizeof(*t->rcpts));
		}
		struct smtpd_rcpt *rc = &t->rcpts[t->n_rcpts++];
		memset(rc, 0, sizeof(*rc));
		rc->address = xstrdup(r->add_rcpts[a].addr);
		milter_client_smtpd_rcpt_args(s, rc, r->add_rcpts[a].args);
	}
}

/* milter_client_smtpd_redirect: milter_header_checks REDIRECT: the
 * address replaces every recipient, as a restriction's REDIRECT does. */
static void milter_client_smtpd_redirect(struct smtpd_session *s, const char *addr)
{
	struct smtpd_txn *t = &s->txn;
	for (size_t i = 0; i < t->n_rcpts; i++) {
		free(t->rcpts[i].address);
		free(t->rcpts[i].orcpt);
	}
	t->n_rcpts = 0;
	if (t->cap_rcpts == 0) {
		t->cap_rcpts = 4;
		t->rcpts = xreallocarray(t->rcpts, t->cap_rcpts, sizeof(*t->rcpts));
	}
	memset(&t->rcpts[0], 0, sizeof(t->rcpts[0]));
	t->rcpts[0].address = xstrdup(addr);
	t->n_rcpts = 1;
}

int milter_client_smtpd_queue(struct smtpd_session *s, int held, enum queue_name *target_r)
{
	if (s->milters == NULL)
		return 1;
	struct smtpd_txn *t = &s->txn;
	struct milter_result *r = milter_chain_result(s->milters);
	char *error = NULL;
	if (r->discard) {
		log_info("%s: milter-discard: END-OF-MESSAGE from %s: milter triggers DISCARD "
			 "action",
			 t->queue_id, s->namaddr);
		return 0;
	}
	if (r->sender != NULL) {
		free(t->sender);
		t->sender = xstrdup(r->sender);
		milter_client_smtpd_sender_args(s, r->sender_args);
	}
	milter_client_smtpd_rcpts(s, r);
	if (r->redirect != NULL)
		milter_client_smtpd_redirect(s, r->redirect);
	if (smtpd_data_envelope(s, &error) < 0 ||
	    queue_writer_content(t->writer, r->content.data, r->content.len, &error) < 0)
		goto fail;
	t->size = r->content.len;
	if (r->hold_reason != NULL && !held) {
		log_info("%s: milter-hold: END-OF-MESSAGE from %s: %s", t->queue_id, s->namaddr,
			 r->hold_reason);
		if (queue_writer_attr(t->writer, "hold_reason", r->hold_reason, &error) < 0 ||
		    queue_writer_attr(t->writer, "hold_filter", r->hold_filter, &error) < 0)
			goto fail;
		*target_r = QUEUE_HOLD;
	}
	return 1;
fail:
	log_warn("%s: queue file write error: %s", t->queue_id, error);
	free(error);
	return -1;
}

void milter_client_smtpd_reset(struct smtpd_session *s)
{
	if (s->milters != NULL)
		milter_chain_reset(s->milters);
}

void milter_client_smtpd_free(struct smtpd_session *s)
{
	milter_chain_free(&s->milters);
	FREE_AND_NULL(s->pending_params);
}
