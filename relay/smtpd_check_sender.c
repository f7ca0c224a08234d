/* smtpd_check_sender.c: address ownership and existence:
 * reject_sender_login_mismatch and its authenticated, unauthenticated and
 * known forms (smtpd_sender_login_maps: which SASL logins own a sender
 * address), and reject_unlisted_sender/recipient (the recipient tables of
 * the address's class: local_recipient_maps, virtual_alias_maps,
 * virtual_mailbox_maps, relay_recipient_maps), with Postfix's codes and
 * wording. */
#include "config.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cfg_list.h"
#include "mem.h"
#include "smtpd_check_private.h"
#include "table_find.h"

/* temp_failure: a table could not answer: try again later. */
static int temp_failure(struct chk_pass *p, const char *name, char *error)
{
	chk_log_warn(p, "%s", error);
	free(error);
	return chk_reject(p, 451, "4.3.0", "<%s>: Temporary lookup failure", name);
}

/* find_addr: mail_addr_find(): the value for a resolved address in maps,
 * in virtual(5) order. 1 with *value_r, 0, or -1 with *error_r. */
static int find_addr(const struct smtpd_check_conf *conf, const struct chk_maps *maps,
		     const struct chk_resolved *r, char **value_r, char **error_r)
{
	struct table_find_opts opts = { .delimiters = conf->recipient_delimiter,
					.local_domain = r->cls == ADDR_CLASS_LOCAL };
	struct table_match m = { 0 };
	int rc;

	if (maps->n == 0)
		return 0;
	rc = table_find_virtual(maps->tables, maps->n, r->address, &opts, &m, error_r);
	if (rc > 0) {
		*value_r = m.value;
		m.value = NULL;
	}
	table_match_deinit(&m);
	return rc;
}

/* owners: the logins that own sender: 1 with *owners_r, 0 none, -1 error. */
static int owners(struct chk_pass *p, const char *sender, char **owners_r, char **error_r)
{
	struct chk_resolved r = { 0 };
	if (chk_resolve(p->chk->conf, sender, &r, error_r) < 0)
		return -1;
	int rc = find_addr(p->chk->conf, &p->chk->conf->sender_login_maps, &r, owners_r, error_r);
	chk_trace(p, "smtpd_sender_login_maps: %s -> %s", r.address,
		  rc > 0 ? *owners_r : rc == 0 ? "(none)" : "(lookup error)");
	chk_resolved_deinit(&r);
	return rc;
}

static int owned_by(const char *owner_list, const char *login)
{
	char **names;
	char *error = NULL;
	int found = 0;
	if (cfg_list_split(owner_list, &names, NULL, &error) < 0) {
		free(error);
		return 0;
	}
	for (char **n = names; *n && !found; n++)
		found = strcasecmp(*n, login) == 0;
	cfg_list_free(&names);
	return found;
}

/* auth_mismatch: a logged-in client must own the sender address. */
static int auth_mismatch(struct chk_pass *p, int allow_unknown)
{
	const char *user = p->f->sasl_username;
	char *list = NULL, *error = NULL;
	int rc;

	if (p->chk->conf->sender_login_maps.n == 0 || user == NULL || *user == '\0')
		return CHK_DUNNO;
	if ((rc = owners(p, p->sender, &list, &error)) < 0)
		return temp_failure(p, p->sender, error);
	if (rc == 0 && allow_unknown)
		return CHK_DUNNO;
	int owned = rc > 0 && owned_by(list, user);
	free(list);
	if (owned)
		return CHK_DUNNO;
	return chk_reject(p, 553, "5.7.1", "<%s>: Sender address rejected: not owned by user %s",
			  p->sender, user);
}

/* unauth_mismatch: an address with an owner needs a logged-in client. */
static int unauth_mismatch(struct chk_pass *p)
{
	const char *user = p->f->sasl_username;
	char *list = NULL, *error = NULL;
	int rc;

	if (p->chk->conf->sender_login_maps.n == 0 || (user != NULL && *user != '\0'))
		return CHK_DUNNO;
	if ((rc = owners(p, p->sender, &list, &error)) < 0)
		return temp_failure(p, p->sender, error);
	free(list);
	if (rc == 0)
		return CHK_DUNNO;
	return chk_reject(p, 553, "5.7.1", "<%s>: Sender address rejected: not logged in",
			  p->sender);
}

int chk_sender_login_mismatch(struct chk_pass *p, enum chk_elem_kind kind)
{
	const char *user = p->f->sasl_username;
	int logged_in = user != NULL && *user != '\0';
	int rc;

	if (!p->chk->conf->sasl_enable) {
		chk_log_warn(p, "restriction `%s' ignored: no SASL support",
			     kind == E_REJECT_SENDER_LOGIN_MISMATCH ? "reject_sender_login_mismatch" :
			     kind == E_REJECT_AUTH_SENDER_LOGIN_MISMATCH ?
								"reject_authenticated_sender_login_mismatch" :
			     kind == E_REJECT_UNAUTH_SENDER_LOGIN_MISMATCH ?
								"reject_unauthenticated_sender_login_mismatch" :
								"reject_known_sender_login_mismatch");
		return CHK_DUNNO;
	}
	if (p->sender == NULL || *p->sender == '\0')
		return CHK_DUNNO;
	switch (kind) {
	case E_REJECT_SENDER_LOGIN_MISMATCH:
		/* Postfix defines it as the next two, in this order. */
		if ((rc = auth_mismatch(p, 0)) != CHK_DUNNO)
			return rc;
		return unauth_mismatch(p);
	case E_REJECT_AUTH_SENDER_LOGIN_MISMATCH:
		return auth_mismatch(p, 0);
	case E_REJECT_UNAUTH_SENDER_LOGIN_MISMATCH:
		return unauth_mismatch(p);
	case E_REJECT_KNOWN_SENDER_LOGIN_MISMATCH:
		return logged_in ? auth_mismatch(p, 1) : unauth_mismatch(p);
	default:
		return CHK_DUNNO;
	}
}

/* local_user: local_recipient_maps's unix:passwd.byname. */
static int local_user(const char *local)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	return getpwnam_r(local, &pw, buf, sizeof(buf), &res) == 0 && res != NULL;
}

/* match_left: the local part of address is name (case-insensitive). */
static int match_left(const char *name, const char *address)
{
	size_t n = strlen(name);
	return strncasecmp(name, address, n) == 0 && address[n] == '@';
}

/* in_maps: the address is in maps: 1, 0, or -1 with *error_r. */
static int in_maps(const struct smtpd_check_conf *conf, const struct chk_maps *maps,
		   const struct chk_resolved *r, char **error_r)
{
	char *value = NULL;
	int rc = find_addr(conf, maps, r, &value, error_r);
	free(value);
	return rc;
}

/* local_known: the local recipient tables know the address. */
static int local_known(const struct smtpd_check_conf *conf, const struct chk_resolved *r,
		       char **error_r)
{
	int rc = in_maps(conf, &conf->local_rcpt_maps, r, error_r);
	if (rc != 0 || !conf->local_rcpt_passwd)
		return rc;
	char *local = xstrndup(r->address, (size_t)(r->domain - 1 - r->address));
	size_t base = strlen(local);
	if (conf->recipient_delimiter && *conf->recipient_delimiter)
		base = strcspn(local, conf->recipient_delimiter);
	int found = local_user(local);
	if (!found && base < strlen(local)) {
		local[base] = '\0';
		found = local_user(local);
	}
	free(local);
	return found;
}

int chk_rcpt_maps(struct chk_pass *p, const char *addr, const char *reply_class)
{
	const struct smtpd_check_conf *conf = p->chk->conf;
	int sender = strcmp(reply_class, CLS_SENDER) == 0;
	const char *dsn = sender ? "5.1.0" : "5.1.1";
	struct chk_resolved r = { 0 };
	char *error = NULL;
	int rc, code = 0;
	const char *table = NULL;

	if (chk_resolve(conf, addr, &r, &error) < 0)
		return temp_failure(p, addr, error);
	/* Addresses that canonical or virtual alias maps rewrite are known. */
	if ((rc = in_maps(conf, &conf->recipient_canonical_maps, &r, &error)) != 0 ||
	    (sender && (rc = in_maps(conf, &conf->sender_canonical_maps, &r, &error)) != 0) ||
	    (rc = in_maps(conf, &conf->canonical_maps, &r, &error)) != 0 ||
	    (rc = in_maps(conf, &conf->virtual_alias_maps, &r, &error)) != 0)
		goto done;
	switch (r.cls) {
	case ADDR_CLASS_LOCAL:
		if (conf->local_rcpt_maps.n == 0 && !conf->local_rcpt_passwd)
			break;
		if (match_left(conf->double_bounce_sender, r.address) ||
		    match_left("postmaster", r.address) || match_left("MAILER-DAEMON", r.address))
			break;
		if ((rc = local_known(conf, &r, &error)) == 0) {
			code = conf->codes.local_rcpt;
			table = " in local recipient table";
		}
		break;
	case ADDR_CLASS_ALIAS:
		/* Not in virtual_alias_maps: the address resolver's "user unknown". */
		code = conf->codes.virt_alias;
		table = " in virtual alias table";
		break;
	case ADDR_CLASS_VIRTUAL:
		if (conf->virtual_mailbox_maps.n &&
		    (rc = in_maps(conf, &conf->virtual_mailbox_maps, &r, &error)) == 0) {
			code = conf->codes.virt_mailbox;
			table = " in virtual mailbox table";
		}
		break;
	case ADDR_CLASS_RELAY:
		if (conf->relay_rcpt_maps.n &&
		    (rc = in_maps(conf, &conf->relay_rcpt_maps, &r, &error)) == 0) {
			code = conf->codes.relay_rcpt;
			table = " in relay recipient table";
		}
		break;
	case ADDR_CLASS_DEFAULT:
		break;
	}
done:
	chk_resolved_deinit(&r);
	if (rc < 0)
		return temp_failure(p, addr, error);
	if (code == 0)
		return CHK_DUNNO;
	return chk_reject(p, code, dsn, "<%s>: %s rejected: User unknown%s", addr, reply_class,
			  conf->show_unknown_table ? table : "");
}

int chk_sender_rcpt_maps(struct chk_pass *p, const char *sender)
{
	if (p->st.sender_rcptmap_checked)
		return CHK_DUNNO;
	if (p->warn_if_reject == 0)
		p->st.sender_rcptmap_checked = 1;
	return chk_rcpt_maps(p, sender, CLS_SENDER);
}

int chk_recipient_rcpt_maps(struct chk_pass *p, const char *recipient)
{
	if (p->recipient_rcptmap_checked)
		return CHK_DUNNO;
	if (p->warn_if_reject == 0)
		p->recipient_rcptmap_checked = 1;
	return chk_rcpt_maps(p, recipient, CLS_RECIPIENT);
}
