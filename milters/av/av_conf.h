/* av_conf.h: the settings of postern-av (postern-av.8 documents each one)
 * and the engine options they give. The skeleton's own parameters
 * (socket, user, message_size_limit, ...) and the on_* action parameters
 * of av_verdict.h come on top.
 */
#ifndef POSTERN_AV_CONF_H
#define POSTERN_AV_CONF_H

#include <stddef.h>

#include "av_engine.h"
#include "milter_skel_conf.h"

struct av_settings {
	char *database_directory;
	long long database_reload_delay; /* seconds */
	long long max_file_size;
	long long max_scan_size;
	long long max_recursion;
	long long max_files;
	long long max_scan_time; /* seconds */
	int detect_pua;
	char *scan_temp_directory; /* "": libclamav's default */
	char *skip_clients;	   /* table spec or "" */
	char *skip_senders;	   /* table spec or "" */
	char *scanned_header;	   /* header names; "": none */
	char *status_header;
};

/* The settings table, for struct milter_skel_def: AV_N_PARAMS rows. */
#define AV_N_PARAMS 13
extern const struct milter_skel_param av_params[AV_N_PARAMS];

/* av_conf_engine_opts: the engine options of settings; the strings point
 * into settings. */
void av_conf_engine_opts(const struct av_settings *settings, struct av_engine_opts *opts_r);

#endif
