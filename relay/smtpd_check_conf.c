/* smtpd_check_conf.c: build the restriction engine's configuration from a
 * listener's view of postern.cf (struct smtpd_check_conf): the stage
 * lists and restriction classes, the parameters they use, the address
 * classes and the lookup tables, with the checks Postfix makes when its
 * SMTP server starts (restriction classes need a definition; the relay or
 * recipient restrictions must be able to refuse mail for other domains). */
#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_expand.h"
#include "cfg_list.h"
#include "cfg_value.h"
#include "log.h"
#include "mem.h"
#include "smtpd_check_private.h"

/* param: the expanded value of name ("" when no layer defines it). */
static int param(const struct cfg *view, const char *name, char **value_r, char **error_r)
{
	int rc = cfg_expand_param(view, name, value_r, error_r);
	if (rc == 0)
		*value_r = xstrdup("");
	return rc < 0 ? -1 : 1;
}

/* where: "file:line: " for the definition of name, or "". */
static char *where(const struct cfg *view, const char *name)
{
	const struct cfg_entry *e = cfg_lookup(view, name);
	if (e == NULL || e->file == NULL)
		return xstrdup("");
	return xasprintf("%s:%u: ", e->file, e->line);
}

/* fail: prefix *error_r with where name is defined and the name. */
static int fail(const struct cfg *view, const char *name, char **error_r)
{
	char *w = where(view, name), *e = *error_r;
	*error_r = xasprintf("%s%s: %s", w, name, e);
	free(w);
	free(e);
	return -1;
}

static int param_bool(const struct cfg *view, const char *name, int *r, char **error_r)
{
	char *v;
	if (param(view, name, &v, error_r) < 0)
		return fail(view, name, error_r);
	int rc = cfg_value_bool(v, r, error_r);
	free(v);
	return rc < 0 ? fail(view, name, error_r) : 1;
}

static int param_code(const struct cfg *view, const char *name, int *r, char **error_r)
{
	char *v;
	long long n;
	if (param(view, name, &v, error_r) < 0)
		return fail(view, name, error_r);
	int rc = cfg_value_int(v, 0, 999, &n, error_r);
	free(v);
	if (rc < 0)
		return fail(view, name, error_r);
	*r = (int)n;
	return 1;
}

/* param_tempfail: defer_if_permit (1) or defer (0). */
static int param_tempfail(const struct cfg *view, const char *name, int *r, char **error_r)
{
	char *v;
	if (param(view, name, &v, error_r) < 0)
		return fail(view, name, error_r);
	if (strcasecmp(v, "defer_if_permit") == 0) {
		*r = 1;
	} else if (strcasecmp(v, "defer") == 0) {
		*r = 0;
	} else {
		*error_r = xasprintf("bad value \"%s\" (expected defer or defer_if_permit)", v);
		free(v);
		return fail(view, name, error_r);
	}
	free(v);
	return 1;
}

static int param_str(const struct cfg *view, const char *name, char **r, char **error_r)
{
	return param(view, name, r, error_r) < 0 ? fail(view, name, error_r) : 1;
}

/* in_list: is word one of the items of list? */
static int in_list(const char *list, const char *word)
{
	char **items;
	char *error = NULL;
	int found = 0;
	if (cfg_list_split(list, &items, NULL, &error) < 0) {
		free(error);
		return 0;
	}
	for (char **i = items; *i && !found; i++)
		found = strcasecmp(*i, word) == 0;
	cfg_list_free(&items);
	return found;
}

/* unescape: smtpd_expansion_filter is written with C escapes (\t, \40, \\). */
static char *unescape(const char *s)
{
	struct buf b;
	buf_init(&b, 0);
	while (*s) {
		if (*s != '\\' || s[1] == '\0') {
			buf_append_char(&b, *s++);
			continue;
		}
		s++;
		if (*s >= '0' && *s <= '7') {
			int v = 0;
			for (int k = 0; k < 3 && *s >= '0' && *s <= '7'; k++)
				v = v * 8 + (*s++ - '0');
			buf_append_char(&b, (char)v);
			continue;
		}
		switch (*s) {
		case 't':
			buf_append_char(&b, '\t');
			break;
		case 'n':
			buf_append_char(&b, '\n');
			break;
		case 'r':
			buf_append_char(&b, '\r');
			break;
		default:
			buf_append_char(&b, *s);
			break;
		}
		s++;
	}
	char *r = buf_detach(&b);
	buf_deinit(&b);
	return r;
}

int chk_conf_table(struct smtpd_check_conf *conf, const char *spec, struct table **table_r,
		   char **error_r)
{
	for (size_t i = 0; i < conf->n_tables; i++) {
		if (strcmp(table_spec(conf->tables[i]), spec) == 0) {
			*table_r = conf->tables[i];
			return 1;
		}
	}
	if (table_open(spec, TABLE_FLAGS_NONE, table_r, error_r) < 0)
		return -1;
	conf->tables = xreallocarray(conf->tables, conf->n_tables + 1, sizeof(*conf->tables));
	conf->tables[conf->n_tables++] = *table_r;
	return 1;
}

struct chk_list *chk_conf_class(const struct smtpd_check_conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->n_classes; i++)
		if (strcmp(conf->classes[i].name, name) == 0)
			return conf->classes[i].list;
	return NULL;
}

/* has_required: does the list, or a class it uses, contain a restriction
 * that refuses mail by default? As Postfix, stop at "permit". */
static int has_required(const struct chk_list *l, int depth)
{
	if (depth > 20)
		return 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct chk_elem *e = &l->elems[i];
		switch (e->kind) {
		case E_WARN_IF_REJECT:
			i++; /* a warning refuses nothing */
			break;
		case E_PERMIT:
			return 0;
		case E_REJECT_UNAUTH_DESTINATION:
		case E_DEFER_UNAUTH_DESTINATION:
		case E_REJECT:
		case E_DEFER:
		case E_DEFER_IF_PERMIT:
			return 1;
		case E_CLASS:
			if (has_required(e->cls, depth + 1))
				return 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* load_list: compile the stage list in parameter name. */
static int load_list(struct smtpd_check_conf *conf, const struct cfg *view, const char *name,
		     enum chk_def_acl def_acl, struct chk_list **list_r, char **error_r)
{
	char *value;
	const struct cfg_entry *e = cfg_lookup(view, name);
	if (param(view, name, &value, error_r) < 0)
		return fail(view, name, error_r);
	int rc = chk_parse_list(conf, name, value, e ? e->file : NULL, e ? e->line : 0, def_acl, 1,
				list_r, error_r);
	free(value);
	return rc < 0 ? fail(view, name, error_r) : 1;
}

/* load_classes: smtpd_restriction_classes. Each class is created first,
 * then compiled, so classes may refer to one another. */
static int load_classes(struct smtpd_check_conf *conf, const struct cfg *view, char **error_r)
{
	char *value, **names;
	if (param(view, "smtpd_restriction_classes", &value, error_r) < 0)
		return fail(view, "smtpd_restriction_classes", error_r);
	int rc = cfg_list_split(value, &names, NULL, error_r);
	free(value);
	if (rc < 0)
		return fail(view, "smtpd_restriction_classes", error_r);
	for (char **n = names; *n; n++) {
		if (chk_conf_class(conf, *n))
			continue;
		conf->classes =
			xreallocarray(conf->classes, conf->n_classes + 1, sizeof(*conf->classes));
		struct chk_class_entry *c = &conf->classes[conf->n_classes++];
		c->name = xstrdup(*n);
		c->list = xcalloc(1, sizeof(*c->list));
		c->list->name = xstrdup(*n);
	}
	for (size_t i = 0; rc > 0 && i < conf->n_classes; i++) {
		struct chk_class_entry *c = &conf->classes[i];
		struct chk_list *compiled;
		const struct cfg_entry *e = cfg_lookup(view, c->name);
		if (param(view, c->name, &value, error_r) < 0) {
			rc = fail(view, c->name, error_r);
			break;
		}
		if (*value == '\0') {
			char *w = where(view, "smtpd_restriction_classes");
			*error_r = xasprintf("%srestriction class `%s' needs a definition", w,
					     c->name);
			free(w);
			free(value);
			rc = -1;
			break;
		}
		rc = chk_parse_list(conf, c->name, value, e ? e->file : NULL, e ? e->line : 0,
				    DEF_ACL_NONE, 1, &compiled, error_r);
		free(value);
		if (rc < 0) {
			rc = fail(view, c->name, error_r);
			break;
		}
		/* Move the compiled elements into the shell others point to. */
		c->list->elems = compiled->elems;
		c->list->n = compiled->n;
		c->list->file = compiled->file;
		c->list->line = compiled->line;
		compiled->elems = NULL;
		compiled->n = 0;
		compiled->file = NULL;
		chk_list_free(&compiled);
	}
	cfg_list_free(&names);
	return rc;
}

static int load_match(const struct cfg *view, const char *name, enum chk_match_mode mode,
		      const char *parent_list, struct chk_match **m_r, char **error_r)
{
	char *value;
	if (param(view, name, &value, error_r) < 0)
		return fail(view, name, error_r);
	int rc = chk_match_new(name, value, mode, in_list(parent_list, name), m_r, error_r);
	free(value);
	if (rc < 0) {
		char *w = where(view, name), *e = *error_r;
		*error_r = xasprintf("%s%s", w, e);
		free(w);
		free(e);
	}
	return rc;
}

/* load_maps: a list of tables. For local_recipient_maps, Postfix's
 * "unix:passwd.byname" (the system's users) is built in and NIS tables,
 * which Postern cannot read, are left out with a warning. */
static int load_maps(struct smtpd_check_conf *conf, const struct cfg *view, const char *name,
		     struct chk_maps *maps, char **error_r)
{
	char *value, **items;
	struct buf kept;
	if (param(view, name, &value, error_r) < 0)
		return fail(view, name, error_r);
	int rc = cfg_list_split(value, &items, NULL, error_r);
	free(value);
	if (rc < 0)
		return fail(view, name, error_r);
	buf_init(&kept, 0);
	for (char **i = items; *i; i++) {
		const char *spec = strncmp(*i, "proxy:", 6) == 0 ? *i + 6 : *i;
		if (strcmp(name, "local_recipient_maps") == 0 &&
		    strcmp(spec, "unix:passwd.byname") == 0) {
			conf->local_rcpt_passwd = 1;
		} else if (strncmp(spec, "nis:", 4) == 0) {
			log_warn("%s: NIS table %s is not supported: left out", name, *i);
		} else {
			buf_printf(&kept, "%s%s", kept.len ? " " : "", *i);
		}
	}
	cfg_list_free(&items);
	rc = chk_maps_open(name, buf_cstr(&kept), maps, error_r);
	buf_deinit(&kept);
	return rc < 0 ? fail(view, name, error_r) : 1;
}

static void add_local_addr(struct smtpd_check_conf *conf, const struct sockaddr *sa)
{
	char text[INET6_ADDRSTRLEN];
	const void *a = sa->sa_family == AF_INET ?
				(const void *)&((const struct sockaddr_in *)sa)->sin_addr :
				(const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (inet_ntop(sa->sa_family, a, text, sizeof(text)) == NULL)
		return;
	conf->local_addrs =
		xreallocarray(conf->local_addrs, conf->n_local_addrs + 1, sizeof(char *));
	conf->local_addrs[conf->n_local_addrs++] = xstrdup(text);
}

/* load_local_addrs: the addresses of inet_interfaces and proxy_interfaces,
 * for recipients at an address literal ("user@[192.0.2.1]"). */
static int load_local_addrs(struct smtpd_check_conf *conf, const struct cfg *view,
			    char **error_r)
{
	static const char *const params[] = { "inet_interfaces", "proxy_interfaces" };
	for (size_t p = 0; p < 2; p++) {
		char *value, **items;
		if (param(view, params[p], &value, error_r) < 0)
			return fail(view, params[p], error_r);
		int rc = cfg_list_split(value, &items, NULL, error_r);
		free(value);
		if (rc < 0)
			return fail(view, params[p], error_r);
		for (char **i = items; *i; i++) {
			int all = strcasecmp(*i, "all") == 0;
			if (all || strcasecmp(*i, "loopback-only") == 0) {
				struct ifaddrs *ifs;
				if (getifaddrs(&ifs) < 0)
					continue;
				for (struct ifaddrs *f = ifs; f; f = f->ifa_next)
					if (f->ifa_addr && (f->ifa_addr->sa_family == AF_INET ||
							    f->ifa_addr->sa_family == AF_INET6) &&
					    (all || (f->ifa_flags & IFF_LOOPBACK)))
						add_local_addr(conf, f->ifa_addr);
				freeifaddrs(ifs);
				continue;
			}
			struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
			size_t len = strlen(*i);
			char *host = (*i)[0] == '[' && len > 2 ? xstrndup(*i + 1, len - 2) :
								 xstrdup(*i);
			if (getaddrinfo(host, NULL, &hints, &res) == 0) {
				for (struct addrinfo *r = res; r; r = r->ai_next)
					add_local_addr(conf, r->ai_addr);
				freeaddrinfo(res);
			} else {
				log_warn("%s: cannot find the address of \"%s\"", params[p], *i);
			}
			free(host);
		}
		cfg_list_free(&items);
	}
	return 1;
}

static int load_codes(struct chk_codes *c, const struct cfg *view, char **error_r)
{
	const struct {
		const char *name;
		int *target;
	} codes[] = {
		{ "access_map_reject_code", &c->access_reject },
		{ "access_map_defer_code", &c->access_defer },
		{ "reject_code", &c->reject },
		{ "defer_code", &c->defer },
		{ "relay_domains_reject_code", &c->relay },
		{ "unknown_client_reject_code", &c->unknown_client },
		{ "unknown_hostname_reject_code", &c->unknown_hostname },
		{ "unknown_address_reject_code", &c->unknown_address },
		{ "invalid_hostname_reject_code", &c->invalid_hostname },
		{ "non_fqdn_reject_code", &c->non_fqdn },
		{ "maps_rbl_reject_code", &c->maps_rbl },
		{ "unknown_local_recipient_reject_code", &c->local_rcpt },
		{ "unknown_relay_recipient_reject_code", &c->relay_rcpt },
		{ "unknown_virtual_alias_reject_code", &c->virt_alias },
		{ "unknown_virtual_mailbox_reject_code", &c->virt_mailbox },
		{ "multi_recipient_bounce_reject_code", &c->multi_rcpt_bounce },
		{ "plaintext_reject_code", &c->plaintext },
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (param_code(view, codes[i].name, codes[i].target, error_r) < 0)
			return -1;
	return 1;
}

static int load_flags(struct smtpd_check_conf *conf, const struct cfg *view, char **error_r)
{
	const struct {
		const char *name;
		int *target;
	} bools[] = {
		{ "smtpd_delay_reject", &conf->delay_reject },
		{ "smtpd_relay_before_recipient_restrictions", &conf->relay_before_recipient },
		{ "smtpd_sasl_auth_enable", &conf->sasl_enable },
		{ "soft_bounce", &conf->soft_bounce },
		{ "smtpd_reject_unlisted_sender", &conf->reject_unlisted_sender },
		{ "smtpd_reject_unlisted_recipient", &conf->reject_unlisted_recipient },
		{ "show_user_unknown_table_name", &conf->show_unknown_table },
		{ "allow_untrusted_routing", &conf->allow_untrusted_routing },
		{ "allow_percent_hack", &conf->allow_percent_hack },
	};
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		if (param_bool(view, bools[i].name, bools[i].target, error_r) < 0)
			return -1;
	if (param_tempfail(view, "unknown_helo_hostname_tempfail_action",
			   &conf->unknown_helo_defer_if_permit, error_r) < 0 ||
	    param_tempfail(view, "unknown_address_tempfail_action",
			   &conf->unknown_address_defer_if_permit, error_r) < 0)
		return -1;
	return 1;
}

static int load_strings(struct smtpd_check_conf *conf, const struct cfg *view, char **error_r)
{
	char *filter;
	const char *raw;
	if (param_str(view, "myorigin", &conf->myorigin, error_r) < 0 ||
	    param_str(view, "recipient_delimiter", &conf->recipient_delimiter, error_r) < 0 ||
	    param_str(view, "double_bounce_sender", &conf->double_bounce_sender, error_r) < 0 ||
	    param_str(view, "smtpd_null_access_lookup_key", &conf->null_access_key, error_r) < 0 ||
	    param_str(view, "smtpd_policy_service_default_action", &conf->policy_default_action,
		      error_r) < 0)
		return -1;
	/* Used as written (Postfix expands them itself, with its own names). */
	raw = cfg_get(view, "default_rbl_reply");
	conf->default_rbl_reply = xstrdup(raw ? raw : "");
	raw = cfg_get(view, "smtpd_expansion_filter");
	filter = xstrdup(raw ? raw : "");
	conf->expansion_filter = unescape(filter);
	free(filter);
	return load_match(view, "smtpd_log_access_permit_actions", CHK_MATCH_STRING, "",
			  &conf->log_permit, error_r);
}

static int load_addr_classes(struct smtpd_check_conf *conf, const struct cfg *view,
			     char **error_r)
{
	char *parent;
	if (param(view, "parent_domain_matches_subdomains", &parent, error_r) < 0)
		return fail(view, "parent_domain_matches_subdomains", error_r);
	conf->parent_access = in_list(parent, "smtpd_access_maps");
	int rc = load_match(view, "mydestination", CHK_MATCH_STRING, parent, &conf->mydestination,
			    error_r) > 0 &&
		 load_match(view, "relay_domains", CHK_MATCH_DOMAIN, parent, &conf->relay_domains,
			    error_r) > 0 &&
		 load_match(view, "virtual_alias_domains", CHK_MATCH_STRING, parent,
			    &conf->virtual_alias_domains, error_r) > 0 &&
		 load_match(view, "virtual_mailbox_domains", CHK_MATCH_STRING, parent,
			    &conf->virtual_mailbox_domains, error_r) > 0 &&
		 load_match(view, "mynetworks", CHK_MATCH_NAMADDR, parent, &conf->mynetworks,
			    error_r) > 0;
	free(parent);
	if (!rc)
		return -1;
	const struct {
		const char *name;
		struct chk_maps *maps;
	} maps[] = {
		{ "local_recipient_maps", &conf->local_rcpt_maps },
		{ "relay_recipient_maps", &conf->relay_rcpt_maps },
		{ "virtual_alias_maps", &conf->virtual_alias_maps },
		{ "virtual_mailbox_maps", &conf->virtual_mailbox_maps },
		{ "canonical_maps", &conf->canonical_maps },
		{ "recipient_canonical_maps", &conf->recipient_canonical_maps },
		{ "sender_canonical_maps", &conf->sender_canonical_maps },
		{ "smtpd_sender_login_maps", &conf->sender_login_maps },
		{ "rbl_reply_maps", &conf->rbl_reply_maps },
	};
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (load_maps(conf, view, maps[i].name, maps[i].maps, error_r) < 0)
			return -1;
	return load_local_addrs(conf, view, error_r);
}

static int load_lists(struct smtpd_check_conf *conf, const struct cfg *view, char **error_r)
{
	if (load_classes(conf, view, error_r) < 0 ||
	    load_list(conf, view, "smtpd_client_restrictions", DEF_ACL_CLIENT, &conf->client,
		      error_r) < 0 ||
	    load_list(conf, view, "smtpd_helo_restrictions", DEF_ACL_HELO, &conf->helo, error_r) < 0 ||
	    load_list(conf, view, "smtpd_sender_restrictions", DEF_ACL_SENDER, &conf->sender,
		      error_r) < 0 ||
	    load_list(conf, view, "smtpd_relay_restrictions", DEF_ACL_RECIPIENT, &conf->relay,
		      error_r) < 0 ||
	    load_list(conf, view, "smtpd_recipient_restrictions", DEF_ACL_RECIPIENT,
		      &conf->recipient, error_r) < 0 ||
	    load_list(conf, view, "smtpd_data_restrictions", DEF_ACL_NONE, &conf->data, error_r) < 0 ||
	    load_list(conf, view, "smtpd_end_of_data_restrictions", DEF_ACL_NONE, &conf->eod,
		      error_r) < 0)
		return -1;
	if (!has_required(conf->relay, 0) && !has_required(conf->recipient, 0)) {
		char *w = where(view, "smtpd_relay_restrictions");
		*error_r = xasprintf("%sin parameter smtpd_relay_restrictions or "
				     "smtpd_recipient_restrictions, specify at least one working "
				     "instance of: reject_unauth_destination, "
				     "defer_unauth_destination, reject, defer or defer_if_permit",
				     w);
		free(w);
		return -1;
	}
	return 1;
}

int smtpd_check_conf_new(const struct cfg *view, struct smtpd_check_conf **conf_r,
			 char **error_r)
{
	struct smtpd_check_conf *conf = xcalloc(1, sizeof(*conf));
	conf->refs = 1;
	if (load_flags(conf, view, error_r) < 0 || load_codes(&conf->codes, view, error_r) < 0 ||
	    load_strings(conf, view, error_r) < 0 || load_addr_classes(conf, view, error_r) < 0 ||
	    chk_policy_load(conf, view, error_r) < 0 ||
	    load_lists(conf, view, error_r) < 0) {
		smtpd_check_conf_unref(&conf);
		return -1;
	}
	*conf_r = conf;
	return 1;
}

struct smtpd_check_conf *smtpd_check_conf_ref(struct smtpd_check_conf *conf)
{
	__atomic_add_fetch(&conf->refs, 1, __ATOMIC_RELAXED);
	return conf;
}

static void conf_release(struct smtpd_check_conf *conf)
{
	struct chk_list **lists[] = { &conf->client, &conf->helo,      &conf->sender, &conf->relay,
				      &conf->recipient, &conf->data, &conf->eod };
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		chk_list_free(lists[i]);
	for (size_t i = 0; i < conf->n_classes; i++) {
		free(conf->classes[i].name);
		chk_list_free(&conf->classes[i].list);
	}
	free(conf->classes);
	for (size_t i = 0; i < conf->n_tables; i++)
		table_free(&conf->tables[i]);
	free(conf->tables);
	struct chk_match **matches[] = { &conf->mydestination, &conf->relay_domains,
					 &conf->virtual_alias_domains,
					 &conf->virtual_mailbox_domains, &conf->mynetworks,
					 &conf->log_permit };
	for (size_t i = 0; i < sizeof(matches) / sizeof(matches[0]); i++)
		chk_match_free(matches[i]);
	struct chk_maps *maps[] = { &conf->local_rcpt_maps,	    &conf->relay_rcpt_maps,
				    &conf->virtual_alias_maps,	    &conf->virtual_mailbox_maps,
				    &conf->canonical_maps,	    &conf->recipient_canonical_maps,
				    &conf->sender_canonical_maps, &conf->sender_login_maps,
				    &conf->rbl_reply_maps };
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		chk_maps_close(maps[i]);
	for (size_t i = 0; i < conf->n_local_addrs; i++)
		free(conf->local_addrs[i]);
	free(conf->local_addrs);
	free(conf->myorigin);
	free(conf->recipient_delimiter);
	free(conf->double_bounce_sender);
	free(conf->null_access_key);
	free(conf->policy_default_action);
	free(conf->policy.policy_context);
	free(conf->queue_directory);
	free(conf->default_rbl_reply);
	free(conf->expansion_filter);
	free(conf);
}

void smtpd_check_conf_unref(struct smtpd_check_conf **confp)
{
	struct smtpd_check_conf *conf = *confp;
	if (conf == NULL)
		return;
	*confp = NULL;
	if (__atomic_sub_fetch(&conf->refs, 1, __ATOMIC_ACQ_REL) == 0)
		conf_release(conf);
}
