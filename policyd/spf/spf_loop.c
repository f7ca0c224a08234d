/* spf_loop.c: connections, requests and answers on one event loop (see
 * spf_loop.h). While a connection has a request in hand, further input is
 * only buffered, up to INPUT_MAX, and then not read (Postfix waits for
 * each answer anyway), so a client cannot queue unbounded work. Input is
 * read with read() into the connection's own buffer (a bufferevent would
 * ask the kernel how much is readable and allocate a buffer chain before
 * each read); answers go out through a bufferevent, written at once when
 * nothing else waits to go out: per request the loop makes one read and
 * one write, and no epoll changes.
 *
 * A request the result cache does not answer is evaluated on the loop
 * first, offline (spf_dns.h): with the DNS answers already cached or
 * fetched for it. The TXT records of its HELO name and sender domain are
 * asked for first, together, when the DNS cache lacks them (every
 * evaluation starts with them). When an answer is missing the loop fetches
 * it without blocking (spf_dns_async.h) and evaluates again when it
 * arrives, up to FETCH_MAX queries in all; a query the loop cannot
 * answer that way (a timeout, SERVFAIL, TCP) or a request that needs more
 * sends the request to a worker, which evaluates it with blocking lookups and the answers
 * fetched so far, and hands it back through the loop's mailbox
 * (spf_mailbox.h), as the accepting loop hands over new connections. The
 * loops run in the same sandboxed, unprivileged process as the workers
 * (spf_sandbox.h covers every thread). */
#include "config.h"

#include "spf_loop.h"

#include <arpa/nameser.h>
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

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "policy_proto.h"
#include "sockspec.h"
#include "spf_cache.h"
#include "spf_dns.h"
#include "spf_dns_async.h"
#include "spf_mailbox.h"
#include "spf_policy.h"
#include "spf_pool.h"

struct conn;

struct job {
	struct conn *conn; /* NULL once the connection no longer waits */
	struct spf_loop *loop;
	struct spf_cache *answers; /* the DNS answers fetched for this request */
	unsigned fetches;	   /* queries sent from the loop */
	unsigned inflight;	   /* and not answered yet */
	int unanswered;		   /* one got no usable answer: to a worker */
	struct policy_attrs *req;
	char *key;
	char *action;
	char *log;
};

struct conn {
	struct spf_loop *loop;
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

struct spf_loop {
	const struct spf_conf *conf;
	size_t index;
	struct event_base *base;
	struct spf_pool *pool;
	struct spf_engine *engine;   /* for offline evaluations */
	struct spf_dns_async *dns;   /* NULL: the loop sends no queries */
	struct spf_cache *cache;     /* answers to requests, shared */
	struct spf_mailbox *mailbox; /* letters from other threads */
	struct conn *conns;
	size_t load; /* connections handed and not closed (atomic) */
	int stopping;
};

/* What other threads hand to a loop. */
struct letter {
	enum { LETTER_CONN, LETTER_JOB, LETTER_STOP } kind;
	int fd;		 /* LETTER_CONN */
	struct job *job; /* LETTER_JOB */
	char peer[SOCKSPEC_ADDRSTRLEN + 16];
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
static void loop_check_stop(struct spf_loop *loop);

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
		spf_cache_put(j->loop->cache, j->key, j->action, time(NULL));
}

static void post(struct spf_loop *loop, int kind, int fd, struct job *j, const char *peer)
{
	struct letter *l = xcalloc(1, sizeof(*l));
	l->kind = kind;
	l->fd = fd;
	l->job = j;
	if (peer != NULL)
		snprintf(l->peer, sizeof(l->peer), "%s", peer);
	spf_mailbox_post(loop->mailbox, l);
}

void spf_loop_work(struct spf_engine *engine, void *arg, void *ctx)
{
	struct job *j = arg;
	spf_engine_set_answers(engine, j->answers, 0);
	j->action = spf_policy_evaluate(j->loop->conf, engine, j->req, &j->log);
	spf_engine_set_answers(engine, NULL, 0);
	job_result(j);
	post(j->loop, LETTER_JOB, -1, j, NULL);
}

void spf_loop_job_drop(void *job)
{
	struct job *j = job;
	if (j->conn != NULL)
		j->conn->pending = NULL;
	job_free(j);
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
static int job_step(struct spf_loop *loop, struct job *j)
{
	char *action, *log = NULL;
	int type, sent = 0;
	spf_engine_set_answers(loop->engine, j->answers, 1);
	action = spf_policy_evaluate(loop->conf, loop->engine, j->req, &log);
	const char *missing = spf_engine_missing(loop->engine, &type);
	if (missing == NULL) {
		spf_engine_set_answers(loop->engine, NULL, 0);
		j->action = action;
		j->log = log;
		job_result(j);
		job_answer(j);
		return 1;
	}
	free(action);
	free(log);
	if (loop->dns != NULL && j->fetches < FETCH_MAX &&
	    spf_dns_async_query(loop->dns, missing, type, job_fetched, j) > 0) {
		j->fetches++;
		j->inflight++;
		sent = 1;
	}
	spf_engine_set_answers(loop->engine, NULL, 0);
	if (!sent)
		spf_pool_submit(loop->pool, j);
	return 0;
}

/* job_fetched: an answer the loop asked for j arrived (or did not); once
 * none is in flight, j goes on. */
static void job_fetched(void *arg, const char *domain, int type, const unsigned char *answer,
			int len)
{
	struct job *j = arg;
	struct spf_loop *loop = j->loop;
	struct conn *c = j->conn;
	j->inflight--;
	if (len == SPF_DNS_ASYNC_CANCELLED || c == NULL) {
		if (j->inflight > 0)
			return;
		if (c != NULL)
			c->pending = NULL;
		job_free(j);
		return;
	}
	if (len == SPF_DNS_ASYNC_NONE) {
		j->unanswered = 1;
	} else {
		spf_engine_set_answers(loop->engine, j->answers, 1);
		spf_engine_add_answer(loop->engine, domain, type, answer, len);
		spf_engine_set_answers(loop->engine, NULL, 0);
	}
	if (j->inflight > 0)
		return;
	if (j->unanswered) {
		spf_pool_submit(loop->pool, j);
		return;
	}
	if (job_step(loop, j)) {
		conn_resume(c);
		loop_check_stop(loop);
	}
}

/* domain_like: a name worth a TXT query: dotted, no address literal. */
static int domain_like(const char *name)
{
	size_t len = strlen(name);
	return len > 0 && len < NS_MAXDNAME && name[0] != '[' && name[0] != '.' &&
	       strchr(name, '.') != NULL;
}

/* job_prefetch: send at once the queries every evaluation of j starts
 * with, the TXT records of the HELO name and of the sender's domain, when
 * no answer for them is at hand (saves an offline evaluation that would
 * stop at the first one missing). Returns the queries sent. */
static unsigned job_prefetch(struct spf_loop *loop, struct job *j)
{
	const struct spf_conf *conf = loop->conf;
	const char *helo = policy_attrs_get(j->req, "helo_name");
	const char *sender = policy_attrs_get(j->req, "sender");
	const char *at = sender != NULL ? strrchr(sender, '@') : NULL;
	const char *names[2];
	size_t n = 0;
	if (loop->dns == NULL)
		return 0;
	if (conf->helo_reject != SPF_REJECT_NO_CHECK && helo != NULL && domain_like(helo))
		names[n++] = helo;
	if (conf->mail_from_reject != SPF_REJECT_NO_CHECK && at != NULL && domain_like(at + 1) &&
	    (n == 0 || strcasecmp(names[0], at + 1) != 0))
		names[n++] = at + 1;
	for (size_t i = 0; i < n; i++) {
		if (spf_engine_known(loop->engine, names[i], ns_t_txt) ||
		    spf_dns_async_query(loop->dns, names[i], ns_t_txt, job_fetched, j) < 0)
			continue;
		j->fetches++;
		j->inflight++;
	}
	return j->inflight;
}

/* ---- connections ---- */

static void conn_free(struct conn *c)
{
	struct spf_loop *loop = c->loop;
	if (c->pending != NULL)
		c->pending->conn = NULL;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		loop->conns = c->next;
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
		event_base_loopexit(loop->base, NULL);
	free(c);
	__atomic_fetch_sub(&loop->load, 1, __ATOMIC_RELAXED);
}

static int conn_idle(const struct conn *c)
{
	return c->pending == NULL && evbuffer_get_length(bufferevent_get_output(c->out)) == 0;
}

/* loop_check_stop: when stopping, end the loop once no check is in hand. */
static void loop_check_stop(struct spf_loop *loop)
{
	if (!loop->stopping)
		return;
	for (struct conn *c = loop->conns; c != NULL; c = c->next)
		if (!conn_idle(c))
			return;
	event_base_loopexit(loop->base, NULL);
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
	struct spf_loop *loop = c->loop;
	struct job *j = c->pending;
	log_warn("%s: client=%s: no SPF result within %llds: %s", c->peer,
		 policy_attrs_get(j->req, "client_address"), loop->conf->request_timeout,
		 loop->conf->timeout_action);
	j->conn = NULL;
	c->pending = NULL;
	conn_finish(c, j->req, loop->conf->timeout_action);
	conn_resume(c);
	loop_check_stop(loop);
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
	struct spf_loop *loop = c->loop;
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
	int rc = spf_policy_skip(loop->conf, req, &action, &why);
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
	if (spf_cache_get(loop->cache, key, time(NULL), &action)) {
		free(key);
		log_request(c, req, action, "cached");
		conn_finish(c, req, action);
		goto done;
	}
	struct job *j = xcalloc(1, sizeof(*j));
	j->conn = c;
	j->loop = loop;
	j->answers = spf_dns_answers_new();
	j->req = req;
	j->key = key;
	c->pending = j;
	struct timeval tv = {.tv_sec = (time_t)loop->conf->request_timeout};
	evtimer_add(c->deadline, &tv);
	/* answered at once, the connection's next request is read by the
	 * caller's loop (conn_process) */
	if (job_prefetch(loop, j) == 0)
		job_step(loop, j);
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
	loop_check_stop(c->loop);
}

/* event_cb: the output's errors (the peer went away). */
static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_input_end(arg, 1);
}

static struct conn *conn_new(struct spf_loop *loop, int in_fd, int out_fd, const char *peer)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->in_fd = in_fd;
	c->in_size = INPUT_FIRST;
	c->in = xmalloc(c->in_size);
	c->read_ev = event_new(loop->base, in_fd, EV_READ | EV_PERSIST, read_cb, c);
	c->out = bufferevent_socket_new(loop->base, out_fd, BEV_OPT_CLOSE_ON_FREE);
	c->parser = policy_parser_new(POLICY_REQUEST, NULL);
	c->deadline = evtimer_new(loop->base, deadline_cb, c);
	bufferevent_setcb(c->out, NULL, write_cb, event_cb, c);
	bufferevent_enable(c->out, EV_WRITE);
	conn_watch_input(c);
	c->next = loop->conns;
	if (loop->conns != NULL)
		loop->conns->prev = c;
	loop->conns = c;
	return c;
}

void spf_loop_add_stream(struct spf_loop *loop, int in_fd, int out_fd)
{
	evutil_make_socket_nonblocking(in_fd);
	if (out_fd != in_fd)
		evutil_make_socket_nonblocking(out_fd);
	__atomic_fetch_add(&loop->load, 1, __ATOMIC_RELAXED);
	struct conn *c = conn_new(loop, in_fd, out_fd, "stdin");
	c->stream = 1;
}

void spf_loop_hand(struct spf_loop *loop, int fd, const char *peer)
{
	__atomic_fetch_add(&loop->load, 1, __ATOMIC_RELAXED);
	post(loop, LETTER_CONN, fd, NULL, peer);
}

size_t spf_loop_load(struct spf_loop *loop)
{
	return __atomic_load_n(&loop->load, __ATOMIC_RELAXED);
}

struct event_base *spf_loop_base(struct spf_loop *loop)
{
	return loop->base;
}

void spf_loop_stop(struct spf_loop *loop)
{
	post(loop, LETTER_STOP, -1, NULL, NULL);
}

/* loop_stopping: LETTER_STOP arrived. */
static void loop_stopping(struct spf_loop *loop)
{
	loop->stopping = 1;
	/* idle connections go now; busy ones when answered */
	struct conn *c = loop->conns, *next;
	for (; c != NULL; c = next) {
		next = c->next;
		if (conn_idle(c))
			conn_free(c);
		else
			c->eof = 1;
	}
	/* busy connections keep the loop until answered (or timed out) */
	struct timeval limit = {.tv_sec = (time_t)loop->conf->request_timeout + 1};
	event_base_loopexit(loop->base, loop->conns != NULL ? &limit : NULL);
}

/* letter_cb: what another thread handed over (or, when the loop no
 * longer runs, what is left in the mailbox). */
static void letter_cb(void *item, void *arg)
{
	struct spf_loop *loop = arg;
	struct letter *l = item;
	switch (l->kind) {
	case LETTER_CONN:
		if (loop->stopping) {
			close(l->fd);
			__atomic_fetch_sub(&loop->load, 1, __ATOMIC_RELAXED);
			break;
		}
		log_debug(1, "%s: connection served by event loop %zu", l->peer, loop->index);
		conn_new(loop, l->fd, l->fd, l->peer);
		break;
	case LETTER_JOB: {
		struct conn *c = l->job->conn;
		job_answer(l->job);
		if (c != NULL)
			conn_resume(c);
		loop_check_stop(loop);
		break;
	}
	case LETTER_STOP:
		loop_stopping(loop);
		break;
	}
	free(l);
}

int spf_loop_new(const struct spf_conf *conf, size_t index, struct spf_cache *cache,
		 struct spf_cache *dns_cache, struct spf_loop **loop_r, char **error_r)
{
	struct spf_loop *loop = xcalloc(1, sizeof(*loop));
	loop->conf = conf;
	loop->index = index;
	loop->cache = cache;
	loop->base = event_base_new();
	if (loop->base == NULL) {
		free(loop);
		*error_r = xstrdup("libevent: cannot create an event base");
		return -1;
	}
	if (spf_mailbox_new(loop->base, letter_cb, loop, &loop->mailbox, error_r) < 0 ||
	    spf_engine_new(conf->receiver, dns_cache, &loop->engine, error_r) < 0) {
		spf_loop_free(&loop);
		return -1;
	}
	loop->dns = spf_dns_async_new(loop->base);
	if (loop->dns == NULL && index == 0)
		log_info("DNS queries from the event loop unavailable (resolv.conf's first "
			 "server); evaluations that need DNS go to the workers");
	*loop_r = loop;
	return 1;
}

void spf_loop_run(struct spf_loop *loop, struct spf_pool *pool)
{
	loop->pool = pool;
	event_base_dispatch(loop->base);
}

void spf_loop_close(struct spf_loop *loop)
{
	spf_dns_async_free(&loop->dns);
	while (loop->conns != NULL) {
		loop->conns->stream = 0;
		conn_free(loop->conns);
	}
}

void spf_loop_free(struct spf_loop **lp)
{
	struct spf_loop *loop = *lp;
	if (loop == NULL)
		return;
	spf_loop_close(loop);
	if (loop->mailbox != NULL) {
		loop->stopping = 1;
		spf_mailbox_drain(loop->mailbox);
		spf_mailbox_free(&loop->mailbox);
	}
	spf_engine_free(&loop->engine);
	event_base_free(loop->base);
	FREE_AND_NULL(*lp);
}
