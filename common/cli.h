/* cli.h: the command-line conventions shared by every Postern program.
 *
 *   -c PATH        configuration directory (posternd, postern) or file (filters)
 *   -f             foreground: log to stderr
 *   -o name=value  override one parameter (repeatable)
 *   -v             more logging (repeatable)
 *   -V             print the version and the library versions, then exit 0
 *
 * A program may accept further option letters through cli_spec.extra and
 * cli_spec.on_extra. Usage errors print the usage text and exit 2.
 */
#ifndef POSTERN_CLI_H
#define POSTERN_CLI_H

#include <stddef.h>

struct cli_override {
	char *name;
	char *value;
};

struct cli_opts {
	const char *config; /* -c, or the program's default */
	int foreground;     /* -f */
	int verbose;        /* number of -v */
	struct cli_override *overrides; /* -o, in command-line order */
	size_t n_overrides;
};

struct cli_spec {
	const char *usage;          /* "usage: postern [-c DIR] [-v] VERB ..." */
	const char *default_config; /* value of opts.config when -c is absent */
	const char *extra;          /* further getopt letters, e.g. "nd" */
	/* on_extra: handle one further letter; return 0, or -1 for a usage error. */
	int (*on_extra)(int letter, const char *arg, void *ctx);
	void *ctx;
	/* versions: print library versions for -V (after Postern's own line). */
	void (*versions)(void);
	int stop_at_verb; /* stop at the first non-option argument (postern VERB) */
};

/* cli_parse: parse argv from index *optind_r (1 at the start) and update
 * *opts, which the caller zeroed before the first call (a second call for a
 * verb's own options adds to it). On return *optind_r is the index of the
 * first operand. Exits 2 on usage errors, 0 after -V. */
void cli_parse(int argc, char **argv, int *optind_r, const struct cli_spec *spec,
	       struct cli_opts *opts);
/* cli_opts_deinit: release the override list. */
void cli_opts_deinit(struct cli_opts *opts);
/* cli_print_common_versions: Postern's version and the libraries every
 * program links (PCRE2, OpenSSL). */
void cli_print_common_versions(void);

#endif
