/* headers_private.h: what the files of postern-headers' engine share
 * (headers_rules.c, headers_engine.c, headers_edit.c). Not for others:
 * they use headers_engine.h. */
#ifndef POSTERN_HEADERS_PRIVATE_H
#define POSTERN_HEADERS_PRIVATE_H

#include "headers_engine.h"
#include "table.h"

/* The tables of one class, searched in order. */
struct headers_maps {
	struct table **v; /* not owned: see headers_rules.owned */
	size_t n;
};

struct headers_rules {
	struct headers_maps maps[HEADERS_N_CLASSES];
	struct table **owned; /* every table opened, once each */
	size_t n_owned;
	size_t body_limit;
	struct mime_config mime;
	/* Postfix reports MIME nesting beyond the limit (and rejects the
	 * message) when a header table is configured. */
	int report_nesting;
};

/* headers_rules_lookup: look key up in the tables of cls, in order. 1 with
 * *value_r (caller frees), 0 when no table has it, -1 with *error_r. */
int headers_rules_lookup(const struct headers_rules *rules, enum headers_class cls, const char *key,
			 char **value_r, char **error_r);

/* headers_edit_add: append an edit to result; takes over name and text
 * (either may be NULL). */
void headers_edit_add(struct headers_result *result, const struct headers_edit *edit);

/* headers_result_deinit: free what result holds. */
void headers_result_deinit(struct headers_result *result);

#endif
