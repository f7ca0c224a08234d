/* spf_main.h: the modes of the postern-spf program, each a function that
 * returns the exit status (spf.c only chooses one). */
#ifndef POSTERN_SPF_MAIN_H
#define POSTERN_SPF_MAIN_H

#include "cli.h"

enum spf_mode {
	SPF_MODE_DAEMON,   /* listen on conf's sockets */
	SPF_MODE_SPAWN,	   /* -s: one client on stdin/stdout (Postfix spawn) */
	SPF_MODE_QUERY,	   /* -q: engine checks from stdin lines */
	SPF_MODE_DEFAULTS, /* -d: print every parameter's default */
	SPF_MODE_PRINT,	   /* -p: print the configuration as loaded */
};

/* spf_main_run: load the configuration named by opts and run mode. */
int spf_main_run(enum spf_mode mode, const struct cli_opts *opts);

#endif
