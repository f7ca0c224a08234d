/* milter_client_conf.c: read smtpd_milters and the milter_* parameters
 * (milter_client.h) into a milter_client_conf, with Postfix's defaults and
 * its Postfix 3 per-milter "{ socket, name=value, ... }" form.
 */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_list.h"
#include "cfg_parse.h"
#include "cfg_value.h"
#include "mem.h"
#include "milter_client.h"
#include "relay_conf_value.h"

/* The macro list parameters, by stage (Postfix's names). */
static const char *const milter_conf_macro_params[MILTER_STAGE_COUNT] = {
	[MILTER_STAGE_CONNECT] = "milter_connect_macros",
	[MILTER_STAGE_HELO] = "milter_helo_macros",
	[MILTER_STAGE_ENVFROM] = "milter_mail_macros",
	[MILTER_STAGE_ENVRCPT] = "milter_rcpt_macros",
	[MILTER_STAGE_DATA] = "milter_data_macros",
	[MILTER_STAGE_EOM] = "milter_end_of_data_macros",
	[MILTER_STAGE_EOH] = "milter_end_of_header_macros",
};

static int milter_conf_action(const char *value, enum milter_default *r, char **error_r)
{
	static const char *const names[] = {"accept", "reject", "tempfail", "quarantine"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(value, names[i]) == 0) {
			*r = (enum milter_default)i;
			return 1;
		}
	}
	*error_r = xasprintf("default_action: unknown action \"%s\"", value);
	return -1;
}

/* milter_conf_attr: one name=value of a braced entry. */
static int milter_conf_attr(struct milter_client_spec *m, const char *name, const char *value,
			    char **error_r)
{
	long long n;
	if (strcmp(name, "connect_timeout") == 0)
		return cfg_value_time(value, 's', &m->connect_timeout, error_r);
	if (strcmp(name, "command_timeout") == 0)
		return cfg_value_time(value, 's', &m->command_timeout, error_r);
	if (strcmp(name, "content_timeout") == 0)
		return cfg_value_time(value, 's', &m->content_timeout, error_r);
	if (strcmp(name, "default_action") == 0)
		return milter_conf_action(value, &m->default_action, error_r);
	if (strcmp(name, "protocol") == 0) {
		if (cfg_value_int(value, MILTER_VERSION_MIN, MILTER_VERSION, &n, error_r) < 0)
			return -1;
		m->protocol = (int)n;
		return 1;
	}
	*error_r = xasprintf("unknown attribute \"%s\"", name);
	return -1;
}

/* milter_conf_entry: one list entry, plain or braced; m holds the global
 * settings on entry. */
static int milter_conf_entry(struct milter_client_spec *m, const char *entry, char **error_r)
{
	char *inner = NULL, **items = NULL;
	if (cfg_unbrace(entry, &inner, error_r) < 0)
		return -1;
	int rc = cfg_list_split(inner, &items, NULL, error_r);
	free(inner);
	if (rc < 0)
		return -1;
	if (items[0] == NULL) {
		*error_r = xstrdup("empty entry");
		rc = -1;
	}
	for (char **i = items; rc > 0 && *i != NULL; i++) {
		if (i == items) {
			m->name = xstrdup(*i);
			continue;
		}
		char *name = NULL, *value = NULL, *group = NULL;
		if ((*i)[0] == '{') {
			rc = cfg_unbrace(*i, &group, error_r);
			if (rc > 0)
				rc = cfg_split_nameval(group, &name, &value, error_r);
			free(group);
		} else {
			rc = cfg_split_nameval(*i, &name, &value, error_r);
		}
		if (rc > 0)
			rc = milter_conf_attr(m, name, value, error_r);
		free(name);
		free(value);
	}
	cfg_list_free(&items);
	if (rc < 0)
		return -1;
	struct sockspec *spec = NULL;
	if (sockspec_parse(m->name, 0, &spec, error_r) < 0)
		return -1;
	rc = sockspec_resolve(spec, SOCKSPEC_RESOLVE, &m->addrs, &m->n_addrs, error_r);
	sockspec_free(&spec);
	return rc > 0 ? 1 : -1;
}

/* milter_conf_globals: the global settings every entry starts from. */
static int milter_conf_globals(const struct cfg *view, struct milter_client_spec *m,
			       char **error_r)
{
	char *action = NULL;
	long long protocol = 0;
	if (relay_conf_time(view, "milter_connect_timeout", &m->connect_timeout, error_r) < 0 ||
	    relay_conf_time(view, "milter_command_timeout", &m->command_timeout, error_r) < 0 ||
	    relay_conf_time(view, "milter_content_timeout", &m->content_timeout, error_r) < 0 ||
	    relay_conf_int(view, "milter_protocol", &protocol, error_r) < 0 ||
	    relay_conf_str(view, "milter_default_action", &action, error_r) < 0)
		return -1;
	m->protocol = (int)protocol;
	int rc = milter_conf_action(action, &m->default_action, error_r);
	free(action);
	return rc;
}

int milter_client_conf_new(const struct cfg *view, const char *param,
			   struct milter_client_conf **conf_r, char **error_r)
{
	char **items = NULL, *e = NULL;
	size_t n = 0;
	*conf_r = NULL;
	if (relay_conf_list(view, param, &items, &n, error_r) < 0)
		return -1;
	if (n == 0) {
		cfg_list_free(&items);
		return 0;
	}
	struct milter_client_conf *c = xcalloc(1, sizeof(*c));
	c->milters = xcalloc(n, sizeof(*c->milters));
	int rc = 1;
	struct milter_client_spec globals = {0};
	if (milter_conf_globals(view, &globals, &e) < 0)
		rc = -1;
	for (size_t i = 0; rc > 0 && i < n; i++) {
		c->milters[i] = globals;
		c->n_milters = i + 1;
		if (milter_conf_entry(&c->milters[i], items[i], &e) < 0)
			rc = -1;
	}
	for (int st = 0; rc > 0 && st < MILTER_STAGE_COUNT; st++)
		if (relay_conf_str(view, milter_conf_macro_params[st], &c->macros[st], &e) < 0)
			rc = -1;
	if (rc > 0 && (relay_conf_str(view, "milter_macro_daemon_name", &c->daemon_name, &e) < 0 ||
		       relay_conf_str(view, "milter_macro_v", &c->macro_v, &e) < 0 ||
		       relay_conf_str(view, "myhostname", &c->myhostname, &e) < 0))
		rc = -1;
	cfg_list_free(&items);
	if (rc < 0) {
		*error_r = xasprintf("%s: %s", param, e);
		free(e);
		milter_client_conf_free(&c);
		return -1;
	}
	*conf_r = c;
	return 1;
}

void milter_client_conf_free(struct milter_client_conf **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct milter_client_conf *c = *cp;
	for (size_t i = 0; i < c->n_milters; i++) {
		free(c->milters[i].name);
		free(c->milters[i].addrs);
	}
	free(c->milters);
	for (int st = 0; st < MILTER_STAGE_COUNT; st++)
		free(c->macros[st]);
	free(c->daemon_name);
	free(c->macro_v);
	free(c->myhostname);
	FREE_AND_NULL(*cp);
}
