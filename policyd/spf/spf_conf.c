/* spf_conf.c: the settings table of postern-spf and its loader. Each
 * parameter is declared once below; names follow policyd-spf's settings
 * (HELO_reject, Mail_From_reject, PermError_reject, TempError_Defer,
 * skip_addresses, Whitelist, Domain_Whitelist, HELO_Whitelist,
 * Hide_Receiver, Header_Type) in main.cf style. */
#include "config.h"

#include "spf_conf.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "access_action.h"
#include "cfg.h"
#include "cfg_diag.h"
#include "cfg_expand.h"
#include "cfg_list.h"
#include "cfg_parse.h"
#include "cfg_value.h"
#include "mem.h"
#include "spf_list.h"

enum param_type { P_STR, P_BOOL, P_INT, P_TIME, P_LIST_ADDR, P_LIST_DOMAIN, P_MODE, P_HEADER,
		  P_SOCKETS };

struct param {
	const char *name;
	enum param_type type;
	const char *def;
	long long min, max; /* P_INT, P_TIME */
	size_t offset;
};

#define OFF(f) offsetof(struct spf_conf, f)
static const struct param params[] = {
	{"socket", P_SOCKETS, "unix:/var/spool/postfix/private/postern-spf", 0, 0, OFF(sockets)},
	{"user", P_STR, "postern", 0, 0, OFF(user)},
	{"workers", P_INT, "16", 1, 64, OFF(workers)},
	{"event_loops", P_INT, "0", 0, 64, OFF(event_loops)},
	{"cache_ttl", P_TIME, "60s", 0, 86400, OFF(cache_ttl)},
	{"cache_size", P_INT, "10000", 1, 10000000, OFF(cache_size)},
	{"dns_cache_max_ttl", P_TIME, "1h", 0, 604800, OFF(dns_cache_max_ttl)},
	{"dns_cache_size", P_INT, "10000", 1, 10000000, OFF(dns_cache_size)},
	{"request_timeout", P_TIME, "10s", 1, 3600, OFF(request_timeout)},
	{"timeout_action", P_STR, "DEFER_IF_PERMIT 4.4.3 SPF check timed out, try again later", 0, 0,
	 OFF(timeout_action)},
	{"helo_reject", P_MODE, "fail", 0, 0, OFF(helo_reject)},
	{"mail_from_reject", P_MODE, "fail", 0, 0, OFF(mail_from_reject)},
	{"permerror_reject", P_BOOL, "no", 0, 0, OFF(permerror_reject)},
	{"temperror_defer", P_BOOL, "yes", 0, 0, OFF(temperror_defer)},
	{"skip_addresses", P_LIST_ADDR, "127.0.0.0/8, [::ffff:127.0.0.0]/104, [::1]/128", 0, 0,
	 OFF(skip_addresses)},
	{"whitelist", P_LIST_ADDR, "", 0, 0, OFF(whitelist)},
	{"domain_whitelist", P_LIST_DOMAIN, "", 0, 0, OFF(domain_whitelist)},
	{"helo_whitelist", P_LIST_DOMAIN, "", 0, 0, OFF(helo_whitelist)},
	{"hide_receiver", P_BOOL, "yes", 0, 0, OFF(hide_receiver)},
	{"header_type", P_HEADER, "spf", 0, 0, OFF(header_type)},
	{"receiver", P_STR, "", 0, 0, OFF(receiver)},
	{"authserv_id", P_STR, "$receiver", 0, 0, OFF(authserv_id)},
};
#define N_PARAMS (sizeof(params) / sizeof(params[0]))

static const char *const mode_names[] = {"fail", "softfail", "not_pass", "null", "no", "no_check"};
static const char *const header_names[] = {"spf", "AR", "none"};

static const struct param *param_find(const char *name)
{
	for (size_t i = 0; i < N_PARAMS; i++)
		if (strcmp(params[i].name, name) == 0)
			return &params[i];
	return NULL;
}

static int pick(const char *value, const char *const *names, size_t n, int *r)
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(value, names[i]) == 0) {
			*r = (int)i;
			return 1;
		}
	}
	return -1;
}

/* set_value: convert value for p into conf. -1 with *error_r (no name). */
static int set_value(struct spf_conf *conf, const struct param *p, const char *value,
		     char **error_r)
{
	void *field = (char *)conf + p->offset;
	long long n;
	int i;
	switch (p->type) {
	case P_STR:
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return 1;
	case P_BOOL:
		return cfg_value_bool(value, (int *)field, error_r);
	case P_INT:
		if (cfg_value_int(value, p->min, p->max, &n, error_r) < 0)
			return -1;
		*(long long *)field = n;
		return 1;
	case P_TIME:
		if (cfg_value_time(value, 's', &n, error_r) < 0)
			return -1;
		if (n < p->min || n > p->max) {
			*error_r = xasprintf("\"%s\" is outside %llds..%llds", value, p->min, p->max);
			return -1;
		}
		*(long long *)field = n;
		return 1;
	case P_LIST_ADDR:
	case P_LIST_DOMAIN:
		spf_list_free((struct spf_list **)field);
		return spf_list_new(p->type == P_LIST_ADDR ? SPF_LIST_ADDR : SPF_LIST_DOMAIN, value,
				    (struct spf_list **)field, error_r);
	case P_MODE:
		if (pick(value, mode_names, sizeof(mode_names) / sizeof(mode_names[0]), &i) < 0) {
			*error_r = xasprintf("\"%s\": expected fail, softfail, not_pass, null, no "
					     "or no_check", value);
			return -1;
		}
		*(enum spf_reject_mode *)field = (enum spf_reject_mode)i;
		return 1;
	case P_HEADER:
		if (pick(value, header_names, 3, &i) < 0) {
			*error_r = xasprintf("\"%s\": expected spf, AR or none", value);
			return -1;
		}
		*(enum spf_header_type *)field = (enum spf_header_type)i;
		return 1;
	case P_SOCKETS:
		cfg_list_free((char ***)field);
		return cfg_list_split(value, (char ***)field, NULL, error_r);
	}
	return 1;
}

/* verify: the checks that span the value of one parameter's syntax. */
static int verify(struct spf_conf *conf, char **error_r)
{
	if (conf->sockets[0] == NULL) {
		*error_r = xstrdup("socket: at least one socket is needed");
		return -1;
	}
	struct access_action action;
	char *err = NULL;
	if (access_action_parse(conf->timeout_action, NULL, ACCESS_CLASS_OTHER, &action, &err) < 0 ||
	    action.kind == ACCESS_RESTRICTIONS || action.kind == ACCESS_FILTER) {
		*error_r = xasprintf("timeout_action: \"%s\" is not an action a policy service may "
				     "return%s%s", conf->timeout_action, err ? ": " : "",
				     err ? err : "");
		free(err);
		return -1;
	}
	if (conf->mail_from_reject == SPF_REJECT_NULL) {
		*error_r = xstrdup("mail_from_reject: \"null\" applies to helo_reject only");
		return -1;
	}
	if (conf->receiver[0] == '\0') {
		char host[256];
		free(conf->receiver);
		conf->receiver = xstrdup(gethostname(host, sizeof(host)) == 0 ? host : "localhost");
	}
	return 1;
}

/* apply: set every parameter from the layer stack c. */
static int apply(struct spf_conf *conf, const struct cfg *c, char **error_r)
{
	for (size_t i = 0; i < N_PARAMS; i++) {
		char *value = NULL, *err = NULL;
		if (cfg_expand_param(c, params[i].name, &value, error_r) < 0)
			return -1;
		int rc = set_value(conf, &params[i], value, &err);
		free(value);
		if (rc < 0) {
			const struct cfg_entry *e = cfg_lookup(c, params[i].name);
			if (e != NULL && e->file != NULL)
				*error_r = xasprintf("%s:%u: %s: %s", e->file, e->line,
						     params[i].name, err);
			else
				*error_r = xasprintf("%s: %s", params[i].name, err);
			free(err);
			return -1;
		}
	}
	return 1;
}

/* check_names: every name in layer c must be a parameter. */
static int check_names(const struct cfg *c, char **error_r)
{
	for (size_t i = 0; i < cfg_count(c); i++) {
		const struct cfg_entry *e = cfg_entry_at(c, i);
		if (param_find(e->name) != NULL)
			continue;
		if (e->file != NULL)
			*error_r = xasprintf("%s:%u: unknown parameter \"%s\"", e->file, e->line,
					     e->name);
		else
			*error_r = xasprintf("-o %s: unknown parameter", e->name);
		return -1;
	}
	return 1;
}

/* load_layers: defaults <- file <- overrides, names checked. */
static int load_layers(const char *path, const struct cli_override *ov, size_t n_ov,
		       struct cfg **layers, char **error_r)
{
	layers[0] = cfg_new(NULL);
	for (size_t i = 0; i < N_PARAMS; i++)
		cfg_set(layers[0], params[i].name, params[i].def, NULL, 0);
	layers[1] = cfg_new(layers[0]);
	layers[2] = cfg_new(layers[1]);
	if (path != NULL) {
		struct cfg_diags diags;
		cfg_diags_init(&diags);
		int rc = cfg_load_file(layers[1], path, &diags, error_r);
		cfg_diags_deinit(&diags);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			*error_r = xasprintf("%s: no such file", path);
			return -1;
		}
	}
	for (size_t i = 0; i < n_ov; i++)
		cfg_set(layers[2], ov[i].name, ov[i].value, NULL, 0);
	if (check_names(layers[1], error_r) < 0 || check_names(layers[2], error_r) < 0)
		return -1;
	return 1;
}

static void free_layers(struct cfg **layers)
{
	for (int i = 2; i >= 0; i--)
		cfg_free(&layers[i]);
}

int spf_conf_load(const char *path, const struct cli_override *ov, size_t n_ov,
		  struct spf_conf **conf_r, char **error_r)
{
	struct cfg *layers[3] = {NULL, NULL, NULL};
	struct spf_conf *conf = xcalloc(1, sizeof(*conf));
	int rc = load_layers(path, ov, n_ov, layers, error_r);
	if (rc == 1)
		rc = apply(conf, layers[2], error_r);
	if (rc == 1)
		rc = verify(conf, error_r);
	free_layers(layers);
	if (rc < 0) {
		spf_conf_free(&conf);
		return -1;
	}
	*conf_r = conf;
	return 1;
}

void spf_conf_free(struct spf_conf **cp)
{
	struct spf_conf *conf = *cp;
	if (conf == NULL)
		return;
	for (size_t i = 0; i < N_PARAMS; i++) {
		void *field = (char *)conf + params[i].offset;
		switch (params[i].type) {
		case P_STR:
			free(*(char **)field);
			break;
		case P_LIST_ADDR:
		case P_LIST_DOMAIN:
			spf_list_free((struct spf_list **)field);
			break;
		case P_SOCKETS:
			cfg_list_free((char ***)field);
			break;
		default:
			break;
		}
	}
	FREE_AND_NULL(*cp);
}

void spf_conf_print_defaults(void)
{
	for (size_t i = 0; i < N_PARAMS; i++)
		printf("%s = %s\n", params[i].name, params[i].def);
}

int spf_conf_print(const char *path, const struct cli_override *ov, size_t n_ov, char **error_r)
{
	struct spf_conf *conf = NULL;
	if (spf_conf_load(path, ov, n_ov, &conf, error_r) < 0)
		return -1;
	spf_conf_free(&conf);
	struct cfg *layers[3] = {NULL, NULL, NULL};
	int rc = load_layers(path, ov, n_ov, layers, error_r);
	for (size_t i = 0; rc == 1 && i < N_PARAMS; i++)
		printf("%s = %s\n", params[i].name, cfg_get(layers[2], params[i].name));
	free_layers(layers);
	return rc < 0 ? -1 : 1;
}
