/* policy_client.c: calls to policy services on a worker's event loop, with
 * a pool of reusable connections per service (policy_client.h). The wire
 * format is common/policy_proto.h; each connection is a bufferevent whose
 * read and write timeouts are the service's timeout while a call waits.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "mem.h"
#include "policy_client.h"
#include "policy_proto.h"

struct policy_conn {
	struct policy_client *c;
	struct policy_conn *next; /* in c->idle while idle */
	char *name;
	struct bufferevent *bev;
	struct event *idle_ev;
	time_t born;
	long long max_idle, max_ttl, request_limit;
	long long requests;
	struct policy_parser *parser;
	struct policy_call *call; /* the call waiting for a reply, or NULL */
	int got_bytes;		  /* the current call has seen reply bytes */
	int connecting;
};

struct policy_call {
	struct policy_client *c;
	char *name;
	struct sockspec_addr addr;
	long long timeout, max_idle, max_ttl, try_limit, retry_delay, request_limit;
	char *request;
	size_t len;
	long long tries;
	int reused; /* the current attempt runs on a pooled connection */
	int finished;
	char *error;
	struct policy_conn *conn;
	struct event *timer; /* the next attempt, or the report of a failure */
	policy_call_done_fn *done;
	void *arg;
};

struct policy_client {
	struct event_base *base;
	struct policy_conn *idle;
};

struct policy_client *policy_client_new(struct event_base *base)
{
	struct policy_client *c = xcalloc(1, sizeof(*c));
	c->base = base;
	return c;
}

static void conn_unlink_idle(struct policy_conn *pc)
{
	for (struct policy_conn **pp = &pc->c->idle; *pp != NULL; pp = &(*pp)->next)
		if (*pp == pc) {
			*pp = pc->next;
			break;
		}
	pc->next = NULL;
}

static void conn_close(struct policy_conn *pc)
{
	if (pc == NULL)
		return;
	conn_unlink_idle(pc);
	if (pc->call != NULL)
		pc->call->conn = NULL;
	bufferevent_free(pc->bev);
	event_free(pc->idle_ev);
	policy_parser_free(&pc->parser);
	free(pc->name);
	free(pc);
}

void policy_client_free(struct policy_client **cp)
{
	struct policy_client *c = *cp;
	if (c == NULL)
		return;
	*cp = NULL;
	while (c->idle != NULL)
		conn_close(c->idle);
	free(c);
}

static void call_free(struct policy_call *k)
{
	if (k->conn != NULL) {
		k->conn->call = NULL;
		conn_close(k->conn);
	}
	event_free(k->timer);
	free(k->name);
	free(k->request);
	free(k->error);
	free(k);
}

void policy_call_cancel(struct policy_call **callp)
{
	if (callp == NULL || *callp == NULL)
		return;
	call_free(*callp);
	*callp = NULL;
}

/* call_fail: the attempt failed: close its connection, then try again
 * later or report the failure (always from the loop). stale: a pooled
 * connection that failed before any reply byte (the server may have
 * closed it as idle): the next attempt starts at once. */
static void call_fail(struct policy_call *k, const char *why, int stale)
{
	if (k->conn != NULL) {
		k->conn->call = NULL;
		conn_close(k->conn);
		k->conn = NULL;
	}
	k->tries++;
	free(k->error);
	k->error = xstrdup(why);
	struct timeval tv = {0, 0};
	if (k->tries >= k->try_limit)
		k->finished = 1;
	else if (!stale)
		tv.tv_sec = k->retry_delay;
	evtimer_add(k->timer, &tv);
}

static void conn_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_close(arg);
}

/* conn_release: the call got its reply; keep the connection for the next
 * call unless it has served its time or its requests. */
static void conn_release(struct policy_conn *pc, int dirty)
{
	pc->call = NULL;
	pc->requests++;
	if (dirty || (pc->request_limit > 0 && pc->requests >= pc->request_limit) ||
	    time(NULL) - pc->born >= pc->max_ttl) {
		conn_close(pc);
		return;
	}
	bufferevent_set_timeouts(pc->bev, NULL, NULL);
	pc->next = pc->c->idle;
	pc->c->idle = pc;
	struct timeval tv = {(time_t)pc->max_idle, 0};
	evtimer_add(pc->idle_ev, &tv);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct policy_conn *pc = arg;
	struct policy_call *k = pc->call;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (k == NULL) { /* nothing is asked: the server is confused */
		conn_close(pc);
		return;
	}
	while (evbuffer_get_length(in) > 0) {
		size_t len = evbuffer_get_length(in), used = 0;
		const unsigned char *data = evbuffer_pullup(in, -1);
		struct policy_attrs *attrs = NULL;
		char *error = NULL;
		int rc = policy_parser_feed(pc->parser, data, len, &used, &attrs, &error);
		evbuffer_drain(in, used);
		pc->got_bytes = 1;
		if (rc < 0) {
			char *why = xasprintf("malformed reply: %s", error);
			free(error);
			call_fail(k, why, 0);
			free(why);
			return;
		}
		if (rc == 0)
			continue;
		char *action = xstrdup(policy_attrs_get(attrs, "action"));
		policy_attrs_free(&attrs);
		k->conn = NULL;
		conn_release(pc, evbuffer_get_length(in) > 0);
		k->done(k->arg, action, NULL);
		free(action);
		call_free(k);
		return;
	}
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct policy_conn *pc = arg;
	struct policy_call *k = pc->call;

	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;
		pc->connecting = 0;
		if (k != NULL && k->addr.ss.ss_family != AF_UNIX)
			(void)setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one,
					 sizeof(one));
		return;
	}
	if (k == NULL) { /* an idle connection closed or failed */
		conn_close(pc);
		return;
	}
	char *why;
	int stale = 0;
	if (what & BEV_EVENT_TIMEOUT) {
		why = xasprintf("timeout after %llds %s", k->timeout,
				pc->connecting ? "connecting" :
				pc->got_bytes  ? "in the middle of the reply" :
						 "waiting for the reply");
	} else if (what & BEV_EVENT_EOF) {
		stale = k->reused && !pc->got_bytes;
		why = xstrdup(pc->got_bytes ? "connection closed in the middle of the reply" :
					      "connection closed without a reply");
	} else {
		int err = EVUTIL_SOCKET_ERROR();
		stale = k->reused && !pc->got_bytes && !pc->connecting;
		why = xasprintf("%s%s", pc->connecting ? "connect: " : "",
				evutil_socket_error_to_string(err));
	}
	call_fail(k, why, stale);
	free(why);
}

/* conn_new: a new connection for k (connect started). NULL when the
 * connect failed at once (the failure is recorded in k). */
static struct policy_conn *conn_new(struct policy_call *k)
{
	struct policy_conn *pc = xcalloc(1, sizeof(*pc));
	pc->c = k->c;
	pc->name = xstrdup(k->name);
	pc->born = time(NULL);
	pc->max_idle = k->max_idle;
	pc->max_ttl = k->max_ttl;
	pc->request_limit = k->request_limit;
	pc->idle_ev = evtimer_new(k->c->base, conn_idle_cb, pc);
	pc->bev = bufferevent_socket_new(k->c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(pc->bev, conn_read_cb, NULL, conn_event_cb, pc);
	pc->connecting = 1;
	if (bufferevent_socket_connect(pc->bev, (const struct sockaddr *)&k->addr.ss,
				       (int)k->addr.len) < 0) {
		char *why = xasprintf("connect: %s",
				      evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		conn_close(pc);
		call_fail(k, why, 0);
		free(why);
		return NULL;
	}
	return pc;
}

/* take_idle: a pooled connection to k's service with k's connection
 * settings (a service configured twice with different settings is two
 * pools, as Postfix keeps one client per distinct service spec), closing
 * those past their time to live. */
static struct policy_conn *take_idle(struct policy_call *k)
{
	time_t now = time(NULL);
	for (struct policy_conn *pc = k->c->idle, *next; pc != NULL; pc = next) {
		next = pc->next;
		if (strcmp(pc->name, k->name) != 0 || pc->max_idle != k->max_idle ||
		    pc->max_ttl != k->max_ttl || pc->request_limit != k->request_limit)
			continue;
		if (now - pc->born >= pc->max_ttl) {
			conn_close(pc);
			continue;
		}
		conn_unlink_idle(pc);
		evtimer_del(pc->idle_ev);
		return pc;
	}
	return NULL;
}

static void call_attempt(struct policy_call *k)
{
	struct policy_conn *pc = take_idle(k);
	k->reused = pc != NULL;
	if (pc == NULL && (pc = conn_new(k)) == NULL)
		return;
	pc->call = k;
	k->conn = pc;
	pc->got_bytes = 0;
	policy_parser_free(&pc->parser);
	pc->parser = policy_parser_new(POLICY_REPLY, NULL);
	struct timeval tv = {(time_t)k->timeout, 0};
	bufferevent_set_timeouts(pc->bev, &tv, &tv);
	bufferevent_write(pc->bev, k->request, k->len);
	bufferevent_enable(pc->bev, EV_READ | EV_WRITE);
}

static void call_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct policy_call *k = arg;
	(void)fd;
	(void)what;
	if (!k->finished) {
		call_attempt(k);
		return;
	}
	k->done(k->arg, NULL, k->error);
	call_free(k);
}

struct policy_call *policy_client_call(struct policy_client *c, const struct policy_service *svc,
				       const char *request, size_t len, policy_call_done_fn *done,
				       void *arg)
{
	struct policy_call *k = xcalloc(1, sizeof(*k));
	k->c = c;
	k->name = xstrdup(svc->name);
	k->addr = *svc->addr;
	k->timeout = svc->timeout;
	k->max_idle = svc->max_idle;
	k->max_ttl = svc->max_ttl;
	k->try_limit = svc->try_limit > 0 ? svc->try_limit : 1;
	k->retry_delay = svc->retry_delay;
	k->request_limit = svc->request_limit;
	k->request = xmalloc(len);
	memcpy(k->request, request, len);
	k->len = len;
	k->done = done;
	k->arg = arg;
	k->timer = evtimer_new(c->base, call_timer_cb, k);
	call_attempt(k);
	return k;
}
