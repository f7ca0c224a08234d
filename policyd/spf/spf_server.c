/* spf_server.c: the listeners, the signals and the set of event loops of
 * postern-spf (see spf_server.h). Loop 0 runs on the calling thread and
 * owns the listening sockets and the signal pipe; it hands each accepted
 * connection to the loop serving the fewest (spf_loop_hand), itself
 * included. The other loops run on threads of their own. */
#include "config.h"

#include "spf_server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "daemon.h"
#include "log.h"
#include "mem.h"
#include "sockspec.h"
#include "spf_cache.h"
#include "spf_loop.h"
#include "spf_pool.h"

/* event_loops = 0: one loop per online CPU, at most this many. */
#define EVENT_LOOPS_AUTO_MAX 8

struct spf_server {
	const struct spf_conf *conf;
	struct spf_loop **loops; /* loops[0] runs on the caller's thread */
	size_t n_loops;
	pthread_t *threads; /* of loops 1..n_loops-1 */
	size_t n_threads;
	struct evconnlistener **listeners;
	size_t n_listeners;
	struct spf_pool *pool;
	struct spf_cache *cache;     /* answers to requests */
	struct spf_cache *dns_cache; /* DNS answers, shared by every engine */
	struct event *signal_ev;
	int has_stream;
};

/* loop_for_connection: the loop with the fewest connections (the first
 * of them on a tie). */
static struct spf_loop *loop_for_connection(struct spf_server *srv)
{
	struct spf_loop *best = srv->loops[0];
	size_t best_load = spf_loop_load(best);
	for (size_t i = 1; i < srv->n_loops; i++) {
		size_t load = spf_loop_load(srv->loops[i]);
		if (load < best_load) {
			best = srv->loops[i];
			best_load = load;
		}
	}
	return best;
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int len, void *arg)
{
	struct spf_server *srv = arg;
	char peer[SOCKSPEC_ADDRSTRLEN];
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_closeonexec(fd);
	if (sa->sa_family == AF_UNIX)
		snprintf(peer, sizeof(peer), "unix[%d]", (int)fd);
	else
		sockspec_format_sockaddr(sa, (socklen_t)len, peer, sizeof(peer));
	spf_loop_hand(loop_for_connection(srv), fd, peer);
}

void spf_server_add_stream(struct spf_server *srv, int in_fd, int out_fd)
{
	spf_loop_add_stream(srv->loops[0], in_fd, out_fd);
	srv->has_stream = 1;
}

static void signal_cb(evutil_socket_t fd, short what, void *arg)
{
	struct spf_server *srv = arg;
	unsigned int ev = daemon_signals_take();
	if (ev & DAEMON_EV_STOP) {
		log_info("stopping");
		for (size_t i = 0; i < srv->n_listeners; i++)
			evconnlistener_disable(srv->listeners[i]);
		for (size_t i = 0; i < srv->n_loops; i++)
			spf_loop_stop(srv->loops[i]);
	}
	if (ev & DAEMON_EV_RELOAD)
		log_info("SIGHUP: tables reload themselves when their files change; restart "
			 "postern-spf for other configuration changes");
}

/* loops_wanted: how many loops conf asks for. */
static size_t loops_wanted(const struct spf_conf *conf)
{
	if (conf->event_loops > 0)
		return (size_t)conf->event_loops;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus < EVENT_LOOPS_AUTO_MAX ? (size_t)cpus : EVENT_LOOPS_AUTO_MAX;
}

static int add_loop(struct spf_server *srv, char **error_r)
{
	struct spf_loop *loop;
	if (spf_loop_new(srv->conf, srv->n_loops, srv->cache, srv->dns_cache, &loop, error_r) < 0)
		return -1;
	srv->loops = xreallocarray(srv->loops, srv->n_loops + 1, sizeof(*srv->loops));
	srv->loops[srv->n_loops++] = loop;
	return 1;
}

int spf_server_new(const struct spf_conf *conf, struct spf_server **srv_r, char **error_r)
{
	struct spf_server *srv = xcalloc(1, sizeof(*srv));
	srv->conf = conf;
	srv->cache = spf_cache_new((size_t)conf->cache_size, (time_t)conf->cache_ttl);
	srv->dns_cache =
		spf_cache_new((size_t)conf->dns_cache_size, (time_t)conf->dns_cache_max_ttl);
	if (add_loop(srv, error_r) < 0) {
		spf_server_free(&srv);
		return -1;
	}
	*srv_r = srv;
	return 1;
}

int spf_server_listen(struct spf_server *srv, char **error_r)
{
	struct event_base *base = spf_loop_base(srv->loops[0]);
	for (char **s = srv->conf->sockets; *s != NULL; s++) {
		struct sockspec *spec = NULL;
		int *fds = NULL;
		size_t n = 0;
		if (sockspec_parse(*s, SOCKSPEC_LISTEN, &spec, error_r) < 0)
			return -1;
		int rc = sockspec_listen(spec, SOCKSPEC_LISTEN | SOCKSPEC_RESOLVE, 256, 0666, &fds,
					 &n, error_r);
		sockspec_free(&spec);
		if (rc < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			srv->listeners = xreallocarray(srv->listeners, srv->n_listeners + 1,
						       sizeof(*srv->listeners));
			srv->listeners[srv->n_listeners++] = evconnlistener_new(
				base, accept_cb, srv, LEV_OPT_CLOSE_ON_FREE, -1, fds[i]);
		}
		free(fds);
		log_info("listening on %s", *s);
	}
	return 1;
}

struct loop_thread {
	struct spf_loop *loop;
	struct spf_pool *pool;
};

static void *loop_thread(void *arg)
{
	struct loop_thread *t = arg;
	spf_loop_run(t->loop, t->pool);
	free(t);
	return NULL;
}

/* start_loops: the loops past the first, each on its own thread. */
static int start_loops(struct spf_server *srv, char **error_r)
{
	size_t want = srv->has_stream ? 1 : loops_wanted(srv->conf);
	while (srv->n_loops < want)
		if (add_loop(srv, error_r) < 0)
			return -1;
	srv->threads = xcalloc(srv->n_loops, sizeof(*srv->threads));
	for (size_t i = 1; i < srv->n_loops; i++) {
		struct loop_thread *t = xmalloc(sizeof(*t));
		t->loop = srv->loops[i];
		t->pool = srv->pool;
		int rc = pthread_create(&srv->threads[srv->n_threads], NULL, loop_thread, t);
		if (rc != 0) {
			free(t);
			*error_r = xasprintf("pthread_create: %s", strerror(rc));
			return -1;
		}
		srv->n_threads++;
	}
	return 1;
}

/* join_loops: stop the loops started (on an error) or wait for them. */
static void join_loops(struct spf_server *srv, int stop)
{
	for (size_t i = 0; i < srv->n_threads; i++) {
		if (stop)
			spf_loop_stop(srv->loops[i + 1]);
		pthread_join(srv->threads[i], NULL);
	}
	srv->n_threads = 0;
}

int spf_server_run(struct spf_server *srv, char **error_r)
{
	if (spf_pool_new((size_t)srv->conf->workers, srv->conf->receiver, srv->dns_cache,
			 spf_loop_work, NULL, &srv->pool, error_r) < 0)
		return -1;
	if (start_loops(srv, error_r) < 0) {
		join_loops(srv, 1);
		return -1;
	}
	log_info("serving with %zu event loop%s", srv->n_loops, srv->n_loops == 1 ? "" : "s");
	if (daemon_signals_fd() >= 0) {
		srv->signal_ev = event_new(spf_loop_base(srv->loops[0]), daemon_signals_fd(),
					   EV_READ | EV_PERSIST, signal_cb, srv);
		event_add(srv->signal_ev, NULL);
	}
	spf_loop_run(srv->loops[0], srv->pool);
	join_loops(srv, 0);
	return 1;
}

void spf_server_free(struct spf_server **sp)
{
	struct spf_server *srv = *sp;
	if (srv == NULL)
		return;
	join_loops(srv, 1);
	/* connections first: the checks still with the workers then answer
	 * no one, and the workers' last letters wait in the mailboxes */
	for (size_t i = 0; i < srv->n_loops; i++)
		spf_loop_close(srv->loops[i]);
	if (srv->pool != NULL) {
		spf_pool_stop(srv->pool);
		void *job;
		while ((job = spf_pool_take_unstarted(srv->pool)) != NULL)
			spf_loop_job_drop(job);
		spf_pool_free(&srv->pool);
	}
	for (size_t i = 0; i < srv->n_listeners; i++)
		evconnlistener_free(srv->listeners[i]);
	free(srv->listeners);
	if (srv->signal_ev != NULL)
		event_free(srv->signal_ev);
	for (size_t i = 0; i < srv->n_loops; i++)
		spf_loop_free(&srv->loops[i]);
	free(srv->loops);
	free(srv->threads);
	spf_cache_free(&srv->cache);
	spf_cache_free(&srv->dns_cache);
	FREE_AND_NULL(*sp);
}
