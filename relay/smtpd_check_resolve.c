/* smtpd_check_resolve.c: the address classes, as Postfix's trivial-rewrite
 * resolves a recipient for the SMTP server: an address without a domain
 * gets @$myorigin; a domain in $mydestination, or an address literal of
 * one of $inet_interfaces/$proxy_interfaces, is local (and, with
 * allow_percent_hack, user%domain@local is user@domain); then
 * virtual_alias_domains, virtual_mailbox_domains and relay_domains are
 * tried in that order; anything else is the default class (other
 * domains). An address whose local part still routes (@ % !) is
 * "routed". Built on these: permit_auth_destination,
 * reject_unauth_destination and permit_mynetworks. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "mem.h"
#include "smtpd_check_private.h"

/* is_local: the domain matches mydestination or is [one of our addresses]. */
static int is_local(const struct smtpd_check_conf *conf, const char *domain, char **error_r)
{
	size_t len = strlen(domain);
	if (len > 2 && domain[0] == '[' && domain[len - 1] == ']') {
		const char *a = domain + 1;
		if (strncasecmp(a, "ipv6:", 5) == 0)
			a += 5;
		size_t alen = (size_t)(domain + len - 1 - a);
		for (size_t i = 0; i < conf->n_local_addrs; i++)
			if (strlen(conf->local_addrs[i]) == alen &&
			    strncasecmp(conf->local_addrs[i], a, alen) == 0)
				return 1;
		return 0;
	}
	return chk_match_host(conf->mydestination, domain, NULL, error_r);
}

int chk_resolve(const struct smtpd_check_conf *conf, const char *addr, struct chk_resolved *r,
		char **error_r)
{
	struct buf local, domain;
	const char *at = strrchr(addr, '@');
	int rc, rerouted = 0;

	buf_init(&local, 0);
	buf_init(&domain, 0);
	if (at) {
		buf_append(&local, addr, (size_t)(at - addr));
		buf_append_str(&domain, at + 1);
	} else {
		buf_append_str(&local, addr);
		buf_append_str(&domain, conf->myorigin);
	}
	/* Trailing dots do not make another domain. */
	while (domain.len > 0 && domain.data[domain.len - 1] == '.')
		buf_truncate(&domain, domain.len - 1);

	for (;;) {
		if ((rc = is_local(conf, buf_cstr(&domain), error_r)) < 0)
			goto fail;
		if (rc == 0)
			break;
		/* Local: "user@elsewhere"@local and user%elsewhere@local route on. */
		const char *sep = strrchr(buf_cstr(&local), '@');
		if (sep == NULL && conf->allow_percent_hack)
			sep = strrchr(buf_cstr(&local), '%');
		if (sep == NULL)
			break;
		size_t cut = (size_t)(sep - local.data);
		buf_reset(&domain);
		buf_append_str(&domain, sep + 1);
		buf_truncate(&local, cut);
		rerouted = 1;
	}
	r->routed = rerouted || addr_local_is_routed(buf_cstr(&local));
	if (rc > 0)
		r->cls = ADDR_CLASS_LOCAL;
	else if ((rc = chk_match_host(conf->virtual_alias_domains, buf_cstr(&domain), NULL,
				      error_r)) != 0)
		r->cls = ADDR_CLASS_ALIAS;
	else if ((rc = chk_match_host(conf->virtual_mailbox_domains, buf_cstr(&domain), NULL,
				      error_r)) != 0)
		r->cls = ADDR_CLASS_VIRTUAL;
	else if ((rc = chk_match_host(conf->relay_domains, buf_cstr(&domain), NULL, error_r)) != 0)
		r->cls = ADDR_CLASS_RELAY;
	else
		r->cls = ADDR_CLASS_DEFAULT;
	if (rc < 0)
		goto fail;
	buf_printf(&local, "@%s", buf_cstr(&domain));
	r->address = buf_detach(&local);
	r->domain = strrchr(r->address, '@') + 1;
	buf_deinit(&local);
	buf_deinit(&domain);
	return 1;
fail:
	buf_deinit(&local);
	buf_deinit(&domain);
	return -1;
}

void chk_resolved_deinit(struct chk_resolved *r)
{
	FREE_AND_NULL(r->address);
	r->domain = NULL;
}

/* The failure of a table behind an address class: try again later. */
static int resolve_failed(struct chk_pass *p, const char *recipient, char *error)
{
	chk_log_warn(p, "%s", error);
	free(error);
	return chk_reject(p, 451, "4.3.0", "<%s>: Temporary lookup failure", recipient);
}

int chk_permit_auth_destination(struct chk_pass *p, const char *recipient)
{
	struct chk_resolved r = { 0 };
	char *error = NULL;
	int status;

	if (chk_resolve(p->chk->conf, recipient, &r, &error) < 0)
		return resolve_failed(p, recipient, error);
	/* Source-routed mail has an uncertain destination. */
	if (!p->chk->conf->allow_untrusted_routing && r.routed)
		status = CHK_DUNNO;
	else if (CHK_CLASS_FINAL(r.cls) || r.cls == ADDR_CLASS_RELAY)
		status = CHK_OK;
	else
		status = CHK_DUNNO;
	chk_resolved_deinit(&r);
	return status;
}

int chk_reject_unauth_destination(struct chk_pass *p, const char *recipient, int code,
				  const char *dsn)
{
	int status = chk_permit_auth_destination(p, recipient);
	if (status == CHK_OK)
		return CHK_DUNNO;
	if (status == CHK_REJECT)
		return status;
	return chk_reject(p, code, dsn, "<%s>: Relay access denied", recipient);
}

int chk_permit_mynetworks(struct chk_pass *p)
{
	char *error = NULL;
	const char *name = p->f->client_name ? p->f->client_name : "unknown";
	int rc = chk_match_host(p->chk->conf->mynetworks, name, p->f->client_addr, &error);

	if (rc < 0) {
		chk_log_warn(p, "%s", error);
		free(error);
		return chk_reject(p, 451, "4.3.0", "<%s>: Temporary lookup failure", p->namaddr);
	}
	return rc > 0 ? CHK_OK : CHK_DUNNO;
}
