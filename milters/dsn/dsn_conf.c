/* dsn_conf.c: postern-dsn's settings, outcomes and their default actions,
 * and what a loaded configuration builds: the engine's rules and the
 * backscatter table. */
#include <stddef.h>
#include <stdlib.h>

#include "dsn_engine.h"
#include "dsn_milter.h"
#include "mem.h"
#include "milter_proto.h"
#include "table.h"

#define S(m) offsetof(struct dsn_settings, m)

static const struct milter_skel_param dsn_params[] = {
	MILTER_PARAM_STR("delivery_status_filter", "", S(delivery_status_filter)),
	MILTER_PARAM_STR("internal_received_checks", "", S(internal_received_checks)),
	MILTER_PARAM_CHOICE("return_content", "full", S(return_content), "full headers none"),
	MILTER_PARAM_STR("backscatter_recipients", "", S(backscatter_recipients)),
	MILTER_PARAM_BYTES("header_size_limit", "102400", S(header_size_limit), 1, 1LL << 30),
	MILTER_PARAM_NUM("mime_nesting_limit", "100", S(mime_nesting_limit), 1, 100000),
};

#define ANY_ACTION 0x3fu
static const struct milter_skel_outcome dsn_outcomes[DSN_N_OUTCOMES] = {
	[DSN_O_CLEAN] = {"clean", NULL, "accept", ANY_ACTION, "0.0", "OK"},
	[DSN_O_REWRITTEN] = {"rewritten", "on_rewritten", "accept", ANY_ACTION, "0.0", "OK"},
	[DSN_O_BACKSCATTER] = {"backscatter", "on_backscatter", "reject", ANY_ACTION, "7.1",
			       "Delivery status notification refused: this recipient sends no "
			       "mail"},
	[DSN_O_UNPARSED] = {"unparsed", "on_unparsed", "reject", ANY_ACTION, "6.0",
			    "Delivery status notification too complex to filter"},
	[DSN_O_TOO_BIG] = {"too_big", "on_too_big", "reject", ANY_ACTION, "3.4",
			   "Message too big for the delivery status filter"},
};

static void dsn_state_free(void *state)
{
	struct dsn_state *st = state;

	dsn_rules_free(&st->rules);
	table_free(&st->backscatter);
	free(st);
}

/* setup: the rules and the backscatter table of one configuration. */
static int dsn_setup(const void *settings, void **state_r, char **error_r)
{
	const struct dsn_settings *s = settings;
	struct dsn_rules_spec spec = {
		.status_filter = s->delivery_status_filter,
		.received = s->internal_received_checks,
		.return_content = (enum dsn_return)s->return_content,
	};
	struct dsn_state *st = xcalloc(1, sizeof(*st));

	mime_config_init(&spec.mime);
	spec.mime.header_size_limit = (size_t)s->header_size_limit;
	spec.mime.nesting_limit = (size_t)s->mime_nesting_limit;
	if (dsn_rules_new(&spec, &st->rules, error_r) < 0) {
		dsn_state_free(st);
		return -1;
	}
	if (*s->backscatter_recipients != '\0' &&
	    table_open(s->backscatter_recipients, TABLE_FLAGS_NONE, &st->backscatter, error_r) <
		    0) {
		char *e = xasprintf("backscatter_recipients: %s", *error_r);
		free(*error_r);
		*error_r = e;
		dsn_state_free(st);
		return -1;
	}
	*state_r = st;
	return 1;
}

const struct milter_skel_def dsn_def = {
	.name = "dsn",
	.default_socket = "inet:127.0.0.1:8896",
	.params = dsn_params,
	.n_params = sizeof(dsn_params) / sizeof(dsn_params[0]),
	.settings_size = sizeof(struct dsn_settings),
	.setup = dsn_setup,
	.state_free = dsn_state_free,
	.outcomes = dsn_outcomes,
	.n_outcomes = DSN_N_OUTCOMES,
	.too_big = DSN_O_TOO_BIG,
	.actions = MILTER_ACTION_CHGHDRS | MILTER_ACTION_CHGBODY | MILTER_ACTION_QUARANTINE,
	.hooks = &dsn_hooks,
};
