/* spf_server.h: the policy delegation service of postern-spf. One libevent
 * loop serves every connection (unix and inet listeners, persistent
 * connections with many requests each, or one stream on stdin/stdout for
 * Postfix's spawn); cached answers and skips are given on the loop, SPF
 * evaluations go to the worker pool (spf_pool.h) under a per-request
 * deadline (request_timeout, then timeout_action).
 *
 * Malformed input (a line without "=", an over-long line, binary garbage,
 * a request cut off by the end of the connection) is logged and the
 * connection is closed; a request without client_address gets DUNNO. Other
 * clients are not affected.
 *
 * Order of use (each step needs the one before, see daemon.h):
 * spf_server_new, spf_server_listen (as root), privilege drop and sandbox,
 * spf_server_run, spf_server_free.
 */
#ifndef POSTERN_SPF_SERVER_H
#define POSTERN_SPF_SERVER_H

#include "spf_conf.h"

struct spf_server;

/* spf_server_new: a server for conf (which must outlive it). Returns 1
 * with *srv_r, or -1 with *error_r. */
int spf_server_new(const struct spf_conf *conf, struct spf_server **srv_r, char **error_r);
/* spf_server_listen: open every socket of conf->sockets. 1, or -1 with
 * *error_r. */
int spf_server_listen(struct spf_server *srv, char **error_r);
/* spf_server_add_stream: serve one client reading in_fd and writing
 * out_fd (the same descriptor for a socket); the loop ends when that
 * client is done (spawn mode). */
void spf_server_add_stream(struct spf_server *srv, int in_fd, int out_fd);
/* spf_server_run: start the workers and run until SIGTERM/SIGINT (or the
 * stream's end); then finish the checks in hand. Returns 1, or -1 with
 * *error_r when the workers cannot start. Signal handling must have been
 * set up with daemon_signals_init(). */
int spf_server_run(struct spf_server *srv, char **error_r);
/* spf_server_free: release *sp and set it to NULL; accepts NULL. */
void spf_server_free(struct spf_server **sp);

#endif
