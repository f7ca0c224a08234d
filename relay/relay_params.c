/* relay_params.c: look up, validate and lay out the postern.cf parameters
 * (see relay_params.h). The rows are in relay_params_table.c, the host
 * computations in relay_params_host.c. */
#include "config.h"

#include "relay_params.h"

#include <stdlib.h>
#include <string.h>

#include "cfg_expand.h"
#include "cfg_list.h"
#include "cfg_value.h"
#include "mem.h"

static int relay_param_cmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct relay_param *)row)->name);
}

const struct relay_param *relay_param_find(const char *name)
{
	size_t n;
	const struct relay_param *all = relay_params_all(&n);
	return bsearch(name, all, n, sizeof(*all), relay_param_cmp);
}

const char *relay_param_type_name(enum relay_param_type type)
{
	switch (type) {
	case RELAY_PARAM_STRING:
		return "string";
	case RELAY_PARAM_LIST:
		return "list";
	case RELAY_PARAM_BOOL:
		return "bool";
	case RELAY_PARAM_INT:
		return "integer";
	case RELAY_PARAM_TIME:
		return "time";
	case RELAY_PARAM_SIZE:
		return "size";
	case RELAY_PARAM_ENUM:
		return "enum";
	case RELAY_PARAM_LEVEL:
		return "compatibility level";
	}
	return "?";
}

static int relay_param_enum(const struct relay_param *p, const char *value, char **error_r)
{
	size_t len = strlen(value);
	for (const char *c = p->choices; *c != '\0';) {
		size_t n = strcspn(c, " ");
		if (n == len && strncmp(c, value, n) == 0)
			return 1;
		c += n + (c[n] == ' ');
	}
	*error_r = xasprintf("bad value \"%s\" (expected one of: %s%s)", value, p->choices,
			     p->flags & RELAY_PARAM_EMPTY_OK ? ", or empty" : "");
	return -1;
}

int relay_param_validate(const struct relay_param *p, const char *value, char **error_r)
{
	long long n;
	int b;
	char **items;
	if (*value == '\0' && (p->flags & RELAY_PARAM_EMPTY_OK))
		return 1;
	switch (p->type) {
	case RELAY_PARAM_STRING:
		return 1;
	case RELAY_PARAM_LIST:
		if (cfg_list_split(value, &items, NULL, error_r) < 0)
			return -1;
		cfg_list_free(&items);
		return 1;
	case RELAY_PARAM_BOOL:
		return cfg_value_bool(value, &b, error_r);
	case RELAY_PARAM_INT:
		return cfg_value_int(value, p->min, p->max, &n, error_r);
	case RELAY_PARAM_TIME:
		return cfg_value_time(value, p->unit, &n, error_r);
	case RELAY_PARAM_SIZE:
		return cfg_value_size(value, &n, error_r);
	case RELAY_PARAM_ENUM:
		return relay_param_enum(p, value, error_r);
	case RELAY_PARAM_LEVEL:
		return cfg_compat_level_cmp(value, "0", &b, error_r);
	}
	*error_r = xstrdup("unknown parameter type");
	return -1;
}

struct cfg *relay_params_defaults_new(void)
{
	struct cfg *c = cfg_new(NULL);
	size_t n;
	const struct relay_param *all = relay_params_all(&n);
	for (size_t i = 0; i < n; i++)
		if (all[i].def != NULL)
			cfg_set(c, all[i].name, all[i].def, NULL, 0);
	cfg_set(c, "config_directory", POSTERN_SYSCONFDIR, NULL, 0);
	return c;
}

/* The parameters Postfix derives from master.cf services: the suffix and
 * the parameter that gives the default (postconf_service.c). */
struct relay_service_suffix {
	const char *suffix;
	const char *default_param;
};

static const struct relay_service_suffix relay_transport_suffixes[] = {
	{ "_recipient_limit", "default_recipient_limit" },
	{ "_extra_recipient_limit", "default_extra_recipient_limit" },
	{ "_recipient_refill_limit", "default_recipient_refill_limit" },
	{ "_recipient_refill_delay", "default_recipient_refill_delay" },
	{ "_delivery_slot_cost", "default_delivery_slot_cost" },
	{ "_delivery_slot_loan", "default_delivery_slot_loan" },
	{ "_delivery_slot_discount", "default_delivery_slot_discount" },
	{ "_minimum_delivery_slots", "default_minimum_delivery_slots" },
	{ "_initial_destination_concurrency", "initial_destination_concurrency" },
	{ "_destination_concurrency_limit", "default_destination_concurrency_limit" },
	{ "_destination_recipient_limit", "default_destination_recipient_limit" },
	{ "_destination_concurrency_positive_feedback",
	  "default_destination_concurrency_positive_feedback" },
	{ "_destination_concurrency_negative_feedback",
	  "default_destination_concurrency_negative_feedback" },
	{ "_destination_concurrency_failed_cohort_limit",
	  "default_destination_concurrency_failed_cohort_limit" },
	{ "_destination_rate_delay", "default_destination_rate_delay" },
	{ "_transport_rate_delay", "default_transport_rate_delay" },
	{ NULL, NULL },
};

static const struct relay_service_suffix relay_command_suffixes[] = {
	{ "_time_limit", "command_time_limit" },
	{ NULL, NULL },
};

int relay_service_param(const char *name, const char *service, const char *command,
			const char **default_r)
{
	static const char *const transports[] = { "local", "error", "virtual", "smtp", "lmtp" };
	int transport = 0, pipe = strcmp(command, "pipe") == 0;
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
		transport |= strcmp(command, transports[i]) == 0;
	size_t len = strlen(service);
	if (strncmp(name, service, len) != 0)
		return 0;
	const char *suffix = name + len;
	if (transport || pipe) {
		for (const struct relay_service_suffix *s = relay_transport_suffixes; s->suffix;
		     s++) {
			if (strcmp(suffix, s->suffix) == 0) {
				*default_r = s->default_param;
				return 1;
			}
		}
	}
	if (pipe || strcmp(command, "spawn") == 0) {
		for (const struct relay_service_suffix *s = relay_command_suffixes; s->suffix;
		     s++) {
			if (strcmp(suffix, s->suffix) == 0) {
				*default_r = s->default_param;
				return 1;
			}
		}
	}
	return 0;
}

const char *relay_param_value_unsupported(const char *name, const char *value)
{
	if ((strcmp(name, "smtp_tls_security_level") == 0 ||
	     strcmp(name, "lmtp_tls_security_level") == 0) &&
	    (strcmp(value, "dane") == 0 || strcmp(value, "dane-only") == 0))
		return "DANE is not supported: mail at this level is deferred, never sent in the "
		       "clear";
	return NULL;
}
