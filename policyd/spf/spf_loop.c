/* spf_loop.c: connections, requests and answers on one event loop (see
 * spf_loop.h), and the letters other threads hand to it. While a
 * connection has a request in hand, further input is only buffered, up to
 * INPUT_MAX, and then not read (Postfix waits for each answer anyway), so
 * a client cannot queue unbounded work. Input is read with read() into
 * the connection's own buffer (a bufferevent would ask the kernel how much
 * is readable and allocate a buffer chain before each read); answers go
 * out through a bufferevent, written at once when nothing else waits to
 * go out: per request the loop makes one read and one write, and no epoll
 * changes. Skips and cached answers are given here; the rest is evaluated
 * by spf_job.c. */
#include "config.h"

#include "spf_loop.h"
#include "spf_loop_private.h"

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
#include "mailbox.h"
#include "mem.h"
#include "policy_proto.h"
#include "sockspec.h"
#include "spf_cache.h"
#include "spf_dns_async.h"
#include "spf_policy.h"
#include "spf_pool.h"

/* Input buffered beyond this is left in the socket until the buffer
 * drains (a pipelining client; Postfix never sends the next request
 * before the answer). */
#define INPUT_MAX (2 * POLICY_MAX_SIZE_DEFAULT)
#define INPUT_FIRST 4096 /* the input buffer's first size */

static void conn_process(struct conn *c);

void spf_loop_post(struct spf_loop *loop, int kind, int fd, struct job *j, const char *peer)
{
	struct letter *l = xcalloc(1, sizeof(*l));
	l->kind = kind;
	l->fd = fd;
	l->job = j;
	if (peer != NULL)
		snprintf(l->peer, sizeof(l->peer), "%s", peer);
	mailbox_post(loop->mailbox, &l->link);
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
void spf_loop_check_stop(struct spf_loop *loop)
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
void spf_conn_finish(struct conn *c, const struct policy_attrs *req, const char *action)
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

void spf_conn_resume(struct conn *c)
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
	spf_conn_finish(c, j->req, loop->conf->timeout_action);
	spf_conn_resume(c);
	spf_loop_check_stop(loop);
}

void spf_conn_log(const struct conn *c, const struct policy_attrs *req, const char *action,
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
		spf_conn_log(c, req, action, why);
		spf_conn_finish(c, req, action);
		goto done;
	}
	char *key = spf_policy_cache_key(req);
	if (spf_cache_get(loop->cache, key, time(NULL), &action)) {
		free(key);
		spf_conn_log(c, req, action, "cached");
		spf_conn_finish(c, req, action);
		goto done;
	}
	c->pending = spf_job_new(c, req, key);
	struct timeval tv = {.tv_sec = (time_t)loop->conf->request_timeout};
	evtimer_add(c->deadline, &tv);
	/* answered at once, the connection's next request is read by the
	 * caller's loop (conn_process) */
	spf_job_start(c->pending);
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
	spf_loop_check_stop(c->loop);
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
	spf_loop_post(loop, LETTER_CONN, fd, NULL, peer);
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
	spf_loop_post(loop, LETTER_STOP, -1, NULL, NULL);
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
static void letter_cb(struct spf_loop *loop, struct letter *l)
{
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
		spf_job_answer(l->job);
		if (c != NULL)
			spf_conn_resume(c);
		spf_loop_check_stop(loop);
		break;
	}
	case LETTER_STOP:
		loop_stopping(loop);
		break;
	}
	free(l);
}

/* letters_take: every letter waiting, oldest first, to letter_cb. */
static void letters_take(struct spf_loop *loop)
{
	for (struct mailbox_link *m = mailbox_take(loop->mailbox), *next; m != NULL; m = next) {
		next = m->next;
		letter_cb(loop, (struct letter *)m);
	}
}

static void mailbox_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	letters_take(arg);
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
	if (mailbox_new(&loop->mailbox, error_r) < 0 ||
	    spf_engine_new(conf->receiver, dns_cache, &loop->engine, error_r) < 0) {
		spf_loop_free(&loop);
		return -1;
	}
	loop->mailbox_ev = event_new(loop->base, mailbox_fd(loop->mailbox), EV_READ | EV_PERSIST,
				     mailbox_readable, loop);
	event_add(loop->mailbox_ev, NULL);
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
		letters_take(loop);
		if (loop->mailbox_ev != NULL)
			event_free(loop->mailbox_ev);
		mailbox_free(&loop->mailbox, NULL);
	}
	spf_engine_free(&loop->engine);
	event_base_free(loop->base);
	FREE_AND_NULL(*lp);
}
