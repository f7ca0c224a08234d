/* milter_skel_snap.c: configuration snapshots (see milter_skel_private.h).
 * A snapshot holds everything a connection reads: the skeleton's settings,
 * the milter's settings and state, the action of each outcome. The current
 * one is swapped under a lock on SIGHUP; connections hold references to
 * the one they started with, and the last reference frees it.
 */
#include "milter_skel_private.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "sockspec.h"

static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct milter_skel_snap *snap_current;

/* snap_check_socket: the socket parameter names a listening socket. */
static int snap_check_socket(const char *value, char **error_r)
{
	struct sockspec *spec;
	if (sockspec_parse(value, SOCKSPEC_LISTEN, &spec, error_r) < 0)
		return -1;
	sockspec_free(&spec);
	return 1;
}

#define SKEL_OFF(member) offsetof(struct milter_skel_settings, member)
#define SKEL_ERROR_ACTIONS                                                                         \
	(MILTER_SKEL_ALLOW(MILTER_SKEL_ACCEPT) | MILTER_SKEL_ALLOW(MILTER_SKEL_TEMPFAIL))

static const struct milter_skel_param snap_skel_params[] = {
	{"socket", MILTER_PARAM_STRING, NULL, SKEL_OFF(socket), 0, 0, NULL, 0, 0,
	 snap_check_socket},
	MILTER_PARAM_MODE("socket_mode", "0660", SKEL_OFF(socket_mode)),
	MILTER_PARAM_STR("user", "postern", SKEL_OFF(user)),
	MILTER_PARAM_STR("pid_file", "", SKEL_OFF(pid_file)),
	{"internal_error_action", MILTER_PARAM_ENUM, "tempfail", SKEL_OFF(internal_error_action), 0,
	 0, MILTER_SKEL_ACTIONS, SKEL_ERROR_ACTIONS, 0, NULL},
	MILTER_PARAM_BYTES("message_size_limit", "10240000", SKEL_OFF(message_size_limit), 0,
			   1LL << 40),
	MILTER_PARAM_BYTES("spool_threshold", "1048576", SKEL_OFF(spool_threshold), 0, 1LL << 32),
	MILTER_PARAM_STR("temp_directory", "/var/tmp", SKEL_OFF(temp_directory)),
};
#define SNAP_N_SKEL_PARAMS (sizeof(snap_skel_params) / sizeof(snap_skel_params[0]))

struct milter_skel_snap *milter_skel_snap_new(const struct milter_skel_def *def,
					      struct milter_skel_section *secs_r)
{
	struct milter_skel_snap *snap = xcalloc(1, sizeof(*snap));
	snap->def = def;
	snap->refs = 1;
	snap->settings = xcalloc(1, def->settings_size > 0 ? def->settings_size : 1);
	snap->actions = xcalloc(def->n_outcomes + 1, sizeof(*snap->actions));

	snap->skel_params = xmemdup(snap_skel_params, sizeof(snap_skel_params));
	snap->n_skel_params = SNAP_N_SKEL_PARAMS;
	snap->skel_params[0].def = def->default_socket;

	snap->action_params = xcalloc(def->n_outcomes + 1, sizeof(*snap->action_params));
	for (size_t i = 0; i < def->n_outcomes; i++) {
		const struct milter_skel_outcome *o = &def->outcomes[i];
		struct milter_skel_param row = {
			.name = o->param != NULL ? o->param : o->name,
			.type = MILTER_PARAM_ENUM,
			.def = o->def_action,
			.offset = i * sizeof(*snap->actions),
			.choices = MILTER_SKEL_ACTIONS,
			.allowed = o->allowed,
		};
		if (o->param != NULL) {
			snap->action_params[snap->n_action_params++] = row;
			continue;
		}
		/* A fixed action: no parameter, set it now. */
		char *error = NULL;
		if (milter_skel_conf_value(&row, snap->actions, o->def_action, &error) < 0)
			log_panic("outcome %s: %s", o->name, error);
	}
	secs_r[0] =
		(struct milter_skel_section){snap->skel_params, snap->n_skel_params, &snap->skel};
	secs_r[1] = (struct milter_skel_section){def->params, def->n_params, snap->settings};
	secs_r[2] = (struct milter_skel_section){snap->action_params, snap->n_action_params,
						 snap->actions};
	return snap;
}

static void snap_free(struct milter_skel_snap *snap)
{
	struct milter_skel_section secs[MILTER_SKEL_SECTIONS] = {
		{snap->skel_params, snap->n_skel_params, &snap->skel},
		{snap->def->params, snap->def->n_params, snap->settings},
		{snap->action_params, snap->n_action_params, snap->actions},
	};
	if (snap->state != NULL && snap->def->state_free != NULL)
		snap->def->state_free(snap->state);
	milter_skel_conf_release(secs, MILTER_SKEL_SECTIONS);
	free(snap->skel_params);
	free(snap->action_params);
	free(snap->actions);
	free(snap->settings);
	free(snap);
}

int milter_skel_snap_load(const struct milter_skel_def *def, const char *path,
			  const struct cli_override *overrides, size_t n_overrides,
			  struct cfg_diags *diags, struct milter_skel_snap **snap_r, char **error_r)
{
	struct milter_skel_section secs[MILTER_SKEL_SECTIONS];
	struct milter_skel_snap *snap = milter_skel_snap_new(def, secs);
	char *error = NULL;

	if (milter_skel_conf_load(path, overrides, n_overrides, secs, MILTER_SKEL_SECTIONS, diags,
				  error_r) < 0) {
		snap_free(snap);
		return -1;
	}
	if (def->setup != NULL && def->setup(snap->settings, &snap->state, &error) < 0) {
		cfg_diag_add(diags, CFG_ERROR, path, 0, "%s", error);
		*error_r = xasprintf("%s: %s", path, error);
		free(error);
		snap_free(snap);
		return -1;
	}
	*snap_r = snap;
	return 1;
}

void milter_skel_snap_install(struct milter_skel_snap *snap)
{
	pthread_mutex_lock(&snap_lock);
	struct milter_skel_snap *old = snap_current;
	snap_current = snap;
	pthread_mutex_unlock(&snap_lock);
	milter_skel_snap_unref(&old);
}

struct milter_skel_snap *milter_skel_snap_current(void)
{
	pthread_mutex_lock(&snap_lock);
	struct milter_skel_snap *snap = snap_current;
	if (snap != NULL)
		snap->refs++;
	pthread_mutex_unlock(&snap_lock);
	return snap;
}

void milter_skel_snap_unref(struct milter_skel_snap **snapp)
{
	struct milter_skel_snap *snap = *snapp;
	if (snap == NULL)
		return;
	*snapp = NULL;
	pthread_mutex_lock(&snap_lock);
	int last = --snap->refs == 0;
	pthread_mutex_unlock(&snap_lock);
	if (last)
		snap_free(snap);
}
