/* smtpd_check_host.c: restrictions on names: the client's host names
 * (reject_unknown_client_hostname, reject_unknown_reverse_client_hostname),
 * the HELO name (reject_invalid_helo_hostname,
 * reject_non_fqdn_helo_hostname, reject_unknown_helo_hostname) and the
 * domain of an address (reject_non_fqdn_sender/recipient,
 * reject_unknown_sender/recipient_domain), with Postfix's syntax rules and
 * DNS lookups, codes and wording. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"
#include "mem.h"
#include "smtpd_check_private.h"

int chk_dns(struct chk_pass *p, enum dns_type type, const char *name,
	    const struct chk_dns_answer **answer_r)
{
	if (!chk_dnsq_get(p->chk->dnsq, type, name, answer_r))
		return 0;
	chk_trace(p, "DNS %s %s: %s", dns_type_name(type), name,
		  (*answer_r)->status == DNS_FOUND    ? "found" :
		  (*answer_r)->status == DNS_NOTFOUND ? "not found" :
							"temporary failure");
	return 1;
}

/* lookup_any: look name up as each of types (all asked at once). Returns
 * CHK_PENDING while waiting; else 1 when one type has records, 0 when
 * none does and none failed, -1 when one failed temporarily. *nullmx_r,
 * when given, says whether the MX answer was the null MX "0 .". */
static int lookup_any(struct chk_pass *p, const char *name, const enum dns_type *types,
		      size_t n, int *nullmx_r)
{
	const struct chk_dns_answer *a[3];
	int pending = 0, found = 0, temp = 0;

	for (size_t i = 0; i < n; i++)
		if (!chk_dns(p, types[i], name, &a[i]))
			pending = 1;
	if (pending)
		return CHK_PENDING;
	if (nullmx_r)
		*nullmx_r = 0;
	for (size_t i = 0; i < n; i++) {
		if (a[i]->status == DNS_FOUND) {
			if (types[i] == DNS_T_MX && nullmx_r && a[i]->n == 1 &&
			    *a[i]->text[0] == '\0') {
				*nullmx_r = 1;
				return 1;
			}
			found = 1;
		}
		temp |= a[i]->status == DNS_TEMPFAIL;
	}
	return found ? 1 : temp ? -1 : 0;
}

int chk_reject_unknown_client(struct chk_pass *p, int reverse)
{
	const struct smtpd_facts *f = p->f;
	enum smtpd_peer_status st = reverse ? f->reverse_name_status : f->client_name_status;

	if (st == SMTPD_PEER_OK)
		return CHK_DUNNO;
	/* Not looked up counts as a temporary failure. */
	int perm = st == SMTPD_PEER_PERM || st == SMTPD_PEER_FORGED;
	int code = perm ? p->chk->conf->codes.unknown_client : 450;
	if (reverse)
		return chk_reject(p, code, "4.7.1",
				  "Client host rejected: cannot find your reverse hostname, [%s]",
				  f->client_addr);
	return chk_reject(p, code, "4.7.25", "Client host rejected: cannot find your hostname, [%s]",
			  f->client_addr);
}

/* truncate_dot: a copy of name without one trailing dot that does not
 * follow another dot (Postfix's dup_if_truncate). */
static char *truncate_dot(const char *name)
{
	size_t len = strlen(name);
	if (len > 1 && name[len - 1] == '.' && name[len - 2] != '.')
		return xstrndup(name, len - 1);
	return xstrdup(name);
}

/* invalid_hostaddr: "[address]" must be a valid address literal. */
static int invalid_hostaddr(struct chk_pass *p, const char *helo)
{
	size_t len = strlen(helo);
	if (len > 2 && helo[len - 1] == ']' && domain_literal_parse(helo, len, NULL, NULL, NULL, NULL))
		return CHK_DUNNO;
	return chk_reject(p, p->chk->conf->codes.invalid_hostname, "5.5.2",
			  "<%s>: %s rejected: invalid ip address", helo, CLS_HELO);
}

static int unknown_helo(struct chk_pass *p, const char *helo)
{
	static const enum dns_type types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX };
	const struct smtpd_check_conf *conf = p->chk->conf;
	int nullmx;
	int rc = lookup_any(p, helo, types, 3, &nullmx);

	if (rc == CHK_PENDING || rc > 0) /* MTA names may have a null MX */
		return rc == CHK_PENDING ? CHK_PENDING : CHK_DUNNO;
	if (rc == 0)
		return chk_reject(p, conf->codes.unknown_hostname, "4.7.1",
				  "<%s>: %s rejected: Host not found", helo, CLS_HELO);
	return chk_defer_if_permit(p, conf->unknown_helo_defer_if_permit, 450, "4.7.1",
				   "<%s>: %s rejected: Host not found", helo, CLS_HELO);
}

int chk_helo_check(struct chk_pass *p, enum chk_elem_kind kind)
{
	const struct smtpd_check_conf *conf = p->chk->conf;
	const char *helo = p->helo;
	int rc = CHK_DUNNO;

	if (helo == NULL)
		return CHK_DUNNO;
	if (*helo == '[')
		return invalid_hostaddr(p, helo);
	char *name = truncate_dot(helo);
	switch (kind) {
	case E_REJECT_INVALID_HELO_HOSTNAME:
		if (!domain_valid_hostname(name, 0, NULL) && !domain_valid_hostaddr(name, NULL))
			rc = chk_reject(p, conf->codes.invalid_hostname, "5.5.2",
					"<%s>: %s rejected: Invalid name", helo, CLS_HELO);
		break;
	case E_REJECT_NON_FQDN_HELO_HOSTNAME:
		if (!domain_valid_hostname(name, 0, NULL) || strchr(name, '.') == NULL)
			rc = chk_reject(p, conf->codes.non_fqdn, "5.5.2",
					"<%s>: %s rejected: need fully-qualified hostname", helo,
					CLS_HELO);
		break;
	case E_REJECT_UNKNOWN_HELO_HOSTNAME:
		rc = unknown_helo(p, helo);
		break;
	default:
		break;
	}
	free(name);
	return rc;
}

int chk_reject_non_fqdn_address(struct chk_pass *p, const char *addr, const char *reply_class)
{
	const char *at = strrchr(addr, '@');
	const char *domain = at ? at + 1 : "";
	size_t len = strlen(domain);

	if (len > 0 && domain[0] == '[' && domain[len - 1] == ']')
		return CHK_DUNNO;
	char *name = truncate_dot(domain);
	int bad = *name == '\0' || !domain_valid_hostname(name, DOMAIN_UTF8, NULL) ||
		  strchr(name, '.') == NULL;
	free(name);
	if (!bad)
		return CHK_DUNNO;
	return chk_reject(p, p->chk->conf->codes.non_fqdn, "4.5.2",
			  "<%s>: %s rejected: need fully-qualified address", addr, reply_class);
}

/* unknown_mailhost: the domain has no MX and no address, or a null MX. */
static int unknown_mailhost(struct chk_pass *p, const char *addr, const char *domain,
			    const char *reply_class)
{
	static const enum dns_type types[] = { DNS_T_MX, DNS_T_A, DNS_T_AAAA };
	const struct smtpd_check_conf *conf = p->chk->conf;
	int sender = strcmp(reply_class, CLS_SENDER) == 0;
	int nullmx;
	int rc = lookup_any(p, domain, types, 3, &nullmx);

	if (rc == CHK_PENDING)
		return CHK_PENDING;
	if (rc > 0 && nullmx)
		return chk_reject(p, sender ? 550 : 556, sender ? "4.7.27" : "4.1.10",
				  "<%s>: %s rejected: Domain %s does not accept mail (nullMX)", addr,
				  reply_class, domain);
	if (rc > 0)
		return CHK_DUNNO;
	if (rc == 0)
		return chk_reject(p, conf->codes.unknown_address, sender ? "4.1.8" : "4.1.2",
				  "<%s>: %s rejected: Domain not found", addr, reply_class);
	return chk_defer_if_permit(p, conf->unknown_address_defer_if_permit, 450,
				   sender ? "4.1.8" : "4.1.2", "<%s>: %s rejected: Domain not found",
				   addr, reply_class);
}

int chk_reject_unknown_address(struct chk_pass *p, const char *addr, const char *reply_class)
{
	struct chk_resolved r = { 0 };
	char *error = NULL;

	if (chk_resolve(p->chk->conf, addr, &r, &error) < 0) {
		chk_log_warn(p, "%s", error);
		free(error);
		return chk_reject(p, 451, "4.3.0", "<%s>: Temporary lookup failure", addr);
	}
	size_t len = strlen(r.domain);
	int rc = CHK_DUNNO;
	if (!CHK_CLASS_FINAL(r.cls) && !(len > 0 && r.domain[0] == '[' && r.domain[len - 1] == ']'))
		rc = unknown_mailhost(p, addr, r.domain, reply_class);
	chk_resolved_deinit(&r);
	return rc;
}
