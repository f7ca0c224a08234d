/* milter_skel.c: the main program of every milter (see milter_skel.h):
 * command line and verbs, start-up in the order daemon.h gives, the
 * signal handling around libmilter, and reloads.
 *
 * libmilter runs a thread that waits for SIGHUP, SIGTERM and SIGINT and
 * stops the milter on any of them. To keep SIGHUP for reloads, libmilter
 * runs in a thread of its own that starts with all three blocked (so do
 * the threads it creates), and the main thread alone leaves them unblocked
 * with a handler: Linux gives a process-directed signal to the main thread
 * first when it does not block it. On SIGTERM or SIGINT the main thread
 * stops libmilter itself and wakes its listener with a connection of its
 * own (else libmilter notices the stop only at its next 5-second poll
 * timeout); then the messages in progress are given time to finish.
 */
#include "config.h"

#include "milter_skel_private.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "daemon.h"
#include "log.h"
#include "mem.h"
#include "sockspec.h"

/* Longest wait for messages in progress after SIGTERM. */
#define SKEL_STOP_SECONDS 30

static int skel_pipe[2] = {-1, -1};

static void skel_log_diags(const struct cfg_diags *diags, FILE *out)
{
	for (size_t i = 0; i < diags->n; i++) {
		char *line = cfg_diag_format(&diags->items[i]);
		if (out != NULL)
			fprintf(out, "%s\n", line);
		else if (diags->items[i].severity == CFG_ERROR)
			log_error("%s", line);
		else
			log_warn("%s", line);
		free(line);
	}
}

/* skel_load: load a snapshot, logging (out NULL) or printing every finding. */
static struct milter_skel_snap *skel_load(const struct milter_skel_def *def,
					  const struct cli_opts *opts, FILE *out)
{
	struct cfg_diags diags;
	struct milter_skel_snap *snap = NULL;
	char *error = NULL;

	cfg_diags_init(&diags);
	if (milter_skel_snap_load(def, opts->config, opts->overrides, opts->n_overrides, &diags,
				  &snap, &error) < 0)
		snap = NULL;
	skel_log_diags(&diags, out);
	cfg_diags_deinit(&diags);
	free(error);
	return snap;
}

/* skel_config: the "config" verb: [-d | -n] [name...]. */
static int skel_config(const struct milter_skel_def *def, const struct cli_opts *opts, int argc,
		       char **argv)
{
	enum milter_skel_print mode = MILTER_PRINT_ALL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-d") == 0)
			mode = MILTER_PRINT_DEFAULTS;
		else if (strcmp(argv[i], "-n") == 0)
			mode = MILTER_PRINT_SET;
		else {
			fprintf(stderr, "usage: postern-%s config [-d | -n] [name...]\n",
				def->name);
			return 2;
		}
	}
	struct milter_skel_section secs[MILTER_SKEL_SECTIONS];
	struct milter_skel_snap *snap = milter_skel_snap_new(def, secs);
	int rc = milter_skel_conf_print(stdout, opts->config, opts->overrides, opts->n_overrides,
					secs, MILTER_SKEL_SECTIONS, mode,
					i < argc ? argv + i : NULL);
	milter_skel_snap_unref(&snap);
	return rc;
}

static int skel_verb(const struct milter_skel_def *def, const struct cli_opts *opts, int argc,
		     char **argv)
{
	if (strcmp(argv[0], "check") == 0) {
		struct milter_skel_snap *snap = skel_load(def, opts, stderr);
		int rc = snap != NULL ? 0 : 1;
		milter_skel_snap_unref(&snap);
		return rc;
	}
	if (strcmp(argv[0], "config") == 0)
		return skel_config(def, opts, argc, argv);
	for (const struct milter_skel_verb *v = def->verbs; v != NULL && v->name != NULL; v++)
		if (strcmp(v->name, argv[0]) == 0)
			return v->fn(argc, argv);
	fprintf(stderr, "postern-%s: unknown verb \"%s\"\nverbs:\n", def->name, argv[0]);
	fprintf(stderr, "  %-8s %s\n", "check", "load the configuration, report every problem");
	fprintf(stderr, "  %-8s %s\n", "config", "print parameters like postconf [-d | -n]");
	for (const struct milter_skel_verb *v = def->verbs; v != NULL && v->name != NULL; v++)
		fprintf(stderr, "  %-8s %s\n", v->name, v->summary);
	return 2;
}

/* skel_reload: a new snapshot from the same file and overrides. */
static void skel_reload(const struct milter_skel_def *def, const struct cli_opts *opts)
{
	struct milter_skel_snap *snap = skel_load(def, opts, NULL);
	if (snap == NULL) {
		log_error("reload of %s failed: keeping the previous configuration", opts->config);
		return;
	}
	struct milter_skel_snap *old = milter_skel_snap_current();
	if (strcmp(old->skel.socket, snap->skel.socket) != 0 ||
	    strcmp(old->skel.user, snap->skel.user) != 0 ||
	    old->skel.socket_mode != snap->skel.socket_mode)
		log_warn("socket, socket_mode and user take effect at the next start");
	milter_skel_snap_unref(&old);
	milter_skel_snap_install(snap);
	log_info("reloaded %s", opts->config);
}

static void skel_on_signal(int sig)
{
	int saved = errno;
	char b = sig == SIGHUP ? 'h' : 't';
	ssize_t n = write(skel_pipe[1], &b, 1);
	(void)n;
	errno = saved;
}

/* skel_stopper: libmilter's stop waits for a lock its listener holds
 * while it polls, so it runs in a thread of its own while skel_poke()
 * wakes the listener. */
static void *skel_stopper(void *arg)
{
	smfi_stop();
	(void)arg;
	return NULL;
}

/* skel_poke: connect to our own socket and hang up, so that libmilter's
 * listener wakes up and sees the stop. */
static void skel_poke(void)
{
	struct milter_skel_snap *snap = milter_skel_snap_current();
	struct sockspec *spec = NULL;
	struct sockspec_addr *addrs = NULL;
	size_t n = 0;
	char *error = NULL;
	int fd;

	if (sockspec_parse(snap->skel.socket, SOCKSPEC_LISTEN, &spec, &error) > 0 &&
	    sockspec_resolve(spec, SOCKSPEC_RESOLVE, &addrs, &n, &error) > 0 &&
	    sockspec_connect_addr(&addrs[0], &fd, &error) >= 0) {
		struct pollfd pfd = {fd, POLLOUT, 0};
		poll(&pfd, 1, 100);
		close(fd);
	}
	free(error);
	free(addrs);
	sockspec_free(&spec);
	milter_skel_snap_unref(&snap);
}

static void *skel_runner(void *arg)
{
	char b = milter_skel_cb_run() > 0 ? 'q' : 'e';
	ssize_t n = write(skel_pipe[1], &b, 1);
	(void)n;
	(void)arg;
	return NULL;
}

/* skel_serve: run libmilter in its thread and serve reloads until it
 * stops. Returns 1 on a clean stop, -1 when libmilter failed. */
static int skel_serve(const struct milter_skel_def *def, const struct cli_opts *opts)
{
	sigset_t set;
	pthread_t runner;
	char b = 'e';

	if (pipe2(skel_pipe, O_CLOEXEC) < 0)
		log_fatal("pipe: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&runner, NULL, skel_runner, NULL) != 0)
		log_fatal("cannot start the milter thread");

	struct sigaction sa = {.sa_handler = skel_on_signal, .sa_flags = SA_NODEFER | SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	int stopping = 0;
	for (;;) {
		struct pollfd pfd = {skel_pipe[0], POLLIN, 0};
		if (stopping && poll(&pfd, 1, 100) == 0) {
			skel_poke();
			continue;
		}
		ssize_t n = read(skel_pipe[0], &b, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || b == 'q' || b == 'e')
			break;
		if (b == 'h') {
			skel_reload(def, opts);
		} else if (!stopping) {
			pthread_t stopper;
			stopping = pthread_create(&stopper, NULL, skel_stopper, NULL) == 0;
			if (stopping)
				pthread_detach(stopper);
			skel_poke();
		}
	}
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_join(runner, NULL);
	if (!milter_skel_cb_wait_idle(SKEL_STOP_SECONDS))
		log_warn("messages still in progress after %d s: stopping anyway",
			 SKEL_STOP_SECONDS);
	/* The last verdict is counted done before libmilter writes it out. */
	const struct timespec grace = {0, 200 * 1000 * 1000};
	nanosleep(&grace, NULL);
	close(skel_pipe[0]);
	close(skel_pipe[1]);
	return b == 'q' ? 1 : -1;
}

static int skel_daemon(const struct milter_skel_def *def, const struct cli_opts *opts)
{
	struct daemon_pidfile *pidfile = NULL;
	char *error = NULL;

	struct milter_skel_snap *snap = skel_load(def, opts, NULL);
	if (snap == NULL)
		log_fatal("%s: configuration errors, not starting", opts->config);
	milter_skel_snap_install(snap);
	snap = milter_skel_snap_current();
	const struct milter_skel_settings *s = &snap->skel;

	xdaemon_init(opts->foreground);
	if (*s->pid_file != '\0' && daemon_pidfile_open(s->pid_file, &pidfile, &error) <= 0)
		log_fatal("%s", error);
	if (milter_skel_cb_open(def, &error) < 0)
		log_fatal("%s", error);
	if (geteuid() == 0 && *s->user == '\0')
		log_warn("running as root: set \"user\" to an unprivileged account");
	else if (geteuid() == 0 && daemon_drop_privileges(s->user, &error) < 0)
		log_fatal("%s", error);
	daemon_detach_ready();
	if (!opts->foreground)
		log_init(def->name, LOG_DEST_SYSLOG);
	log_info("starting: socket=%s config=%s", s->socket, opts->config);
	milter_skel_snap_unref(&snap);

	int rc = skel_serve(def, opts);
	log_info(rc > 0 ? "stopped" : "stopped: libmilter failed");
	daemon_pidfile_close(&pidfile);
	milter_skel_snap_install(NULL);
	return rc > 0 ? 0 : 1;
}

int milter_skel_main(int argc, char **argv, const struct milter_skel_def *def)
{
	char *usage = xasprintf("usage: postern-%s [-c FILE] [-f] [-o name=value] [-v] [-V] "
				"[check | config [-d | -n] [name...] | VERB ...]",
				def->name);
	char *config = xasprintf("%s/postern-%s.conf", POSTERN_SYSCONFDIR, def->name);
	const struct cli_spec spec = {
		.usage = usage,
		.default_config = config,
		.versions = def->versions,
		.stop_at_verb = 1,
	};
	struct cli_opts opts = {0};
	int next = 1, rc;

	log_init(def->name, LOG_DEST_STDERR);
	cli_parse(argc, argv, &next, &spec, &opts);
	if (next < argc)
		rc = skel_verb(def, &opts, argc - next, argv + next);
	else
		rc = skel_daemon(def, &opts);
	cli_opts_deinit(&opts);
	free(config);
	free(usage);
	return rc;
}
