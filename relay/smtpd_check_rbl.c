/* smtpd_check_rbl.c: DNS block and allow lists: reject_rbl_client,
 * reject_rhsbl_client, reject_rhsbl_reverse_client, reject_rhsbl_helo,
 * reject_rhsbl_sender, reject_rhsbl_recipient, permit_dnswl_client and
 * permit_rhswl_client. The argument is a DNSxL domain, optionally with a
 * filter on the A record of the answer ("zen.example=127.0.0.[2..11]",
 * octets given as numbers or [lists;of..ranges]). The reply comes from
 * rbl_reply_maps (looked up by the argument as written) or
 * default_rbl_reply, with $rbl_code, $rbl_domain, $rbl_reason, $rbl_what,
 * $rbl_class and the client's attributes expanded, as in Postfix. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cfg_expand.h"
#include "domain.h"
#include "mem.h"
#include "smtpd_check_private.h"

#define RBL_TXT_LIMIT 500

/* octet_matches: one octet of a filter ("2", "[2..11]", "[2;4;6..8]")
 * against value; *end_r is set after the octet. -1 on bad syntax. */
static int octet_matches(const char *s, int value, const char **end_r)
{
	char *end;
	if (*s != '[') {
		if (!isdigit((unsigned char)*s))
			return -1;
		long n = strtol(s, &end, 10);
		*end_r = end;
		return n > 255 ? -1 : n == value;
	}
	int match = 0;
	for (s++;;) {
		if (!isdigit((unsigned char)*s))
			return -1;
		long lo = strtol(s, &end, 10), hi = lo;
		s = end;
		if (s[0] == '.' && s[1] == '.') {
			if (!isdigit((unsigned char)s[2]))
				return -1;
			hi = strtol(s + 2, &end, 10);
			s = end;
		}
		if (lo > 255 || hi > 255 || lo > hi)
			return -1;
		match |= value >= lo && value <= hi;
		if (*s == ']') {
			*end_r = s + 1;
			return match;
		}
		if (*s++ != ';')
			return -1;
	}
}

/* filter_matches: an IPv4 address against a filter; -1 on bad syntax. */
static int filter_matches(const char *filter, const char *addr)
{
	unsigned v[4] = { 0, 0, 0, 0 };
	const char *s = filter;
	int match = addr != NULL &&
		    sscanf(addr, "%u.%u.%u.%u", &v[0], &v[1], &v[2], &v[3]) == 4;
	for (int i = 0; i < 4; i++) {
		int rc = octet_matches(s, (int)v[i], &s);
		if (rc < 0 || (i < 3 && *s++ != '.'))
			return -1;
		match &= rc;
	}
	return *s == '\0' ? match : -1;
}

int chk_dnsxl_filter_valid(const char *filter, char **error_r)
{
	if (filter_matches(filter, NULL) < 0) {
		*error_r = xasprintf("bad DNSxL reply filter \"%s\" (expected e.g. "
				     "127.0.0.2 or 127.0.0.[2..11])",
				     filter);
		return -1;
	}
	return 1;
}

/* set_filtered: name = value with the characters smtpd_expansion_filter
 * does not allow replaced by '_'. */
static void set_filtered(struct cfg *c, const char *filter, const char *name, const char *value)
{
	char *v = xstrdup(value ? value : "");
	for (char *s = v; *s; s++)
		if (strchr(filter, *s) == NULL)
			*s = '_';
	/* A literal value: "$" must not start an expansion. */
	struct buf b;
	buf_init(&b, 0);
	for (const char *s = v; *s; s++)
		buf_append_str(&b, *s == '$' ? "$$" : (char[]){ *s, '\0' });
	cfg_set(c, name, buf_cstr(&b), NULL, 0);
	buf_deinit(&b);
	free(v);
}

static void set_address(struct cfg *c, const char *filter, const char *prefix, const char *addr)
{
	char name[64];
	const char *at = addr ? strrchr(addr, '@') : NULL;
	char *local = addr ? (at ? xstrndup(addr, (size_t)(at - addr)) : xstrdup(addr)) : NULL;
	set_filtered(c, filter, prefix, addr);
	snprintf(name, sizeof(name), "%s_name", prefix);
	set_filtered(c, filter, name, local);
	snprintf(name, sizeof(name), "%s_domain", prefix);
	set_filtered(c, filter, name, at ? at + 1 : "");
	free(local);
}

/* reply: format and refuse, Postfix's rbl_reject_reply(). */
static int reply(struct chk_pass *p, const struct chk_elem *e, const char *what,
		 const char *reply_class, const char *txt)
{
	const struct smtpd_check_conf *conf = p->chk->conf;
	const struct smtpd_facts *f = p->f;
	const char *filter = conf->expansion_filter;
	char *template = NULL, *error = NULL, code[8];
	struct cfg *c = cfg_new(NULL);
	struct buf why;

	for (size_t i = 0; i < conf->rbl_reply_maps.n && template == NULL; i++) {
		if (table_lookup(conf->rbl_reply_maps.tables[i], e->arg, &template, &error) < 0) {
			chk_log_warn(p, "rbl_reply_maps: %s", error);
			free(error);
			cfg_free(&c);
			return chk_reject_config(p, "rbl_reply_maps lookup error");
		}
	}
	snprintf(code, sizeof(code), "%d", conf->codes.maps_rbl);
	cfg_set(c, "rbl_code", code, NULL, 0);
	set_filtered(c, filter, "rbl_domain", e->dnsxl_domain);
	set_filtered(c, filter, "rbl_reason", txt);
	set_filtered(c, filter, "rbl_txt", txt);
	set_filtered(c, filter, "rbl_what", what);
	set_filtered(c, filter, "rbl_class", reply_class);
	set_filtered(c, filter, "client_address", f->client_addr);
	set_filtered(c, filter, "client_name", f->client_name);
	set_filtered(c, filter, "reverse_client_name", f->reverse_name);
	set_filtered(c, filter, "client_port", f->client_port);
	set_filtered(c, filter, "helo_name", p->helo);
	set_filtered(c, filter, "protocol", f->protocol);
	set_filtered(c, filter, "sasl_method", f->sasl_method);
	set_filtered(c, filter, "sasl_username", f->sasl_username);
	set_filtered(c, filter, "sasl_sender", f->sasl_sender);
	set_address(c, filter, "sender", p->sender);
	set_address(c, filter, "recipient", p->recipient);

	buf_init(&why, 0);
	if (template && cfg_expand(c, template, &why, &error) < 0) {
		chk_log_warn(p, "bad rbl reply template for domain %s: %s: %s", e->arg, template,
			     error);
		FREE_AND_NULL(error);
		FREE_AND_NULL(template);
	}
	if (template == NULL) {
		buf_reset(&why);
		if (cfg_expand(c, conf->default_rbl_reply, &why, &error) < 0) {
			chk_log_warn(p, "bad default rbl reply template: %s", error);
			free(error);
			buf_reset(&why);
		}
	}
	free(template);
	cfg_free(&c);

	const char *w = buf_cstr(&why);
	int rc;
	if (!((w[0] == '4' || w[0] == '5') && isdigit((unsigned char)w[1]) &&
	      isdigit((unsigned char)w[2]) && w[3] == ' ')) {
		chk_log_warn(p, "rbl response code configuration error: %s", w);
		rc = chk_reject(p, 450, "4.7.1", "Service unavailable");
	} else {
		/* "NNN [D.D.D] text"; without a status code, X.7.1. */
		char dsn[SMTP_DSN_SIZE] = "4.7.1";
		const char *text = w + 4;
		size_t len = smtp_dsn_valid(text);
		if (len > 0 && len < sizeof(dsn)) {
			memcpy(dsn, text, len);
			dsn[len] = '\0';
			for (text += len; *text == ' '; text++)
				;
		}
		rc = chk_reject(p, atoi(w), dsn, "%s", *text ? text : "Service unavailable");
	}
	buf_deinit(&why);
	return rc;
}

/* lookup: the DNSxL answer for query: 1 listed (and, when txt_r is not
 * NULL, the TXT text in *txt_r, malloc'd), 0 not listed, -1 no answer
 * (temporary failure), CHK_PENDING. */
static int lookup(struct chk_pass *p, const struct chk_elem *e, const char *query, char **txt_r)
{
	const struct chk_dns_answer *a, *t;
	int listed = 0;

	if (!chk_dns(p, DNS_T_A, query, &a))
		return CHK_PENDING;
	if (a->status == DNS_TEMPFAIL) {
		chk_log_warn(p, "%s: RBL lookup error: %s", query, a->why);
		return -1;
	}
	if (a->status != DNS_FOUND)
		return 0;
	for (size_t i = 0; i < a->n && !listed; i++)
		listed = e->dnsxl_filter == NULL || filter_matches(e->dnsxl_filter, a->text[i]) > 0;
	if (!listed || txt_r == NULL)
		return listed;
	if (!chk_dns(p, DNS_T_TXT, query, &t))
		return CHK_PENDING;
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; t->status == DNS_FOUND && i < t->n && b.len < RBL_TXT_LIMIT; i++) {
		size_t room = RBL_TXT_LIMIT - b.len;
		buf_append(&b, t->text[i], strlen(t->text[i]) < room ? strlen(t->text[i]) : room);
		if (i + 1 < t->n && RBL_TXT_LIMIT - b.len > 3)
			buf_append_str(&b, " / ");
	}
	*txt_r = buf_detach(&b);
	buf_deinit(&b);
	return 1;
}

/* rhs_domain: the domain part to look up for a name or an address; NULL
 * when Postfix skips it (address literals, invalid names, numeric TLDs). */
static const char *rhs_domain(const char *what)
{
	const char *domain = strrchr(what, '@');
	domain = domain ? domain + 1 : what;
	if (*domain == '\0' || *domain == '[' || !domain_valid_hostname(domain, 0, NULL))
		return NULL;
	const char *tld = strrchr(domain, '.');
	tld = tld ? tld + 1 : domain;
	if (tld[strspn(tld, "0123456789")] == '\0')
		return NULL;
	return domain;
}

int chk_rbl(struct chk_pass *p, const struct chk_elem *e)
{
	const struct smtpd_facts *f = p->f;
	const char *what = NULL, *cls = CLS_CLIENT;
	char *query = NULL, *txt = NULL;
	int by_addr = 0, allow = 0, rc;

	switch (e->kind) {
	case E_PERMIT_DNSWL_CLIENT:
		allow = 1;
		/* fall through */
	case E_REJECT_RBL_CLIENT:
		what = f->client_addr;
		by_addr = 1;
		break;
	case E_PERMIT_RHSWL_CLIENT:
		allow = 1;
		/* fall through */
	case E_REJECT_RHSBL_CLIENT:
		what = f->client_name && strcasecmp(f->client_name, "unknown") ? f->client_name :
										  NULL;
		break;
	case E_REJECT_RHSBL_REVERSE_CLIENT:
		what = f->reverse_name && strcasecmp(f->reverse_name, "unknown") ? f->reverse_name :
										    NULL;
		cls = CLS_REV_CLIENT;
		break;
	case E_REJECT_RHSBL_HELO:
		what = p->helo;
		cls = CLS_HELO;
		break;
	case E_REJECT_RHSBL_SENDER:
		what = p->sender && *p->sender ? p->sender : NULL;
		cls = CLS_SENDER;
		break;
	case E_REJECT_RHSBL_RECIPIENT:
		what = p->recipient;
		cls = CLS_RECIPIENT;
		break;
	default:
		return CHK_DUNNO;
	}
	if (what == NULL)
		return CHK_DUNNO;
	/* Safety: an allow list never lets a recipient through that we do not
	 * accept mail for. */
	if (allow && p->stage == SMTPD_CHECK_RCPT && p->recipient &&
	    (rc = chk_permit_auth_destination(p, p->recipient)) != CHK_OK)
		return rc == CHK_REJECT ? rc : CHK_DUNNO;
	if (by_addr) {
		if (!dns_reverse_name(what, e->dnsxl_domain, &query))
			return CHK_DUNNO;
	} else {
		const char *domain = rhs_domain(what);
		if (domain == NULL)
			return CHK_DUNNO;
		query = xasprintf("%s.%s", domain, e->dnsxl_domain);
	}
	rc = lookup(p, e, query, allow ? NULL : &txt);
	free(query);
	if (rc == CHK_PENDING)
		return rc;
	if (allow) {
		if (rc > 0)
			return chk_permit(p, e->name, CLS_CLIENT, p->namaddr, NULL);
		if (rc < 0)
			chk_defer_if(&p->defer_if_reject, 450, "4.7.1",
				     "<%s>: %s rejected: Service unavailable", what, cls);
		return CHK_DUNNO;
	}
	if (rc <= 0)
		return CHK_DUNNO;
	rc = reply(p, e, what, cls, txt);
	free(txt);
	return rc;
}
