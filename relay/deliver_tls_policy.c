/* deliver_tls_policy.c: the SMTP or LMTP client's TLS settings and the
 * policy of one next hop: default level, PREFIX_tls_policy_maps entries
 * and their attributes, the OpenSSL context each level uses (see
 * deliver_tls.h). */
#include "deliver_tls_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_expand.h"
#include "cfg_list.h"
#include "log.h"
#include "mem.h"
#include "relay_conf_value.h"

static const char *const deliver_tls_level_names[] = {
	[DELIVER_TLS_NONE] = "none",	   [DELIVER_TLS_MAY] = "may",
	[DELIVER_TLS_ENCRYPT] = "encrypt", [DELIVER_TLS_FINGERPRINT] = "fingerprint",
	[DELIVER_TLS_VERIFY] = "verify",   [DELIVER_TLS_SECURE] = "secure",
	[DELIVER_TLS_DANE] = "dane",	   [DELIVER_TLS_DANE_ONLY] = "dane-only",
};

int deliver_tls_level_parse(const char *name, enum deliver_tls_level *level_r)
{
	for (size_t i = 0; i < sizeof(deliver_tls_level_names) / sizeof(deliver_tls_level_names[0]);
	     i++)
		if (strcmp(name, deliver_tls_level_names[i]) == 0) {
			*level_r = (enum deliver_tls_level)i;
			return 1;
		}
	return 0;
}

const char *deliver_tls_level_name(enum deliver_tls_level level)
{
	return deliver_tls_level_names[level];
}

/* deliver_tls_name: "PREFIX_name" into buf (64 bytes). */
static const char *deliver_tls_param(const struct deliver_tls_conf *c, const char *name, char *buf)
{
	snprintf(buf, 64, "%s_%s", c->prefix, name);
	return buf;
}

/* deliver_tls_conf_level: PREFIX_tls_security_level, or when it is empty
 * the legacy PREFIX_enforce_tls (verify, as with Postfix's default
 * PREFIX_tls_enforce_peername = yes) and PREFIX_use_tls (may). */
static int deliver_tls_conf_level(struct deliver_tls_conf *c, const struct cfg *v, char **error_r)
{
	char *value = NULL, n[64];
	int enforce = 0, use = 0;
	const char *level = deliver_tls_param(c, "tls_security_level", n);
	if (relay_conf_str(v, level, &value, error_r) < 0)
		return -1;
	if (*value == '\0') {
		free(value);
		if (relay_conf_bool(v, deliver_tls_param(c, "enforce_tls", n), &enforce, error_r) <
			    0 ||
		    relay_conf_bool(v, deliver_tls_param(c, "use_tls", n), &use, error_r) < 0)
			return -1;
		c->level = enforce ? DELIVER_TLS_VERIFY : use ? DELIVER_TLS_MAY : DELIVER_TLS_NONE;
		return 1;
	}
	if (!deliver_tls_level_parse(value, &c->level)) {
		*error_r = relay_conf_error(v, level, "invalid level");
		free(value);
		return -1;
	}
	if (c->level >= DELIVER_TLS_DANE)
		log_warn("%s = %s: DANE is not supported; mail at this level is deferred", level,
			 value);
	free(value);
	return 1;
}

/* deliver_tls_conf_maps: open the tables of PREFIX_tls_policy_maps. */
static int deliver_tls_conf_maps(struct deliver_tls_conf *c, const struct cfg *v, char **error_r)
{
	char name[64];
	return relay_conf_tables(v, deliver_tls_param(c, "tls_policy_maps", name), &c->maps,
				 &c->n_maps, error_r);
}

int deliver_tls_conf_new(const struct cfg *view, const char *prefix, struct deliver_tls_conf **c_r,
			 char **error_r)
{
	struct deliver_tls_conf *c = xcalloc(1, sizeof(*c));
	long long loglevel = 0;
	char n[64];
	c->view = view;
	snprintf(c->prefix, sizeof(c->prefix), "%s", prefix);
	int ok = deliver_tls_conf_level(c, view, error_r) > 0 &&
		 relay_conf_str(view, deliver_tls_param(c, "tls_verify_cert_match", n),
				&c->verify_match, error_r) > 0 &&
		 relay_conf_str(view, deliver_tls_param(c, "tls_secure_cert_match", n),
				&c->secure_match, error_r) > 0 &&
		 relay_conf_str(view, deliver_tls_param(c, "tls_fingerprint_cert_match", n),
				&c->fingerprint_match, error_r) > 0 &&
		 relay_conf_str(view, deliver_tls_param(c, "tls_servername", n), &c->servername,
				error_r) > 0 &&
		 relay_conf_bool(view, deliver_tls_param(c, "tls_wrappermode", n), &c->wrappermode,
				 error_r) > 0 &&
		 relay_conf_bool(view, deliver_tls_param(c, "tls_note_starttls_offer", n),
				 &c->note_offer, error_r) > 0 &&
		 relay_conf_int(view, deliver_tls_param(c, "tls_loglevel", n), &loglevel, error_r) >
			 0 &&
		 relay_conf_time(view, deliver_tls_param(c, "starttls_timeout", n), &c->timeout,
				 error_r) > 0 &&
		 deliver_tls_conf_maps(c, view, error_r) > 0 &&
		 tls_ctx_new(view, TLS_CTX_CLIENT, prefix, 0, &c->may_ctx, error_r) > 0 &&
		 tls_ctx_new(view, TLS_CTX_CLIENT, prefix, 1, &c->mandatory_ctx, error_r) > 0;
	if (!ok) {
		deliver_tls_conf_free(&c);
		return -1;
	}
	c->loglevel = (int)loglevel;
	*c_r = c;
	return 1;
}

void deliver_tls_conf_free(struct deliver_tls_conf **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct deliver_tls_conf *c = *cp;
	for (size_t i = 0; i < c->n_maps; i++)
		table_free(&c->maps[i]);
	free(c->maps);
	tls_ctx_free(&c->may_ctx);
	tls_ctx_free(&c->mandatory_ctx);
	free(c->verify_match);
	free(c->secure_match);
	free(c->fingerprint_match);
	free(c->servername);
	FREE_AND_NULL(*cp);
}

/* deliver_tls_lookup: the PREFIX_tls_policy_maps entry of nexthop as
 * written, then, for a domain, of the domain without a port and of its
 * parent domains as ".parent". 1 with
 * *value_r, 0 none, -1 with *error_r. */
static int deliver_tls_lookup(const struct deliver_tls_conf *c, const char *nexthop,
			      const char *domain, char **value_r, char **error_r)
{
	for (size_t i = 0; i < c->n_maps; i++) {
		int rc = table_lookup(c->maps[i], nexthop, value_r, error_r);
		if (rc != 0)
			return rc;
		if (nexthop[0] == '[' || table_is_pattern(c->maps[i]))
			continue;
		if (strcmp(domain, nexthop) != 0 &&
		    (rc = table_lookup(c->maps[i], domain, value_r, error_r)) != 0)
			return rc;
		for (const char *d = strchr(domain, '.'); d != NULL; d = strchr(d + 1, '.')) {
			rc = table_lookup(c->maps[i], d, value_r, error_r);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* deliver_tls_nexthop_domain: "[host]:port", "domain:port" or (LMTP)
 * "inet:host:port" -> the host or domain. */
static char *deliver_tls_nexthop_domain(const char *nexthop)
{
	if (strncmp(nexthop, "inet:", 5) == 0)
		nexthop += 5;
	if (nexthop[0] == '[') {
		const char *end = strchr(nexthop, ']');
		if (end != NULL)
			return xstrndup(nexthop + 1, (size_t)(end - nexthop - 1));
	}
	return xstrndup(nexthop, strcspn(nexthop, ":"));
}

/* deliver_tls_match_list: split a match list; seps are the separators. */
static char **deliver_tls_match_list(const char *value, const char *seps)
{
	char **items = NULL;
	char *error = NULL;
	if (cfg_split_at(value, seps, &items, NULL, &error) < 0) {
		free(error);
		items = xcalloc(1, sizeof(*items));
	}
	return items;
}

/* deliver_tls_policy_ctx: a context of its own for an entry's protocols=,
 * ciphers= and exclude= attributes. */
static int deliver_tls_policy_ctx(struct deliver_tls_policy *p, const char *protocols,
				  const char *ciphers, const char *exclude, char **error_r)
{
	const struct deliver_tls_conf *c = p->conf;
	const struct cfg *v = c->view;
	struct cfg *layer = cfg_new(v);
	int mandatory = p->level >= DELIVER_TLS_ENCRYPT;
	char n[64];
	if (protocols != NULL)
		cfg_set(layer,
			deliver_tls_param(
				c, mandatory ? "tls_mandatory_protocols" : "tls_protocols", n),
			protocols, NULL, 0);
	if (ciphers != NULL)
		cfg_set(layer,
			deliver_tls_param(c, mandatory ? "tls_mandatory_ciphers" : "tls_ciphers",
					  n),
			ciphers, NULL, 0);
	if (exclude != NULL) {
		char *old = NULL, *why = NULL;
		if (cfg_expand_param(v, deliver_tls_param(c, "tls_exclude_ciphers", n), &old,
				     &why) < 0)
			free(why);
		char *all = xasprintf("%s %s", old != NULL ? old : "", exclude);
		cfg_set(layer, n, all, NULL, 0);
		free(all);
		free(old);
	}
	int rc = tls_ctx_new(layer, TLS_CTX_CLIENT, c->prefix, mandatory, &p->ctx, error_r);
	cfg_free(&layer);
	p->own_ctx = rc > 0;
	return rc;
}

/* deliver_tls_policy_entry: apply a table entry "LEVEL attr=value ...". */
static int deliver_tls_policy_entry(struct deliver_tls_policy *p, const char *nexthop,
				    const char *entry, char **error_r)
{
	char **words = deliver_tls_match_list(entry, " \t");
	const char *protocols = NULL, *ciphers = NULL, *exclude = NULL;
	int rc = 1;
	if (words[0] == NULL || !deliver_tls_level_parse(words[0], &p->level)) {
		*error_r = xasprintf("%s_tls_policy_maps: %s: invalid security level \"%s\"",
				     p->conf->prefix, nexthop, words[0] != NULL ? words[0] : "");
		rc = -1;
	}
	for (size_t i = 1; rc > 0 && words[i] != NULL; i++) {
		const char *w = words[i];
		if (strncmp(w, "match=", 6) == 0) {
			cfg_list_free(&p->match);
			p->match = deliver_tls_match_list(
				w + 6, p->level == DELIVER_TLS_FINGERPRINT ? "|" : ":");
		} else if (strncmp(w, "protocols=", 10) == 0) {
			protocols = w + 10;
		} else if (strncmp(w, "ciphers=", 8) == 0) {
			ciphers = w + 8;
		} else if (strncmp(w, "exclude=", 8) == 0) {
			exclude = w + 8;
		} else if (strncmp(w, "servername=", 11) == 0) {
			free(p->servername);
			p->servername = xstrdup(w + 11);
		} else if (strncmp(w, "tafile=", 7) != 0 &&
			   strncmp(w, "connection_reuse=", 17) != 0) {
			*error_r = xasprintf("%s_tls_policy_maps: %s: unknown attribute \"%s\"",
					     p->conf->prefix, nexthop, w);
			rc = -1;
		}
	}
	if (rc > 0 && (protocols != NULL || ciphers != NULL || exclude != NULL))
		rc = deliver_tls_policy_ctx(p, protocols, ciphers, exclude, error_r);
	cfg_list_free(&words);
	return rc;
}

int deliver_tls_policy_find(const struct deliver_tls_conf *c, const char *nexthop,
			    struct deliver_tls_policy *p, char **error_r)
{
	memset(p, 0, sizeof(*p));
	p->conf = c;
	p->nexthop = deliver_tls_nexthop_domain(nexthop);
	if (c == NULL)
		return 1;
	p->level = c->level;
	p->servername = xstrdup(c->servername);
	char *entry = NULL;
	int rc = deliver_tls_lookup(c, nexthop, p->nexthop, &entry, error_r);
	if (rc > 0) {
		rc = deliver_tls_policy_entry(p, nexthop, entry, error_r);
		free(entry);
	} else if (rc == 0) {
		rc = 1;
	}
	if (rc < 0) {
		deliver_tls_policy_deinit(p);
		return -1;
	}
	if (p->match == NULL && p->level == DELIVER_TLS_FINGERPRINT)
		p->match = deliver_tls_match_list(c->fingerprint_match, ", \t");
	else if (p->match == NULL && p->level == DELIVER_TLS_VERIFY)
		p->match = deliver_tls_match_list(c->verify_match, ", \t:");
	else if (p->match == NULL && p->level == DELIVER_TLS_SECURE)
		p->match = deliver_tls_match_list(c->secure_match, ", \t:");
	if (p->ctx == NULL)
		p->ctx = p->level >= DELIVER_TLS_ENCRYPT ? c->mandatory_ctx : c->may_ctx;
	return 1;
}

void deliver_tls_policy_deinit(struct deliver_tls_policy *p)
{
	if (p->own_ctx)
		tls_ctx_free(&p->ctx);
	cfg_list_free(&p->match);
	free(p->nexthop);
	free(p->servername);
	memset(p, 0, sizeof(*p));
}

int deliver_tls_wrappermode(const struct deliver_tls_policy *p)
{
	return p->conf != NULL && p->conf->wrappermode;
}
