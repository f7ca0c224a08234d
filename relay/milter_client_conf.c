/* milter_client_conf.c: read smtpd_milters and the milter_* parameters
 * (milter_client.h) into a milter_client_conf, with Postfix's defaults and
 * its Postfix 3 per-milter "{ socket, name=value, ... }" form; and the
 * per-client lists of smtpd_milter_maps.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cfg_list.h"
#include "cfg_parse.h"
#include "cfg_value.h"
#include "mem.h"
#include "milter_client.h"
#include "relay_conf_value.h"
#include "table.h"

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

/* milter_conf_milters: the entries of a smtpd_milters list into c. */
static int milter_conf_milters(struct milter_client_conf *c, char **items, size_t n,
			       char **error_r)
{
	c->milters = xcalloc(n + 1, sizeof(*c->milters));
	for (size_t i = 0; i < n; i++) {
		c->milters[i] = c->globals;
		c->n_milters = i + 1;
		if (milter_conf_entry(&c->milters[i], items[i], error_r) < 0)
			return -1;
	}
	return 1;
}

/* milter_conf_default: one milter_macro_defaults pair, "name=value" or
 * "{ name = value }" (for a value with commas or white space). */
static int milter_conf_default(const char *item, char **name_r, char **value_r, char **error_r)
{
	char *inner = NULL, *dummy = NULL;
	if (item[0] != '{' || cfg_unbrace(item, &inner, &dummy) < 0)
		inner = xstrdup(item); /* "{name}=value": the braces are the name's */
	free(dummy);
	const char *eq = strchr(inner, '=');
	if (eq == NULL || eq == inner) {
		*error_r = xasprintf("milter_macro_defaults: \"%s\" is not name=value", item);
		free(inner);
		return -1;
	}
	size_t n = (size_t)(eq - inner), v = strspn(eq + 1, " \t");
	while (n > 0 && (inner[n - 1] == ' ' || inner[n - 1] == '\t'))
		n--;
	*name_r = xstrndup(inner, n);
	size_t len = strlen(eq + 1 + v);
	while (len > 0 && (eq[v + len] == ' ' || eq[v + len] == '\t'))
		len--;
	*value_r = xstrndup(eq + 1 + v, len);
	free(inner);
	return 1;
}

static int milter_conf_defaults(const struct cfg *view, struct milter_client_conf *c,
				char **error_r)
{
	char **items = NULL;
	size_t n = 0;
	if (relay_conf_list(view, "milter_macro_defaults", &items, &n, error_r) < 0)
		return -1;
	c->macro_defaults = xcalloc(2 * n + 1, sizeof(*c->macro_defaults));
	int rc = 1;
	for (size_t i = 0; rc > 0 && i < n; i++)
		rc = milter_conf_default(items[i], &c->macro_defaults[2 * i],
					 &c->macro_defaults[2 * i + 1], error_r);
	cfg_list_free(&items);
	return rc;
}

static int milter_conf_maps(const struct cfg *view, const char *param,
			    struct milter_client_conf *c, char **error_r)
{
	size_t n;
	return param == NULL ? 1 : relay_conf_tables(view, param, &c->maps, &n, error_r);
}

/* milter_conf_hbc: the milter_header_checks tables; c->hbc stays NULL
 * when there are none. */
static int milter_conf_hbc(const struct cfg *view, struct milter_client_conf *c, char **error_r)
{
	size_t n = 0;
	if (relay_conf_tables(view, "milter_header_checks", &c->hbc, &n, error_r) < 0)
		return -1;
	if (n == 0)
		FREE_AND_NULL(c->hbc);
	return 1;
}

static int milter_conf_has_maps(const struct cfg *view, const char *param)
{
	char **items = NULL, *e = NULL;
	size_t n = 0;
	if (param == NULL || relay_conf_list(view, param, &items, &n, &e) < 0) {
		free(e);
		return 0;
	}
	cfg_list_free(&items);
	return n > 0;
}

static char *milter_conf_strdup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* milter_conf_derive: a conf for another milter list, with p's macros
 * and global settings. */
static struct milter_client_conf *milter_conf_derive(const struct milter_client_conf *p)
{
	struct milter_client_conf *c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->globals = p->globals;
	for (int st = 0; st < MILTER_STAGE_COUNT; st++)
		c->macros[st] = milter_conf_strdup(p->macros[st]);
	c->daemon_name = milter_conf_strdup(p->daemon_name);
	c->macro_v = milter_conf_strdup(p->macro_v);
	c->unknown_macros = milter_conf_strdup(p->unknown_macros);
	c->hbc = p->hbc;
	c->hbc_shared = 1;
	c->myhostname = milter_conf_strdup(p->myhostname);
	size_t n = 0;
	while (p->macro_defaults != NULL && p->macro_defaults[n] != NULL)
		n++;
	c->macro_defaults = xcalloc(n + 1, sizeof(*c->macro_defaults));
	for (size_t i = 0; i < n; i++)
		c->macro_defaults[i] = xstrdup(p->macro_defaults[i]);
	return c;
}

int milter_client_conf_new(const struct cfg *view, const char *param, const char *maps_param,
			   struct milter_client_conf **conf_r, char **error_r)
{
	char **items = NULL, *e = NULL;
	size_t n = 0;
	*conf_r = NULL;
	if (relay_conf_list(view, param, &items, &n, error_r) < 0)
		return -1;
	if (n == 0 && !milter_conf_has_maps(view, maps_param)) {
		cfg_list_free(&items);
		return 0;
	}
	struct milter_client_conf *c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	int rc = milter_conf_globals(view, &c->globals, &e);
	if (rc > 0)
		rc = milter_conf_milters(c, items, n, &e);
	for (int st = 0; rc > 0 && st < MILTER_STAGE_COUNT; st++)
		if (relay_conf_str(view, milter_conf_macro_params[st], &c->macros[st], &e) < 0)
			rc = -1;
	if (rc > 0 && (relay_conf_str(view, "milter_macro_daemon_name", &c->daemon_name, &e) < 0 ||
		       relay_conf_str(view, "milter_macro_v", &c->macro_v, &e) < 0 ||
		       relay_conf_str(view, "milter_unknown_command_macros", &c->unknown_macros,
				      &e) < 0 ||
		       relay_conf_str(view, "myhostname", &c->myhostname, &e) < 0 ||
		       milter_conf_defaults(view, c, &e) < 0 || milter_conf_hbc(view, c, &e) < 0 ||
		       milter_conf_maps(view, maps_param, c, &e) < 0))
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

/* milter_conf_lookup: the first result of the tables for addr: 1 with
 * *value_r, 0 none, -1 with *error_r. */
static int milter_conf_lookup(struct table **maps, const char *addr, char **value_r,
			      char **error_r)
{
	for (size_t i = 0; maps != NULL && maps[i] != NULL; i++) {
		int rc = table_lookup(maps[i], addr, value_r, error_r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int milter_client_conf_client(struct milter_client_conf *conf, const char *addr,
			      const struct milter_client_conf **r, char **error_r)
{
	char *value = NULL, *e = NULL;
	*r = conf;
	int rc = milter_conf_lookup(conf->maps, addr, &value, error_r);
	if (rc <= 0)
		return rc;
	if (strcasecmp(value, "DISABLE") == 0) {
		*r = NULL;
		free(value);
		return 1;
	}
	pthread_mutex_lock(&conf->lock);
	for (size_t i = 0; i < conf->n_map; i++) {
		if (strcmp(conf->map_values[i], value) == 0) {
			*r = conf->map_confs[i];
			pthread_mutex_unlock(&conf->lock);
			free(value);
			return 1;
		}
	}
	struct milter_client_conf *c = milter_conf_derive(conf);
	char **items = NULL;
	size_t n = 0;
	rc = cfg_list_split(value, &items, &n, &e);
	if (rc > 0)
		rc = milter_conf_milters(c, items, n, &e);
	if (items != NULL)
		cfg_list_free(&items);
	if (rc < 0) {
		pthread_mutex_unlock(&conf->lock);
		*error_r = xasprintf("smtpd_milter_maps: result \"%s\": %s", value, e);
		free(e);
		free(value);
		milter_client_conf_free(&c);
		return -1;
	}
	conf->map_values = xreallocarray(conf->map_values, conf->n_map + 1, sizeof(char *));
	conf->map_confs = xreallocarray(conf->map_confs, conf->n_map + 1, sizeof(c));
	conf->map_values[conf->n_map] = value;
	conf->map_confs[conf->n_map] = c;
	conf->n_map++;
	*r = c;
	pthread_mutex_unlock(&conf->lock);
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
	free(c->unknown_macros);
	free(c->myhostname);
	for (size_t i = 0; c->macro_defaults != NULL && c->macro_defaults[i] != NULL; i++)
		free(c->macro_defaults[i]);
	free(c->macro_defaults);
	for (size_t i = 0; c->maps != NULL && c->maps[i] != NULL; i++)
		table_free(&c->maps[i]);
	for (size_t i = 0; !c->hbc_shared && c->hbc != NULL && c->hbc[i] != NULL; i++)
		table_free(&c->hbc[i]);
	if (!c->hbc_shared)
		free(c->hbc);
	free(c->maps);
	for (size_t i = 0; i < c->n_map; i++) {
		free(c->map_values[i]);
		milter_client_conf_free(&c->map_confs[i]);
	}
	free(c->map_values);
	free(c->map_confs);
	pthread_mutex_destroy(&c->lock);
	FREE_AND_NULL(*cp);
}
