/* headers_milter.h: what postern-headers' program files share
 * (headers.c, headers_cb.c, headers_conf.c): its settings, outcomes and
 * hooks. The engine is headers_engine.h. */
#ifndef POSTERN_HEADERS_MILTER_H
#define POSTERN_HEADERS_MILTER_H

#include <stddef.h>

#include "milter_skel.h"

/* The settings (headers_conf.c), Postfix's parameter names. */
struct headers_settings {
	char *header_checks;
	char *mime_header_checks;
	char *nested_header_checks;
	char *body_checks;
	long long body_checks_size_limit;
	long long header_size_limit;
	long long mime_nesting_limit;
	long long line_length_limit;
	long long mime_boundary_length_limit;
	int disable_mime_input_processing;
};

/* Outcomes, indexes into headers_outcomes. */
enum headers_outcome {
	HEADERS_O_CLEAN,     /* nothing refused (changes may have been made) */
	HEADERS_O_REJECTED,  /* REJECT (5.x.x), MIME nesting too deep */
	HEADERS_O_DEFERRED,  /* REJECT with a 4.x.x status code */
	HEADERS_O_DISCARDED, /* DISCARD */
	HEADERS_O_HELD,	     /* HOLD */
	HEADERS_O_TOO_BIG,   /* over message_size_limit: not inspected */
	HEADERS_N_OUTCOMES,
};

/* The whole milter for milter_skel_main() (headers_conf.c). */
extern const struct milter_skel_def headers_def;

/* The hooks (headers_cb.c). */
extern const struct milter_skel_hooks headers_hooks;

#endif
