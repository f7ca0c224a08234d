/* headers_conf.c: postern-headers' settings (the Postfix parameters of
 * header_checks(5) and of the MIME processing they depend on, with
 * Postfix's defaults), its outcomes and their default actions, and the
 * rules built from a loaded configuration. */
#include <stddef.h>
#include <stdlib.h>

#include "headers_engine.h"
#include "headers_milter.h"
#include "mem.h"
#include "milter_proto.h"

#define S(m) offsetof(struct headers_settings, m)

static const struct milter_skel_param headers_params[] = {
	MILTER_PARAM_STR("header_checks", "", S(header_checks)),
	MILTER_PARAM_STR("mime_header_checks", "$header_checks", S(mime_header_checks)),
	MILTER_PARAM_STR("nested_header_checks", "$header_checks", S(nested_header_checks)),
	MILTER_PARAM_STR("body_checks", "", S(body_checks)),
	MILTER_PARAM_BYTES("body_checks_size_limit", "51200", S(body_checks_size_limit), 0,
			   1LL << 40),
	MILTER_PARAM_BYTES("header_size_limit", "102400", S(header_size_limit), 1, 1LL << 30),
	MILTER_PARAM_NUM("mime_nesting_limit", "100", S(mime_nesting_limit), 1, 100000),
	MILTER_PARAM_BYTES("line_length_limit", "2048", S(line_length_limit), 1, 1LL << 30),
	MILTER_PARAM_BYTES("mime_boundary_length_limit", "2048", S(mime_boundary_length_limit), 1,
			   1LL << 30),
	MILTER_PARAM_BOOLEAN("disable_mime_input_processing", "no",
			     S(disable_mime_input_processing)),
};

#define ANY_ACTION 0x3fu
static const struct milter_skel_outcome headers_outcomes[HEADERS_N_OUTCOMES] = {
	[HEADERS_O_CLEAN] = {"clean", NULL, "accept", ANY_ACTION, "0.0", "OK"},
	[HEADERS_O_REJECTED] = {"rejected", "on_rejected", "reject", ANY_ACTION, "7.1",
				"message content rejected"},
	[HEADERS_O_DEFERRED] = {"deferred", "on_deferred", "tempfail", ANY_ACTION, "7.1",
				"message content rejected"},
	[HEADERS_O_DISCARDED] = {"discarded", "on_discarded", "discard", ANY_ACTION, "7.1",
				 "message content rejected"},
	[HEADERS_O_HELD] = {"held", "on_held", "quarantine", ANY_ACTION, "7.1",
			    "message content rejected"},
	[HEADERS_O_TOO_BIG] = {"too_big", "on_too_big", "reject", ANY_ACTION, "3.4",
			       "Message too big for the content filter"},
};

/* headers_setup: the rules for one configuration snapshot. */
static int headers_setup(const void *settings, void **state_r, char **error_r)
{
	const struct headers_settings *s = settings;
	struct headers_rules_spec spec = {
		.tables = {s->header_checks, s->mime_header_checks, s->nested_header_checks,
			   s->body_checks},
		.body_checks_size_limit = (size_t)s->body_checks_size_limit,
	};
	struct headers_rules *rules;

	mime_config_init(&spec.mime);
	spec.mime.header_size_limit = (size_t)s->header_size_limit;
	spec.mime.nesting_limit = (size_t)s->mime_nesting_limit;
	spec.mime.line_length_limit = (size_t)s->line_length_limit;
	spec.mime.boundary_length_limit = (size_t)s->mime_boundary_length_limit;
	spec.mime.disable_mime = s->disable_mime_input_processing;
	if (headers_rules_new(&spec, &rules, error_r) < 0)
		return -1;
	*state_r = rules;
	return 1;
}

static void headers_state_free(void *state)
{
	struct headers_rules *rules = state;
	headers_rules_free(&rules);
}

const struct milter_skel_def headers_def = {
	.name = "headers",
	.default_socket = "inet:127.0.0.1:8893",
	.params = headers_params,
	.n_params = sizeof(headers_params) / sizeof(headers_params[0]),
	.settings_size = sizeof(struct headers_settings),
	.setup = headers_setup,
	.state_free = headers_state_free,
	.outcomes = headers_outcomes,
	.n_outcomes = HEADERS_N_OUTCOMES,
	.too_big = HEADERS_O_TOO_BIG,
	.actions = MILTER_ACTION_ADDHDRS | MILTER_ACTION_CHGHDRS | MILTER_ACTION_CHGBODY |
		   MILTER_ACTION_ADDRCPT | MILTER_ACTION_DELRCPT | MILTER_ACTION_QUARANTINE,
	.spool = 1,
	.hooks = &headers_hooks,
};
