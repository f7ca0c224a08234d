/* postern_check.c: "postern check": read a configuration directory the way
 * posternd will and say, line by line, what Postern makes of it.
 *
 *   postern check [-c DIR] [-o name=value]
 *
 * One line per finding, "file:line: severity: text", in file order:
 * errors (a line that cannot be parsed, an expansion loop, a bad value for
 * a supported parameter, a bad master.cf line), warnings (each parameter
 * Postern does not support yet, by name; unknown parameters nothing uses;
 * overridden entries; references to undefined parameters; master.cf
 * services that are not supported) and notes (what each master.cf service
 * becomes). Exit status 0: clean; 1: warnings only; 2: errors. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_expand.h"
#include "mem.h"
#include "postern.h"
#include "relay_params.h"
#include "relay_params_conf.h"

#define CHECK_USAGE "usage: postern check [-c DIR] [-o name=value]"

/* Where a setting comes from, for findings. */
struct check_where {
	const char *file; /* NULL: the command line */
	unsigned line;
	const char *prefix; /* "" or "service submission/inet: -o " */
};

struct check_ref_ctx {
	struct relay_params_conf *conf;
	const struct cfg *layer;
	const struct check_where *where;
	const char *name;
};

/* check_ref: a $name in a value that refers to nothing. */
static void check_ref(void *ctx, const char *name)
{
	struct check_ref_ctx *r = ctx;
	if (cfg_get(r->layer, name) != NULL)
		return;
	if (relay_postfix_param(name) != RELAY_POSTFIX_NONE)
		cfg_diag_add(
		    &r->conf->diags, CFG_WARNING, r->where->file, r->where->line,
		    "%s%s: refers to $%s, a Postfix parameter Postern has no value for; it "
		    "expands to nothing",
		    r->where->prefix, r->name, name);
	else
		cfg_diag_add(&r->conf->diags, CFG_WARNING, r->where->file, r->where->line,
			     "%s%s: refers to undefined parameter $%s; it expands to nothing",
			     r->where->prefix, r->name, name);
}

/* check_value: expand one setting (as seen from layer) and validate it. */
static void check_value(struct relay_params_conf *c, const struct cfg *layer,
			const struct check_where *w, const char *name,
			const struct relay_param *p)
{
	char *value = NULL, *error = NULL;
	if (relay_params_conf_is_raw(name)) {
		value = xstrdup(cfg_get(layer, name));
	} else {
		struct check_ref_ctx ref = { c, layer, w, name };
		if (cfg_expand_scan(cfg_get(layer, name), check_ref, &ref, &error) < 0) {
			/* The expansion below reports it. */
			FREE_AND_NULL(error);
		}
		if (cfg_expand_param(layer, name, &value, &error) < 0) {
			cfg_diag_add(&c->diags, CFG_ERROR, w->file, w->line, "%s%s", w->prefix,
				     error);
			free(error);
			return;
		}
	}
	if (p != NULL && relay_param_validate(p, value, &error) < 0) {
		if (p->status == RELAY_PARAM_SUPPORTED)
			cfg_diag_add(&c->diags, CFG_ERROR, w->file, w->line, "%s%s: %s", w->prefix,
				     name, error);
		else
			cfg_diag_add(&c->diags, CFG_WARNING, w->file, w->line,
				     "%s%s: %s (Postfix would reject it too)", w->prefix, name,
				     error);
		free(error);
	}
	const char *unsupported = relay_param_value_unsupported(name, value);
	if (unsupported != NULL)
		cfg_diag_add(&c->diags, CFG_WARNING, w->file, w->line, "%s%s = %s: %s", w->prefix,
			     name, value, unsupported);
	free(value);
}

/* check_setting: what Postern makes of one name = value. */
static void check_setting(struct relay_params_conf *c, const struct cfg *layer,
			  const struct check_where *w, const char *name)
{
	const struct relay_param *p = relay_param_find(name);
	switch (relay_params_conf_classify(c, name)) {
	case RELAY_KIND_TABLE:
		if (p->status == RELAY_PARAM_NOT_YET)
			cfg_diag_add(
			    &c->diags, CFG_WARNING, w->file, w->line,
			    "%s%s: Postfix parameter that Postern accepts and ignores",
			    w->prefix, name);
		break;
	case RELAY_KIND_POSTFIX:
		cfg_diag_add(&c->diags, CFG_WARNING, w->file, w->line,
			     "%s%s: Postfix parameter, not supported by Postern (ignored)",
			     w->prefix, name);
		break;
	case RELAY_KIND_SERVICE:
		cfg_diag_add(&c->diags, CFG_WARNING, w->file, w->line,
			     "%s%s: Postfix per-transport parameter of a master.cf service, not "
			     "supported by Postern (ignored)",
			     w->prefix, name);
		break;
	case RELAY_KIND_USER:
		break; /* a value other settings refer to */
	case RELAY_KIND_UNUSED:
		cfg_diag_add(&c->diags, CFG_WARNING, w->file, w->line,
			     "%s%s: unknown parameter that nothing refers to (ignored)", w->prefix,
			     name);
		break;
	}
	check_value(c, layer, w, name, p);
}

static void check_main(struct relay_params_conf *c)
{
	const struct cfg *layers[] = { c->main, c->view };
	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < cfg_count(layers[l]); i++) {
			const struct cfg_entry *e = cfg_entry_at(layers[l], i);
			if (l == 0 && e->file == NULL)
				continue; /* config_directory from -c */
			struct check_where w = { e->file, e->line, l == 0 ? "" : "-o " };
			check_setting(c, c->view, &w, e->name);
		}
	}
}

/* Commands of Postfix's own daemons: Postern does their work itself (or
 * will), so their master.cf entries are accepted and ignored. */
static const char *const check_internal[] = {
	"anvil", "bounce", "cleanup", "discard", "error", "flush", "lmtp", "local", "nqmgr",
	"oqmgr", "pickup", "postlogd", "proxymap", "qmgr", "scache", "showq", "smtp", "tlsmgr",
	"trivial-rewrite", "verify", "virtual",
};

static int check_is_internal(const char *command)
{
	for (size_t i = 0; i < sizeof(check_internal) / sizeof(check_internal[0]); i++)
		if (strcmp(command, check_internal[i]) == 0)
			return 1;
	return 0;
}

/* check_listener: an inet service running smtpd. */
static void check_listener(struct relay_params_conf *c, const struct master_service *s)
{
	char *host, *port;
	master_service_inet_addr(s, &host, &port);
	if (host != NULL)
		cfg_diag_add(&c->diags, CFG_NOTE, s->file, s->line,
			     "service %s/inet: an SMTP listener on %s port %s (%zu -o override%s)",
			     s->name, host, port, s->n_overrides, s->n_overrides == 1 ? "" : "s");
	else
		cfg_diag_add(&c->diags, CFG_NOTE, s->file, s->line,
			     "service %s/inet: an SMTP listener on port %s of each address of "
			     "$inet_interfaces (%zu -o override%s)",
			     s->name, port, s->n_overrides, s->n_overrides == 1 ? "" : "s");
	free(host);
	free(port);
	struct cfg *layer = master_service_cfg(s, c->view);
	char *prefix = xasprintf("service %s/%s: -o ", s->name, s->type);
	for (size_t o = 0; o < s->n_overrides; o++) {
		struct check_where w = { s->file, s->overrides[o].line, prefix };
		check_setting(c, layer, &w, s->overrides[o].name);
	}
	free(prefix);
	cfg_free(&layer);
}

/* check_services: what each master.cf service becomes. */
static void check_services(struct relay_params_conf *c)
{
	size_t listeners = 0;
	for (size_t i = 0; i < c->master->n; i++) {
		const struct master_service *s = &c->master->services[i];
		const char *command = s->argv[0];
		int inet = strcmp(s->type, "inet") == 0;
		if (inet && strcmp(command, "smtpd") == 0) {
			check_listener(c, s);
			listeners++;
			continue;
		}
		if (!inet && check_is_internal(command))
			cfg_diag_add(&c->diags, CFG_NOTE, s->file, s->line,
				     "service %s/%s: Postfix-internal service (%s), accepted and "
				     "ignored",
				     s->name, s->type, command);
		else if (strcmp(command, "smtpd") == 0)
			cfg_diag_add(
			    &c->diags, CFG_WARNING, s->file, s->line,
			    "service %s/%s: smtpd behind a %s socket (postscreen or a content "
			    "filter) is not supported by Postern (ignored)",
			    s->name, s->type, s->type);
		else
			cfg_diag_add(&c->diags, CFG_WARNING, s->file, s->line,
				     "service %s/%s runs %s: not supported by Postern (ignored)",
				     s->name, s->type, command);
		for (size_t o = 0; o < s->n_overrides; o++)
			cfg_diag_add(
			    &c->diags, CFG_WARNING, s->file, s->overrides[o].line,
			    "service %s/%s: -o %s=%s has no effect: the service is ignored",
			    s->name, s->type, s->overrides[o].name, s->overrides[o].value);
	}
	if (c->master_found && listeners == 0)
		cfg_diag_add(&c->diags, CFG_WARNING, c->master_path, 0,
			     "no inet service runs smtpd: Postern would not listen for mail");
}

int postern_check(int argc, char **argv, struct cli_opts *global)
{
	const struct cli_spec spec = {
		.usage = CHECK_USAGE,
		.default_config = POSTERN_SYSCONFDIR,
	};
	int next = 1;
	cli_parse(argc, argv, &next, &spec, global);
	if (next < argc) {
		fprintf(stderr, "%s\n", CHECK_USAGE);
		return 2;
	}
	struct relay_params_conf *c;
	relay_params_conf_load(&c, global->config, global->overrides, global->n_overrides, 0);
	if (c->main_found)
		check_main(c);
	check_services(c);
	cfg_diags_sort(&c->diags);
	for (size_t i = 0; i < c->diags.n; i++) {
		char *text = cfg_diag_format(&c->diags.items[i]);
		printf("%s\n", text);
		free(text);
	}
	size_t errors = cfg_diags_count(&c->diags, CFG_ERROR);
	size_t warnings = cfg_diags_count(&c->diags, CFG_WARNING);
	fprintf(stderr, "postern check: %s: %zu error%s, %zu warning%s\n", c->main_path, errors,
		errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
	relay_params_conf_free(&c);
	return errors > 0 ? 2 : warnings > 0 ? 1 : 0;
}
