/* dsn_milter.h: what postern-dsn's program files share (dsn.c, dsn_cb.c,
 * dsn_conf.c): its settings, outcomes and hooks. The engine is
 * dsn_engine.h. */
#ifndef POSTERN_DSN_MILTER_H
#define POSTERN_DSN_MILTER_H

#include <stddef.h>

#include "milter_skel.h"

/* The settings (dsn_conf.c). */
struct dsn_settings {
	char *delivery_status_filter;
	char *internal_received_checks;
	int return_content; /* enum dsn_return */
	char *backscatter_recipients;
	long long header_size_limit;
	long long mime_nesting_limit;
};

/* Outcomes, indexes into the outcome table. */
enum dsn_outcome {
	DSN_O_CLEAN,	   /* not a DSN, or nothing to change */
	DSN_O_REWRITTEN,   /* a DSN, changed */
	DSN_O_BACKSCATTER, /* null-sender mail to a listed recipient (that recipient) */
	DSN_O_UNPARSED,	   /* a DSN past the MIME limits: not fully rewritten */
	DSN_O_TOO_BIG,	   /* over message_size_limit: not inspected */
	DSN_N_OUTCOMES,
};

/* What a configuration snapshot holds (dsn_conf.c). */
struct dsn_state {
	struct dsn_rules *rules;
	struct table *backscatter; /* or NULL */
};

/* The whole milter for milter_skel_main() (dsn_conf.c). */
extern const struct milter_skel_def dsn_def;

/* The hooks (dsn_cb.c). */
extern const struct milter_skel_hooks dsn_hooks;

#endif
