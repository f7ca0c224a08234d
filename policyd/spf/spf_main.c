/* spf_main.c: the modes of postern-spf in the order daemon.h prescribes:
 * configuration, detach, signals, sockets, privilege drop and sandbox,
 * then the event loop. */
#include "config.h"

#include "spf_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "mem.h"
#include "spf_conf.h"
#include "spf_engine.h"
#include "spf_oneshot.h"
#include "spf_sandbox.h"
#include "spf_server.h"

static int serve(const struct spf_conf *conf, enum spf_mode mode, int foreground)
{
	char *err = NULL;
	struct spf_server *srv = NULL;
	if (mode == SPF_MODE_DAEMON)
		xdaemon_init(foreground);
	if (daemon_signals_init(&err) < 0 || spf_server_new(conf, &srv, &err) < 0)
		log_fatal("%s", err);
	if (mode == SPF_MODE_SPAWN)
		spf_server_add_stream(srv, STDIN_FILENO, STDOUT_FILENO);
	else if (spf_server_listen(srv, &err) < 0)
		log_fatal("%s", err);
	if (spf_sandbox_enter(mode == SPF_MODE_DAEMON ? conf->user : NULL, &err) < 0)
		log_fatal("sandbox: %s", err);
	if (mode == SPF_MODE_DAEMON) {
		daemon_detach_ready();
		if (!foreground)
			log_init("spf", LOG_DEST_SYSLOG);
		log_info("started: %lld workers", conf->workers);
	}
	int rc = spf_server_run(srv, &err);
	spf_server_free(&srv);
	daemon_signals_deinit();
	if (rc < 0)
		log_fatal("%s", err);
	return 0;
}

int spf_main_run(enum spf_mode mode, const struct cli_opts *opts)
{
	char *err = NULL;
	if (mode == SPF_MODE_DEFAULTS) {
		spf_conf_print_defaults();
		return 0;
	}
	if (mode == SPF_MODE_PRINT) {
		if (spf_conf_print(opts->config, opts->overrides, opts->n_overrides, &err) > 0)
			return 0;
		fprintf(stderr, "postern-spf: %s\n", err);
		free(err);
		return 1;
	}
	int to_stderr = opts->foreground || mode == SPF_MODE_QUERY;
	log_init("spf", to_stderr ? LOG_DEST_STDERR : LOG_DEST_SYSLOG);
	log_set_verbose(opts->verbose);
	struct spf_conf *conf = NULL;
	if (spf_conf_load(opts->config, opts->overrides, opts->n_overrides, &conf, &err) < 0)
		log_fatal("%s", err);
	spf_engine_library_init();
	int status;
	if (mode == SPF_MODE_QUERY) {
		if (spf_sandbox_enter(NULL, &err) < 0)
			log_fatal("sandbox: %s", err);
		status = spf_oneshot_run(conf, stdin, stdout);
	} else {
		status = serve(conf, mode, opts->foreground);
	}
	spf_conf_free(&conf);
	return status;
}
