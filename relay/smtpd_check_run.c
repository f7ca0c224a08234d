/* smtpd_check_run.c: the stages of a session (Postfix's smtpd_check_client,
 * _helo, _mail, _rcpt, _data and _eod): which lists run when, with
 * smtpd_delay_reject (client, HELO and sender restrictions at each RCPT),
 * the relay and recipient restrictions in the configured order,
 * DEFER_IF_PERMIT carried from one stage to the next, and the implicit
 * reject_unlisted_sender/recipient. A stage is evaluated in passes until
 * no DNS answer is missing; the last pass is committed: its log lines are
 * written, its trace reported, the session state replaced. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mem.h"
#include "smtpd_check_private.h"

static void state_deinit(struct chk_state *st)
{
	chk_defer_reset(&st->defer_if_permit);
	FREE_AND_NULL(st->hold);
	FREE_AND_NULL(st->discard);
	FREE_AND_NULL(st->redirect);
	FREE_AND_NULL(st->filter);
	for (size_t i = 0; i < st->n_bcc; i++)
		free(st->bcc[i]);
	FREE_AND_NULL(st->bcc);
	st->n_bcc = 0;
	buf_deinit(&st->prepend);
	st->discarded = 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void state_copy(struct chk_state *dst, const struct chk_state *src)
{
	*dst = *src;
	dst->defer_if_permit.reason = NULL;
	chk_defer_copy(&dst->defer_if_permit, &src->defer_if_permit);
	dst->hold = dup_or_null(src->hold);
	dst->discard = dup_or_null(src->discard);
	dst->redirect = dup_or_null(src->redirect);
	dst->filter = dup_or_null(src->filter);
	dst->bcc = src->n_bcc ? xcalloc(src->n_bcc, sizeof(char *)) : NULL;
	for (size_t i = 0; i < src->n_bcc; i++)
		dst->bcc[i] = xstrdup(src->bcc[i]);
	buf_init(&dst->prepend, 0);
	buf_append(&dst->prepend, src->prepend.data, src->prepend.len);
}

const char *smtpd_check_stage_name(enum smtpd_check_stage stage)
{
	static const char *const names[] = { "CONNECT", "HELO", "MAIL",
					     "RCPT",	"DATA", "END-OF-MESSAGE" };
	return names[stage];
}

/* reset: Postfix's SMTPD_CHECK_RESET(). */
static void reset(struct chk_pass *p)
{
	p->recursion = 0;
	p->warn_if_reject = 0;
	chk_defer_reset(&p->defer_if_reject);
}

static int check_client(struct chk_pass *p)
{
	p->st.defer_if_permit.active = 0;
	reset(p);
	int status = chk_eval_list(p, p->chk->conf->client, p->namaddr, CLS_CLIENT, DEF_ACL_CLIENT);
	p->st.defer_if_permit_client = p->st.defer_if_permit.active;
	return status;
}

static int check_helo(struct chk_pass *p)
{
	if (p->helo == NULL)
		return CHK_DUNNO;
	p->st.defer_if_permit.active = p->st.defer_if_permit_client;
	reset(p);
	int status = chk_eval_list(p, p->chk->conf->helo, p->helo, CLS_HELO, DEF_ACL_HELO);
	p->st.defer_if_permit_helo = p->st.defer_if_permit.active;
	return status;
}

static int check_mail(struct chk_pass *p)
{
	if (p->sender == NULL)
		return CHK_DUNNO;
	p->st.defer_if_permit.active = p->st.defer_if_permit_client | p->st.defer_if_permit_helo;
	p->st.sender_rcptmap_checked = 0;
	reset(p);
	int status = chk_eval_list(p, p->chk->conf->sender, p->sender, CLS_SENDER, DEF_ACL_SENDER);
	p->st.defer_if_permit_sender = p->st.defer_if_permit.active;
	if (status == CHK_PENDING)
		return status;
	if (p->chk->conf->reject_unlisted_sender && status != CHK_REJECT &&
	    !p->st.sender_rcptmap_checked && !p->st.discarded && *p->sender)
		status = chk_sender_rcpt_maps(p, p->sender);
	return status;
}

/* deferred: turn a permission into the pending DEFER_IF_PERMIT. */
static int deferred(struct chk_pass *p, int status)
{
	if (status == CHK_REJECT || status == CHK_PENDING || !p->st.defer_if_permit.active)
		return status;
	struct chk_defer d = { 0 };
	chk_defer_copy(&d, &p->st.defer_if_permit);
	status = chk_reject(p, d.code, d.dsn, "%s", d.reason);
	chk_defer_reset(&d);
	return status;
}

static int check_rcpt(struct chk_pass *p)
{
	const struct smtpd_check_conf *conf = p->chk->conf;
	int status;

	if (p->recipient == NULL)
		return CHK_DUNNO;
	/* RFC 5321 section 4.5.1: postmaster is always accepted. */
	if (strcasecmp(p->recipient, "postmaster") == 0)
		return CHK_DUNNO;
	p->recipient_rcptmap_checked = 0;
	if (conf->delay_reject) {
		if ((status = check_client(p)) == CHK_REJECT || status == CHK_PENDING ||
		    (status = check_helo(p)) == CHK_REJECT || status == CHK_PENDING ||
		    (status = check_mail(p)) == CHK_REJECT || status == CHK_PENDING)
			return status;
	}
	p->st.defer_if_permit.active = p->st.defer_if_permit_sender;
	reset(p);
	const struct chk_list *lists[2] = { conf->recipient, conf->relay };
	if (conf->relay_before_recipient) {
		lists[0] = conf->relay;
		lists[1] = conf->recipient;
	}
	status = CHK_DUNNO;
	for (int n = 0; n < 2; n++) {
		status = chk_eval_list(p, lists[n], p->recipient, CLS_RECIPIENT, DEF_ACL_RECIPIENT);
		if (status == CHK_REJECT || status == CHK_PENDING)
			break;
	}
	status = deferred(p, status);
	if (status == CHK_PENDING)
		return status;
	if (conf->reject_unlisted_recipient && status != CHK_REJECT &&
	    !p->recipient_rcptmap_checked && !p->st.discarded)
		status = chk_recipient_rcpt_maps(p, p->recipient);
	return status;
}

static int check_data(struct chk_pass *p, const struct chk_list *list, const char *reply_name,
		      const char *reply_class)
{
	/* One recipient out of several would be misleading in the log. */
	if (p->f->rcpt_count > 1)
		p->recipient = NULL;
	p->st.defer_if_permit.active = 0;
	reset(p);
	return deferred(p, chk_eval_list(p, list, reply_name, reply_class, DEF_ACL_NONE));
}

static const char *where(const struct smtpd_facts *f, enum smtpd_check_stage stage)
{
	/* A server that switches to ESMTP before the check still says EHLO. */
	if (stage == SMTPD_CHECK_HELO)
		return f->ehlo || (f->protocol && strncasecmp(f->protocol, "ESMTP", 5) == 0) ?
			       "EHLO" :
			       "HELO";
	return smtpd_check_stage_name(stage);
}

static int run_stage(struct chk_pass *p)
{
	const struct smtpd_check_conf *conf = p->chk->conf;
	switch (p->stage) {
	case SMTPD_CHECK_CONNECT:
		return conf->delay_reject ? CHK_DUNNO : check_client(p);
	case SMTPD_CHECK_HELO:
		return conf->delay_reject ? CHK_DUNNO : check_helo(p);
	case SMTPD_CHECK_MAIL:
		return conf->delay_reject ? CHK_DUNNO : check_mail(p);
	case SMTPD_CHECK_RCPT:
		return check_rcpt(p);
	case SMTPD_CHECK_DATA:
		return check_data(p, conf->data, "DATA", CLS_DATA);
	case SMTPD_CHECK_END_OF_DATA:
		return check_data(p, conf->eod, "END-OF-MESSAGE", CLS_EOD);
	}
	return CHK_DUNNO;
}

static void pass_deinit(struct chk_pass *p)
{
	state_deinit(&p->st);
	chk_defer_reset(&p->defer_if_reject);
	smtp_reply_free(&p->reply);
	buf_deinit(&p->logs);
	buf_deinit(&p->trace);
}

/* commit: write the pass's log lines and trace; adopt its state. */
static void commit(struct smtpd_check *chk, struct chk_pass *p)
{
	for (char *line = p->logs.data, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		if (line[0] == 'W')
			log_warn("%s", line + 1);
		else
			log_info("%s", line + 1);
	}
	for (char *line = p->trace.data, *nl; chk->trace_fn && line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		char *tab = strchr(line, '\t');
		*tab = '\0';
		chk->trace_fn(chk->trace_ctx, atoi(line), tab + 1);
	}
	state_deinit(&chk->st);
	chk->st = p->st;
	memset(&p->st, 0, sizeof(p->st));
	smtp_reply_free(&chk->reply);
	chk->reply = p->reply;
	p->reply = NULL;
}

static void run_pass(void *arg);

/* resume: a DNS answer or a policy answer came; run the pass again once
 * nothing is missing. */
static void resume(void *arg)
{
	struct smtpd_check *chk = arg;
	if (chk_dnsq_wait(chk->dnsq, resume, chk) || chk_policyq_wait(chk->policyq, resume, chk))
		return;
	run_pass(chk);
}

/* waiting: 1 when a DNS lookup or a policy request is pending (resume
 * then runs when they are all answered). */
static int waiting(struct smtpd_check *chk)
{
	return chk_dnsq_wait(chk->dnsq, resume, chk) || chk_policyq_wait(chk->policyq, resume, chk);
}

/* finish: a pass completed with status; report the verdict. */
static void finish(struct smtpd_check *chk, struct chk_pass *p, int status)
{
	struct smtpd_verdict v = { 0 };
	commit(chk, p);
	if (status == CHK_REJECT && chk->reply)
		v.reply = chk->reply;
	v.discard = chk->st.discarded;
	/* The protocol a later HELO is checked under: the one now, unless a
	 * HELO was just refused (which changes nothing). */
	if (chk->stage != SMTPD_CHECK_HELO || status != CHK_REJECT) {
		free(chk->protocol);
		chk->protocol = chk->facts->protocol ? xstrdup(chk->facts->protocol) : NULL;
	}
	chk->effects.hold = chk->st.hold;
	chk->effects.discard = chk->st.discard;
	chk->effects.redirect = chk->st.redirect;
	chk->effects.filter = chk->st.filter;
	chk->effects.bcc = (const char *const *)chk->st.bcc;
	chk->effects.n_bcc = chk->st.n_bcc;
	chk->effects.prepend = buf_cstr(&chk->st.prepend);
	chk->running = 0;
	smtpd_check_done_fn *cb = chk->done_cb;
	void *cb_arg = chk->done_arg;
	chk->done_cb = NULL;
	cb(cb_arg, &v);
}

static void run_pass(void *arg)
{
	struct smtpd_check *chk = arg;
	const struct smtpd_facts *f = chk->facts;
	struct chk_pass p = { 0 };

	p.chk = chk;
	p.f = f;
	p.stage = chk->stage;
	state_copy(&p.st, &chk->st);
	buf_init(&p.logs, 0);
	buf_init(&p.trace, 0);
	p.where = where(f, chk->stage);
	char *namaddr = xasprintf("%s[%s]", f->client_name ? f->client_name : "unknown",
				  f->client_addr ? f->client_addr : "unknown");
	p.namaddr = namaddr;
	p.helo = f->helo;
	p.protocol = chk->stage == SMTPD_CHECK_HELO && chk->protocol ? chk->protocol : f->protocol;
	p.sender = chk->stage >= SMTPD_CHECK_MAIL ? f->sender : NULL;
	p.recipient = chk->stage >= SMTPD_CHECK_RCPT ? f->recipient : NULL;

	int status = run_stage(&p);
	if (status == CHK_PENDING && waiting(chk)) {
		pass_deinit(&p);
		free(namaddr);
		return;
	}
	if (status == CHK_PENDING)
		log_panic("smtpd_check: an evaluation waits with no DNS lookup or policy "
			  "request pending");
	finish(chk, &p, status);
	pass_deinit(&p);
	free(namaddr);
}

void smtpd_check_run(struct smtpd_check *chk, enum smtpd_check_stage stage,
		     const struct smtpd_facts *facts, smtpd_check_done_fn *done_cb, void *arg)
{
	if (chk->running)
		log_panic("smtpd_check_run: an evaluation is already running");
	chk->running = 1;
	chk->stage = stage;
	chk->facts = facts;
	chk->done_cb = done_cb;
	chk->done_arg = arg;
	chk_policyq_clear(chk->policyq);
	run_pass(chk);
}

struct smtpd_check *smtpd_check_new(struct smtpd_check_conf *conf, struct dns *dns,
				    struct policy_client *policy)
{
	struct smtpd_check *chk = xcalloc(1, sizeof(*chk));
	chk->conf = smtpd_check_conf_ref(conf);
	chk->dnsq = chk_dnsq_new(dns);
	chk->policyq = chk_policyq_new(policy);
	buf_init(&chk->st.prepend, 0);
	chk->effects.prepend = "";
	return chk;
}

void smtpd_check_free(struct smtpd_check **chkp)
{
	struct smtpd_check *chk = *chkp;
	if (chk == NULL)
		return;
	*chkp = NULL;
	chk_dnsq_free(&chk->dnsq);
	chk_policyq_free(&chk->policyq);
	state_deinit(&chk->st);
	smtp_reply_free(&chk->reply);
	smtpd_check_conf_unref(&chk->conf);
	free(chk->protocol);
	free(chk);
}

void smtpd_check_set_trace(struct smtpd_check *chk, smtpd_check_trace_fn *fn, void *ctx)
{
	chk->trace_fn = fn;
	chk->trace_ctx = ctx;
}

const struct smtpd_effects *smtpd_check_effects(const struct smtpd_check *chk)
{
	return &chk->effects;
}

void smtpd_check_reset_transaction(struct smtpd_check *chk)
{
	struct chk_defer keep = { 0 };
	chk_defer_copy(&keep, &chk->st.defer_if_permit);
	state_deinit(&chk->st);
	chk->st.defer_if_permit = keep;
	buf_init(&chk->st.prepend, 0);
	chk->st.sender_rcptmap_checked = 0;
	memset(&chk->effects, 0, sizeof(chk->effects));
	chk->effects.prepend = "";
}
