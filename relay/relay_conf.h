/* relay_conf.h: posternd's configuration snapshot.
 *
 * One snapshot is everything posternd read from a configuration directory
 * (postern.cf or main.cf, master.cf, -o overrides): the relay-wide
 * settings and one struct smtpd_conf per SMTP listener (an "inet" service
 * of master.cf running smtpd). It is immutable once loaded and reference
 * counted: each session holds the snapshot it started with, and SIGHUP
 * swaps a new one in for the sessions that start afterwards.
 *
 * Loading logs one warning per parameter set in postern.cf or by -o that
 * Postern does not act on (yet), and fails only on errors: a file that
 * cannot be parsed, a value that cannot be used, a listener that cannot
 * work.
 */
#ifndef POSTERN_RELAY_CONF_H
#define POSTERN_RELAY_CONF_H

#include <stdatomic.h>
#include <stddef.h>

#include "cli.h"
#include "queue.h"
#include "relay_params_conf.h"
#include "smtpd_conf.h"

struct relay_conf {
	atomic_int refs;		  /* private: relay_conf_ref/unref */
	struct relay_params_conf *params; /* owned: the layers and master.cf */
	char *config_dir;
	char *queue_directory;
	char *mail_owner;
	long long anvil_rate_time_unit;
	struct smtpd_conf **listeners; /* owned, in master.cf order */
	size_t n_listeners;
};

/* relay_conf_load: read the configuration directory dir with the given
 * -o overrides. Logs a warning for each unsupported parameter that is
 * set. 1 with *conf_r holding one reference, -1 with *error_r (the first
 * error, "file:line: message"). */
int relay_conf_load(const char *dir, const struct cli_override *overrides, size_t n_overrides,
		    struct relay_conf **conf_r, char **error_r);
/* relay_conf_ref: one more reference (thread-safe); returns conf. */
struct relay_conf *relay_conf_ref(struct relay_conf *conf);
/* relay_conf_unref: drop a reference (thread-safe); the last one frees
 * the snapshot. Clears *confp; accepts NULL. */
void relay_conf_unref(struct relay_conf **confp);

#endif
