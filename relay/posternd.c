/* posternd.c: the Postern relay daemon: reads the configuration, binds
 * the SMTP listeners as root, drops to mail_owner, serves SMTP on worker
 * threads into the durable queue, and handles signals (SIGHUP reloads,
 * SIGTERM finishes the work in hand and exits).
 *
 *   posternd [-c DIR] [-f] [-o name=value] [-v] [-V]
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <malloc.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "mem.h"
#include "pickup.h"
#include "queue.h"
#include "relay_conf.h"
#include "scheduler.h"
#include "smtpd_server.h"

#define POSTERND_USAGE "usage: posternd [-c DIR] [-f] [-o name=value] [-v] [-V]"

struct posternd {
	struct cli_opts opts;
	struct relay_conf *conf;
	struct smtpd_server *srv;
	struct sched *sched;
	struct pickup *pickup;
	struct daemon_pidfile *pidfile;
	int stop;
};

static void posternd_versions(void)
{
	printf("  libevent %s\n", event_get_version());
}

/* posternd_owner: the uid and gid of mail_owner. */
static void posternd_owner(const char *user, uid_t *uid_r, gid_t *gid_r)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &found) != 0 || found == NULL)
		log_fatal("mail_owner: unknown user \"%s\"", user);
	*uid_r = pw.pw_uid;
	*gid_r = pw.pw_gid;
}

/* posternd_privileges: become mail_owner (when started as root). */
static void posternd_privileges(const struct relay_conf *conf)
{
	char *error = NULL;
	if (getuid() != 0 && geteuid() != 0) {
		log_info("not started as root: running as uid %u, mail_owner is not used",
			 (unsigned)getuid());
		return;
	}
	if (daemon_drop_privileges(conf->mail_owner, &error) < 0)
		log_fatal("mail_owner %s: %s", conf->mail_owner, error);
#ifdef __SANITIZE_ADDRESS__
	/* The sanitizer build's leak check at exit needs to ptrace the
	 * process, which the change of user forbids; production builds keep
	 * the kernel's protection. */
	prctl(PR_SET_DUMPABLE, 1);
#endif
}

/* posternd_setup_queue: create the queue directory for mail_owner (as
 * root), or check that we can use it. */
static void posternd_setup_queue(const struct relay_conf *conf)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char *error = NULL;
	if (uid == 0)
		posternd_owner(conf->mail_owner, &uid, &gid);
	if (queue_dir_setup(conf->queue_directory, uid, gid, &error) < 0)
		log_fatal("queue_directory: %s", error);
}

static void posternd_reload(void *ctx)
{
	struct posternd *d = ctx;
	struct relay_conf *conf = NULL;
	char *error = NULL;
	if (relay_conf_load(d->opts.config, d->opts.overrides, d->opts.n_overrides, &conf, &error) <
	    0) {
		log_error("reload: %s; keeping the configuration in use", error);
		free(error);
		return;
	}
	smtpd_server_reload(d->srv, conf);
	relay_conf_unref(&d->conf);
	d->conf = conf;
}

static void posternd_stop(void *ctx)
{
	struct posternd *d = ctx;
	d->stop = 1;
}

/* posternd_run: wait for signals until one says stop. */
static void posternd_run(struct posternd *d)
{
	const struct daemon_signal_handlers h = {posternd_reload, posternd_stop, NULL};
	struct pollfd pfd = {daemon_signals_fd(), POLLIN, 0};
	while (!d->stop) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			log_fatal("poll: %s", strerror(errno));
		daemon_signals_dispatch(&h, d);
	}
}

/* posternd_keep_heap: every message passes through buffers of up to its
 * size (the queue file's write buffer, its image when a delivery reads it,
 * the dot-stuffed output), allocated and freed on several threads. With
 * glibc's defaults each free of a 100 KB buffer gives the pages back to the
 * kernel (munmap, or madvise and a TLB flush on every core), and the next
 * message faults them in again: a fifth of the CPU time at 50 sessions of
 * 100 KB. Freed memory below these bounds stays in the heap for reuse. */
static void posternd_keep_heap(void)
{
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
}

int main(int argc, char **argv)
{
	struct posternd d = {0};
	const struct cli_spec spec = {
		.usage = POSTERND_USAGE,
		.default_config = POSTERN_SYSCONFDIR,
		.versions = posternd_versions,
	};
	int next = 1;
	char *error = NULL;

	posternd_keep_heap();
	log_init("smtpd", LOG_DEST_STDERR);
	cli_parse(argc, argv, &next, &spec, &d.opts);
	if (next < argc) {
		fprintf(stderr, "%s\n", POSTERND_USAGE);
		return 2;
	}
	log_set_verbose(d.opts.verbose);
	if (evthread_use_pthreads() < 0)
		log_fatal("libevent: no thread support");
	if (relay_conf_load(d.opts.config, d.opts.overrides, d.opts.n_overrides, &d.conf, &error) <
	    0)
		log_fatal("%s", error);

	xdaemon_init(d.opts.foreground);
	posternd_setup_queue(d.conf);
	char *pidpath = xasprintf("%s/posternd.pid", d.conf->queue_directory);
	int rc = daemon_pidfile_open(pidpath, &d.pidfile, &error);
	free(pidpath);
	if (rc <= 0)
		log_fatal("%s", error);
	if (daemon_signals_init(&error) < 0)
		log_fatal("%s", error);
	if (smtpd_server_new(d.conf, &d.srv, &error) < 0)
		log_fatal("%s", error);
	posternd_privileges(d.conf);
	if (smtpd_server_start(d.srv, 0, &error) < 0)
		log_fatal("%s", error);
	if (sched_new(d.conf, smtpd_server_committer(d.srv), &d.sched, &error) < 0)
		log_fatal("%s", error);
	if (pickup_new(d.conf, &d.pickup, &error) < 0)
		log_fatal("%s", error);
	daemon_detach_ready();
	if (!d.opts.foreground)
		log_init("smtpd", LOG_DEST_SYSLOG);
	log_info("daemon started -- version %s, configuration %s", PACKAGE_VERSION,
		 d.conf->config_dir);

	posternd_run(&d);

	log_info("terminating on signal");
	pickup_free(&d.pickup);
	sched_free(&d.sched);
	smtpd_server_free(&d.srv);
	daemon_pidfile_close(&d.pidfile);
	daemon_signals_deinit();
	relay_conf_unref(&d.conf);
	cli_opts_deinit(&d.opts);
	libevent_global_shutdown();
	return 0;
}
