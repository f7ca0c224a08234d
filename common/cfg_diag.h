/* cfg_diag.h: findings about configuration files, kept for the caller.
 *
 * Parsers of configuration files do not print: they add each finding (an
 * error, a warning or a note) to a list with the file and line it is about,
 * and go on with the next line, so that "postern check" can show every
 * problem at once and a daemon can log them and decide whether to start.
 */
#ifndef POSTERN_CFG_DIAG_H
#define POSTERN_CFG_DIAG_H

#include <stddef.h>

enum cfg_severity {
	CFG_NOTE,    /* information, e.g. what a master.cf service becomes */
	CFG_WARNING, /* accepted, but the user should know */
	CFG_ERROR,   /* the configuration cannot be used as written */
};

struct cfg_diag {
	enum cfg_severity severity;
	char *file;    /* owned; NULL when not about a file (command line) */
	unsigned line; /* 0 when not about one line */
	char *text;    /* owned */
};

struct cfg_diags {
	struct cfg_diag *items; /* owned array */
	size_t n;
	size_t cap;
};

/* cfg_diags_init/deinit: an empty list; deinit frees every finding. */
void cfg_diags_init(struct cfg_diags *d);
void cfg_diags_deinit(struct cfg_diags *d);

/* cfg_diag_add: append one finding; file may be NULL, line 0. */
void cfg_diag_add(struct cfg_diags *d, enum cfg_severity severity, const char *file,
		  unsigned line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* cfg_diags_count: how many findings have the given severity. */
size_t cfg_diags_count(const struct cfg_diags *d, enum cfg_severity severity);

/* cfg_diag_format: "file:line: severity: text" (parts that are absent are
 * left out), malloc'd for the caller. */
char *cfg_diag_format(const struct cfg_diag *diag);

/* cfg_diags_first_error: the first error at index from or later, formatted
 * as "file:line: text" (malloc'd), or NULL when there is none. */
char *cfg_diags_first_error(const struct cfg_diags *d, size_t from);

/* cfg_diags_sort: order by file (in order of first appearance) then line,
 * keeping the order of findings about the same line. */
void cfg_diags_sort(struct cfg_diags *d);

#endif
