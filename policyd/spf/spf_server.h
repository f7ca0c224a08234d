/* spf_server.h: the policy delegation service of postern-spf: unix and
 * inet listeners whose connections (persistent, with many requests each)
 * are spread over event_loops libevent loops, one thread each
 * (spf_loop.h), or one stream on stdin/stdout for Postfix's spawn, served
 * by a single loop. Evaluations a loop cannot finish itself go to the
 * worker pool (spf_pool.h).
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
/* spf_server_run: start the workers and the loops past the first, run
 * loop 0 on the calling thread until SIGTERM/SIGINT (or the stream's end);
 * then every loop finishes its checks in hand. Returns 1, or -1 with
 * *error_r when a worker or a loop cannot start. Signal handling must have been
 * set up with daemon_signals_init(). */
int spf_server_run(struct spf_server *srv, char **error_r);
/* spf_server_free: release *sp and set it to NULL; accepts NULL. */
void spf_server_free(struct spf_server **sp);

#endif
