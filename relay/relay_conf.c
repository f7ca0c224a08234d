/* relay_conf.c: load posternd's configuration snapshot (see relay_conf.h). */
#include "relay_conf.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "relay_conf_value.h"
#include "relay_params.h"

/* relay_conf_warn_unsupported: one warning per setting of layer that
 * Postern does not act on; prefix says where it comes from. */
static void relay_conf_warn_unsupported(const struct relay_params_conf *pc, const struct cfg *layer,
					const char *prefix)
{
	for (size_t i = 0; i < cfg_count(layer); i++) {
		const struct cfg_entry *e = cfg_entry_at(layer, i);
		const struct relay_param *p = relay_param_find(e->name);
		const char *why = NULL;
		switch (relay_params_conf_classify(pc, e->name)) {
		case RELAY_KIND_TABLE:
			if (p->status == RELAY_PARAM_NOT_YET)
				why = "Postfix parameter that Postern accepts and ignores";
			break;
		case RELAY_KIND_POSTFIX:
		case RELAY_KIND_SERVICE:
			why = "Postfix parameter, not supported by Postern (ignored)";
			break;
		case RELAY_KIND_USER:
			break;
		case RELAY_KIND_UNUSED:
			why = "unknown parameter that nothing refers to (ignored)";
			break;
		}
		if (why == NULL)
			continue;
		if (e->file != NULL)
			log_warn("%s:%u: %s%s: %s", e->file, e->line, prefix, e->name, why);
		else if (strcmp(e->name, "config_directory") != 0)
			log_warn("%s%s: %s", prefix, e->name, why);
	}
}

static int relay_conf_listeners(struct relay_conf *c, char **error_r)
{
	const struct master_cf *m = c->params->master;
	c->listeners = xcalloc(m->n + 1, sizeof(*c->listeners));
	for (size_t i = 0; i < m->n; i++) {
		const struct master_service *s = &m->services[i];
		if (strcmp(s->type, "inet") != 0 || strcmp(s->argv[0], "smtpd") != 0)
			continue;
		struct cfg *layer = master_service_cfg(s, c->params->view);
		char *prefix = xasprintf("service %s/inet: -o ", s->name);
		relay_conf_warn_unsupported(c->params, layer, prefix);
		free(prefix);
		cfg_free(&layer);
		if (smtpd_conf_new(s, c->params->view, &c->listeners[c->n_listeners], error_r) < 0)
			return -1;
		c->n_listeners++;
	}
	if (c->n_listeners == 0) {
		*error_r = xasprintf("%s: no inet service runs smtpd: nothing to listen on",
				     c->params->master_path);
		return -1;
	}
	return 1;
}

int relay_conf_load(const char *dir, const struct cli_override *overrides, size_t n_overrides,
		    struct relay_conf **conf_r, char **error_r)
{
	struct relay_conf *c = xcalloc(1, sizeof(*c));
	atomic_init(&c->refs, 1);
	c->config_dir = xstrdup(dir);
	relay_params_conf_load(&c->params, dir, overrides, n_overrides, 0);
	char *first = cfg_diags_first_error(&c->params->diags, 0);
	if (first != NULL) {
		*error_r = first;
		relay_conf_unref(&c);
		return -1;
	}
	relay_conf_warn_unsupported(c->params, c->params->main, "");
	relay_conf_warn_unsupported(c->params, c->params->view, "-o ");
	const struct cfg *v = c->params->view;
	if (relay_conf_str(v, "queue_directory", &c->queue_directory, error_r) < 0 ||
	    relay_conf_str(v, "mail_owner", &c->mail_owner, error_r) < 0 ||
	    relay_conf_time(v, "anvil_rate_time_unit", &c->anvil_rate_time_unit, error_r) < 0 ||
	    relay_conf_listeners(c, error_r) < 0) {
		relay_conf_unref(&c);
		return -1;
	}
	*conf_r = c;
	return 1;
}

struct relay_conf *relay_conf_ref(struct relay_conf *conf)
{
	atomic_fetch_add(&conf->refs, 1);
	return conf;
}

void relay_conf_unref(struct relay_conf **confp)
{
	if (confp == NULL || *confp == NULL)
		return;
	struct relay_conf *c = *confp;
	*confp = NULL;
	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	for (size_t i = 0; i < c->n_listeners; i++)
		smtpd_conf_free(&c->listeners[i]);
	free(c->listeners);
	free(c->config_dir);
	free(c->queue_directory);
	free(c->mail_owner);
	relay_params_conf_free(&c->params);
	free(c);
}
