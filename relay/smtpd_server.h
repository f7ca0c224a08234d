/* smtpd_server.h: posternd's SMTP server: the listening sockets, the
 * worker threads that serve them, the queue they write into, and the
 * current configuration snapshot.
 *
 * Each worker thread runs its own libevent event_base and watches every
 * listening socket, so connections spread over the workers; a session
 * stays on the worker that accepted it. The queue committer (group commit,
 * queue_commit.h) reports back to each worker through its own mailbox.
 *
 * The main thread creates the server (binding the sockets, still root),
 * drops privileges, starts it, and then only handles signals:
 * smtpd_server_reload() swaps a new snapshot in for sessions that start
 * later; smtpd_server_stop() stops accepting, lets every message whose
 * commit is under way finish and get its reply, closes the other sessions
 * with a 421 reply, and returns when the workers have ended.
 */
#ifndef POSTERN_SMTPD_SERVER_H
#define POSTERN_SMTPD_SERVER_H

#include <stddef.h>

#include "relay_conf.h"

struct smtpd_server;

/* smtpd_server_new: bind every listener of conf (taking a reference to
 * conf). 1 with *srv_r, -1 with *error_r (nothing left open). */
int smtpd_server_new(struct relay_conf *conf, struct smtpd_server **srv_r, char **error_r);
/* smtpd_server_start: open the queue (after the privilege drop), recover
 * it, start the committer and nworkers worker threads (0: one per CPU).
 * 1 ok, -1 with *error_r. */
int smtpd_server_start(struct smtpd_server *srv, size_t nworkers, char **error_r);
/* smtpd_server_reload: use conf (a new reference is taken) for sessions
 * that start from now on. Listeners are kept: a listener added, removed
 * or moved in master.cf needs a restart (logged). Thread-safe. */
void smtpd_server_reload(struct smtpd_server *srv, struct relay_conf *conf);
/* smtpd_server_conf: a reference to the current snapshot (release with
 * relay_conf_unref). Thread-safe. */
struct relay_conf *smtpd_server_conf(struct smtpd_server *srv);
/* smtpd_server_stop: stop as described above; returns when every worker
 * has ended. */
void smtpd_server_stop(struct smtpd_server *srv);
/* smtpd_server_free: release *srvp (stopping it first if it runs);
 * accepts NULL; clears *srvp. */
void smtpd_server_free(struct smtpd_server **srvp);

/* smtpd_server_committer: the queue committer of a started server (owned
 * by it: valid until smtpd_server_free), for others to share its syncs. */
struct queue_committer *smtpd_server_committer(struct smtpd_server *srv);

#endif
