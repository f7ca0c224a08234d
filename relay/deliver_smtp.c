/* deliver_smtp.c: the SMTP/LMTP client session: a cached session or
 * route, connect, greeting, EHLO, STARTTLS and AUTH (deliver_tls.h,
 * deliver_sasl.h), the mail transaction with or without PIPELINING,
 * content, the final reply or replies, then parking the session or QUIT
 * (see deliver_smtp.h). */
#include "deliver_smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "deliver_conn.h"
#include "deliver_route.h"
#include "deliver_sasl.h"
#include "deliver_smtp_cmd.h"
#include "deliver_tls.h"
#include "mem.h"

/* Outcome of one attempt at one server. */
enum smtp_try {
	SMTP_TRY_DONE,	  /* every recipient has a status */
	SMTP_TRY_NEXT,	  /* this server failed: try the next one */
	SMTP_TRY_STOPPED, /* interrupted */
};

struct smtp_session {
	const struct deliver_smtp_req *req;
	struct deliver_conn *conn;
	char where[512]; /* relay= */
	struct deliver_tls_policy tls; /* of the next hop */
	int tls_on;		       /* the connection is in TLS */
	int retry_plain;	       /* level may, the handshake failed: once more in plaintext */
	int plain_only;		       /* this attempt is that one: no STARTTLS */
	struct smtp_reply *ehlo;       /* the last EHLO/LHLO reply, or NULL */
	unsigned ext;
	unsigned long long size_limit;
	int64_t born_us; /* when the connection was made */
	long long uses;	 /* transactions on it, this one included */
	int broken;	 /* an I/O step failed: the session cannot be reused */
	struct deliver_status *st;
	int *accepted;
	char *fail;	  /* why the last server failed */
	char fail_dsn[16];
	int fail_perm;	  /* that failure was a 5xx reply */
	int stopped;
};

static int64_t smtp_now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* smtp_fail_io: a step failed on the connection: remember why, in
 * Postfix's words. */
static enum smtp_try smtp_fail_io(struct smtp_session *s, enum deliver_conn_fail fail,
				  char *error, const char *during)
{
	free(s->fail);
	s->broken = 1;
	if (fail == DELIVER_CONN_STOPPED)
		s->stopped = 1;
	if (fail == DELIVER_CONN_TIMEOUT)
		s->fail = xasprintf("conversation with %s timed out while %s", s->where, during);
	else
		s->fail = xasprintf("lost connection with %s while %s (%s)", s->where, during,
				    error);
	snprintf(s->fail_dsn, sizeof(s->fail_dsn), "4.4.2");
	s->fail_perm = 0;
	free(error);
	return fail == DELIVER_CONN_STOPPED ? SMTP_TRY_STOPPED : SMTP_TRY_NEXT;
}

/* smtp_fail_reply: the server answered cmd with the failure r. */
static enum smtp_try smtp_fail_reply(struct smtp_session *s, const struct smtp_reply *r,
				     const char *cmd)
{
	struct deliver_status st = {0};
	deliver_smtp_reply_status(r, s->where, cmd, &st);
	free(s->fail);
	s->fail = st.text;
	st.text = NULL;
	snprintf(s->fail_dsn, sizeof(s->fail_dsn), "%s", st.dsn);
	s->fail_perm = r->code >= 500;
	deliver_status_deinit(&st);
	return SMTP_TRY_NEXT;
}

/* smtp_fail_step: a TLS or SASL step failed (why is taken) or was
 * interrupted (why NULL). */
static enum smtp_try smtp_fail_step(struct smtp_session *s, char *why, const char *dsn, int stopped)
{
	if (stopped) {
		s->stopped = 1;
		return SMTP_TRY_STOPPED;
	}
	free(s->fail);
	s->fail = why;
	snprintf(s->fail_dsn, sizeof(s->fail_dsn), "%s", dsn);
	s->fail_perm = 0;
	return SMTP_TRY_NEXT;
}

/* smtp_command: send cmd (if not NULL) and read one reply. */
static enum smtp_try smtp_command(struct smtp_session *s, const struct buf *cmd, long long timeout,
				  const char *during, struct smtp_reply **reply_r)
{
	enum deliver_conn_fail fail;
	char *error = NULL;
	if ((cmd != NULL && deliver_conn_write(s->conn, cmd->data, cmd->len, timeout, &fail,
					       &error) < 0) ||
	    deliver_conn_reply(s->conn, timeout, reply_r, &fail, &error) < 0)
		return smtp_fail_io(s, fail, error, during);
	return SMTP_TRY_DONE;
}

/* smtp_all: give every recipient not yet failed the status of reply r. */
static void smtp_all(struct smtp_session *s, const struct smtp_reply *r, const char *cmd,
		     int only_accepted)
{
	for (size_t k = 0; k < s->req->n_rcpts; k++)
		if (!only_accepted || s->accepted[k])
			deliver_smtp_reply_status(r, s->where, cmd, &s->st[k]);
}

static enum smtp_try smtp_ehlo(struct smtp_session *s);

/* smtp_hello: greeting and EHLO/HELO/LHLO. */
static enum smtp_try smtp_hello(struct smtp_session *s)
{
	const struct deliver_smtp_conf *c = s->req->conf;
	struct smtp_reply *r = NULL;
	enum smtp_try rc = smtp_command(s, NULL, c->helo_timeout, "receiving the initial server greeting", &r);
	if (rc != SMTP_TRY_DONE)
		return rc;
	if (r->code >= 300) {
		char *line = smtp_reply_to_string(r);
		free(s->fail);
		s->fail = xasprintf("host %s refused to talk to me: %s", s->where, line);
		snprintf(s->fail_dsn, sizeof(s->fail_dsn), "%d.0.0", r->code / 100 == 5 ? 5 : 4);
		s->fail_perm = r->code >= 500;
		free(line);
		smtp_reply_free(&r);
		return SMTP_TRY_NEXT;
	}
	smtp_reply_free(&r);
	return smtp_ehlo(s);
}

/* smtp_ehlo: EHLO (HELO when EHLO gets a 5xx) or LHLO; the reply is kept
 * in s->ehlo. */
static enum smtp_try smtp_ehlo(struct smtp_session *s)
{
	const struct deliver_smtp_conf *c = s->req->conf;
	struct smtp_reply *r = NULL;
	struct buf cmd;
	enum smtp_try rc;
	smtp_reply_free(&s->ehlo);
	s->ext = 0;
	buf_init(&cmd, 0);
	buf_printf(&cmd, "%s %s\r\n", s->req->lmtp ? "LHLO" : "EHLO", c->helo_name);
	rc = smtp_command(s, &cmd, c->helo_timeout, "sending EHLO", &r);
	if (rc == SMTP_TRY_DONE && r->code >= 500 && !s->req->lmtp) {
		smtp_reply_free(&r);
		buf_reset(&cmd);
		buf_printf(&cmd, "HELO %s\r\n", c->helo_name);
		rc = smtp_command(s, &cmd, c->helo_timeout, "sending HELO", &r);
	} else if (rc == SMTP_TRY_DONE) {
		s->ext = deliver_smtp_ext(r, &s->size_limit);
	}
	buf_deinit(&cmd);
	if (rc == SMTP_TRY_DONE && r->code >= 300)
		rc = smtp_fail_reply(s, r, s->req->lmtp ? "LHLO" : "EHLO");
	else if (rc == SMTP_TRY_DONE)
		s->ehlo = r, r = NULL;
	smtp_reply_free(&r);
	return rc;
}

/* smtp_secure: STARTTLS with EHLO again, then the SASL login, as the
 * next hop's TLS policy and the SASL settings ask. */
static enum smtp_try smtp_secure(struct smtp_session *s, const struct deliver_target *t)
{
	const struct deliver_smtp_conf *c = s->req->conf;
	char *why = NULL;
	char dsn[16] = "";
	enum smtp_try rc = SMTP_TRY_DONE;
	if (!s->tls_on && !s->plain_only) {
		enum deliver_tls_rc tr =
			deliver_tls_starttls(&s->tls, s->conn, (s->ext & DELIVER_EXT_STARTTLS) != 0,
					     t->host, s->where, &why, dsn);
		if (tr == DELIVER_TLS_ON) {
			s->tls_on = 1;
			rc = smtp_ehlo(s);
		} else if (tr != DELIVER_TLS_PLAIN) {
			s->retry_plain = tr == DELIVER_TLS_RETRY_PLAIN;
			return smtp_fail_step(s, why, dsn, tr == DELIVER_TLS_STOPPED);
		}
	}
	if (rc == SMTP_TRY_DONE && s->ehlo != NULL && !s->req->lmtp) {
		enum deliver_sasl_rc sr =
			deliver_sasl_login(c->sasl, s->conn, s->ehlo, s->tls_on,
					   queue_msg_envelope(s->req->msg)->sender, s->req->nexthop,
					   t->host, s->where, c->helo_timeout, &why, dsn);
		if (sr != DELIVER_SASL_DONE)
			return smtp_fail_step(s, why, dsn, sr == DELIVER_SASL_STOPPED);
	}
	return rc;
}

/* smtp_envelope: MAIL, RCPTs and DATA, pipelined when the server allows.
 * SMTP_TRY_DONE with *go_r 1 when the content is to be sent, 0 when every
 * recipient already has its status. */
static enum smtp_try smtp_envelope(struct smtp_session *s, int *go_r)
{
	const struct deliver_smtp_req *q = s->req;
	const struct deliver_smtp_conf *c = q->conf;
	int pipe = (s->ext & DELIVER_EXT_PIPELINING) != 0;
	struct buf cmd;
	struct smtp_reply *r = NULL;
	enum smtp_try rc;
	size_t n_ok = 0;
	*go_r = 0;
	buf_init(&cmd, 0);
	deliver_smtp_mail(q->msg, s->ext, &cmd);
	if (pipe) {
		for (size_t k = 0; k < q->n_rcpts; k++)
			deliver_smtp_rcpt(queue_msg_rcpt(q->msg, q->rcpts[k]), s->ext, &cmd);
		buf_append_str(&cmd, "DATA\r\n");
	}
	rc = smtp_command(s, &cmd, c->mail_timeout, "sending MAIL FROM", &r);
	if (rc == SMTP_TRY_DONE && r->code >= 300) {
		rc = smtp_fail_reply(s, r, "MAIL FROM");
		if (s->fail_perm) {
			smtp_all(s, r, "MAIL FROM", 0);
			rc = SMTP_TRY_DONE;
		}
		smtp_reply_free(&r);
		buf_deinit(&cmd);
		return rc;
	}
	smtp_reply_free(&r);
	for (size_t k = 0; k < q->n_rcpts && rc == SMTP_TRY_DONE; k++) {
		buf_reset(&cmd);
		if (!pipe)
			deliver_smtp_rcpt(queue_msg_rcpt(q->msg, q->rcpts[k]), s->ext, &cmd);
		rc = smtp_command(s, pipe ? NULL : &cmd, c->rcpt_timeout, "sending RCPT TO", &r);
		if (rc != SMTP_TRY_DONE)
			break;
		if (r->code < 300) {
			s->accepted[k] = 1;
			n_ok++;
		} else {
			deliver_smtp_reply_status(r, s->where, "RCPT TO", &s->st[k]);
		}
		smtp_reply_free(&r);
	}
	if (rc == SMTP_TRY_DONE && (pipe || n_ok > 0)) {
		buf_reset(&cmd);
		buf_append_str(&cmd, "DATA\r\n");
		rc = smtp_command(s, pipe ? NULL : &cmd, c->data_init_timeout, "sending DATA", &r);
		if (rc == SMTP_TRY_DONE && r->code == 354 && n_ok == 0) {
			/* RFC 2920: DATA was accepted for no recipient: an empty message. */
			smtp_reply_free(&r);
			buf_reset(&cmd);
			buf_append_str(&cmd, ".\r\n");
			rc = smtp_command(s, &cmd, c->data_done_timeout, "sending end of data", &r);
		} else if (rc == SMTP_TRY_DONE && r->code != 354 && n_ok > 0) {
			smtp_all(s, r, "DATA", 1);
		} else if (rc == SMTP_TRY_DONE && r->code == 354) {
			*go_r = 1;
		}
		smtp_reply_free(&r);
	}
	buf_deinit(&cmd);
	return rc;
}

/* smtp_content: the message, dot-stuffed, and the end-of-data reply (one
 * per accepted recipient for LMTP). */
static enum smtp_try smtp_content(struct smtp_session *s)
{
	const struct deliver_smtp_req *q = s->req;
	const struct deliver_smtp_conf *c = q->conf;
	struct deliver_smtp_stuff stuff = {1, 0};
	struct buf out;
	const void *data;
	size_t len, iter = 0;
	enum deliver_conn_fail fail;
	char *error = NULL;
	enum smtp_try rc = SMTP_TRY_DONE;
	buf_init(&out, 0);
	for (int more = 1; more && rc == SMTP_TRY_DONE;) {
		more = queue_msg_content_next(q->msg, &iter, &data, &len) > 0;
		if (more)
			deliver_smtp_stuff_chunk(&stuff, data, len, &out);
		else
			deliver_smtp_stuff_end(&stuff, &out);
		if ((out.len >= 65536 || !more) &&
		    deliver_conn_write(s->conn, out.data, out.len, c->data_xfer_timeout, &fail,
				       &error) < 0)
			rc = smtp_fail_io(s, fail, error, "sending message body");
		else if (out.len >= 65536)
			buf_reset(&out);
	}
	buf_deinit(&out);
	for (size_t k = 0; k < q->n_rcpts && rc == SMTP_TRY_DONE; k++) {
		if (!s->accepted[k])
			continue;
		struct smtp_reply *r = NULL;
		rc = smtp_command(s, NULL, c->data_done_timeout, "sending end of data", &r);
		if (rc != SMTP_TRY_DONE)
			break;
		if (q->lmtp) {
			deliver_smtp_reply_status(r, s->where, "end of DATA", &s->st[k]);
		} else {
			smtp_all(s, r, "end of DATA", 1);
			k = q->n_rcpts;
		}
		smtp_reply_free(&r);
	}
	if (rc == SMTP_TRY_NEXT) {
		/* The server may have taken the message: defer, never try elsewhere now. */
		char *text = xasprintf("%s -- message may be sent more than once", s->fail);
		for (size_t k = 0; k < q->n_rcpts; k++)
			if (s->accepted[k] && s->st[k].text == NULL)
				deliver_status_set(&s->st[k], QUEUE_RCPT_DEFERRED, "4.4.2", s->where,
						   "%s", text);
		free(text);
		rc = SMTP_TRY_DONE;
	}
	return rc;
}

/* smtp_quit: QUIT, its reply ignored. */
static void smtp_quit(struct smtp_session *s)
{
	struct buf cmd;
	struct smtp_reply *r = NULL;
	buf_init(&cmd, 0);
	buf_append_str(&cmd, "QUIT\r\n");
	if (smtp_command(s, &cmd, s->req->conf->quit_timeout, "sending QUIT", &r) == SMTP_TRY_DONE)
		smtp_reply_free(&r);
	buf_deinit(&cmd);
}

/* smtp_transact: the mail transaction on a session past EHLO. */
static enum smtp_try smtp_transact(struct smtp_session *s, struct deliver_times *t_r)
{
	const struct deliver_smtp_req *q = s->req;
	enum smtp_try rc = SMTP_TRY_DONE;
	int go = 0;
	s->uses++;
	t_r->conn_use = s->uses;
	t_r->conn_us = smtp_now_us();
	if (s->size_limit > 0 && (s->ext & DELIVER_EXT_SIZE) &&
	    queue_msg_content_size(q->msg) > s->size_limit) {
		for (size_t k = 0; k < q->n_rcpts; k++)
			deliver_status_set(&s->st[k], QUEUE_RCPT_BOUNCED, "5.3.4", s->where,
					   "message size %llu exceeds size limit %llu of server %s",
					   (unsigned long long)queue_msg_content_size(q->msg),
					   s->size_limit, s->where);
		return SMTP_TRY_DONE;
	}
	rc = smtp_envelope(s, &go);
	if (rc == SMTP_TRY_DONE && go)
		rc = smtp_content(s);
	return rc;
}

/* smtp_cache: where sessions for q are parked, or NULL when they are not
 * reused (no cache, or a login per sender). */
static const struct deliver_cache_conf *smtp_cache(const struct deliver_smtp_req *q)
{
	return deliver_sasl_by_sender(q->conf->sasl) ? NULL : q->cache;
}

/* smtp_end: park the session for the next delivery to this next hop, or
 * say QUIT and close it. */
static void smtp_end(struct smtp_session *s, enum smtp_try rc)
{
	const struct deliver_smtp_req *q = s->req;
	if (rc == SMTP_TRY_DONE && !s->broken && smtp_cache(q) != NULL) {
		struct deliver_cached c = {
			.conn = s->conn,
			.ext = s->ext,
			.size_limit = s->size_limit,
			.born_us = s->born_us,
			.uses = s->uses,
		};
		snprintf(c.where, sizeof(c.where), "%s", s->where);
		if (deliver_cache_park(q->cache, q->nexthop, &c) > 0) {
			s->conn = NULL;
			return;
		}
	}
	if (rc == SMTP_TRY_DONE && !s->broken)
		smtp_quit(s);
	deliver_conn_free(&s->conn);
}

/* smtp_try_cached: the transaction on a session parked under the next
 * hop, after an RSET; sessions that fail the RSET are closed and the
 * next is taken. SMTP_TRY_NEXT when none was usable. */
static enum smtp_try smtp_try_cached(struct smtp_session *s, struct deliver_times *t_r)
{
	const struct deliver_smtp_req *q = s->req;
	struct deliver_cached c;
	while (smtp_cache(q) != NULL && deliver_cache_take(q->cache, q->nexthop, &c) > 0) {
		struct smtp_reply *r = NULL;
		struct buf cmd;
		s->conn = c.conn;
		snprintf(s->where, sizeof(s->where), "%s", c.where);
		s->ext = c.ext;
		s->size_limit = c.size_limit;
		s->born_us = c.born_us;
		s->uses = c.uses;
		s->broken = 0;
		buf_init(&cmd, 0);
		buf_append_str(&cmd, "RSET\r\n");
		enum smtp_try rc = smtp_command(s, &cmd, q->conf->rset_timeout, "sending RSET", &r);
		buf_deinit(&cmd);
		if (rc == SMTP_TRY_DONE && r->code < 300) {
			smtp_reply_free(&r);
			rc = smtp_transact(s, t_r);
			smtp_end(s, rc);
			return s->stopped ? SMTP_TRY_STOPPED : rc;
		}
		smtp_reply_free(&r);
		deliver_conn_free(&s->conn);
		if (s->stopped)
			return SMTP_TRY_STOPPED;
	}
	return SMTP_TRY_NEXT;
}

/* smtp_try: one server. */
static enum smtp_try smtp_try(struct smtp_session *s, const struct deliver_target *t,
			      struct deliver_times *t_r)
{
	const struct deliver_smtp_req *q = s->req;
	enum deliver_conn_fail fail;
	char *error = NULL;
	deliver_target_name(t, s->where, sizeof(s->where));
	if (deliver_conn_open(&t->addr, q->conf->connect_timeout, q->stop, &s->conn, &fail,
			      &error) < 0) {
		free(s->fail);
		const char *why = fail == DELIVER_CONN_TIMEOUT ? "Connection timed out" : error;
		if (strncmp(why, "connect: ", 9) == 0)
			why += 9;
		s->fail = xasprintf("connect to %s: %s", s->where, why);
		snprintf(s->fail_dsn, sizeof(s->fail_dsn), "4.4.1");
		s->fail_perm = 0;
		s->stopped = fail == DELIVER_CONN_STOPPED;
		free(error);
		return s->stopped ? SMTP_TRY_STOPPED : SMTP_TRY_NEXT;
	}
	s->born_us = smtp_now_us();
	s->uses = 0;
	s->broken = 0;
	s->tls_on = 0;
	enum smtp_try rc = SMTP_TRY_DONE;
	if (deliver_tls_wrappermode(&s->tls)) {
		char *why = NULL;
		char dsn[16] = "";
		enum deliver_tls_rc tr = deliver_tls_wrap(&s->tls, s->conn, t->host, s->where, &why, dsn);
		s->tls_on = tr == DELIVER_TLS_ON;
		if (!s->tls_on)
			rc = smtp_fail_step(s, why, dsn, tr == DELIVER_TLS_STOPPED);
	}
	if (rc == SMTP_TRY_DONE)
		rc = smtp_hello(s);
	if (rc == SMTP_TRY_DONE)
		rc = smtp_secure(s, t);
	if (rc == SMTP_TRY_DONE)
		rc = smtp_transact(s, t_r);
	smtp_end(s, rc);
	smtp_reply_free(&s->ehlo);
	return s->stopped ? SMTP_TRY_STOPPED : rc;
}

/* smtp_reset: forget the statuses a failed server gave. */
static void smtp_reset(struct smtp_session *s)
{
	for (size_t k = 0; k < s->req->n_rcpts; k++) {
		deliver_status_deinit(&s->st[k]);
		memset(&s->st[k], 0, sizeof(s->st[k]));
		s->accepted[k] = 0;
	}
}

/* smtp_route: the servers of the next hop in turn. SMTP_TRY_NEXT when
 * none took the transaction; the recipients' statuses are set when the
 * next hop has no usable server. */
static enum smtp_try smtp_route(struct smtp_session *s, struct deliver_times *t_r)
{
	const struct deliver_smtp_req *req = s->req;
	struct deliver_route route;
	char dsn[16] = "4.4.1";
	char *error = NULL;
	int rc = deliver_route_find(req->nexthop, req->lmtp, req->conf->families, &route, dsn, &error);
	if (rc <= 0) {
		for (size_t k = 0; k < req->n_rcpts; k++)
			deliver_status_set(&s->st[k],
					   rc == 0 ? QUEUE_RCPT_BOUNCED : QUEUE_RCPT_DEFERRED, dsn,
					   "none", "%s", error);
		free(error);
		return SMTP_TRY_DONE;
	}
	if (deliver_tls_policy_find(req->conf->tls, req->nexthop, &s->tls, &error) < 0) {
		for (size_t k = 0; k < req->n_rcpts; k++)
			deliver_status_set(&s->st[k], QUEUE_RCPT_DEFERRED, "4.3.0", "none", "%s",
					   error);
		free(error);
		deliver_route_deinit(&route);
		return SMTP_TRY_DONE;
	}
	/* Postfix: opportunistic TLS is no use on a private unix socket. */
	if (req->lmtp && strncmp(req->nexthop, "unix:", 5) == 0 && s->tls.level == DELIVER_TLS_MAY)
		s->tls.level = DELIVER_TLS_NONE;
	enum smtp_try tr = SMTP_TRY_NEXT;
	for (size_t i = 0; i < route.n && tr == SMTP_TRY_NEXT; i++) {
		tr = smtp_try(s, &route.targets[i], t_r);
		if (tr == SMTP_TRY_NEXT && s->retry_plain) {
			smtp_reset(s);
			s->retry_plain = 0;
			s->plain_only = 1;
			tr = smtp_try(s, &route.targets[i], t_r);
			s->plain_only = 0;
		}
		if (tr != SMTP_TRY_DONE)
			smtp_reset(s);
	}
	deliver_route_deinit(&route);
	return tr;
}

int deliver_smtp(const struct deliver_smtp_req *req, struct deliver_status *st_r,
		 struct deliver_times *t_r)
{
	struct smtp_session s = {.req = req, .st = st_r};
	s.accepted = xcalloc(req->n_rcpts, sizeof(*s.accepted));
	enum smtp_try tr = smtp_try_cached(&s, t_r);
	if (tr == SMTP_TRY_NEXT) {
		smtp_reset(&s);
		t_r->conn_use = 0;
		tr = smtp_route(&s, t_r);
	}
	if (tr == SMTP_TRY_NEXT) {
		for (size_t k = 0; k < req->n_rcpts; k++)
			deliver_status_set(&st_r[k],
					   s.fail_perm ? QUEUE_RCPT_BOUNCED : QUEUE_RCPT_DEFERRED,
					   s.fail_dsn, s.where, "%s", s.fail);
	} else if (tr == SMTP_TRY_DONE) {
		/* A recipient left without a reply (cannot happen with a sane
		 * server) is deferred rather than lost. */
		for (size_t k = 0; k < req->n_rcpts; k++)
			if (st_r[k].text == NULL)
				deliver_status_set(&st_r[k], QUEUE_RCPT_DEFERRED, "4.4.2", s.where,
						   "no reply from %s for this recipient", s.where);
		/* NOTIFY=SUCCESS: a server with DSN took the request over. */
		for (size_t k = 0; k < req->n_rcpts; k++)
			st_r[k].notice = (s.ext & DELIVER_EXT_DSN) ? DELIVER_NOTICE_NONE
					 : req->lmtp		   ? DELIVER_NOTICE_DELIVERED
								   : DELIVER_NOTICE_RELAYED;
	}
	free(s.accepted);
	free(s.fail);
	deliver_tls_policy_deinit(&s.tls);
	return tr != SMTP_TRY_STOPPED;
}
