/* milter_skel_conf.h: declarative settings for the filter daemons.
 *
 * A daemon declares each parameter once, in a table: name, type, default,
 * bounds, and where the typed value goes (an offset into the daemon's
 * settings struct). milter_skel_conf_load() reads the daemon's file in
 * main.cf syntax (cfg_parse.h) with -o overrides above it and the table's
 * defaults below it, expands $name, checks every value against its row and
 * fills the structs. A name that no table declares is an error at
 * "file:line", unless another value refers to it with $name (a user-defined
 * parameter, as in main.cf).
 *
 * Typed values as stored:
 *   STRING  char *            (malloc'd, expanded)
 *   LIST    char **           (NULL-terminated, cfg_list_split(); empty
 *                              value: an array holding only NULL)
 *   BOOL    int               (0 or 1)
 *   INT     long long         within [min, max]
 *   SIZE    long long         bytes, within [min, max]
 *   TIME    long long         seconds; a bare number is in unit
 *   ENUM    int               index of the value in choices (space-separated
 *                              words, compared without regard to case); a
 *                              non-zero allowed mask limits the accepted ones
 *                              to the indexes whose bit is set
 *   OCTAL   unsigned          a file mode such as 0660, at most 07777
 * Not thread-safe while loading; the filled structs are read-only after.
 */
#ifndef POSTERN_MILTER_SKEL_CONF_H
#define POSTERN_MILTER_SKEL_CONF_H

#include <stddef.h>
#include <stdio.h>

#include "cfg_diag.h"
#include "cli.h"

enum milter_skel_ptype {
	MILTER_PARAM_STRING,
	MILTER_PARAM_LIST,
	MILTER_PARAM_BOOL,
	MILTER_PARAM_INT,
	MILTER_PARAM_SIZE,
	MILTER_PARAM_TIME,
	MILTER_PARAM_ENUM,
	MILTER_PARAM_OCTAL,
};

struct milter_skel_param {
	const char *name;
	enum milter_skel_ptype type;
	const char *def;     /* the default, as it would be written in the file */
	size_t offset;	     /* of the typed value in the section's struct */
	long long min, max;  /* INT, SIZE */
	const char *choices; /* ENUM */
	unsigned allowed;    /* ENUM: bit i set = choice i accepted; 0 = all */
	char unit;	     /* TIME: s m h d w */
	/* check: optional further test of the converted value (e.g. that a
	 * socket spec parses), so its error is reported at file:line; 1 ok,
	 * -1 with *error_r. */
	int (*check)(const char *value, char **error_r);
};

/* Row helpers: OFF is offsetof(struct, member). */
#define MILTER_PARAM_STR(n, d, off)                                                                \
	{                                                                                          \
		n, MILTER_PARAM_STRING, d, off, 0, 0, NULL, 0, 0, NULL                             \
	}
#define MILTER_PARAM_LST(n, d, off)                                                                \
	{                                                                                          \
		n, MILTER_PARAM_LIST, d, off, 0, 0, NULL, 0, 0, NULL                               \
	}
#define MILTER_PARAM_BOOLEAN(n, d, off)                                                            \
	{                                                                                          \
		n, MILTER_PARAM_BOOL, d, off, 0, 0, NULL, 0, 0, NULL                               \
	}
#define MILTER_PARAM_NUM(n, d, off, lo, hi)                                                        \
	{                                                                                          \
		n, MILTER_PARAM_INT, d, off, lo, hi, NULL, 0, 0, NULL                              \
	}
#define MILTER_PARAM_BYTES(n, d, off, lo, hi)                                                      \
	{                                                                                          \
		n, MILTER_PARAM_SIZE, d, off, lo, hi, NULL, 0, 0, NULL                             \
	}
#define MILTER_PARAM_SECS(n, d, off, unit)                                                         \
	{                                                                                          \
		n, MILTER_PARAM_TIME, d, off, 0, 0, NULL, 0, unit, NULL                            \
	}
#define MILTER_PARAM_CHOICE(n, d, off, choices)                                                    \
	{                                                                                          \
		n, MILTER_PARAM_ENUM, d, off, 0, 0, choices, 0, 0, NULL                            \
	}
#define MILTER_PARAM_MODE(n, d, off)                                                               \
	{                                                                                          \
		n, MILTER_PARAM_OCTAL, d, off, 0, 07777, NULL, 0, 0, NULL                          \
	}

/* One table and the struct its offsets point into. */
struct milter_skel_section {
	const struct milter_skel_param *params;
	size_t n;
	void *base;
};

/* milter_skel_conf_load: load the file at path (it must exist) with the
 * overrides above it into the sections. Every problem is added to diags
 * (file and line where there is one); 1 when there was none, else -1 with
 * *error_r the first one, "file:line: message" (caller frees). After -1
 * the sections may be partly filled: release them either way. */
int milter_skel_conf_load(const char *path, const struct cli_override *overrides,
			  size_t n_overrides, const struct milter_skel_section *secs, size_t n_secs,
			  struct cfg_diags *diags, char **error_r);

/* milter_skel_conf_release: free the strings and lists the sections hold
 * and clear them; safe on zeroed or partly loaded sections. */
void milter_skel_conf_release(const struct milter_skel_section *secs, size_t n_secs);

/* milter_skel_conf_find: the row named name in the sections, or NULL;
 * *sec_r (may be NULL) is set to its section. */
const struct milter_skel_param *milter_skel_conf_find(const struct milter_skel_section *secs,
						      size_t n_secs, const char *name,
						      const struct milter_skel_section **sec_r);

/* milter_skel_conf_value: check value (already expanded) against p and
 * store it at base + p->offset (freeing what a STRING or LIST held). 1 ok;
 * -1 with *error_r quoting the value (the caller adds the name). */
int milter_skel_conf_value(const struct milter_skel_param *p, void *base, const char *value,
			   char **error_r);

/* What milter_skel_conf_print() prints. */
enum milter_skel_print {
	MILTER_PRINT_ALL,      /* every parameter with its effective value */
	MILTER_PRINT_DEFAULTS, /* every parameter with its default (-d) */
	MILTER_PRINT_SET,      /* only what the file or -o sets (-n) */
};

/* milter_skel_conf_print: print "name = value" lines, like postconf, in
 * table order: the values as written (unexpanded). With names (a NULL-
 * terminated list, or NULL for all) only those; an unknown one is an error
 * on stderr. Loads path and overrides unless mode is DEFAULTS. Returns 0,
 * or 1 when the file could not be loaded or a name is unknown. */
int milter_skel_conf_print(FILE *out, const char *path, const struct cli_override *overrides,
			   size_t n_overrides, const struct milter_skel_section *secs,
			   size_t n_secs, enum milter_skel_print mode, char **names);

#endif
