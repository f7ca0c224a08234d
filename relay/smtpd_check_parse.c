/* smtpd_check_parse.c: compile a restriction list ("permit_mynetworks,
 * check_client_access cidr:/etc/postern/clients, reject") into elements:
 * the keyword, its argument (a table, a DNSBL domain, a policy service),
 * restriction class references, and the bare "type:name" short-hand for
 * the list's own access check. Whatever Postfix would refuse when the
 * list is used is refused here, when the configuration is loaded, and so
 * are the Postfix restrictions Postern does not implement. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_list.h"
#include "cfg_parse.h"
#include "mem.h"
#include "smtpd_check_private.h"

enum arg_kind {
	ARG_NONE,
	ARG_TABLE,  /* check_*_access type:name */
	ARG_DNSXL,  /* reject_rbl_client domain[=filter] */
	ARG_POLICY, /* check_policy_service server | { server, name=value ... } */
};

static const struct keyword {
	const char *name;
	enum chk_elem_kind kind;
	enum arg_kind arg;
} keywords[] = {
	{ "permit", E_PERMIT, ARG_NONE },
	{ "reject", E_REJECT, ARG_NONE },
	{ "defer", E_DEFER, ARG_NONE },
	{ "defer_if_permit", E_DEFER_IF_PERMIT, ARG_NONE },
	{ "defer_if_reject", E_DEFER_IF_REJECT, ARG_NONE },
	{ "warn_if_reject", E_WARN_IF_REJECT, ARG_NONE },
	{ "reject_unauth_pipelining", E_REJECT_UNAUTH_PIPELINING, ARG_NONE },
	{ "reject_plaintext_session", E_REJECT_PLAINTEXT_SESSION, ARG_NONE },
	{ "check_policy_service", E_CHECK_POLICY_SERVICE, ARG_POLICY },
	{ "permit_mynetworks", E_PERMIT_MYNETWORKS, ARG_NONE },
	{ "permit_sasl_authenticated", E_PERMIT_SASL_AUTHENTICATED, ARG_NONE },
	{ "reject_unknown_client_hostname", E_REJECT_UNKNOWN_CLIENT_HOSTNAME, ARG_NONE },
	{ "reject_unknown_client", E_REJECT_UNKNOWN_CLIENT_HOSTNAME, ARG_NONE },
	{ "reject_unknown_reverse_client_hostname", E_REJECT_UNKNOWN_REVERSE_CLIENT_HOSTNAME,
	  ARG_NONE },
	{ "check_client_access", E_CHECK_CLIENT_ACCESS, ARG_TABLE },
	{ "check_reverse_client_hostname_access", E_CHECK_REVERSE_CLIENT_ACCESS, ARG_TABLE },
	{ "check_sasl_access", E_CHECK_SASL_ACCESS, ARG_TABLE },
	{ "reject_rbl_client", E_REJECT_RBL_CLIENT, ARG_DNSXL },
	{ "reject_rbl", E_REJECT_RBL_CLIENT, ARG_DNSXL },
	{ "permit_dnswl_client", E_PERMIT_DNSWL_CLIENT, ARG_DNSXL },
	{ "reject_rhsbl_client", E_REJECT_RHSBL_CLIENT, ARG_DNSXL },
	{ "reject_rhsbl_reverse_client", E_REJECT_RHSBL_REVERSE_CLIENT, ARG_DNSXL },
	{ "permit_rhswl_client", E_PERMIT_RHSWL_CLIENT, ARG_DNSXL },
	{ "check_helo_access", E_CHECK_HELO_ACCESS, ARG_TABLE },
	{ "reject_invalid_helo_hostname", E_REJECT_INVALID_HELO_HOSTNAME, ARG_NONE },
	{ "reject_invalid_hostname", E_REJECT_INVALID_HELO_HOSTNAME, ARG_NONE },
	{ "reject_unknown_helo_hostname", E_REJECT_UNKNOWN_HELO_HOSTNAME, ARG_NONE },
	{ "reject_unknown_hostname", E_REJECT_UNKNOWN_HELO_HOSTNAME, ARG_NONE },
	{ "reject_non_fqdn_helo_hostname", E_REJECT_NON_FQDN_HELO_HOSTNAME, ARG_NONE },
	{ "reject_non_fqdn_hostname", E_REJECT_NON_FQDN_HELO_HOSTNAME, ARG_NONE },
	{ "reject_rhsbl_helo", E_REJECT_RHSBL_HELO, ARG_DNSXL },
	{ "check_sender_access", E_CHECK_SENDER_ACCESS, ARG_TABLE },
	{ "reject_non_fqdn_sender", E_REJECT_NON_FQDN_SENDER, ARG_NONE },
	{ "reject_unknown_sender_domain", E_REJECT_UNKNOWN_SENDER_DOMAIN, ARG_NONE },
	{ "reject_unknown_address", E_REJECT_UNKNOWN_SENDER_DOMAIN, ARG_NONE },
	{ "reject_unlisted_sender", E_REJECT_UNLISTED_SENDER, ARG_NONE },
	{ "reject_sender_login_mismatch", E_REJECT_SENDER_LOGIN_MISMATCH, ARG_NONE },
	{ "reject_authenticated_sender_login_mismatch", E_REJECT_AUTH_SENDER_LOGIN_MISMATCH,
	  ARG_NONE },
	{ "reject_unauthenticated_sender_login_mismatch", E_REJECT_UNAUTH_SENDER_LOGIN_MISMATCH,
	  ARG_NONE },
	{ "reject_known_sender_login_mismatch", E_REJECT_KNOWN_SENDER_LOGIN_MISMATCH, ARG_NONE },
	{ "reject_rhsbl_sender", E_REJECT_RHSBL_SENDER, ARG_DNSXL },
	{ "check_recipient_access", E_CHECK_RECIPIENT_ACCESS, ARG_TABLE },
	{ "permit_auth_destination", E_PERMIT_AUTH_DESTINATION, ARG_NONE },
	{ "reject_unauth_destination", E_REJECT_UNAUTH_DESTINATION, ARG_NONE },
	{ "defer_unauth_destination", E_DEFER_UNAUTH_DESTINATION, ARG_NONE },
	{ "reject_non_fqdn_recipient", E_REJECT_NON_FQDN_RECIPIENT, ARG_NONE },
	{ "reject_unknown_recipient_domain", E_REJECT_UNKNOWN_RECIPIENT_DOMAIN, ARG_NONE },
	{ "reject_unlisted_recipient", E_REJECT_UNLISTED_RECIPIENT, ARG_NONE },
	{ "check_recipient_maps", E_REJECT_UNLISTED_RECIPIENT, ARG_NONE },
	{ "reject_rhsbl_recipient", E_REJECT_RHSBL_RECIPIENT, ARG_DNSXL },
	{ "reject_multi_recipient_bounce", E_REJECT_MULTI_RECIPIENT_BOUNCE, ARG_NONE },
};

/* Postfix restrictions Postern does not implement: refused by name rather
 * than as unknown, so the administrator knows it is not a typo. */
static const char *const unsupported[] = {
	"permit_inet_interfaces",
	"permit_mx_backup",
	"permit_naked_ip_address",
	"permit_tls_clientcerts",
	"permit_tls_all_clientcerts",
	"check_ccert_access",
	"check_client_a_access",
	"check_client_mx_access",
	"check_client_ns_access",
	"check_reverse_client_hostname_a_access",
	"check_reverse_client_hostname_mx_access",
	"check_reverse_client_hostname_ns_access",
	"check_helo_a_access",
	"check_helo_mx_access",
	"check_helo_ns_access",
	"check_sender_a_access",
	"check_sender_mx_access",
	"check_sender_ns_access",
	"check_recipient_a_access",
	"check_recipient_mx_access",
	"check_recipient_ns_access",
	"check_etrn_access",
	"check_relay_domains",
	"reject_maps_rbl",
	"reject_unverified_sender",
	"reject_unverified_recipient",
	"sleep",
};

static const struct keyword *find_keyword(const char *name)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcasecmp(keywords[i].name, name) == 0)
			return &keywords[i];
	return NULL;
}

static int is_unsupported(const char *name)
{
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (strcasecmp(unsupported[i], name) == 0)
			return 1;
	return 0;
}

static const char *def_acl_name(enum chk_def_acl def_acl)
{
	switch (def_acl) {
	case DEF_ACL_CLIENT:
		return "check_client_access";
	case DEF_ACL_HELO:
		return "check_helo_access";
	case DEF_ACL_SENDER:
		return "check_sender_access";
	case DEF_ACL_RECIPIENT:
		return "check_recipient_access";
	case DEF_ACL_NONE:
		break;
	}
	return NULL;
}

static void elem_deinit(struct chk_elem *e)
{
	free(e->name);
	free(e->arg);
	free(e->dnsxl_domain);
	free(e->dnsxl_filter);
	chk_policy_free(&e->policy);
}

void chk_list_free(struct chk_list **lp)
{
	struct chk_list *l = *lp;
	if (l == NULL)
		return;
	*lp = NULL;
	for (size_t i = 0; i < l->n; i++)
		elem_deinit(&l->elems[i]);
	free(l->elems);
	free(l->name);
	free(l->file);
	free(l);
}

/* parse_arg: the argument of e (its keyword says which kind). */
static int parse_arg(struct smtpd_check_conf *conf, struct chk_elem *e, enum arg_kind kind,
		     const char *arg, int allow_tables, char **error_r)
{
	e->arg = xstrdup(arg);
	switch (kind) {
	case ARG_NONE:
		break;
	case ARG_TABLE:
		if (strchr(arg, ':') == NULL) {
			*error_r = xasprintf("restriction %s: bad argument \"%s\": need "
					     "maptype:mapname",
					     e->name, arg);
			return -1;
		}
		if (!allow_tables) {
			*error_r = xasprintf("lookup table %s inside an access table result", arg);
			return -1;
		}
		return chk_conf_table(conf, arg, &e->table, error_r);
	case ARG_DNSXL: {
		const char *eq = strchr(arg, '=');
		e->dnsxl_domain = eq ? xstrndup(arg, (size_t)(eq - arg)) : xstrdup(arg);
		if (eq) {
			e->dnsxl_filter = xstrdup(eq + 1);
			if (chk_dnsxl_filter_valid(e->dnsxl_filter, error_r) < 0)
				return -1;
		}
		if (*e->dnsxl_domain == '\0') {
			*error_r = xasprintf("restriction %s requires a domain name argument",
					     e->name);
			return -1;
		}
		break;
	}
	case ARG_POLICY:
		if (!allow_tables) {
			*error_r = xasprintf("check_policy_service inside an access table result");
			return -1;
		}
		return chk_policy_parse(conf, arg, &e->policy, error_r);
	}
	return 1;
}

static struct chk_elem *add_elem(struct chk_list *l, enum chk_elem_kind kind, const char *name)
{
	l->elems = xreallocarray(l->elems, l->n + 1, sizeof(*l->elems));
	struct chk_elem *e = &l->elems[l->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->name = xstrdup(name);
	return e;
}

static int parse_items(struct smtpd_check_conf *conf, struct chk_list *l, char **items,
		       enum chk_def_acl def_acl, int allow_tables, char **error_r)
{
	for (char **i = items; *i; i++) {
		const struct keyword *kw = find_keyword(*i);
		const char *arg = NULL;
		struct chk_elem *e;

		if (kw == NULL && strchr(*i, ':') != NULL && (*i)[0] != '{') {
			/* The short-hand: a bare table is the list's own access check. */
			if (def_acl == DEF_ACL_NONE) {
				*error_r = xasprintf(
					"specify check_client_access, check_helo_access, "
					"check_sender_access or check_recipient_access before "
					"the table \"%s\" (no default in %s)",
					*i, l->name);
				return -1;
			}
			kw = find_keyword(def_acl_name(def_acl));
			arg = *i;
		} else if (kw == NULL) {
			struct chk_list *cls = conf ? chk_conf_class(conf, *i) : NULL;
			if (cls == NULL) {
				*error_r = is_unsupported(*i) ?
						   xasprintf("restriction \"%s\" is not supported by "
							     "Postern",
							     *i) :
						   xasprintf("unknown restriction \"%s\"", *i);
				return -1;
			}
			e = add_elem(l, E_CLASS, *i);
			e->cls = cls;
			continue;
		} else if (kw->arg != ARG_NONE) {
			if (i[1] == NULL) {
				*error_r = xasprintf("restriction %s needs an argument", *i);
				return -1;
			}
			arg = *++i;
		}
		e = add_elem(l, kw->kind, kw->name);
		if (arg && parse_arg(conf, e, kw->arg, arg, allow_tables, error_r) < 0)
			return -1;
	}
	return 1;
}

int chk_parse_list(struct smtpd_check_conf *conf, const char *name, const char *value,
		   const char *file, unsigned line, enum chk_def_acl def_acl, int allow_tables,
		   struct chk_list **list_r, char **error_r)
{
	char **items;
	struct chk_list *l = xcalloc(1, sizeof(*l));

	l->name = xstrdup(name);
	l->file = file ? xstrdup(file) : NULL;
	l->line = line;
	if (cfg_list_split(value, &items, NULL, error_r) < 0) {
		chk_list_free(&l);
		return -1;
	}
	int rc = parse_items(conf, l, items, def_acl, allow_tables, error_r);
	cfg_list_free(&items);
	if (rc < 0) {
		chk_list_free(&l);
		return -1;
	}
	*list_r = l;
	return 1;
}
