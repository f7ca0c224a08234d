/* smtpd_session.c: one SMTP session of posternd: the connection's life
 * from accept to close on its worker's event loop, the input loop that
 * feeds commands and message content to their handlers, timeouts, and
 * Postfix's connect and disconnect log lines.
 *
 * Input flows through a bufferevent. smtpd_session_input() takes what was
 * read, one command line at a time (or message content in the DATA
 * state), and stops whenever a handler leaves the COMMAND/DATA states:
 * a command answered asynchronously (the queue commit, a restriction
 * waiting for DNS) sets BUSY and later calls smtpd_session_resume(), which
 * goes on with whatever the client pipelined meanwhile. What waits is
 * bounded by the input watermark; reading stops while the client does not
 * read its replies, so a session's buffers stay bounded.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "milter_client_smtpd.h"
#include "sasl_session.h"
#include "smtpd_private.h"
#include "smtpd_tls.h"
#include "smtpd_tls_session.h"

/* Stop reading while this much output waits for the client. */
#define SMTPD_OUTPUT_HIGH (64 * 1024)
/* Read no more than this while the session is not consuming input. */
#define SMTPD_INPUT_HIGH (64 * 1024)

int64_t smtpd_session_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

void smtpd_log_reject(struct smtpd_session *s, const char *where, const char *text)
{
	smtpd_log_action(s, "reject", where, text);
}

void smtpd_log_action(struct smtpd_session *s, const char *action, const char *where,
		      const char *text)
{
	const struct smtpd_txn *t = &s->txn;
	struct buf line;
	buf_init(&line, 0);
	buf_printf(&line, "%s: %s: %s from %s: %s;", t->queue_id[0] ? t->queue_id : "NOQUEUE",
		   action, where, s->namaddr, text);
	if (t->sender != NULL)
		buf_printf(&line, " from=<%s>", t->sender);
	if (t->n_rcpts > 0)
		buf_printf(&line, " to=<%s>", t->rcpts[t->n_rcpts - 1].address);
	buf_printf(&line, " proto=%s", s->esmtp ? "ESMTP" : "SMTP");
	if (s->helo != NULL)
		buf_printf(&line, " helo=<%s>", s->helo);
	log_info("%s", buf_cstr(&line));
	buf_deinit(&line);
}

/* The order of Postfix's disconnect line. */
static const enum smtp_verb smtpd_session_log_order[] = {
	SMTP_VERB_HELO, SMTP_VERB_EHLO, SMTP_VERB_STARTTLS, SMTP_VERB_AUTH,
	SMTP_VERB_MAIL, SMTP_VERB_RCPT, SMTP_VERB_DATA,	    SMTP_VERB_BDAT,
	SMTP_VERB_RSET, SMTP_VERB_NOOP, SMTP_VERB_VRFY,	    SMTP_VERB_ETRN,
	SMTP_VERB_EXPN, SMTP_VERB_HELP, SMTP_VERB_QUIT,	    SMTP_VERB_UNKNOWN,
};

/* smtpd_session_log_disconnect: "disconnect from name[addr] ehlo=1 ...
 * commands=N", counts as "ok/total" where some failed. */
static void smtpd_session_log_disconnect(struct smtpd_session *s)
{
	struct buf line;
	buf_init(&line, 0);
	for (size_t i = 0; i < sizeof(smtpd_session_log_order) / sizeof(smtpd_session_log_order[0]);
	     i++) {
		const struct smtpd_count *c = &s->counts[smtpd_session_log_order[i]];
		if (c->total == 0)
			continue;
		const char *name = smtpd_session_log_order[i] == SMTP_VERB_UNKNOWN
					   ? "unknown"
					   : smtp_verb_name(smtpd_session_log_order[i]);
		buf_append_char(&line, ' ');
		for (const char *p = name; *p; p++)
			buf_append_char(&line, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
		if (c->ok == c->total)
			buf_printf(&line, "=%u", c->ok);
		else
			buf_printf(&line, "=%u/%u", c->ok, c->total);
	}
	if (s->total.ok == s->total.total)
		buf_printf(&line, " commands=%u", s->total.ok);
	else
		buf_printf(&line, " commands=%u/%u", s->total.ok, s->total.total);
	log_info("disconnect from %s%s", s->namaddr, buf_cstr(&line));
	buf_deinit(&line);
}

/* smtpd_session_free: the end: release everything. */
static void smtpd_session_free(struct smtpd_session *s)
{
	smtpd_session_log_disconnect(s);
	smtpd_txn_reset(s);
	smtpd_peer_lookup_cancel(&s->peer);
	smtpd_check_free(&s->chk);
	milter_client_smtpd_free(s);
	if (s->anvil_counted)
		anvil_disconnect(s->worker->srv->anvil, s->lconf->service, s->addr,
				 smtpd_session_clock());
	sasl_session_free(s);
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	smtpd_tls_session_free(s);
	if (s->delay_ev != NULL)
		event_free(s->delay_ev);
	buf_deinit(&s->delayed);
	free(s->delayed_lens);
	smtp_line_free(&s->lines);
	smtp_data_free(&s->decoder);
	free(s->name);
	free(s->reverse_name);
	free(s->namaddr);
	free(s->helo);
	struct smtpd_worker *w = s->worker;
	if (s->counted) {
		atomic_fetch_sub(&w->srv->sessions, 1);
		atomic_fetch_sub(&w->srv->group_sessions[w->srv->socks[s->sock].group], 1);
	}
	free(s->sasl_method);
	free(s->sasl_username);
	relay_conf_unref(&s->conf);
	smtpd_worker_session_gone(w, s);
	free(s);
}

/* smtpd_session_drop: the connection is unusable: close it now; the
 * session itself goes once no commit is pending. */
static void smtpd_session_drop(struct smtpd_session *s)
{
	if (s->bev != NULL) {
		bufferevent_free(s->bev);
		s->bev = NULL;
	}
	s->state = SMTPD_ST_DEAD;
	if (!s->commit_pending && !s->in_input)
		smtpd_session_free(s);
}

void smtpd_session_abort(struct smtpd_session *s)
{
	smtpd_session_drop(s);
}

/* smtpd_session_after: what the client did last, for "timeout after X"
 * and "lost connection after X": "DATA (123 bytes)" while content streams
 * in. */
static void smtpd_session_after(const struct smtpd_session *s, char *buf, size_t size)
{
	if (s->state == SMTPD_ST_DATA && s->decoder != NULL)
		snprintf(buf, size, "DATA (%llu bytes)",
			 (unsigned long long)smtp_data_stats(s->decoder)->size);
	else
		snprintf(buf, size, "%s", s->last_cmd);
}

static void smtpd_session_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct smtpd_session *s = arg;
	char after[64];
	smtpd_session_after(s, after, sizeof(after));
	if (what & BEV_EVENT_TIMEOUT) {
		log_info("timeout after %s from %s", after, s->namaddr);
		if (s->state != SMTPD_ST_QUIT && (what & BEV_EVENT_READING)) {
			smtpd_reply(s, SMTP_R_TIMEOUT, s->lconf->myhostname, NULL);
			smtpd_session_close(s);
			bufferevent_enable(bev, EV_WRITE);
			return;
		}
	} else if (s->state != SMTPD_ST_QUIT) {
		if (what & BEV_EVENT_ERROR)
			log_info("lost connection after %s from %s: %s", after, s->namaddr,
				 strerror(EVUTIL_SOCKET_ERROR()));
		else
			log_info("lost connection after %s from %s", after, s->namaddr);
	}
	smtpd_session_drop(s);
}

static void smtpd_session_read_cb(struct bufferevent *bev, void *arg)
{
	smtpd_session_input(arg);
}

/* smtpd_session_flush: send the replies queued so far. On a plain socket
 * they are written at once (one writev for a pipelined group), and libevent
 * is asked to finish only what the socket did not take: this saves the
 * two epoll_ctl calls per reply that arming the write event costs. */
static void smtpd_session_flush(struct smtpd_session *s)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);
	if (s->tls_active || evbuffer_get_length(out) == 0 ||
	    (bufferevent_get_enabled(s->bev) & EV_WRITE))
		return;
	evutil_socket_t fd = bufferevent_getfd(s->bev);
	/* The socket bufferevent keeps its output's front frozen for its own
	 * writer; thaw it for ours, as libevent's write callback does. */
	evbuffer_unfreeze(out, 1);
	while (evbuffer_get_length(out) > 0 && evbuffer_write(out, fd) > 0)
		;
	evbuffer_freeze(out, 1);
	if (evbuffer_get_length(out) > 0)
		bufferevent_enable(s->bev, EV_WRITE);
}

/* smtpd_session_write_cb: the output buffer drained. */
static void smtpd_session_write_cb(struct bufferevent *bev, void *arg)
{
	struct smtpd_session *s = arg;
	if (s->state == SMTPD_ST_QUIT) {
		if (s->n_delayed == 0 && !s->commit_pending)
			smtpd_session_drop(s);
		return;
	}
	if (!s->tls_active)
		bufferevent_disable(bev, EV_WRITE); /* smtpd_session_flush writes */
	if (s->state == SMTPD_ST_COMMAND || s->state == SMTPD_ST_DATA)
		smtpd_session_resume(s);
}

/* smtpd_session_delay_cb: the error sleep is over: send the reply. */
static void smtpd_session_delay_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smtpd_session *s = arg;
	size_t len = s->delayed_lens[0];
	bufferevent_write(s->bev, s->delayed.data, len);
	smtpd_session_flush(s);
	buf_consume(&s->delayed, len);
	memmove(s->delayed_lens, s->delayed_lens + 1, --s->n_delayed * sizeof(*s->delayed_lens));
	if (s->n_delayed > 0) {
		struct timeval tv = {(time_t)s->lconf->error_sleep_time, 0};
		evtimer_add(s->delay_ev, &tv);
		return;
	}
	if (s->state == SMTPD_ST_QUIT)
		return; /* the write callback closes */
	smtpd_session_resume(s);
}

/* smtpd_session_hold: a reply waits in s->delayed: send it after
 * smtpd_error_sleep_time, reading nothing meanwhile. */
static void smtpd_session_hold(struct smtpd_session *s)
{
	if (s->n_delayed == 0 || evtimer_pending(s->delay_ev, NULL))
		return;
	struct timeval tv = {(time_t)s->lconf->error_sleep_time, 0};
	bufferevent_disable(s->bev, EV_READ);
	evtimer_add(s->delay_ev, &tv);
}

/* smtpd_session_ready: may the input loop go on? */
static int smtpd_session_ready(struct smtpd_session *s)
{
	if (s->state != SMTPD_ST_COMMAND && s->state != SMTPD_ST_DATA)
		return 0;
	if (s->n_delayed > 0)
		return 0;
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) > SMTPD_OUTPUT_HIGH) {
		bufferevent_disable(s->bev, EV_READ);
		return 0;
	}
	return 1;
}

/* smtpd_session_check_errors: Postfix's hard error limit, checked before
 * each command is read. */
static void smtpd_session_check_errors(struct smtpd_session *s)
{
	if (s->state != SMTPD_ST_COMMAND || s->lconf->hard_error_limit <= 0 ||
	    s->error_count < (unsigned)s->lconf->hard_error_limit)
		return;
	log_info("too many errors after %s from %s", s->last_cmd, s->namaddr);
	smtpd_reply(s, SMTP_R_TOO_MANY_ERRORS, s->lconf->myhostname, NULL);
	smtpd_session_close(s);
}

void smtpd_session_input(struct smtpd_session *s)
{
	if (s->in_input || s->bev == NULL)
		return;
	s->in_input = 1;
	struct evbuffer *in = bufferevent_get_input(s->bev);
	for (;;) {
		smtpd_session_check_errors(s);
		smtpd_session_hold(s);
		if (!smtpd_session_ready(s))
			break;
		struct evbuffer_iovec v;
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
			break;
		size_t used = 0;
		if (s->state == SMTPD_ST_DATA) {
			smtpd_data_input(s, v.iov_base, v.iov_len, &used);
			evbuffer_drain(in, used);
			continue;
		}
		const char *line;
		enum smtp_line_status status;
		int rc = smtp_line_read(s->lines, v.iov_base, v.iov_len, &used, &line, &status);
		evbuffer_drain(in, used);
		if (rc == 1)
			smtpd_cmd_dispatch(s, line, status, evbuffer_get_length(in) > 0);
	}
	s->in_input = 0;
	if (s->state == SMTPD_ST_DEAD) {
		if (!s->commit_pending)
			smtpd_session_free(s);
		return;
	}
	smtpd_session_flush(s);
	/* Reading goes on while a command is answered asynchronously (the
	 * input watermark bounds what piles up); it stops only for held
	 * replies, a client that does not read, and the end. */
	if ((s->state == SMTPD_ST_COMMAND || s->state == SMTPD_ST_DATA) && s->n_delayed == 0 &&
	    evbuffer_get_length(bufferevent_get_output(s->bev)) <= SMTPD_OUTPUT_HIGH &&
	    !(bufferevent_get_enabled(s->bev) & EV_READ))
		bufferevent_enable(s->bev, EV_READ);
}

void smtpd_session_resume(struct smtpd_session *s)
{
	if (s->state == SMTPD_ST_DEAD) {
		if (!s->commit_pending && !s->in_input)
			smtpd_session_free(s);
		return;
	}
	if (s->state == SMTPD_ST_BUSY)
		s->state = SMTPD_ST_COMMAND;
	smtpd_session_input(s);
}

void smtpd_session_close(struct smtpd_session *s)
{
	if (s->state == SMTPD_ST_DEAD)
		return;
	s->state = SMTPD_ST_QUIT;
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_enable(s->bev, EV_WRITE);
	/* When nothing is left to send, the write callback will not come. */
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0 && s->n_delayed == 0 &&
	    !s->commit_pending && !s->in_input)
		smtpd_session_drop(s);
}

void smtpd_session_attach(struct smtpd_session *s)
{
	bufferevent_setcb(s->bev, smtpd_session_read_cb, smtpd_session_write_cb,
			  smtpd_session_event_cb, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, SMTPD_INPUT_HIGH);
	struct timeval tv = {(time_t)s->lconf->timeout, 0};
	bufferevent_set_timeouts(s->bev, &tv, &tv);
}

void smtpd_session_shutdown(struct smtpd_session *s)
{
	if (s->commit_pending || s->state == SMTPD_ST_QUIT || s->state == SMTPD_ST_DEAD)
		return;
	smtpd_reply(s, SMTP_R_UNAVAILABLE, s->lconf->myhostname, NULL);
	smtpd_session_close(s);
}

/* smtpd_session_addrs: the peer's and our address and port as text. */
static void smtpd_session_addrs(struct smtpd_session *s, int fd, const struct sockaddr *peer)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	const struct sockaddr *sas[2] = {peer, (const struct sockaddr *)&local};
	char *addrs[2] = {s->addr, s->server_addr};
	char *ports[2] = {s->port, s->server_port};
	if (getsockname(fd, (struct sockaddr *)&local, &len) < 0)
		memset(&local, 0, sizeof(local));
	for (int i = 0; i < 2; i++) {
		const struct sockaddr *sa = sas[i];
		unsigned port = 0;
		snprintf(addrs[i], INET6_ADDRSTRLEN, "unknown");
		if (sa->sa_family == AF_INET) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
			inet_ntop(AF_INET, &sin->sin_addr, addrs[i], INET6_ADDRSTRLEN);
			port = ntohs(sin->sin_port);
		} else if (sa->sa_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
			inet_ntop(AF_INET6, &sin6->sin6_addr, addrs[i], INET6_ADDRSTRLEN);
			port = ntohs(sin6->sin6_port);
		}
		snprintf(ports[i], 8, "%u", port);
	}
}

int smtpd_session_limits(struct smtpd_session *s)
{
	const struct smtpd_conf *lc = s->lconf;
	if (lc->conn_count_limit == 0 && lc->conn_rate_limit == 0 && lc->msg_rate_limit == 0 &&
	    lc->rcpt_rate_limit == 0)
		return 1;
	if (smtpd_conf_event_exception(lc, s->addr))
		return 1;
	unsigned count, rate;
	anvil_connect(s->worker->srv->anvil, lc->service, s->addr, smtpd_session_clock(), &count,
		      &rate);
	s->anvil_counted = 1;
	if (lc->conn_count_limit > 0 && count > (unsigned)lc->conn_count_limit) {
		log_warn("Connection concurrency limit exceeded: %u from %s for service %s", count,
			 s->namaddr, lc->service);
	} else if (lc->conn_rate_limit > 0 && rate > (unsigned)lc->conn_rate_limit) {
		log_warn("Connection rate limit exceeded: %u from %s for service %s", rate,
			 s->namaddr, lc->service);
	} else {
		return 1;
	}
	smtpd_reply(s, SMTP_R_TOO_MANY_CONNECTIONS, lc->myhostname, s->addr, NULL);
	smtpd_session_close(s);
	return 0;
}

/* smtpd_session_busy: the session limits (posternd's, from the open
 * file limit, and the listener's master.cf maxproc): 1 when fd may not be
 * served now; it was then told so and closed. */
static int smtpd_session_busy(struct smtpd_server *srv, const struct smtpd_conf *lc, size_t sock,
			      int fd, const char *addr, const char *port)
{
	long all = atomic_fetch_add(&srv->sessions, 1) + 1;
	long here = atomic_fetch_add(&srv->group_sessions[srv->socks[sock].group], 1) + 1;
	if (all <= srv->session_limit && (lc->maxproc == 0 || here <= lc->maxproc))
		return 0;
	atomic_fetch_sub(&srv->sessions, 1);
	atomic_fetch_sub(&srv->group_sessions[srv->socks[sock].group], 1);
	log_info("NOQUEUE: reject: CONNECT from [%s]:%s: all server ports busy (service %s)", addr,
		 port, lc->service);
	struct smtp_reply *r = smtp_reply_new(SMTP_R_PORTS_BUSY, NULL);
	struct buf out;
	buf_init(&out, 0);
	smtp_reply_format(r, SMTP_REPLY_ENHANCED, &out);
	/* Best effort: the socket is new, its buffer empty. */
	if (write(fd, out.data, out.len) < 0)
		log_debug(1, "[%s]:%s: %s", addr, port, strerror(errno));
	buf_deinit(&out);
	smtp_reply_free(&r);
	close(fd);
	return 1;
}

void smtpd_session_start(struct smtpd_worker *w, int fd, const struct sockaddr *peer, int peer_len,
			 size_t sock)
{
	struct smtpd_server *srv = w->srv;
	struct relay_conf *conf = smtpd_server_conf(srv);
	const struct smtpd_conf *lc = NULL;
	for (size_t i = 0; i < conf->n_listeners; i++)
		if (strcmp(conf->listeners[i]->service, srv->socks[sock].service) == 0)
			lc = conf->listeners[i];
	if (lc == NULL) {
		log_warn("service %s is gone from master.cf: connection refused until restart",
			 srv->socks[sock].service);
		relay_conf_unref(&conf);
		close(fd);
		return;
	}
	struct smtpd_session *s = xcalloc(1, sizeof(*s));
	smtpd_session_addrs(s, fd, peer);
	(void)peer_len;
	if (smtpd_session_busy(srv, lc, sock, fd, s->addr, s->port)) {
		relay_conf_unref(&conf);
		free(s);
		return;
	}
	s->counted = 1;
	s->sock = sock;
	s->worker = w;
	s->conf = conf;
	s->lconf = lc;
	s->last_cmd = "CONNECT";
	s->cur_verb = -1;
	buf_init(&s->delayed, 0);
	s->name = xstrdup("unknown");
	s->namaddr = xasprintf("%s[%s]", s->name, s->addr);
	s->enhanced = !(lc->discard_ehlo & SMTPD_EHLO_ENHANCEDSTATUSCODES);
	s->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	/* In plaintext, smtpd_session_flush writes; a TLS filter stacked on
	 * this bufferevent (wrapper mode) needs libevent to write for it. */
	if (!lc->tls->wrappermode)
		bufferevent_disable(s->bev, EV_WRITE);
	s->delay_ev = evtimer_new(w->base, smtpd_session_delay_cb, s);
	s->lines = smtp_line_new(lc->line_length_limit, lc->bare_newline);
	if (w->sessions != NULL)
		w->sessions->prev = s;
	s->next = w->sessions;
	w->sessions = s;
	smtpd_session_attach(s);
	s->reverse_name = xstrdup("unknown");
	smtpd_restrict_connect(s);
}
