/* master_cf.h: read Postfix master.cf (master(5)).
 *
 * Each logical line (continuation and comment rules as in cfg_lines.h)
 * defines one service in eight or more white-space separated fields:
 *
 *   service type private unpriv chroot wakeup maxproc command [args...]
 *
 * type is inet, unix, unix-dgram, fifo or pass; private, unpriv and chroot
 * are y, n or "-" (default); wakeup is a number, optionally with "?", or
 * "-"; maxproc a number or "-". A "{ ... }" group is one argument, its
 * braces removed (Postfix 3). "-o name=value" and the long form
 * "-o { name = value }" among the leading options of the command are
 * parameter overrides for that service. When a service name and type appear
 * twice the last definition wins, with a warning.
 *
 * Problems go to the caller's cfg_diags with file and line; a bad line is
 * skipped and parsing continues. The parser is incremental and bounded
 * like cfg_parse.h.
 */
#ifndef POSTERN_MASTER_CF_H
#define POSTERN_MASTER_CF_H

#include <stddef.h>

#include "cfg.h"
#include "cfg_diag.h"

struct master_override {
	char *name;    /* owned */
	char *value;   /* owned, unexpanded */
	unsigned line; /* the physical line of its argument */
};

struct master_service {
	char *name;   /* field 1, e.g. "submission", "127.0.0.1:2525" */
	char *type;   /* field 2 */
	char *private_; /* fields 3 to 7 as written: "y", "n", "-", ... */
	char *unpriv;
	char *chroot;
	char *wakeup;
	char *maxproc;
	char **argv; /* command and arguments, NULL-terminated */
	size_t argc; /* at least 1 */
	unsigned *arg_lines; /* the physical line of each argv element */
	struct master_override *overrides; /* the -o options, in order */
	size_t n_overrides;
	char *file;    /* owned */
	unsigned line; /* where the logical line starts */
};

struct master_cf {
	struct master_service *services; /* in file order */
	size_t n;
};

/* master_cf_new: an empty service list. */
struct master_cf *master_cf_new(void);
/* master_cf_free: release *mp and set it to NULL; accepts NULL. */
void master_cf_free(struct master_cf **mp);

struct master_cf_parser;

/* master_cf_parser_new: parse into m; file is copied. */
struct master_cf_parser *master_cf_parser_new(struct master_cf *m, const char *file,
					      struct cfg_diags *diags);
/* master_cf_parser_feed: the next len bytes of input. */
void master_cf_parser_feed(struct master_cf_parser *p, const char *data, size_t len);
/* master_cf_parser_finish: 1 when this input had no error; -1 with the
 * first error, "file:line: message", in *error_r (caller frees). */
int master_cf_parser_finish(struct master_cf_parser *p, char **error_r);
/* master_cf_parser_free: release *pp and set it to NULL; accepts NULL. */
void master_cf_parser_free(struct master_cf_parser **pp);

/* master_cf_parse_buf: a whole buffer; returns as master_cf_parser_finish. */
int master_cf_parse_buf(struct master_cf *m, const char *file, const char *data, size_t len,
			struct cfg_diags *diags, char **error_r);
/* master_cf_load_file: 1 ok; 0 if the file does not exist; -1 on a read or
 * syntax error, with *error_r. */
int master_cf_load_file(struct master_cf *m, const char *path, struct cfg_diags *diags,
			char **error_r);

/* master_service_cfg: a new cfg layer above main holding the service's -o
 * overrides (with their file and line). Caller frees with cfg_free();
 * main must outlive it. */
struct cfg *master_service_cfg(const struct master_service *s, const struct cfg *main);

/* master_service_inet_addr: split an inet service name into host and port:
 * "127.0.0.1:2525", "[::1]:25", "::1:smtp" (the last colon separates) or
 * just "2525". *host_r is NULL when the name has no host part; both
 * malloc'd. */
void master_service_inet_addr(const struct master_service *s, char **host_r, char **port_r);

#endif
