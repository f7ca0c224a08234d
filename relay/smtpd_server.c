/* smtpd_server.c: posternd's SMTP server: sockets, queue, committer,
 * anvil, worker threads and the current configuration snapshot (see
 * smtpd_server.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "smtpd_private.h"

/* File descriptors kept for everything but sessions (queue files being
 * written count separately: each session may hold one). */
#define SMTPD_SERVER_FD_RESERVE 64

/* smtpd_server_fd_limit: raise the open file limit to its hard limit and
 * derive how many sessions fit: each needs its socket and, during DATA,
 * a queue file. */
static long smtpd_server_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 100;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max == RLIM_INFINITY ? 65536 : rl.rlim_max;
		struct rlimit raised = {want, rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			rl.rlim_cur = want;
	}
	long fds = rl.rlim_cur == RLIM_INFINITY ? 65536 : (long)rl.rlim_cur;
	long limit = (fds - SMTPD_SERVER_FD_RESERVE) / 2;
	return limit > 1 ? limit : 1;
}

int smtpd_server_new(struct relay_conf *conf, struct smtpd_server **srv_r, char **error_r)
{
	struct smtpd_server *srv = xcalloc(1, sizeof(*srv));
	pthread_mutex_init(&srv->lock, NULL);
	srv->conf = relay_conf_ref(conf);
	if (smtpd_listen_open(conf, &srv->socks, &srv->n_socks, error_r) < 0) {
		smtpd_server_free(&srv);
		return -1;
	}
	srv->group_sessions = xcalloc(srv->n_socks, sizeof(*srv->group_sessions));
	for (size_t i = 0; i < srv->n_socks; i++)
		log_info("listening on %s for service %s", srv->socks[i].where,
			 srv->socks[i].service);
	srv->session_limit = smtpd_server_fd_limit();
	*srv_r = srv;
	return 1;
}

int smtpd_server_start(struct smtpd_server *srv, size_t nworkers, char **error_r)
{
	struct relay_conf *conf = smtpd_server_conf(srv);
	struct queue_recovery rec;
	struct queue_committer_settings set = {QUEUE_SYNC_SYNCFS, 0};
	int rc = queue_dir_open(conf->queue_directory, &srv->qd, error_r) > 0 &&
		 queue_dir_recover(srv->qd, &rec, error_r) > 0 &&
		 queue_committer_new(srv->qd, &set, &srv->committer, error_r) > 0;
	if (rc)
		srv->anvil = anvil_new(conf->anvil_rate_time_unit);
	relay_conf_unref(&conf);
	if (!rc)
		return -1;
	log_info("queue %s: %u incoming, %u deferred, %u on hold; %u unfinished removed, %u "
		 "requeued, %u corrupt",
		 queue_dir_path(srv->qd), rec.incoming, rec.deferred, rec.hold, rec.removed,
		 rec.requeued, rec.corrupt);
	if (nworkers == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		nworkers = cpus > 0 ? (size_t)cpus : 1;
	}
	srv->workers = xcalloc(nworkers, sizeof(*srv->workers));
	for (size_t i = 0; i < nworkers; i++)
		srv->workers[i] = smtpd_worker_new(srv, i);
	srv->n_workers = nworkers;
	for (size_t i = 0; i < nworkers; i++)
		if (smtpd_worker_start(srv->workers[i], error_r) < 0)
			return -1;
	return 1;
}

struct relay_conf *smtpd_server_conf(struct smtpd_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	struct relay_conf *conf = relay_conf_ref(srv->conf);
	pthread_mutex_unlock(&srv->lock);
	return conf;
}

/* smtpd_server_check_listeners: warn about listeners conf adds, which
 * need a restart. */
static void smtpd_server_check_listeners(struct smtpd_server *srv, const struct relay_conf *conf)
{
	for (size_t l = 0; l < conf->n_listeners; l++) {
		int found = 0;
		for (size_t i = 0; i < srv->n_socks && !found; i++)
			found = strcmp(srv->socks[i].service, conf->listeners[l]->service) == 0;
		if (!found)
			log_warn("service %s is new in master.cf: it listens after a restart",
				 conf->listeners[l]->service);
	}
}

void smtpd_server_reload(struct smtpd_server *srv, struct relay_conf *conf)
{
	smtpd_server_check_listeners(srv, conf);
	struct relay_conf *old;
	pthread_mutex_lock(&srv->lock);
	old = srv->conf;
	srv->conf = relay_conf_ref(conf);
	pthread_mutex_unlock(&srv->lock);
	relay_conf_unref(&old);
	log_info("reload -- configuration %s", conf->config_dir);
}

void smtpd_server_stop(struct smtpd_server *srv)
{
	for (size_t i = 0; i < srv->n_workers; i++)
		smtpd_worker_stop(srv->workers[i]);
	for (size_t i = 0; i < srv->n_workers; i++)
		smtpd_worker_free(&srv->workers[i]);
	srv->n_workers = 0;
}

void smtpd_server_free(struct smtpd_server **srvp)
{
	if (srvp == NULL || *srvp == NULL)
		return;
	struct smtpd_server *srv = *srvp;
	smtpd_server_stop(srv);
	free(srv->workers);
	queue_committer_free(&srv->committer);
	queue_dir_free(&srv->qd);
	anvil_free(&srv->anvil);
	smtpd_listen_close(&srv->socks, srv->n_socks);
	free(srv->group_sessions);
	relay_conf_unref(&srv->conf);
	pthread_mutex_destroy(&srv->lock);
	FREE_AND_NULL(*srvp);
}

struct queue_committer *smtpd_server_committer(struct smtpd_server *srv)
{
	return srv->committer;
}
