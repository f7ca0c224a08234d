/* milter_skel_private.h: what the skeleton's files share (not for milters).
 *
 *   milter_skel.c        main: command line, verbs, start-up, signals, reload
 *   milter_skel_snap.c   configuration snapshots: load, count references, swap
 *   milter_skel_cb.c     the libmilter callbacks, per-connection and
 *                        per-message state, verdicts
 *   milter_skel_conf.c   settings tables (milter_skel_conf.h)
 *   milter_skel_spool.c  message spool (milter_skel_spool.h)
 */
#ifndef POSTERN_MILTER_SKEL_PRIVATE_H
#define POSTERN_MILTER_SKEL_PRIVATE_H

#include <stddef.h>

#include "cfg_diag.h"
#include "cli.h"
#include "milter_skel.h"

/* The skeleton's own settings. */
struct milter_skel_settings {
	char *socket;
	unsigned socket_mode;
	char *user;
	char *pid_file;
	int internal_error_action; /* enum milter_skel_action */
	long long message_size_limit;
	long long spool_threshold;
	char *temp_directory;
};

/* One loaded configuration: immutable once built, shared by every
 * connection that started under it. */
struct milter_skel_snap {
	const struct milter_skel_def *def;
	int refs; /* under the snapshot lock */
	struct milter_skel_settings skel;
	void *settings; /* def->settings_size bytes, filled from def->params */
	void *state;	/* from def->setup */
	int *actions;	/* per outcome: enum milter_skel_action */
	/* The parameter tables: the skeleton's (socket default from def) and
	 * one action row per outcome that has a parameter. */
	struct milter_skel_param *skel_params;
	size_t n_skel_params;
	struct milter_skel_param *action_params;
	size_t n_action_params;
};

#define MILTER_SKEL_SECTIONS 3

/* milter_skel_snap_new: an empty snapshot with its parameter tables, for
 * loading or printing; *secs_r gets the MILTER_SKEL_SECTIONS sections. */
struct milter_skel_snap *milter_skel_snap_new(const struct milter_skel_def *def,
					      struct milter_skel_section *secs_r);

/* milter_skel_snap_load: load path and overrides into a new snapshot with
 * one reference and run def->setup. 1 with *snap_r; -1 with every problem
 * in diags and *error_r the first one. */
int milter_skel_snap_load(const struct milter_skel_def *def, const char *path,
			  const struct cli_override *overrides, size_t n_overrides,
			  struct cfg_diags *diags, struct milter_skel_snap **snap_r,
			  char **error_r);

/* milter_skel_snap_install: make snap the current snapshot (taking over the
 * caller's reference) and drop the reference to the previous one. */
void milter_skel_snap_install(struct milter_skel_snap *snap);

/* milter_skel_snap_current: a new reference to the current snapshot;
 * release it with milter_skel_snap_unref(). Thread-safe. */
struct milter_skel_snap *milter_skel_snap_current(void);

/* milter_skel_snap_unref: drop one reference; the last one frees the
 * snapshot. Accepts NULL; clears *snapp. Thread-safe. */
void milter_skel_snap_unref(struct milter_skel_snap **snapp);

/* milter_skel_cb_open: register with libmilter, open the socket described
 * by the current snapshot. 1, or -1 with *error_r. Call as root (before
 * privileges are dropped). */
int milter_skel_cb_open(const struct milter_skel_def *def, char **error_r);

/* milter_skel_cb_run: run libmilter's loop until it is told to stop
 * (SIGTERM, SIGINT); returns when the listener closed. */
int milter_skel_cb_run(void);

/* milter_skel_cb_wait_idle: wait at most seconds for messages in progress
 * to end. 1 when none is left, 0 on timeout. */
int milter_skel_cb_wait_idle(int seconds);

#endif
