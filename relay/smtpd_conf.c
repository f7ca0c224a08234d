/* smtpd_conf.c: read one SMTP listener's settings from its configuration
 * view (see smtpd_conf.h). */
#include "smtpd_conf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_list.h"
#include "cfg_value.h"
#include "cleanup_virtual.h"
#include "log.h"
#include "milter_client.h"
#include "mem.h"
#include "relay_conf_value.h"
#include "relay_params.h"
#include "sasl_server.h"
#include "smtpd_addrlist.h"
#include "smtpd_check.h"
#include "smtpd_tls.h"
#include "table.h"

static const struct {
	const char *name;
	unsigned bit;
} smtpd_conf_ehlo_names[] = {
	{"pipelining", SMTPD_EHLO_PIPELINING},
	{"size", SMTPD_EHLO_SIZE},
	{"vrfy", SMTPD_EHLO_VRFY},
	{"etrn", SMTPD_EHLO_ETRN},
	{"starttls", SMTPD_EHLO_STARTTLS},
	{"auth", SMTPD_EHLO_AUTH},
	{"enhancedstatuscodes", SMTPD_EHLO_ENHANCEDSTATUSCODES},
	{"8bitmime", SMTPD_EHLO_8BITMIME},
	{"dsn", SMTPD_EHLO_DSN},
	{"smtputf8", SMTPD_EHLO_SMTPUTF8},
	{"chunking", SMTPD_EHLO_CHUNKING},
	{"silent-discard", SMTPD_EHLO_SILENT},
};

/* smtpd_conf_ehlo: smtpd_discard_ehlo_keywords; unknown names are ignored,
 * as Postfix does. */
static int smtpd_conf_ehlo(struct smtpd_conf *c, char **error_r)
{
	char **items;
	if (relay_conf_list(c->view, "smtpd_discard_ehlo_keywords", &items, NULL, error_r) < 0)
		return -1;
	for (char **i = items; *i != NULL; i++)
		for (size_t k = 0;
		     k < sizeof(smtpd_conf_ehlo_names) / sizeof(smtpd_conf_ehlo_names[0]); k++)
			if (strcasecmp(*i, smtpd_conf_ehlo_names[k].name) == 0)
				c->discard_ehlo |= smtpd_conf_ehlo_names[k].bit;
	cfg_list_free(&items);
	return 1;
}

/* smtpd_conf_forbid: smtpd_forbidden_commands: plain verbs, and type:name
 * tables whose every match counts. */
static int smtpd_conf_forbid(struct smtpd_conf *c, char **error_r)
{
	char **items;
	size_t n;
	if (relay_conf_list(c->view, "smtpd_forbidden_commands", &items, &n, error_r) < 0)
		return -1;
	c->forbidden_commands = xcalloc(n + 1, sizeof(char *));
	c->forbidden_tables = xcalloc(n + 1, sizeof(struct table *));
	size_t verbs = 0;
	for (size_t i = 0; i < n; i++) {
		if (strchr(items[i], ':') == NULL) {
			char *verb = xstrdup(items[i]);
			for (char *p = verb; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			c->forbidden_commands[verbs++] = verb;
			continue;
		}
		char *error = NULL;
		if (table_open(items[i], 0, &c->forbidden_tables[c->n_forbidden_tables], &error) <
		    0) {
			*error_r = relay_conf_error(c->view, "smtpd_forbidden_commands", error);
			free(error);
			cfg_list_free(&items);
			return -1;
		}
		c->n_forbidden_tables++;
	}
	cfg_list_free(&items);
	return 1;
}

int smtpd_conf_forbidden(const struct smtpd_conf *conf, const char *verb)
{
	for (char **v = conf->forbidden_commands; *v != NULL; v++)
		if (strcasecmp(*v, verb) == 0)
			return 1;
	for (size_t i = 0; i < conf->n_forbidden_tables; i++) {
		char *value = NULL, *error = NULL;
		int rc = table_lookup(conf->forbidden_tables[i], verb, &value, &error);
		free(value);
		free(error);
		if (rc > 0)
			return 1;
	}
	return 0;
}

/* smtpd_conf_bare: smtpd_forbid_bare_newline and its reply code. */
static int smtpd_conf_bare(struct smtpd_conf *c, char **error_r)
{
	char *value;
	long long code;
	if (relay_conf_str(c->view, "smtpd_forbid_bare_newline", &value, error_r) < 0)
		return -1;
	if (strcasecmp(value, "normalize") == 0 || strcasecmp(value, "yes") == 0 ||
	    strcasecmp(value, "no") == 0) {
		c->bare_newline = SMTP_BARE_NORMALIZE;
	} else if (strcasecmp(value, "reject") == 0) {
		c->bare_newline = SMTP_BARE_REJECT;
	} else {
		*error_r = relay_conf_error(c->view, "smtpd_forbid_bare_newline",
					    "expected normalize, yes, reject or no");
		free(value);
		return -1;
	}
	free(value);
	if (relay_conf_int(c->view, "smtpd_forbid_bare_newline_reject_code", &code, error_r) < 0)
		return -1;
	if (code < 400 || code > 599) {
		*error_r = relay_conf_error(c->view, "smtpd_forbid_bare_newline_reject_code",
					    "must be a 4XX or 5XX code");
		return -1;
	}
	c->bare_newline_reject_code = (int)code;
	return 1;
}

/* smtpd_conf_maxproc: master.cf's process limit, the session limit here. */
static int smtpd_conf_maxproc(struct smtpd_conf *c, const struct master_service *s, char **error_r)
{
	if (strcmp(s->maxproc, "-") == 0)
		return relay_conf_int(c->view, "default_process_limit", &c->maxproc, error_r);
	char *error = NULL;
	if (cfg_value_int(s->maxproc, 0, RELAY_PARAM_NO_MAX, &c->maxproc, &error) < 0) {
		*error_r = xasprintf("%s:%u: service %s: bad maxproc field: %s", s->file, s->line,
				     s->name, error);
		free(error);
		return -1;
	}
	return 1;
}

/* smtpd_conf_limits: the sizes, times and counts. */
static int smtpd_conf_limits(struct smtpd_conf *c, char **error_r)
{
	long long v;
	if (relay_conf_time(c->view, "smtpd_timeout", &c->timeout, error_r) < 0 ||
	    relay_conf_int(c->view, "smtpd_recipient_limit", &c->recipient_limit, error_r) < 0 ||
	    relay_conf_int(c->view, "smtpd_soft_error_limit", &c->soft_error_limit, error_r) < 0 ||
	    relay_conf_int(c->view, "smtpd_hard_error_limit", &c->hard_error_limit, error_r) < 0 ||
	    relay_conf_time(c->view, "smtpd_error_sleep_time", &c->error_sleep_time, error_r) < 0 ||
	    relay_conf_int(c->view, "smtpd_junk_command_limit", &c->junk_command_limit, error_r) <
		    0 ||
	    relay_conf_int(c->view, "hopcount_limit", &c->hopcount_limit, error_r) < 0)
		return -1;
	if (relay_conf_size(c->view, "message_size_limit", &v, error_r) < 0)
		return -1;
	c->message_size_limit = (uint64_t)v;
	if (relay_conf_size(c->view, "header_size_limit", &v, error_r) < 0)
		return -1;
	c->header_size_limit = (uint64_t)v;
	if (relay_conf_int(c->view, "line_length_limit", &v, error_r) < 0)
		return -1;
	c->line_length_limit = (size_t)v;
	return 1;
}

/* smtpd_conf_anvil: the client rate and concurrency limits. */
static int smtpd_conf_anvil(struct smtpd_conf *c, char **error_r)
{
	if (relay_conf_int(c->view, "smtpd_client_connection_count_limit", &c->conn_count_limit,
			   error_r) < 0 ||
	    relay_conf_int(c->view, "smtpd_client_connection_rate_limit", &c->conn_rate_limit,
			   error_r) < 0 ||
	    relay_conf_int(c->view, "smtpd_client_message_rate_limit", &c->msg_rate_limit,
			   error_r) < 0 ||
	    relay_conf_int(c->view, "smtpd_client_recipient_rate_limit", &c->rcpt_rate_limit,
			   error_r) < 0)
		return -1;
	char **items;
	size_t n;
	const char *name = "smtpd_client_event_limit_exceptions";
	if (relay_conf_list(c->view, name, &items, &n, error_r) < 0)
		return -1;
	char *error = NULL;
	int rc = smtpd_addrlist_new(items, n, &c->event_exceptions, &error);
	cfg_list_free(&items);
	if (rc < 0) {
		*error_r = relay_conf_error(c->view, name, error);
		free(error);
		return -1;
	}
	return 1;
}

int smtpd_conf_event_exception(const struct smtpd_conf *conf, const char *addr)
{
	char *error = NULL;
	int rc = smtpd_addrlist_match(conf->event_exceptions, addr, NULL, &error);
	if (rc < 0) {
		log_warn("smtpd_client_event_limit_exceptions: %s", error);
		free(error);
		return 0;
	}
	return rc;
}

/* smtpd_conf_rewrite_item: one element of local_header_rewrite_clients,
 * as address-list items appended to *items. */
static int smtpd_conf_rewrite_item(struct smtpd_conf *c, const char *item, char ***items, size_t *n,
				   char **error_r)
{
	char **add = NULL;
	size_t n_add = 0;
	if (strcmp(item, "permit_sasl_authenticated") == 0) {
		c->rewrite_sasl = 1;
		return 1;
	} else if (strcmp(item, "static:all") == 0) {
		c->always_add_missing_headers = 1;
		return 1;
	} else if (strcmp(item, "permit_mynetworks") == 0) {
		if (relay_conf_list(c->view, "mynetworks", &add, &n_add, error_r) < 0)
			return -1;
	} else if (strcmp(item, "permit_inet_interfaces") == 0) {
		char *interfaces = NULL, *protocols = NULL, *hosts = NULL;
		int rc = relay_conf_str(c->view, "inet_interfaces", &interfaces, error_r) > 0 &&
			 relay_conf_str(c->view, "inet_protocols", &protocols, error_r) > 0 &&
			 relay_params_mynetworks("host", interfaces, protocols, &hosts, error_r) >
				 0 &&
			 cfg_list_split(hosts, &add, &n_add, error_r) > 0;
		free(interfaces);
		free(protocols);
		free(hosts);
		if (!rc)
			return -1;
	} else if (strncmp(item, "check_address_map", 17) == 0 && item[17] == ' ') {
		add = xcalloc(2, sizeof(char *));
		add[0] = xstrdup(item + 18);
		n_add = 1;
	} else {
		log_warn("local_header_rewrite_clients: %s: not supported by Postern (ignored)",
			 item);
		return 1;
	}
	*items = xreallocarray(*items, *n + n_add + 1, sizeof(char *));
	for (size_t i = 0; i < n_add; i++)
		(*items)[(*n)++] = add[i];
	(*items)[*n] = NULL;
	free(add);
	return 1;
}

/* smtpd_conf_rewrite: which clients' mail is originating. */
static int smtpd_conf_rewrite(struct smtpd_conf *c, char **error_r)
{
	const char *name = "local_header_rewrite_clients";
	char *value = NULL, **items = NULL, *error = NULL;
	size_t n = 0;
	if (relay_conf_bool(c->view, "always_add_missing_headers", &c->always_add_missing_headers,
			    error_r) < 0 ||
	    relay_conf_str(c->view, name, &value, error_r) < 0)
		return -1;
	items = xcalloc(1, sizeof(char *));
	/* Elements are separated by commas; "check_address_map type:table"
	 * holds a space. */
	int rc = 1;
	for (char *save = NULL, *tok = strtok_r(value, ",", &save); rc > 0 && tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t' || *tok == '\n')
			tok++;
		size_t len = strlen(tok);
		while (len > 0 &&
		       (tok[len - 1] == ' ' || tok[len - 1] == '\t' || tok[len - 1] == '\n'))
			tok[--len] = '\0';
		if (len > 0)
			rc = smtpd_conf_rewrite_item(c, tok, &items, &n, &error);
	}
	free(value);
	if (rc > 0)
		rc = smtpd_addrlist_new(items, n, &c->rewrite_clients, &error);
	cfg_list_free(&items);
	if (rc < 0) {
		*error_r = relay_conf_error(c->view, name, error);
		free(error);
		return -1;
	}
	return 1;
}

int smtpd_conf_originating(const struct smtpd_conf *conf, const char *addr, int sasl)
{
	if (conf->always_add_missing_headers || (sasl && conf->rewrite_sasl))
		return 1;
	char *error = NULL;
	int rc = smtpd_addrlist_match(conf->rewrite_clients, addr, NULL, &error);
	if (rc < 0) {
		log_warn("local_header_rewrite_clients: %s", error);
		free(error);
		return 0;
	}
	return rc;
}

/* smtpd_conf_check: the listener's restrictions. */
static int smtpd_conf_check(struct smtpd_conf *c, const struct master_service *s, char **error_r)
{
	char *error = NULL;
	if (smtpd_check_conf_new(c->view, &c->check, &error) < 0) {
		*error_r = xasprintf("service %s: %s", s->name, error);
		free(error);
		return -1;
	}
	return 1;
}

/* smtpd_conf_tlssasl: the listener's TLS and SASL settings. */
static int smtpd_conf_tlssasl(struct smtpd_conf *c, const struct master_service *s, char **error_r)
{
	char *error = NULL;
	if (smtpd_tls_server_new(c->view, &c->tls, &error) < 0 ||
	    sasl_server_conf_new(c->view, &c->sasl, &error) < 0) {
		*error_r = xasprintf("service %s: %s", s->name, error);
		free(error);
		return -1;
	}
	return 1;
}

int smtpd_conf_new(const struct master_service *s, const struct cfg *main,
		   struct smtpd_conf **conf_r, char **error_r)
{
	struct smtpd_conf *c = xcalloc(1, sizeof(*c));
	c->service = xstrdup(s->name);
	master_service_inet_addr(s, &c->listen_host, &c->listen_port);
	c->view = master_service_cfg(s, main);
	if (smtpd_conf_maxproc(c, s, error_r) < 0 ||
	    relay_conf_str(c->view, "myhostname", &c->myhostname, error_r) < 0 ||
	    relay_conf_str(c->view, "mail_name", &c->mail_name, error_r) < 0 ||
	    relay_conf_str(c->view, "smtpd_banner", &c->banner, error_r) < 0 ||
	    relay_conf_bool(c->view, "smtpd_helo_required", &c->helo_required, error_r) < 0 ||
	    relay_conf_bool(c->view, "strict_rfc821_envelopes", &c->strict_rfc821_envelopes,
			    error_r) < 0 ||
	    relay_conf_bool(c->view, "disable_vrfy_command", &c->disable_vrfy_command, error_r) <
		    0 ||
	    relay_conf_bool(c->view, "smtputf8_enable", &c->smtputf8_enable, error_r) < 0 ||
	    relay_conf_bool(c->view, "soft_bounce", &c->soft_bounce, error_r) < 0 ||
	    smtpd_conf_ehlo(c, error_r) < 0 || smtpd_conf_forbid(c, error_r) < 0 ||
	    smtpd_conf_limits(c, error_r) < 0 || smtpd_conf_bare(c, error_r) < 0 ||
	    smtpd_conf_anvil(c, error_r) < 0 || smtpd_conf_rewrite(c, error_r) < 0 ||
	    cleanup_virtual_new(c->view, &c->virtual_alias, error_r) < 0 ||
	    relay_conf_bool(c->view, "smtpd_peername_lookup", &c->peername_lookup, error_r) < 0 ||
	    smtpd_conf_check(c, s, error_r) < 0 || smtpd_conf_tlssasl(c, s, error_r) < 0 ||
	    milter_client_conf_new(c->view, "smtpd_milters", "smtpd_milter_maps", &c->milters,
				   error_r) < 0) {
		smtpd_conf_free(&c);
		return -1;
	}
	*conf_r = c;
	return 1;
}

void smtpd_conf_free(struct smtpd_conf **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct smtpd_conf *c = *cp;
	free(c->service);
	free(c->listen_host);
	free(c->listen_port);
	cfg_free(&c->view);
	free(c->myhostname);
	free(c->banner);
	if (c->forbidden_commands != NULL)
		cfg_list_free(&c->forbidden_commands);
	for (size_t i = 0; i < c->n_forbidden_tables; i++)
		table_free(&c->forbidden_tables[i]);
	free(c->forbidden_tables);
	smtpd_addrlist_free(&c->event_exceptions);
	smtpd_addrlist_free(&c->rewrite_clients);
	cleanup_virtual_free(&c->virtual_alias);
	milter_client_conf_free(&c->milters);
	smtpd_check_conf_unref(&c->check);
	smtpd_tls_server_free(&c->tls);
	sasl_server_conf_free(&c->sasl);
	free(c->mail_name);
	FREE_AND_NULL(*cp);
}
