/* table_private.h: the contract between the table dispatcher (table.c) and
 * its back-ends (table_TYPE.c). Not for use outside common/table*.c.
 *
 * A back-end parses a table's text once into an immutable contents object
 * and answers lookups from it. Contents are never modified after parse, so
 * lookups on one contents object may run in parallel threads.
 */
#ifndef POSTERN_TABLE_PRIVATE_H
#define POSTERN_TABLE_PRIVATE_H

#include <stddef.h>

enum table_ops_flags {
	/* The name is a file whose text parse() reads; the table reloads. */
	TABLE_OPS_FILE = 1 << 0,
	/* Patterns match the whole search string; no partial keys. */
	TABLE_OPS_PATTERN = 1 << 1,
	/* The name may also be Postfix 3.7's "{ {rule}, {rule} ... }" form. */
	TABLE_OPS_INLINE_RULES = 1 << 2,
};

/* A back-end; table.c maps type names to these. */
struct table_ops {
	unsigned ops_flags; /* enum table_ops_flags */
	/* parse: build contents from text (a file's bytes, inline rules one a
	 * line, or the name itself for back-ends without TABLE_OPS_FILE);
	 * origin names the text in messages; flags are enum table_flags.
	 * Returns 1 with *data_r, or -1 with *error_r. */
	int (*parse)(const char *origin, const char *text, size_t len, int flags, void **data_r,
		     char **error_r);
	/* lookup: as table_lookup(); the key is already folded if it must be. */
	int (*lookup)(const void *data, const char *key, char **value_r, char **error_r);
	/* free: release contents; accepts NULL. */
	void (*free)(void *data);
};

extern const struct table_ops table_ops_texthash;
extern const struct table_ops table_ops_cidr;
extern const struct table_ops table_ops_pcre;
extern const struct table_ops table_ops_regexp;
extern const struct table_ops table_ops_static;
extern const struct table_ops table_ops_inline;

/* table_inline_rules: turn the body of a "TYPE:{ {rule}, {rule} }" spec
 * (starting at "{") into text with one rule a line. Returns 1 with
 * *text_r (caller frees), or -1 with *error_r. */
int table_inline_rules(const char *body, char **text_r, char **error_r);

/* table_inline_unbrace: the text inside the braces of len bytes at s,
 * which must be one "{...}" group, without the white space just inside the
 * braces. Returns 1 with *inner_r (caller frees), or -1 with *error_r. */
int table_inline_unbrace(const char *s, size_t len, char **inner_r, char **error_r);

#endif
