/* relay_params_conf.h: a configuration directory as Postern reads it.
 *
 * Loads DIR/postern.cf (or DIR/main.cf when there is no postern.cf, so a
 * copy of /etc/postfix works) and DIR/master.cf, applies command-line -o
 * overrides, computes the defaults, and works out which names are used,
 * the way postconf(1) does:
 *   - every row of the parameter table (relay_params.h) and every Postfix
 *     parameter name is known;
 *   - NAME_SUFFIX is known for each master.cf service NAME that runs a
 *     delivery agent (e.g. relay_destination_concurrency_limit);
 *   - any other name is user-defined: it is used when some value refers to
 *     it as $name (main.cf values, master.cf -o values, defaults of
 *     parameters left at their default; not values of "raw" parameters) or
 *     smtpd_restriction_classes lists it; otherwise it is unused.
 * Everything found on the way (syntax errors, overridden entries, ...) is
 * in diags; the layers are: defaults <- main <- cmdline (the view).
 */
#ifndef POSTERN_RELAY_PARAMS_CONF_H
#define POSTERN_RELAY_PARAMS_CONF_H

#include <stddef.h>

#include "cfg.h"
#include "cfg_diag.h"
#include "cli.h"
#include "master_cf.h"

struct relay_params_conf {
	char *main_path;      /* the main.cf-syntax file read (or looked for) */
	char *master_path;    /* DIR/master.cf */
	int main_found;       /* whether main_path exists */
	int master_found;     /* whether master_path exists */
	struct cfg *defaults; /* table defaults, computed ones, config_directory */
	struct cfg *main;     /* main_path's entries (parent: defaults) */
	struct cfg *view;     /* command-line -o overrides (parent: main) */
	struct master_cf *master;
	struct cfg *used;     /* set of user-defined names referred to */
	struct cfg_diags diags;
};

enum relay_params_kind {
	RELAY_KIND_TABLE,   /* a row of Postern's parameter table */
	RELAY_KIND_POSTFIX, /* a Postfix parameter Postern has no row for */
	RELAY_KIND_SERVICE, /* derived from a master.cf service name */
	RELAY_KIND_USER,    /* user-defined and referred to */
	RELAY_KIND_UNUSED,  /* user-defined and never referred to */
};

/* relay_params_conf_load: read the directory dir. When dir is not the
 * default directory, config_directory = dir counts as set (as with
 * postconf -c). defaults_only: skip the files and overrides (for "postern
 * config -d"). Never fails: problems are in (*conf_r)->diags. Caller frees
 * with relay_params_conf_free(). */
void relay_params_conf_load(struct relay_params_conf **conf_r, const char *dir,
			    const struct cli_override *overrides, size_t n_overrides,
			    int defaults_only);
/* relay_params_conf_free: release *cp and set it to NULL; accepts NULL. */
void relay_params_conf_free(struct relay_params_conf **cp);

/* relay_params_conf_classify: what name is in this configuration. */
enum relay_params_kind relay_params_conf_classify(const struct relay_params_conf *c,
						  const char *name);

/* relay_params_conf_is_raw: is name used as written, without expansion? */
int relay_params_conf_is_raw(const char *name);

#endif
