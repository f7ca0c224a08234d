/* milter_client_conn.c: one connection from a session to one milter: a
 * bufferevent on the session's event_base, the packet codec
 * (milter_proto*.h), option negotiation and a timer for each wait. A
 * failure of any kind is logged once and closes the connection; the chain
 * then applies the milter's default_action.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "milter_client_private.h"

enum milter_conn_state {
	MC_CLOSED,     /* not connected yet */
	MC_CONNECTING, /* connect() in progress */
	MC_READY,      /* connected and negotiated, nothing awaited */
	MC_WAITING,    /* a reply is awaited */
	MC_FAILED,     /* gone for good */
};

struct milter_conn {
	const struct milter_client_spec *spec;
	struct event_base *base;
	struct bufferevent *bev;
	struct event *timer;
	struct milter_decoder *dec;
	enum milter_conn_state state;
	int negotiated;
	struct milter_optneg offer;
	struct milter_neg neg;
	int cmd;		     /* the command awaiting replies */
	struct buf out;		     /* a command being encoded */
	long long timeout;	     /* seconds, for the current wait */
	milter_conn_reply_fn *cb;
	void *arg;
};

struct milter_conn *milter_conn_new(const struct milter_client_spec *spec,
				    struct event_base *base)
{
	struct milter_conn *mc = xcalloc(1, sizeof(*mc));
	mc->spec = spec;
	mc->base = base;
	buf_init(&mc->out, 0);
	return mc;
}

const char *milter_conn_name(const struct milter_conn *mc)
{
	return mc->spec->name;
}

int milter_conn_failed(const struct milter_conn *mc)
{
	return mc->state == MC_FAILED || mc->state == MC_CLOSED;
}

const struct milter_neg *milter_conn_neg(const struct milter_conn *mc)
{
	return &mc->neg;
}

static void milter_conn_close(struct milter_conn *mc)
{
	if (mc->bev != NULL)
		bufferevent_free(mc->bev);
	mc->bev = NULL;
	if (mc->timer != NULL)
		event_free(mc->timer);
	mc->timer = NULL;
	milter_decoder_free(&mc->dec);
}

/* milter_conn_fail: log, close, tell the waiting callback. */
static void milter_conn_fail(struct milter_conn *mc, const char *what, const char *detail)
{
	log_warn("milter %s: %s%s%s", mc->spec->name, what, detail != NULL ? ": " : "",
		 detail != NULL ? detail : "");
	int waiting = mc->state == MC_WAITING || mc->state == MC_CONNECTING;
	mc->state = MC_FAILED;
	milter_conn_close(mc);
	if (waiting && mc->cb != NULL)
		mc->cb(mc->arg, NULL);
}

void milter_conn_free(struct milter_conn **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct milter_conn *mc = *cp;
	if (mc->bev != NULL && mc->state == MC_READY) {
		struct milter_cmd quit = {.code = MILTER_CMD_QUIT};
		struct buf b;
		char *error = NULL;
		buf_init(&b, 0);
		if (milter_cmd_encode(&b, &quit, 0, &error) > 0)
			(void)write(bufferevent_getfd(mc->bev), b.data, b.len);
		free(error);
		buf_deinit(&b);
	}
	milter_conn_close(mc);
	milter_neg_deinit(&mc->neg);
	buf_deinit(&mc->out);
	FREE_AND_NULL(*cp);
}

static void milter_conn_arm(struct milter_conn *mc)
{
	struct timeval tv = {mc->timeout, 0};
	evtimer_add(mc->timer, &tv);
}

static void milter_conn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct milter_conn *mc = arg;
	(void)fd;
	(void)what;
	char *text = mc->state == MC_CONNECTING	   ? xstrdup("connect timeout")
		     : mc->cmd == MILTER_CMD_OPTNEG ? xstrdup("timeout during option negotiation")
						    : xasprintf("timeout awaiting reply to %s",
								milter_cmd_name(mc->cmd));
	milter_conn_fail(mc, text, NULL);
	free(text);
}

/* milter_conn_reply: one decoded reply packet while waiting. 1 go on
 * reading, 0 stop (failed, or the callback is done). */
static int milter_conn_reply(struct milter_conn *mc, const struct milter_packet *pkt)
{
	struct milter_reply r;
	char *error = NULL;
	if (milter_reply_decode(pkt, &r, &error) < 0) {
		milter_conn_fail(mc, "malformed reply", error);
		free(error);
		return 0;
	}
	if (mc->cmd == MILTER_CMD_OPTNEG) {
		if (r.code != MILTER_REPLY_OPTNEG ||
		    milter_neg_mta(&mc->offer, &r.u.optneg, &mc->neg, &error) < 0) {
			milter_conn_fail(mc, "option negotiation failed",
					 error != NULL ? error : milter_reply_name(r.code));
			free(error);
			return 0;
		}
		milter_decoder_set_max(mc->dec, mc->neg.max_data);
		mc->negotiated = 1;
	} else if (r.code == MILTER_REPLY_SKIP && mc->cmd == MILTER_CMD_BODY &&
		   (mc->offer.protocol & MILTER_PROTO_SKIP)) {
		/* libmilter sends SKIP whenever the MTA offered it, whether or
		 * not the milter asked for it; Postfix takes it. */
	} else if (milter_neg_reply_ok(&mc->neg, mc->cmd, r.code, &error) < 0) {
		milter_conn_fail(mc, "unexpected reply", error);
		free(error);
		return 0;
	}
	if (r.code == MILTER_REPLY_PROGRESS) {
		milter_conn_arm(mc);
		return 1;
	}
	mc->state = MC_READY;
	evtimer_del(mc->timer);
	if (mc->cb(mc->arg, &r)) {
		if (mc->state == MC_READY) { /* the callback did not fail or free us */
			mc->state = MC_WAITING;
			milter_conn_arm(mc);
		}
		return mc->state == MC_WAITING;
	}
	return 0;
}

/* milter_conn_quickack: acknowledge the milter's data at once while it
 * answers the end of the message. libmilter writes each change and the
 * final reply separately; Nagle holds the next one back until the first is
 * acknowledged, and a delayed ACK would cost 40 ms per message. Linux
 * clears the flag as it goes: set it per read. Every other command gets
 * one reply, acknowledged by the next command: no system call for it. */
static void milter_conn_quickack(struct milter_conn *mc)
{
	int one = 1;
	if (mc->bev != NULL && mc->cmd == MILTER_CMD_BODYEOB &&
	    mc->spec->addrs[0].ss.ss_family != AF_UNIX)
		(void)setsockopt(bufferevent_getfd(mc->bev), IPPROTO_TCP, TCP_QUICKACK, &one,
				 sizeof(one));
}

static void milter_conn_read(struct bufferevent *bev, void *arg)
{
	struct milter_conn *mc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	milter_conn_quickack(mc);
	while (mc->state == MC_WAITING && evbuffer_get_length(in) > 0) {
		size_t len = evbuffer_get_contiguous_space(in), used = 0;
		const unsigned char *data = evbuffer_pullup(in, (ev_ssize_t)len);
		struct milter_packet pkt;
		char *error = NULL;
		int rc = milter_decoder_feed(mc->dec, data, len, &used, &pkt, &error);
		if (rc < 0) {
			evbuffer_drain(in, used);
			milter_conn_fail(mc, "malformed reply", error);
			free(error);
			return;
		}
		if (rc == 0) {
			evbuffer_drain(in, used);
			continue;
		}
		/* pkt points into the decoder, not into in: drain first. */
		evbuffer_drain(in, used);
		if (!milter_conn_reply(mc, &pkt))
			return;
	}
	if (mc->state == MC_READY && evbuffer_get_length(in) > 0)
		milter_conn_fail(mc, "unexpected data from the milter", NULL);
}

static void milter_conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct milter_conn *mc = arg;
	if (what & BEV_EVENT_CONNECTED) {
		/* Commands are small and each waits for a reply: without
		 * TCP_NODELAY, Nagle and delayed ACKs add 40 ms to round trips. */
		int one = 1;
		if (mc->spec->addrs[0].ss.ss_family != AF_UNIX)
			(void)setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one,
					 sizeof(one));
		mc->state = MC_WAITING;
		milter_conn_arm(mc);
		return;
	}
	if (what & BEV_EVENT_EOF)
		milter_conn_fail(mc, "connection closed by the milter", NULL);
	else
		milter_conn_fail(mc, mc->state == MC_CONNECTING ? "connect failed" : "connection lost",
				 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* What milter_conn_hold keeps before it sends anyway. */
#define MILTER_CONN_HOLD_MAX 65536

/* milter_conn_write: encode cmd after the commands held back so far
 * (milter_conn_hold) and, unless hold is set (and fewer than
 * MILTER_CONN_HOLD_MAX bytes wait), send them all. Once
 * connected, with nothing queued before them, the bytes go out at once
 * with one send(): queueing them on the bufferevent would cost a write
 * event, two epoll_ctl calls and a loop iteration per command. What the
 * socket does not take (or an error, which the bufferevent then reports)
 * goes through the bufferevent. 1 ok, -1 failed (logged). */
static int milter_conn_write(struct milter_conn *mc, const struct milter_cmd *cmd, int hold)
{
	char *error = NULL;
	int rc = milter_cmd_encode(&mc->out, cmd, mc->negotiated ? mc->neg.max_data : 0, &error);
	if (rc < 0) {
		buf_reset(&mc->out);
		milter_conn_fail(mc, "cannot encode command", error);
		free(error);
		return rc;
	}
	if (hold && mc->out.len < MILTER_CONN_HOLD_MAX)
		return rc;
	size_t sent = 0;
	if (mc->state != MC_CONNECTING && evbuffer_get_length(bufferevent_get_output(mc->bev)) == 0) {
		ssize_t n = send(bufferevent_getfd(mc->bev), mc->out.data, mc->out.len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			sent = (size_t)n;
	}
	if (sent < mc->out.len)
		bufferevent_write(mc->bev, mc->out.data + sent, mc->out.len - sent);
	buf_reset(&mc->out);
	return rc;
}

void milter_conn_open(struct milter_conn *mc, milter_conn_reply_fn *cb, void *arg)
{
	mc->cb = cb;
	mc->arg = arg;
	mc->cmd = MILTER_CMD_OPTNEG;
	mc->timeout = mc->spec->connect_timeout;
	mc->dec = milter_decoder_new(MILTER_DATA_MAX_1M);
	mc->timer = evtimer_new(mc->base, milter_conn_timeout, mc);
	mc->bev = bufferevent_socket_new(mc->base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(mc->bev, milter_conn_read, NULL, milter_conn_event, mc);
	bufferevent_enable(mc->bev, EV_READ);
	mc->state = MC_CONNECTING;
	/* Version 6: everything it defines, as Postfix offers it; older
	 * versions: the version 2 actions and "do not send" steps. */
	mc->offer.version = (uint32_t)mc->spec->protocol;
	mc->offer.actions = mc->spec->protocol >= 6 ? MILTER_ACTIONS_ALL
						    : MILTER_ACTIONS_V1 | MILTER_ACTION_CHGHDRS |
							  MILTER_ACTION_QUARANTINE;
	mc->offer.protocol = mc->spec->protocol >= 6 ? MILTER_PROTO_ALL
						     : MILTER_PROTO_V1 | MILTER_PROTO_NOEOH;
	struct milter_cmd optneg = {.code = MILTER_CMD_OPTNEG};
	optneg.u.optneg = mc->offer;
	milter_conn_arm(mc);
	const struct sockspec_addr *a = &mc->spec->addrs[0];
	if (bufferevent_socket_connect(mc->bev, (const struct sockaddr *)&a->ss, (int)a->len) < 0) {
		milter_conn_fail(mc, "connect failed",
				 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return;
	}
	if (mc->state == MC_CONNECTING || mc->state == MC_WAITING) {
		mc->timeout = mc->spec->command_timeout;
		milter_conn_write(mc, &optneg, 0);
	}
}

int milter_conn_send(struct milter_conn *mc, const struct milter_cmd *cmd)
{
	if (mc->state != MC_READY)
		return -1;
	return milter_conn_write(mc, cmd, 0);
}

int milter_conn_hold(struct milter_conn *mc, const struct milter_cmd *cmd)
{
	if (mc->state != MC_READY)
		return -1;
	return milter_conn_write(mc, cmd, 1);
}

void milter_conn_request(struct milter_conn *mc, const struct milter_cmd *cmd,
			 long long timeout, milter_conn_reply_fn *cb, void *arg)
{
	mc->cb = cb;
	mc->arg = arg;
	if (milter_conn_write(mc, cmd, 0) < 0)
		return;
	mc->cmd = cmd->code;
	mc->timeout = timeout;
	mc->state = MC_WAITING;
	milter_conn_arm(mc);
	/* Replies may already be buffered (pipelined by the milter). */
	if (evbuffer_get_length(bufferevent_get_input(mc->bev)) > 0)
		milter_conn_read(mc->bev, mc);
}
