/* spf_server.c: connections, requests and answers on the event loop (see
 * spf_server.h). A connection has at most one request in evaluation;
 * while it has one, further input is only buffered, up to INPUT_MAX, and
 * then not read (Postfix waits for each answer anyway), so a client cannot
 * queue unbounded work. Input is read with read() into the connection's
 * own buffer (a bufferevent would ask the kernel how much is readable and
 * allocate a buffer chain before each read); answers go out through a
 * bufferevent, written at once when nothing else waits to go out: per
 * request the loop makes one read and one write, and no epoll changes.
 *
 * A request the result cache does not answer is evaluated on the loop
 * first, offline (spf_dns.h): with the DNS answers already cached or
 * fetched for it. When an answer is missing the loop fetches it without
 * blocking (spf_dns_async.h) and evaluates again when it arrives, up to
 * FETCH_MAX times; a query the loop cannot answer that way (a timeout,
 * SERVFAIL, TCP) or a request that needs more sends the request to a
 * worker, which evaluates it with blocking lookups and the answers
 * fetched so far. The loop runs in the same sandboxed, unprivileged
 * process as the workers (spf_sandbox.h covers every thread). */
#include "config.h"

#include "spf_server.h"

#include <errno.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "buf.h"
#include "daemon.h"
#include "log.h"
#include "mem.h"
#include "policy_proto.h"
#include "sockspec.h"
#include "spf_cache.h"
#include "spf_dns.h"
#include "spf_dns_async.h"
#include "spf_policy.h"
#include "spf_pool.h"

struct conn;

struct job {
	struct conn *conn; /* NULL once the connection no longer waits */
	struct spf_server *srv;
	const struct spf_conf *conf;
	struct spf_cache *cache;
	struct spf_cache *answers; /* the DNS answers fetched for this request */
	unsigned fetches;	   /* queries sent from the loop */
	struct policy_attrs *req;
	char *key;
	char *action;
	char *log;
};

struct conn {
	struct spf_server *srv;
	struct conn *prev, *next;
	int in_fd;
	struct event *read_ev;
	int reading;		/* read_ev is added */
	unsigned char *in;	/* input not parsed yet (while a request is in hand) */
	size_t in_len, in_size; /* in_size grows up to INPUT_MAX */
	struct bufferevent *out;
	struct policy_parser *parser;
	struct job *pending;
	struct event *deadline;
	char *instance;	       /* the message last checked */
	char *instance_action; /* and what it was answered */
	char peer[SOCKSPEC_ADDRSTRLEN + 16];
	int eof;    /* no more input: free once answered and flushed */
	int stream; /* the spawn-mode client */
};

struct spf_server {
	const struct spf_conf *conf;
	struct event_base *base;
	struct evconnlistener **listeners;
	size_t n_listeners;
	struct spf_pool *pool;
	struct spf_engine *engine;   /* the loop's own, for offline evaluations */
	struct spf_dns_async *dns;   /* NULL: the loop sends no queries */
	struct spf_cache *cache;     /* answers to requests */
	struct spf_cache *dns_cache; /* DNS answers, shared by the workers */
	struct event *done_ev, *signal_ev;
	struct conn *conns;
	int stopping;
	int has_stream;
};

/* Input buffered beyond this is left in the socket until the buffer
 * drains (a pipelining client; Postfix never sends the next request
 * before the answer). */
#define INPUT_MAX (2 * POLICY_MAX_SIZE_DEFAULT)
#define INPUT_FIRST 4096 /* the input buffer's first size */

/* DNS queries the loop sends for one request before it hands the request
 * to a worker: each answer means one more evaluation of the request. */
#define FETCH_MAX 8

static void conn_process(struct conn *c);
static void conn_resume(struct conn *c);
static void conn_finish(struct conn *c, const struct policy_attrs *req, const char *action);
static void log_request(const struct conn *c, const struct policy_attrs *req, const char *action,
			const char *why);
static void server_check_stop(struct spf_server *srv);

/* ---- jobs ---- */

static void job_free(struct job *j)
{
	policy_attrs_free(&j->req);
	spf_cache_free(&j->answers);
	free(j->key);
	free(j->action);
	free(j->log);
	free(j);
}

static int is_defer(const char *action)
{
	return action[0] == '4' || strncasecmp(action, "DEFER", 5) == 0;
}

/* job_result: j has its action; remember it (temporary failures are
 * asked again next time). */
static void job_result(struct job *j)
{
	if (!is_defer(j->action))
		spf_cache_put(j->cache, j->key, j->action, time(NULL));
}

/* job_work: on a worker thread. */
static void job_work(struct spf_engine *engine, void *arg, void *ctx)
{
	struct job *j = arg;
	spf_engine_set_answers(engine, j->answers, 0);
	j->action = spf_policy_evaluate(j->conf, engine, j->req, &j->log);
	spf_engine_set_answers(engine, NULL, 0);
	job_result(j);
}

/* job_answer: answer j's connection, if it still waits, and free j. */
static void job_answer(struct job *j)
{
	struct conn *c = j->conn;
	if (c != NULL) {
		c->pending = NULL;
		evtimer_del(c->deadline);
		log_request(c, j->req, j->action, j->log);
		conn_finish(c, j->req, j->action);
	}
	job_free(j);
}

static void job_fetched(void *arg, const char *domain, int type, const unsigned char *answer,
			int len);

/* job_step: evaluate j on the loop, offline. Returns 1 when j is
 * answered (and freed), 0 when it waits for a DNS answer or a worker. */
static int job_step(struct spf_server *srv, struct job *j)
{
	char *action, *log = NULL;
	int type, sent = 0;
	spf_engine_set_answers(srv->engine, j->answers, 1);
	action = spf_policy_evaluate(j->conf, srv->engine, j->req, &log);
	const char *missing = spf_engine_missing(srv->engine, &type);
	if (missing == NULL) {
		spf_engine_set_answers(srv->engine, NULL, 0);
		j->action = action;
		j->log = log;
		job_result(j);
		job_answer(j);
		return 1;
	}
	free(action);
	free(log);
	if (srv->dns != NULL && j->fetches < FETCH_MAX &&
	    spf_dns_async_query(srv->dns, missing, type, job_fetched, j) > 0) {
		j->fetches++;
		sent = 1;
	}
	spf_engine_set_answers(srv->engine, NULL, 0);
	if (!sent)
		spf_pool_submit(srv->pool, j);
	return 0;
}

/* job_fetched: an answer the loop asked for j arrived (or did not). */
static void job_fetched(void *arg, const char *domain, int type, const unsigned char *answer,
			int len)
{
	struct job *j = arg;
	struct spf_server *srv = j->srv;
	struct conn *c = j->conn;
	if (len == SPF_DNS_ASYNC_CANCELLED || c == NULL) {
		if (c != NULL)
			c->pending = NULL;
		job_free(j);
		return;
	}
	if (len == SPF_DNS_ASYNC_NONE) {
		spf_pool_submit(srv->pool, j);
		return;
	}
	spf_engine_set_answers(srv->engine, j->answers, 1);
	spf_engine_add_answer(srv->engine, domain, type, answer, len);
	if (job_step(srv, j)) {
		conn_resume(c);
		server_check_stop(srv);
	}
}

/* ---- connections ---- */

static void conn_free(struct conn *c)
{
	struct spf_server *srv = c->srv;
	if (c->pending != NULL)
		c->pending->conn = NULL;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->deadline != NULL)
		event_free(c->deadline);
	event_free(c->read_ev);
	if (c->in_fd != bufferevent_getfd(c->out))
		close(c->in_fd);
	bufferevent_free(c->out);
	free(c->in);
	policy_parser_free(&c->parser);
	free(c->instance);
	free(c->instance_action);
	if (c->stream)
		event_base_loopexit(srv->base, NULL);
	free(c);
}

static int conn_idle(const struct conn *c)
{
	return c->pending == NULL && evbuffer_get_length(bufferevent_get_output(c->out)) == 0;
}

/* server_check_stop: when stopping, end the loop once no check is in hand. */
static void server_check_stop(struct spf_server *srv)
{
	if (!srv->stopping)
		return;
	for (struct conn *c = srv->conns; c != NULL; c = c->next)
		if (!conn_idle(c))
			return;
	event_base_loopexit(srv->base, NULL);
}

/* conn_write: send data, at once when nothing is queued before it (no
 * write event to arm and disarm); what the socket does not take goes to
 * the bufferevent. */
static void conn_write(struct conn *c, const char *data, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->out);
	if (evbuffer_get_length(out) == 0) {
		ssize_t n = write(bufferevent_getfd(c->out), data, len);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		}
		/* on an error the bufferevent's write reports it */
	}
	if (len > 0)
		bufferevent_write(c->out, data, len);
}

static void conn_answer(struct conn *c, const char *action)
{
	struct buf b;
	char *err = NULL;
	buf_init(&b, 0);
	if (policy_reply_encode(&b, action, &err) < 0) {
		log_error("%s: cannot encode action \"%s\": %s", c->peer, action, err);
		free(err);
		buf_reset(&b);
		policy_reply_encode(&b, "DUNNO", &err);
	}
	conn_write(c, buf_cstr(&b), buf_len(&b));
	buf_deinit(&b);
}

/* conn_finish: answer the request attrs with action and remember it for
 * the message (instance). */
static void conn_finish(struct conn *c, const struct policy_attrs *req, const char *action)
{
	const char *instance = policy_attrs_get(req, "instance");
	if (instance != NULL && *instance != '\0') {
		free(c->instance);
		free(c->instance_action);
		c->instance = xstrdup(instance);
		c->instance_action = xstrdup(action);
	}
	conn_answer(c, action);
}

static void conn_resume(struct conn *c)
{
	if (c->eof) {
		if (conn_idle(c))
			conn_free(c);
		return;
	}
	conn_process(c);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct spf_server *srv = c->srv;
	struct job *j = c->pending;
	log_warn("%s: client=%s: no SPF result within %llds: %s", c->peer,
		 policy_attrs_get(j->req, "client_address"), c->srv->conf->request_timeout,
		 c->srv->conf->timeout_action);
	j->conn = NULL;
	c->pending = NULL;
	conn_finish(c, j->req, c->srv->conf->timeout_action);
	conn_resume(c);
	server_check_stop(srv);
}

static void log_request(const struct conn *c, const struct policy_attrs *req, const char *action,
			const char *why)
{
	const char *q = policy_attrs_get(req, "queue_id");
	log_info("%s%sclient=%s helo=%s sender=<%s>: %s; action=%s", q && *q ? q : "",
		 q && *q ? ": " : "", policy_attrs_get(req, "client_address"),
		 policy_attrs_get(req, "helo_name") ? policy_attrs_get(req, "helo_name") : "",
		 policy_attrs_get(req, "sender") ? policy_attrs_get(req, "sender") : "", why,
		 action);
}

/* conn_request: one complete request; takes attrs. */
static void conn_request(struct conn *c, struct policy_attrs *req)
{
	struct spf_server *srv = c->srv;
	const char *instance = policy_attrs_get(req, "instance");
	char *action = NULL, *why = NULL;
	if (policy_attrs_get(req, "client_address") == NULL) {
		log_warn("%s: request without client_address: DUNNO", c->peer);
		conn_answer(c, "DUNNO");
		goto done;
	}
	if (instance != NULL && *instance != '\0' && c->instance != NULL &&
	    strcmp(instance, c->instance) == 0) {
		/* One check per message: a later recipient gets the same
		 * refusal, and no second header. */
		conn_answer(c, strncasecmp(c->instance_action, "PREPEND", 7) == 0 ? "DUNNO"
										  : c->instance_action);
		goto done;
	}
	int rc = spf_policy_skip(srv->conf, req, &action, &why);
	if (rc != 0) {
		if (rc < 0) {
			log_warn("%s: lookup table failed: %s", c->peer, why);
			action = xstrdup("DEFER_IF_PERMIT 4.3.0 temporary lookup failure");
		}
		log_request(c, req, action, why);
		conn_finish(c, req, action);
		goto done;
	}
	char *key = spf_policy_cache_key(req);
	if (spf_cache_get(srv->cache, key, time(NULL), &action)) {
		free(key);
		log_request(c, req, action, "cached");
		conn_finish(c, req, action);
		goto done;
	}
	struct job *j = xcalloc(1, sizeof(*j));
	j->conn = c;
	j->srv = srv;
	j->conf = srv->conf;
	j->cache = srv->cache;
	j->answers = spf_dns_answers_new();
	j->req = req;
	j->key = key;
	c->pending = j;
	struct timeval tv = {.tv_sec = (time_t)srv->conf->request_timeout};
	evtimer_add(c->deadline, &tv);
	/* answered at once, the connection's next request is read by the
	 * caller's loop (conn_process) */
	job_step(srv, j);
	return;
done:
	free(action);
	free(why);
	policy_attrs_free(&req);
}

/* conn_watch_input: read while there is room for input. */
static void conn_watch_input(struct conn *c)
{
	int want = !c->eof && c->in_len < INPUT_MAX;
	if (want == c->reading)
		return;
	if (want)
		event_add(c->read_ev, NULL);
	else
		event_del(c->read_ev);
	c->reading = want;
}

/* conn_process: parse what has arrived, while no request is in hand. */
static void conn_process(struct conn *c)
{
	while (c->pending == NULL && c->in_len > 0) {
		size_t consumed = 0;
		struct policy_attrs *req = NULL;
		char *err = NULL;
		int rc = policy_parser_feed(c->parser, c->in, c->in_len, &consumed, &req, &err);
		c->in_len -= consumed;
		memmove(c->in, c->in + consumed, c->in_len);
		if (rc < 0) {
			log_warn("%s: malformed request, closing the connection: %s", c->peer, err);
			free(err);
			conn_free(c);
			return;
		}
		if (rc == 0)
			break;
		conn_request(c, req);
	}
	conn_watch_input(c);
}

/* conn_input_end: no more input (end of file, or error). */
static void conn_input_end(struct conn *c, int error)
{
	if (error)
		log_debug(1, "%s: connection error: %s", c->peer, strerror(errno));
	if (policy_parser_pending(c->parser))
		log_warn("%s: connection closed in the middle of a request", c->peer);
	c->eof = 1;
	if (error || (c->pending == NULL && conn_idle(c)))
		conn_free(c);
	else
		conn_watch_input(c);
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	if (c->in_len == c->in_size) {
		c->in_size = c->in_size * 2 < INPUT_MAX ? c->in_size * 2 : INPUT_MAX;
		c->in = xrealloc(c->in, c->in_size);
	}
	ssize_t n = read(fd, c->in + c->in_len, c->in_size - c->in_len);
	if (n > 0) {
		c->in_len += (size_t)n;
		conn_process(c);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		conn_input_end(c, n < 0);
	}
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	if (c->eof && conn_idle(c)) {
		conn_free(c);
		return;
	}
	server_check_stop(c->srv);
}

/* event_cb: the output's errors (the peer went away). */
static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_input_end(arg, 1);
}

static struct conn *conn_new(struct spf_server *srv, int in_fd, int out_fd, const char *peer)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->in_fd = in_fd;
	c->in_size = INPUT_FIRST;
	c->in = xmalloc(c->in_size);
	c->read_ev = event_new(srv->base, in_fd, EV_READ | EV_PERSIST, read_cb, c);
	c->out = bufferevent_socket_new(srv->base, out_fd, BEV_OPT_CLOSE_ON_FREE);
	c->parser = policy_parser_new(POLICY_REQUEST, NULL);
	c->deadline = evtimer_new(srv->base, deadline_cb, c);
	bufferevent_setcb(c->out, NULL, write_cb, event_cb, c);
	bufferevent_enable(c->out, EV_WRITE);
	conn_watch_input(c);
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	return c;
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
	conn_new(srv, fd, fd, peer);
}

void spf_server_add_stream(struct spf_server *srv, int in_fd, int out_fd)
{
	evutil_make_socket_nonblocking(in_fd);
	if (out_fd != in_fd)
		evutil_make_socket_nonblocking(out_fd);
	struct conn *c = conn_new(srv, in_fd, out_fd, "stdin");
	c->stream = 1;
	srv->has_stream = 1;
}

/* ---- the server ---- */

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct spf_server *srv = arg;
	struct job *j;
	while ((j = spf_pool_take_done(srv->pool)) != NULL) {
		struct conn *c = j->conn;
		job_answer(j);
		if (c != NULL)
			conn_resume(c);
	}
	server_check_stop(srv);
}

static void signal_cb(evutil_socket_t fd, short what, void *arg)
{
	struct spf_server *srv = arg;
	unsigned int ev = daemon_signals_take();
	if (ev & DAEMON_EV_STOP) {
		log_info("stopping");
		srv->stopping = 1;
		for (size_t i = 0; i < srv->n_listeners; i++)
			evconnlistener_disable(srv->listeners[i]);
		/* idle connections go now; busy ones when answered */
		struct conn *c = srv->conns, *next;
		for (; c != NULL; c = next) {
			next = c->next;
			if (conn_idle(c))
				conn_free(c);
			else
				c->eof = 1;
		}
		/* busy connections keep the loop until answered (or timed out) */
		struct timeval limit = {.tv_sec = (time_t)srv->conf->request_timeout + 1};
		event_base_loopexit(srv->base, srv->conns != NULL ? &limit : NULL);
	}
	if (ev & DAEMON_EV_RELOAD)
		log_info("SIGHUP: tables reload themselves when their files change; restart "
			 "postern-spf for other configuration changes");
}

int spf_server_new(const struct spf_conf *conf, struct spf_server **srv_r, char **error_r)
{
	struct spf_server *srv = xcalloc(1, sizeof(*srv));
	srv->conf = conf;
	srv->base = event_base_new();
	if (srv->base == NULL) {
		free(srv);
		*error_r = xstrdup("libevent: cannot create an event base");
		return -1;
	}
	srv->cache = spf_cache_new((size_t)conf->cache_size, (time_t)conf->cache_ttl);
	srv->dns_cache =
		spf_cache_new((size_t)conf->dns_cache_size, (time_t)conf->dns_cache_max_ttl);
	*srv_r = srv;
	return 1;
}

int spf_server_listen(struct spf_server *srv, char **error_r)
{
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
				srv->base, accept_cb, srv, LEV_OPT_CLOSE_ON_FREE, -1, fds[i]);
		}
		free(fds);
		log_info("listening on %s", *s);
	}
	return 1;
}

int spf_server_run(struct spf_server *srv, char **error_r)
{
	if (spf_pool_new((size_t)srv->conf->workers, srv->conf->receiver, srv->dns_cache,
			 job_work, NULL, &srv->pool, error_r) < 0 ||
	    spf_engine_new(srv->conf->receiver, srv->dns_cache, &srv->engine, error_r) < 0)
		return -1;
	srv->dns = spf_dns_async_new(srv->base);
	if (srv->dns == NULL)
		log_info("DNS queries from the event loop unavailable (resolv.conf's first "
			 "server); evaluations that need DNS go to the workers");
	srv->done_ev = event_new(srv->base, spf_pool_done_fd(srv->pool), EV_READ | EV_PERSIST,
				 done_cb, srv);
	event_add(srv->done_ev, NULL);
	if (daemon_signals_fd() >= 0) {
		srv->signal_ev = event_new(srv->base, daemon_signals_fd(), EV_READ | EV_PERSIST,
					   signal_cb, srv);
		event_add(srv->signal_ev, NULL);
	}
	event_base_dispatch(srv->base);
	return 1;
}

void spf_server_free(struct spf_server **sp)
{
	struct spf_server *srv = *sp;
	if (srv == NULL)
		return;
	spf_dns_async_free(&srv->dns);
	if (srv->pool != NULL) {
		spf_pool_stop(srv->pool);
		struct job *j;
		while ((j = spf_pool_take_done(srv->pool)) != NULL) {
			if (j->conn != NULL)
				j->conn->pending = NULL;
			job_free(j);
		}
		spf_pool_free(&srv->pool);
	}
	spf_engine_free(&srv->engine);
	while (srv->conns != NULL) {
		srv->conns->stream = 0;
		conn_free(srv->conns);
	}
	for (size_t i = 0; i < srv->n_listeners; i++)
		evconnlistener_free(srv->listeners[i]);
	free(srv->listeners);
	if (srv->done_ev != NULL)
		event_free(srv->done_ev);
	if (srv->signal_ev != NULL)
		event_free(srv->signal_ev);
	spf_cache_free(&srv->cache);
	spf_cache_free(&srv->dns_cache);
	event_base_free(srv->base);
	FREE_AND_NULL(*sp);
}
