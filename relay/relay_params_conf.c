/* relay_params_conf.c: load a configuration directory and find which
 * parameter names are used (see relay_params_conf.h). */
#include "config.h"

#include "relay_params_conf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_expand.h"
#include "cfg_list.h"
#include "cfg_parse.h"
#include "mem.h"
#include "relay_params.h"

int relay_params_conf_is_raw(const char *name)
{
	const struct relay_param *p = relay_param_find(name);
	if (p != NULL)
		return (p->flags & RELAY_PARAM_RAW) != 0;
	return relay_postfix_param(name) == RELAY_POSTFIX_RAW;
}

static void relay_params_conf_mark_used(void *ctx, const char *name)
{
	struct relay_params_conf *c = ctx;
	cfg_set(c->used, name, "", NULL, 0);
}

/* relay_params_conf_scan: note the names a value refers to. Syntax errors
 * are reported where the value is expanded, not here. */
static void relay_params_conf_scan(struct relay_params_conf *c, const char *name,
				   const char *value)
{
	char *error = NULL;
	if (relay_params_conf_is_raw(name))
		return;
	if (cfg_expand_scan(value, relay_params_conf_mark_used, c, &error) < 0)
		free(error);
}

/* relay_params_conf_classes: the names smtpd_restriction_classes lists, as
 * seen from layer, are used. */
static void relay_params_conf_classes(struct relay_params_conf *c, const struct cfg *layer)
{
	char *value = NULL, *error = NULL;
	char **items;
	if (cfg_expand_param(layer, "smtpd_restriction_classes", &value, &error) < 0) {
		free(error);
		return;
	}
	if (value != NULL && cfg_list_split(value, &items, NULL, &error) > 0) {
		for (char **i = items; *i != NULL; i++)
			cfg_set(c->used, *i, "", NULL, 0);
		cfg_list_free(&items);
	} else {
		free(error);
	}
	free(value);
}

static void relay_params_conf_scan_layer(struct relay_params_conf *c, const struct cfg *layer)
{
	for (size_t i = 0; i < cfg_count(layer); i++) {
		const struct cfg_entry *e = cfg_entry_at(layer, i);
		relay_params_conf_scan(c, e->name, e->value);
	}
}

/* relay_params_conf_find_used: every place a user-defined name may be
 * referred to (as postconf's pcf_register_user_parameters looks). */
static void relay_params_conf_find_used(struct relay_params_conf *c)
{
	relay_params_conf_scan_layer(c, c->main);
	relay_params_conf_scan_layer(c, c->view);
	/* Defaults of parameters that are not set refer to old names. */
	size_t n;
	const struct relay_param *all = relay_params_all(&n);
	for (size_t i = 0; i < n; i++) {
		const struct cfg_entry *e = cfg_lookup(c->view, all[i].name);
		if (e != NULL && e == cfg_lookup_local(c->defaults, all[i].name) && all[i].def)
			relay_params_conf_scan(c, all[i].name, e->value);
	}
	relay_params_conf_classes(c, c->view);
	for (size_t s = 0; s < c->master->n; s++) {
		const struct master_service *svc = &c->master->services[s];
		for (size_t o = 0; o < svc->n_overrides; o++)
			relay_params_conf_scan(c, svc->overrides[o].name, svc->overrides[o].value);
		if (svc->n_overrides > 0) {
			struct cfg *layer = master_service_cfg(svc, c->view);
			relay_params_conf_classes(c, layer);
			cfg_free(&layer);
		}
	}
}

/* relay_params_conf_read_error: a load that failed without adding an
 * error to diags (a file that cannot be read) adds its message. */
static void relay_params_conf_read_error(struct relay_params_conf *c, int rc, size_t errors,
					 char *error)
{
	if (rc < 0 && cfg_diags_count(&c->diags, CFG_ERROR) == errors)
		cfg_diag_add(&c->diags, CFG_ERROR, NULL, 0, "%s", error);
	free(error);
}

/* relay_params_conf_read_main: postern.cf, or main.cf when it is absent. */
static void relay_params_conf_read_main(struct relay_params_conf *c, const char *dir)
{
	char *error = NULL;
	char *postern_cf = xasprintf("%s/postern.cf", dir);
	char *main_cf = xasprintf("%s/main.cf", dir);
	int use_main = access(postern_cf, F_OK) != 0 && access(main_cf, F_OK) == 0;
	c->main_path = use_main ? main_cf : postern_cf;
	free(use_main ? postern_cf : main_cf);
	size_t errors = cfg_diags_count(&c->diags, CFG_ERROR);
	int rc = cfg_load_file(c->main, c->main_path, &c->diags, &error);
	c->main_found = rc != 0;
	if (rc == 0)
		cfg_diag_add(&c->diags, CFG_ERROR, NULL, 0,
			     "%s: neither postern.cf nor main.cf found", dir);
	relay_params_conf_read_error(c, rc, errors, error);
}

static void relay_params_conf_read_master(struct relay_params_conf *c, const char *dir)
{
	char *error = NULL;
	c->master_path = xasprintf("%s/master.cf", dir);
	size_t errors = cfg_diags_count(&c->diags, CFG_ERROR);
	int rc = master_cf_load_file(c->master, c->master_path, &c->diags, &error);
	c->master_found = rc != 0;
	if (rc == 0)
		cfg_diag_add(&c->diags, CFG_WARNING, c->master_path, 0,
			     "not found: no services, so no listeners");
	relay_params_conf_read_error(c, rc, errors, error);
}

void relay_params_conf_load(struct relay_params_conf **conf_r, const char *dir,
			    const struct cli_override *overrides, size_t n_overrides,
			    int defaults_only)
{
	struct relay_params_conf *c = xcalloc(1, sizeof(*c));
	cfg_diags_init(&c->diags);
	c->defaults = relay_params_defaults_new();
	c->main = cfg_new(c->defaults);
	c->view = cfg_new(c->main);
	c->used = cfg_new(NULL);
	c->master = master_cf_new();
	if (!defaults_only) {
		/* As with postconf -c, another directory is a setting. */
		if (strcmp(dir, POSTERN_SYSCONFDIR) != 0)
			cfg_set(c->main, "config_directory", dir, NULL, 0);
		relay_params_conf_read_main(c, dir);
		relay_params_conf_read_master(c, dir);
		for (size_t i = 0; i < n_overrides; i++)
			cfg_set(c->view, overrides[i].name, overrides[i].value, NULL, 0);
	}
	char *error = NULL;
	if (relay_params_compute(c->defaults, c->view, &error) < 0) {
		cfg_diag_add(&c->diags, CFG_ERROR, NULL, 0, "computing the defaults: %s", error);
		free(error);
	}
	relay_params_conf_find_used(c);
	*conf_r = c;
}

void relay_params_conf_free(struct relay_params_conf **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct relay_params_conf *c = *cp;
	cfg_free(&c->view);
	cfg_free(&c->main);
	cfg_free(&c->defaults);
	cfg_free(&c->used);
	master_cf_free(&c->master);
	cfg_diags_deinit(&c->diags);
	free(c->main_path);
	free(c->master_path);
	FREE_AND_NULL(*cp);
}

enum relay_params_kind relay_params_conf_classify(const struct relay_params_conf *c,
						  const char *name)
{
	if (relay_param_find(name) != NULL)
		return RELAY_KIND_TABLE;
	if (relay_postfix_param(name) != RELAY_POSTFIX_NONE)
		return RELAY_KIND_POSTFIX;
	for (size_t s = 0; s < c->master->n; s++) {
		const struct master_service *svc = &c->master->services[s];
		const char *def;
		if (relay_service_param(name, svc->name, svc->argv[0], &def))
			return RELAY_KIND_SERVICE;
	}
	if (cfg_lookup_local(c->used, name) != NULL)
		return RELAY_KIND_USER;
	return RELAY_KIND_UNUSED;
}
