/* smtpd_check_list.c: evaluate a restriction list, element by element,
 * as Postfix's generic_checks() does: the first element that permits or
 * refuses decides; warn_if_reject softens the next element only;
 * restriction classes and restriction lists found in access tables are
 * evaluated in turn; once both a DEFER_IF_PERMIT and a DEFER_IF_REJECT are
 * pending nothing can change the outcome and evaluation stops; after a
 * DISCARD nothing more is evaluated for the message. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "smtpd_check_private.h"

#define RECURSION_MAX 100

static const char *status_name(int status)
{
	switch (status) {
	case CHK_OK:
		return "PERMIT";
	case CHK_REJECT:
		return "REJECT";
	default:
		return "no decision";
	}
}

/* forbid_ok: Postfix refuses OK from check_reverse_client_hostname_access
 * (a client controls its own PTR name). */
static int forbid_ok(struct chk_pass *p, const struct chk_elem *e, int status)
{
	if (status != CHK_OK)
		return status;
	chk_log_warn(p, "restriction %s returns OK; this is not allowed for security reasons; "
			"use DUNNO instead of OK if you want to make an exception",
		     e->name);
	return chk_reject_config(p, "OK from a reverse client name table");
}

static int eval_client(struct chk_pass *p, const struct chk_elem *e, enum chk_def_acl def_acl)
{
	const struct smtpd_facts *f = p->f;
	const char *name = f->client_name ? f->client_name : "unknown";
	const char *user = f->sasl_username;
	int status, found;

	switch (e->kind) {
	case E_PERMIT_MYNETWORKS:
		status = chk_permit_mynetworks(p);
		return status == CHK_OK ? chk_permit(p, e->name, CLS_CLIENT, p->namaddr, NULL) :
					  status;
	case E_PERMIT_SASL_AUTHENTICATED:
		if (p->chk->conf->sasl_enable && user && *user)
			return chk_permit(p, e->name, CLS_CLIENT, p->namaddr, NULL);
		return CHK_DUNNO;
	case E_REJECT_UNKNOWN_CLIENT_HOSTNAME:
		return chk_reject_unknown_client(p, 0);
	case E_REJECT_UNKNOWN_REVERSE_CLIENT_HOSTNAME:
		return chk_reject_unknown_client(p, 1);
	case E_CHECK_CLIENT_ACCESS:
		return chk_access_client(p, e->table, name, f->client_addr, p->namaddr, CLS_CLIENT,
					 def_acl, &found);
	case E_CHECK_REVERSE_CLIENT_ACCESS:
		status = chk_access_client(p, e->table, f->reverse_name ? f->reverse_name : "unknown",
					   f->client_addr, p->namaddr, CLS_REV_CLIENT, def_acl,
					   &found);
		return forbid_ok(p, e, status);
	case E_CHECK_SASL_ACCESS:
		if (!p->chk->conf->sasl_enable) {
			chk_log_warn(p, "restriction `%s' ignored: no SASL support", e->name);
			return CHK_DUNNO;
		}
		if (user && *user)
			return chk_access_key(p, e->table, user, user, CLS_SASL, def_acl);
		return CHK_DUNNO;
	default:
		return chk_rbl(p, e);
	}
}

static int eval_sender(struct chk_pass *p, const struct chk_elem *e, enum chk_def_acl def_acl)
{
	const char *s = p->sender;

	if (s == NULL)
		return CHK_DUNNO;
	switch (e->kind) {
	case E_CHECK_SENDER_ACCESS:
		if (*s)
			return chk_access_mail(p, e->table, s, s, CLS_SENDER, def_acl);
		return chk_access_key(p, e->table, p->chk->conf->null_access_key, s, CLS_SENDER,
				      def_acl);
	case E_REJECT_NON_FQDN_SENDER:
		return *s ? chk_reject_non_fqdn_address(p, s, CLS_SENDER) : CHK_DUNNO;
	case E_REJECT_UNKNOWN_SENDER_DOMAIN:
		return *s ? chk_reject_unknown_address(p, s, CLS_SENDER) : CHK_DUNNO;
	case E_REJECT_UNLISTED_SENDER:
		return *s ? chk_sender_rcpt_maps(p, s) : CHK_DUNNO;
	default:
		return chk_sender_login_mismatch(p, e->kind);
	}
}

static int eval_recipient(struct chk_pass *p, const struct chk_elem *e, enum chk_def_acl def_acl)
{
	const struct smtpd_check_conf *conf = p->chk->conf;
	const char *r = p->recipient;
	int status;

	if (r == NULL)
		return CHK_DUNNO;
	switch (e->kind) {
	case E_CHECK_RECIPIENT_ACCESS:
		return chk_access_mail(p, e->table, r, r, CLS_RECIPIENT, def_acl);
	case E_PERMIT_AUTH_DESTINATION:
		status = chk_permit_auth_destination(p, r);
		return status == CHK_OK ? chk_permit(p, e->name, CLS_RECIPIENT, r, NULL) : status;
	case E_REJECT_UNAUTH_DESTINATION:
		return chk_reject_unauth_destination(p, r, conf->codes.relay, "5.7.1");
	case E_DEFER_UNAUTH_DESTINATION:
		return chk_reject_unauth_destination(p, r, conf->codes.relay - 100, "4.7.1");
	case E_REJECT_NON_FQDN_RECIPIENT:
		return chk_reject_non_fqdn_address(p, r, CLS_RECIPIENT);
	case E_REJECT_UNKNOWN_RECIPIENT_DOMAIN:
		return chk_reject_unknown_address(p, r, CLS_RECIPIENT);
	case E_REJECT_UNLISTED_RECIPIENT:
		return *r ? chk_recipient_rcpt_maps(p, r) : CHK_DUNNO;
	default:
		return CHK_DUNNO;
	}
}

static int eval_elem(struct chk_pass *p, const struct chk_elem *e, const char *reply_name,
		     const char *reply_class, enum chk_def_acl def_acl)
{
	const struct smtpd_check_conf *conf = p->chk->conf;

	switch (e->kind) {
	case E_PERMIT:
		return chk_permit(p, e->name, reply_class, reply_name, NULL);
	case E_REJECT:
		return chk_reject(p, conf->codes.reject, "5.7.1", "<%s>: %s rejected: Access denied",
				  reply_name, reply_class);
	case E_DEFER:
		return chk_reject(p, conf->codes.defer, "4.3.2", "<%s>: %s rejected: Try again later",
				  reply_name, reply_class);
	case E_DEFER_IF_PERMIT:
		return chk_defer_if_permit(p, 1, 450, "4.7.0",
					   "<%s>: %s rejected: defer_if_permit requested",
					   reply_name, reply_class);
	case E_DEFER_IF_REJECT:
		chk_defer_if(&p->defer_if_reject, 450, "4.7.0",
			     "<%s>: %s rejected: defer_if_reject requested", reply_name, reply_class);
		return CHK_DUNNO;
	case E_WARN_IF_REJECT:
		return CHK_DUNNO;
	case E_REJECT_UNAUTH_PIPELINING:
		if (!p->f->input_pending)
			return CHK_DUNNO;
		return chk_reject(p, 503, "5.5.0",
				  "<%s>: %s rejected: Improper use of SMTP command pipelining",
				  reply_name, reply_class);
	case E_REJECT_PLAINTEXT_SESSION:
		if (p->f->tls_protocol)
			return CHK_DUNNO;
		return chk_reject(p, conf->codes.plaintext, "4.7.1", "Session encryption is required");
	case E_CHECK_POLICY_SERVICE:
		return chk_policy_service(p, e->policy, reply_name, reply_class, def_acl);
	case E_CHECK_HELO_ACCESS:
		if (p->helo == NULL)
			return CHK_DUNNO;
		return chk_access_domain(p, e->table, p->helo, p->helo, CLS_HELO, def_acl);
	case E_REJECT_INVALID_HELO_HOSTNAME:
	case E_REJECT_UNKNOWN_HELO_HOSTNAME:
	case E_REJECT_NON_FQDN_HELO_HOSTNAME:
		return chk_helo_check(p, e->kind);
	case E_REJECT_RHSBL_HELO:
	case E_REJECT_RHSBL_SENDER:
	case E_REJECT_RHSBL_RECIPIENT:
		return chk_rbl(p, e);
	case E_CHECK_SENDER_ACCESS:
	case E_REJECT_NON_FQDN_SENDER:
	case E_REJECT_UNKNOWN_SENDER_DOMAIN:
	case E_REJECT_UNLISTED_SENDER:
	case E_REJECT_SENDER_LOGIN_MISMATCH:
	case E_REJECT_AUTH_SENDER_LOGIN_MISMATCH:
	case E_REJECT_UNAUTH_SENDER_LOGIN_MISMATCH:
	case E_REJECT_KNOWN_SENDER_LOGIN_MISMATCH:
		return eval_sender(p, e, def_acl);
	case E_CHECK_RECIPIENT_ACCESS:
	case E_PERMIT_AUTH_DESTINATION:
	case E_REJECT_UNAUTH_DESTINATION:
	case E_DEFER_UNAUTH_DESTINATION:
	case E_REJECT_NON_FQDN_RECIPIENT:
	case E_REJECT_UNKNOWN_RECIPIENT_DOMAIN:
	case E_REJECT_UNLISTED_RECIPIENT:
		return eval_recipient(p, e, def_acl);
	case E_REJECT_MULTI_RECIPIENT_BOUNCE:
		if (p->sender && *p->sender == '\0' &&
		    p->f->rcpt_count > (p->stage == SMTPD_CHECK_DATA ? 1u : 0u))
			return chk_reject(p, conf->codes.multi_rcpt_bounce, "5.5.3",
					  "<%s>: %s rejected: Multi-recipient bounce", reply_name,
					  reply_class);
		return CHK_DUNNO;
	case E_CLASS:
		if (p->recursion > RECURSION_MAX)
			return chk_reject_config(p, "restriction classes nest too deeply");
		return chk_eval_list(p, e->cls, reply_name, reply_class, def_acl);
	default:
		return eval_client(p, e, def_acl);
	}
}

int chk_eval_list(struct chk_pass *p, const struct chk_list *list, const char *reply_name,
		  const char *reply_class, enum chk_def_acl def_acl)
{
	int status = CHK_DUNNO;
	int saved_recursion = p->recursion++;

	chk_trace(p, "%s:", list->name);
	p->depth++;
	for (size_t i = 0; i < list->n; i++) {
		const struct chk_elem *e = &list->elems[i];

		if (p->st.discarded)
			break;
		if (e->kind == E_WARN_IF_REJECT) {
			if (p->warn_if_reject == 0)
				p->warn_if_reject = p->recursion;
			chk_trace(p, "warn_if_reject: the next restriction only warns");
			continue;
		}
		chk_trace(p, "%s%s%s", e->name, e->arg ? " " : "", e->arg ? e->arg : "");
		p->depth++;
		status = eval_elem(p, e, reply_name, reply_class, def_acl);
		p->depth--;
		if (status == CHK_PENDING)
			break;
		chk_trace(p, "=> %s", status_name(status));
		if (p->warn_if_reject >= p->recursion)
			p->warn_if_reject = 0;
		if (status != CHK_DUNNO)
			break;
		if (p->st.defer_if_permit.active && p->defer_if_reject.active)
			break;
	}
	p->depth--;
	p->recursion = saved_recursion;
	if (p->warn_if_reject >= p->recursion)
		p->warn_if_reject = 0;
	return status;
}
