/* milter_skel_cb.c: the libmilter side of the skeleton: the callbacks,
 * the per-connection and per-message state, the size bound and spool,
 * and the verdicts (outcome -> action -> reply, one log line each). The
 * milter's hooks see none of libmilter. See milter_skel.h.
 */
#include "milter_skel_private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "sockspec.h"

struct milter_skel_msg {
	struct milter_skel_conn *conn;
	void *data;	/* the milter's */
	int active;	/* between MAIL and the end or abort of the message */
	char *queue_id; /* NULL until the MTA sends macro i */
	char *sender;
	size_t size;
	size_t body_offset; /* size at the end of the header */
	int oversize;
	int pending; /* outcome to apply at end of message, or CONTINUE */
	struct milter_spool *spool;
	char *detail; /* for the verdict line */
	char *reply_detail;
	char *reply_dsn; /* milter_skel_set_reply(), or NULL */
	char *reply_text;
	char **rcpts; /* envelope recipients */
	size_t n_rcpts;
};

struct milter_skel_conn {
	SMFICTX *ctx;
	struct milter_skel_snap *snap;
	void *data; /* the milter's */
	char *host;
	char addr[INET6_ADDRSTRLEN];
	int leadspc;	      /* header values keep their leading white space */
	int connected;	      /* the connect hook ran */
	unsigned long pflags; /* SMFIP_* agreed with the MTA */
	struct buf hdr;	      /* scratch: a header value as the hooks see it */
	struct buf field;     /* scratch: a header field as the message has it */
	struct milter_skel_msg msg;
};

static const char *const skel_action_names[] = {"accept", "tag",      "quarantine",
						"reject", "tempfail", "discard"};

static const struct milter_skel_def *skel_def;

/* Messages in progress, for a clean stop. */
static pthread_mutex_t skel_busy_lock = PTHREAD_MUTEX_INITIALIZER;
static int skel_busy;

static void skel_busy_add(int delta)
{
	pthread_mutex_lock(&skel_busy_lock);
	skel_busy += delta;
	pthread_mutex_unlock(&skel_busy_lock);
}

int milter_skel_cb_wait_idle(int seconds)
{
	const struct timespec tick = {0, 50 * 1000 * 1000};
	for (int i = 0; i < seconds * 20; i++) {
		pthread_mutex_lock(&skel_busy_lock);
		int busy = skel_busy;
		pthread_mutex_unlock(&skel_busy_lock);
		if (busy == 0)
			return 1;
		nanosleep(&tick, NULL);
	}
	return 0;
}

/* --- accessors (milter_skel.h) ------------------------------------------- */

const void *milter_skel_settings(const struct milter_skel_conn *c)
{
	return c->snap->settings;
}

void *milter_skel_state(const struct milter_skel_conn *c)
{
	return c->snap->state;
}

const char *milter_skel_conn_host(const struct milter_skel_conn *c)
{
	return c->host != NULL ? c->host : "unknown";
}

const char *milter_skel_conn_addr(const struct milter_skel_conn *c)
{
	return c->addr[0] != '\0' ? c->addr : NULL;
}

const char *milter_skel_macro(const struct milter_skel_conn *c, const char *name)
{
	return smfi_getsymval(c->ctx, (char *)name);
}

void *milter_skel_conn_data(const struct milter_skel_conn *c)
{
	return c->data;
}

void *milter_skel_msg_data(const struct milter_skel_msg *m)
{
	return m->data;
}

struct milter_skel_conn *milter_skel_msg_conn(struct milter_skel_msg *m)
{
	return m->conn;
}

const char *milter_skel_queue_id(const struct milter_skel_msg *m)
{
	return m->queue_id != NULL ? m->queue_id : "NOQUEUE";
}

const char *milter_skel_sender(const struct milter_skel_msg *m)
{
	return m->sender != NULL ? m->sender : "";
}

const char *const *milter_skel_rcpts(const struct milter_skel_msg *m, size_t *n_r)
{
	*n_r = m->n_rcpts;
	return (const char *const *)m->rcpts;
}

size_t milter_skel_msg_size(const struct milter_skel_msg *m)
{
	return m->size;
}

size_t milter_skel_body_offset(const struct milter_skel_msg *m)
{
	return m->body_offset;
}

struct milter_spool *milter_skel_spool(const struct milter_skel_msg *m)
{
	return m->spool;
}

void milter_skel_detail(struct milter_skel_msg *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	if (m->detail != NULL) {
		char *both = xasprintf("%s %s", m->detail, text);
		free(text);
		text = both;
	}
	free(m->detail);
	m->detail = text;
}

void milter_skel_reply_detail(struct milter_skel_msg *m, const char *text)
{
	free(m->reply_detail);
	m->reply_detail = xstrdup(text);
}

void milter_skel_set_reply(struct milter_skel_msg *m, const char *dsn, const char *text)
{
	free(m->reply_dsn);
	free(m->reply_text);
	m->reply_dsn = xstrdup(dsn);
	m->reply_text = xstrdup(text);
}

/* --- header changes ------------------------------------------------------ */

/* skel_mta_value: value as the MTA wants it: "\n" line breaks, and the
 * leading space when the MTA keeps what we send as it is. Caller frees. */
static char *skel_mta_value(const struct milter_skel_conn *c, const char *value)
{
	struct buf out;
	buf_init(&out, 0);
	if (c->leadspc)
		buf_append_char(&out, ' ');
	for (const char *p = value; *p != '\0'; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			buf_append_char(&out, *p);
	char *text = buf_detach(&out);
	buf_deinit(&out);
	return text;
}

static int skel_header_result(struct milter_skel_msg *m, int rc, const char *what, const char *name)
{
	if (rc == MI_SUCCESS)
		return 1;
	log_warn("%s: %s %s: refused by the MTA", milter_skel_queue_id(m), what, name);
	return -1;
}

int milter_skel_insheader(struct milter_skel_msg *m, int index, const char *name, const char *value)
{
	char *v = skel_mta_value(m->conn, value);
	int rc = smfi_insheader(m->conn->ctx, index, (char *)name, v);
	free(v);
	return skel_header_result(m, rc, "insert", name);
}

int milter_skel_addheader(struct milter_skel_msg *m, const char *name, const char *value)
{
	char *v = skel_mta_value(m->conn, value);
	int rc = smfi_addheader(m->conn->ctx, (char *)name, v);
	free(v);
	return skel_header_result(m, rc, "add", name);
}

int milter_skel_delheader(struct milter_skel_msg *m, const char *name, int index)
{
	int rc = smfi_chgheader(m->conn->ctx, (char *)name, index, NULL);
	return skel_header_result(m, rc, "delete", name);
}

int milter_skel_chgheader(struct milter_skel_msg *m, const char *name, int index, const char *value)
{
	char *v = skel_mta_value(m->conn, value);
	int rc = smfi_chgheader(m->conn->ctx, (char *)name, index, v);
	free(v);
	return skel_header_result(m, rc, "change", name);
}

/* skel_rcpt_arg: rcpt in angle brackets, as libmilter passes it on. */
static char *skel_rcpt_arg(const char *rcpt)
{
	return xasprintf("<%s>", rcpt);
}

int milter_skel_addrcpt(struct milter_skel_msg *m, const char *rcpt)
{
	char *arg = skel_rcpt_arg(rcpt);
	int rc = smfi_addrcpt(m->conn->ctx, arg);
	free(arg);
	return skel_header_result(m, rc, "add recipient", rcpt);
}

int milter_skel_delrcpt(struct milter_skel_msg *m, const char *rcpt)
{
	char *arg = skel_rcpt_arg(rcpt);
	int rc = smfi_delrcpt(m->conn->ctx, arg);
	free(arg);
	return skel_header_result(m, rc, "delete recipient", rcpt);
}

int milter_skel_replacebody(struct milter_skel_msg *m, const void *data, size_t len)
{
	/* libmilter sends at most 64 KB per reply: hand it pieces. */
	const unsigned char *p = data;
	int rc = MI_SUCCESS;
	do {
		size_t n = len < 65535 ? len : 65535;
		rc = smfi_replacebody(m->conn->ctx, (unsigned char *)p, (int)n);
		p += n;
		len -= n;
	} while (rc == MI_SUCCESS && len > 0);
	return skel_header_result(m, rc, "replace", "body");
}

/* The body rewritten while the spool is read, sent to the MTA in pieces. */
struct skel_rewrite {
	struct milter_skel_msg *m;
	milter_skel_rewrite_fn *fn;
	void *context;
	struct buf out;
	int rc;
};

static int skel_rewrite_piece(const void *data, size_t len, void *context)
{
	struct skel_rewrite *rw = context;

	rw->fn(data, len, &rw->out, rw->context);
	if (buf_len(&rw->out) >= 65536) {
		rw->rc = milter_skel_replacebody(rw->m, buf_cstr(&rw->out), buf_len(&rw->out));
		buf_reset(&rw->out);
	}
	return rw->rc > 0;
}

int milter_skel_rewrite_body(struct milter_skel_msg *m, size_t offset, milter_skel_rewrite_fn *fn,
			     void *context)
{
	struct skel_rewrite rw = {.m = m, .fn = fn, .context = context, .rc = 1};
	char *error = NULL;

	buf_init(&rw.out, 0);
	if (milter_spool_read(milter_skel_spool(m), offset, skel_rewrite_piece, &rw, &error) < 0) {
		log_error("%s: %s", milter_skel_queue_id(m), error);
		free(error);
		rw.rc = -1;
	}
	if (rw.rc > 0)
		rw.rc = milter_skel_replacebody(m, buf_cstr(&rw.out), buf_len(&rw.out));
	buf_deinit(&rw.out);
	return rw.rc;
}

/* --- verdicts ------------------------------------------------------------ */

/* skel_reply_text: text safe for an SMTP reply through libmilter: no
 * control characters, '%' doubled (the MTA may use it as a format). */
static char *skel_reply_text(const char *text, const char *detail)
{
	struct buf out;
	buf_init(&out, 0);
	char *joined = detail != NULL ? xasprintf("%s: %s", text, detail) : xstrdup(text);
	for (const char *p = joined; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			buf_append_char(&out, '?');
		else if (*p == '%')
			buf_append_str(&out, "%%");
		else
			buf_append_char(&out, *p);
	}
	free(joined);
	char *safe = buf_detach(&out);
	buf_deinit(&out);
	return safe;
}

static const struct milter_skel_outcome skel_internal_row = {
	"internal_error",
	"internal_error_action",
	"tempfail",
	0,
	"3.0",
	"Internal error in the mail filter, try again later",
};

/* skel_decide: carry out outcome. Tag and quarantine wait for the end of
 * the message (only then may a milter change it). */
static sfsistat skel_decide(struct milter_skel_conn *c, int outcome, int at_eom)
{
	struct milter_skel_msg *m = &c->msg;
	const struct milter_skel_def *def = c->snap->def;
	const struct milter_skel_outcome *row;
	int action;

	if (outcome == MILTER_SKEL_CONTINUE)
		return SMFIS_CONTINUE;
	if (outcome == MILTER_SKEL_INTERNAL) {
		row = &skel_internal_row;
		action = c->snap->skel.internal_error_action;
	} else if (outcome >= 0 && (size_t)outcome < def->n_outcomes) {
		row = &def->outcomes[outcome];
		action = c->snap->actions[outcome];
	} else {
		log_panic("milter hook returned outcome %d", outcome);
	}
	if (!at_eom && (action == MILTER_SKEL_TAG || action == MILTER_SKEL_QUARANTINE)) {
		m->pending = outcome;
		return SMFIS_CONTINUE;
	}
	log_info("%s: outcome=%s action=%s%s%s%s%s", milter_skel_queue_id(m), row->name,
		 skel_action_names[action], m->detail != NULL ? " " : "",
		 m->detail != NULL ? m->detail : "",
		 m->active ? "" : " client=", m->active ? "" : milter_skel_conn_host(c));
	char *text, *xcode, *reason;
	switch ((enum milter_skel_action)action) {
	case MILTER_SKEL_ACCEPT:
		return SMFIS_ACCEPT;
	case MILTER_SKEL_TAG:
		if (def->hooks->tag != NULL)
			def->hooks->tag(m, outcome);
		return SMFIS_ACCEPT;
	case MILTER_SKEL_QUARANTINE:
		reason =
			xasprintf("postern-%s: %s%s%s", def->name, row->name,
				  m->detail != NULL ? " " : "", m->detail != NULL ? m->detail : "");
		if (smfi_quarantine(c->ctx, reason) != MI_SUCCESS)
			log_warn("%s: quarantine refused by the MTA", milter_skel_queue_id(m));
		free(reason);
		return SMFIS_ACCEPT;
	case MILTER_SKEL_REJECT:
	case MILTER_SKEL_TEMPFAIL:
		text = skel_reply_text(m->reply_text != NULL ? m->reply_text : row->text,
				       m->reply_detail);
		if (m->reply_dsn != NULL)
			xcode = xasprintf("%c%s", action == MILTER_SKEL_REJECT ? '5' : '4',
					  m->reply_dsn + 1);
		else
			xcode = xasprintf("%c.%s", action == MILTER_SKEL_REJECT ? '5' : '4',
					  row->status);
		smfi_setreply(c->ctx, action == MILTER_SKEL_REJECT ? "550" : "451", xcode, text);
		free(text);
		free(xcode);
		return action == MILTER_SKEL_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
	case MILTER_SKEL_DISCARD:
		return SMFIS_DISCARD;
	}
	log_panic("action %d", action);
}

/* --- connection and message state ---------------------------------------- */

static void skel_msg_reset(struct milter_skel_msg *m)
{
	const struct milter_skel_hooks *hooks = skel_def->hooks;
	if (m->data != NULL && hooks->msg_free != NULL)
		hooks->msg_free(m->data);
	if (m->active)
		skel_busy_add(-1);
	milter_spool_free(&m->spool);
	free(m->queue_id);
	free(m->sender);
	free(m->detail);
	free(m->reply_detail);
	free(m->reply_dsn);
	free(m->reply_text);
	for (size_t i = 0; i < m->n_rcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	struct milter_skel_conn *c = m->conn;
	*m = (struct milter_skel_msg){.conn = c, .pending = MILTER_SKEL_CONTINUE};
}

static struct milter_skel_conn *skel_conn(SMFICTX *ctx)
{
	struct milter_skel_conn *c = smfi_getpriv(ctx);
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		c->msg.conn = c;
		c->msg.pending = MILTER_SKEL_CONTINUE;
		buf_init(&c->hdr, 0);
		buf_init(&c->field, 0);
		smfi_setpriv(ctx, c);
	}
	/* Every callback may come first: an MTA (or garbage) need not send
	 * CONNECT before the rest. */
	if (c->snap == NULL)
		c->snap = milter_skel_snap_current();
	c->ctx = ctx;
	return c;
}

static void skel_conn_free(SMFICTX *ctx)
{
	struct milter_skel_conn *c = smfi_getpriv(ctx);
	if (c == NULL)
		return;
	c->ctx = ctx;
	skel_msg_reset(&c->msg);
	if (c->data != NULL && skel_def->hooks->conn_free != NULL)
		skel_def->hooks->conn_free(c->data);
	milter_skel_snap_unref(&c->snap);
	buf_deinit(&c->hdr);
	buf_deinit(&c->field);
	free(c->host);
	free(c);
	smfi_setpriv(ctx, NULL);
}

/* skel_queue_id: pick up the queue id as soon as the MTA sends it. */
static void skel_queue_id(struct milter_skel_conn *c)
{
	if (c->msg.queue_id != NULL)
		return;
	const char *qid = smfi_getsymval(c->ctx, "i");
	if (qid != NULL && *qid != '\0')
		c->msg.queue_id = xstrdup(qid);
}

/* skel_skip: the message needs no more work from the hooks. */
static int skel_skip(const struct milter_skel_msg *m)
{
	return !m->active || m->oversize || m->pending != MILTER_SKEL_CONTINUE;
}

/* skel_count: add n bytes; 0 while within message_size_limit. */
static int skel_count(struct milter_skel_conn *c, size_t n)
{
	struct milter_skel_msg *m = &c->msg;
	long long limit = c->snap->skel.message_size_limit;
	m->size += n;
	if (limit > 0 && m->size > (unsigned long long)limit && !m->oversize) {
		m->oversize = 1;
		milter_spool_free(&m->spool);
		milter_skel_detail(m, "size=%zu limit=%lld", m->size, limit);
	}
	return m->oversize;
}

static int skel_spool(struct milter_skel_msg *m, const void *data, size_t len)
{
	char *error = NULL;
	if (m->spool == NULL || milter_spool_append(m->spool, data, len, &error) > 0)
		return MILTER_SKEL_CONTINUE;
	log_error("%s: spool: %s", milter_skel_queue_id(m), error);
	free(error);
	return MILTER_SKEL_INTERNAL;
}

/* --- callbacks ----------------------------------------------------------- */

static sfsistat skel_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
			       unsigned long f3, unsigned long *pf0, unsigned long *pf1,
			       unsigned long *pf2, unsigned long *pf3)
{
	struct milter_skel_conn *c = skel_conn(ctx);
	unsigned long want = skel_def->actions;
	if ((f0 & want) != want)
		log_warn("the MTA does not allow every action postern-%s needs (offered 0x%lx, "
			 "wanted 0x%lx)",
			 skel_def->name, f0, want);
	*pf0 = f0 & want;
	/* Header fields and body need no answer each (fewer round trips):
	 * decisions made there wait for the end of the message. So do the
	 * connection and MAIL when the milter has no connect hook (nothing can
	 * refuse a connection), and RCPT when it has no rcpt hook. */
	unsigned long nr = SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;
	if (skel_def->hooks->connect == NULL)
		nr |= SMFIP_NR_CONN | SMFIP_NR_MAIL;
	if (skel_def->hooks->rcpt == NULL)
		nr |= SMFIP_NR_RCPT;
	*pf1 = f1 & (SMFIP_HDR_LEADSPC | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA | nr);
	*pf2 = 0;
	*pf3 = 0;
	c->pflags = *pf1;
	c->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	return SMFIS_CONTINUE;
}

/* skel_content: the answer to MAIL, a header field, the end of the header
 * or a body piece. When the MTA agreed not to wait for one (nr), there is
 * none, and a decision waits for the end of the message. */
static sfsistat skel_content(struct milter_skel_conn *c, int rc, unsigned long nr)
{
	if ((c->pflags & nr) == 0)
		return skel_decide(c, rc, 0);
	if (rc != MILTER_SKEL_CONTINUE && c->msg.active && c->msg.pending == MILTER_SKEL_CONTINUE)
		c->msg.pending = rc;
	return SMFIS_NOREPLY;
}

/* skel_connected: run the connect hook once per connection. */
static int skel_connected(struct milter_skel_conn *c)
{
	if (c->connected)
		return MILTER_SKEL_CONTINUE;
	c->connected = 1;
	if (skel_def->hooks->connect == NULL)
		return MILTER_SKEL_CONTINUE;
	return skel_def->hooks->connect(c, &c->data);
}

static sfsistat skel_connect(SMFICTX *ctx, char *host, struct sockaddr *sa)
{
	struct milter_skel_conn *c = skel_conn(ctx);
	free(c->host);
	c->host = xstrdup(host != NULL ? host : "unknown");
	c->addr[0] = '\0';
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr, c->addr,
			  sizeof(c->addr));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, c->addr,
			  sizeof(c->addr));
	int rc = skel_connected(c);
	if (c->pflags & SMFIP_NR_CONN)
		return SMFIS_NOREPLY; /* no connect hook: rc is CONTINUE */
	return skel_decide(c, rc, 0);
}

static sfsistat skel_envfrom(SMFICTX *ctx, char **argv)
{
	struct milter_skel_conn *c = skel_conn(ctx);
	struct milter_skel_msg *m = &c->msg;
	const struct milter_skel_settings *s = &c->snap->skel;

	skel_msg_reset(m);
	/* MAIL without CONNECT: the client is unknown. */
	int rc = skel_connected(c);
	if (rc != MILTER_SKEL_CONTINUE)
		return skel_decide(c, rc, 0);
	m->active = 1;
	skel_busy_add(1);
	const char *from = argv[0] != NULL ? argv[0] : "";
	size_t len = strlen(from);
	if (len >= 2 && from[0] == '<' && from[len - 1] == '>')
		m->sender = xstrndup(from + 1, len - 2);
	else
		m->sender = xstrdup(from);
	log_debug(1, "%s: from=<%s> client=%s[%s]", milter_skel_queue_id(m), m->sender,
		  milter_skel_conn_host(c), c->addr);
	skel_queue_id(c);
	if (skel_def->spool)
		m->spool = milter_spool_new((size_t)s->spool_threshold, s->temp_directory);
	if (skel_def->hooks->mail == NULL)
		return skel_content(c, MILTER_SKEL_CONTINUE, SMFIP_NR_MAIL);
	return skel_content(c, skel_def->hooks->mail(m, &m->data), SMFIP_NR_MAIL);
}

static sfsistat skel_envrcpt(SMFICTX *ctx, char **argv)
{
	struct milter_skel_conn *c = skel_conn(ctx);
	struct milter_skel_msg *m = &c->msg;
	skel_queue_id(c);
	const char *to = argv[0] != NULL ? argv[0] : "";
	size_t len = strlen(to);
	m->rcpts = xreallocarray(m->rcpts, m->n_rcpts + 1, sizeof(*m->rcpts));
	if (len >= 2 && to[0] == '<' && to[len - 1] == '>')
		m->rcpts[m->n_rcpts++] = xstrndup(to + 1, len - 2);
	else
		m->rcpts[m->n_rcpts++] = xstrdup(to);
	if (skel_def->hooks->rcpt == NULL || skel_skip(m))
		return (c->pflags & SMFIP_NR_RCPT) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	sfsistat rc = skel_decide(c, skel_def->hooks->rcpt(m, m->rcpts[m->n_rcpts - 1]), 0);
	if (rc == SMFIS_REJECT || rc == SMFIS_TEMPFAIL)
		free(m->rcpts[--m->n_rcpts]);
	return rc;
}

/* skel_header_value: the value as hooks see it: leading white space as
 * in the message, CRLF line breaks. Points into c->hdr. */
static const char *skel_header_value(struct milter_skel_conn *c, const char *value)
{
	buf_reset(&c->hdr);
	if (!c->leadspc)
		buf_append_char(&c->hdr, ' ');
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			buf_append_char(&c->hdr, '\r');
		buf_append_char(&c->hdr, *p);
	}
	return buf_cstr(&c->hdr);
}

static int skel_header_step(struct milter_skel_conn *c, const char *name, const char *value)
{
	struct milter_skel_msg *m = &c->msg;
	skel_queue_id(c);
	if (skel_skip(m))
		return MILTER_SKEL_CONTINUE;
	const char *v = skel_header_value(c, value);
	size_t nlen = strlen(name), vlen = strlen(v);
	if (skel_count(c, nlen + 1 + vlen + 2))
		return MILTER_SKEL_CONTINUE;
	const struct milter_skel_hooks *hooks = skel_def->hooks;
	int rc = MILTER_SKEL_CONTINUE;
	if (m->spool != NULL || hooks->message != NULL) {
		buf_reset(&c->field);
		buf_printf(&c->field, "%s:%s\r\n", name, v);
	}
	if (m->spool != NULL)
		rc = skel_spool(m, buf_cstr(&c->field), buf_len(&c->field));
	if (rc == MILTER_SKEL_CONTINUE && hooks->header != NULL)
		rc = hooks->header(m, name, v);
	if (rc == MILTER_SKEL_CONTINUE && hooks->message != NULL)
		rc = hooks->message(m, buf_cstr(&c->field), buf_len(&c->field));
	return rc;
}

static sfsistat skel_header(SMFICTX *ctx, char *name, char *value)
{
	struct milter_skel_conn *c = skel_conn(ctx);
	return skel_content(c, skel_header_step(c, name, value), SMFIP_NR_HDR);
}

static int skel_eoh_step(struct milter_skel_conn *c)
{
	struct milter_skel_msg *m = &c->msg;
	skel_queue_id(c);
	if (skel_skip(m) || skel_count(c, 2))
		return MILTER_SKEL_CONTINUE;
	m->body_offset = m->size;
	int rc = skel_spool(m, "\r\n", 2);
	if (rc == MILTER_SKEL_CONTINUE && skel_def->hooks->eoh != NULL)
		rc = skel_def->hooks->eoh(m);
	if (rc == MILTER_SKEL_CONTINUE && skel_def->hooks->message != NULL)
		rc = skel_def->hooks->message(m, "\r\n", 2);
	return rc;
}

static sfsistat skel_eoh(SMFICTX *ctx)
{
	struct milter_skel_conn *c = skel_conn(ctx);
	return skel_content(c, skel_eoh_step(c), SMFIP_NR_EOH);
}

static int skel_body_step(struct milter_skel_conn *c, const unsigned char *data, size_t len)
{
	struct milter_skel_msg *m = &c->msg;
	if (skel_skip(m) || skel_count(c, len))
		return MILTER_SKEL_CONTINUE;
	int rc = skel_spool(m, data, len);
	if (rc == MILTER_SKEL_CONTINUE && skel_def->hooks->body != NULL)
		rc = skel_def->hooks->body(m, data, len);
	if (rc == MILTER_SKEL_CONTINUE && skel_def->hooks->message != NULL)
		rc = skel_def->hooks->message(m, data, len);
	return rc;
}

static sfsistat skel_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	struct milter_skel_conn *c = skel_conn(ctx);
	return skel_content(c, skel_body_step(c, data, len), SMFIP_NR_BODY);
}

static sfsistat skel_eom(SMFICTX *ctx)
{
	struct milter_skel_conn *c = skel_conn(ctx);
	struct milter_skel_msg *m = &c->msg;
	sfsistat rc;
	skel_queue_id(c);
	if (!m->active)
		rc = SMFIS_CONTINUE; /* decided earlier (accepted or refused) */
	else if (m->pending != MILTER_SKEL_CONTINUE)
		rc = skel_decide(c, m->pending, 1);
	else if (m->oversize)
		rc = skel_decide(c, skel_def->too_big, 1);
	else if (skel_def->hooks->eom != NULL)
		rc = skel_decide(c, skel_def->hooks->eom(m), 1);
	else
		rc = SMFIS_CONTINUE;
	skel_msg_reset(m);
	return rc;
}

static sfsistat skel_abort(SMFICTX *ctx)
{
	skel_msg_reset(&skel_conn(ctx)->msg);
	return SMFIS_CONTINUE;
}

static sfsistat skel_close(SMFICTX *ctx)
{
	skel_conn_free(ctx);
	return SMFIS_CONTINUE;
}

/* --- start and run ------------------------------------------------------- */

/* skel_libmilter_spec: the spec in libmilter's own convention. */
static char *skel_libmilter_spec(const struct sockspec *spec)
{
	if (spec->kind == SOCKSPEC_UNIX)
		return xasprintf("unix:%s", spec->path);
	if (spec->host == NULL)
		return xasprintf("inet:%u", spec->port);
	int v6 = spec->family == AF_INET6 || strchr(spec->host, ':') != NULL;
	return xasprintf("%s:%u@%s", v6 ? "inet6" : "inet", spec->port, spec->host);
}

/* skel_socket_owner: give a unix socket the mode and owner it should have
 * once the daemon runs as user. */
static int skel_socket_owner(const char *path, const struct milter_skel_settings *s, char **error_r)
{
	if (chmod(path, s->socket_mode) < 0) {
		*error_r = xasprintf("chmod %s: %s", path, strerror(errno));
		return -1;
	}
	if (geteuid() != 0 || *s->user == '\0')
		return 1;
	char pwbuf[4096];
	struct passwd pw, *res = NULL;
	if (getpwnam_r(s->user, &pw, pwbuf, sizeof(pwbuf), &res) != 0 || res == NULL) {
		*error_r = xasprintf("user %s: no such user", s->user);
		return -1;
	}
	if (chown(path, pw.pw_uid, pw.pw_gid) < 0) {
		*error_r = xasprintf("chown %s: %s", path, strerror(errno));
		return -1;
	}
	return 1;
}

/* skel_nodelay: turn Nagle's algorithm off on libmilter's listening TCP
 * socket (accepted connections inherit it). libmilter writes each reply
 * at the end of a message (header changes, then the verdict) with its own
 * write; with Nagle on, the second waits for the MTA's delayed ACK, 40 ms
 * a message. libmilter does not give the descriptor out: it is the
 * listening socket on our port. */
static void skel_nodelay(const struct sockspec *spec)
{
	for (int fd = 3; fd < 1024; fd++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int listening = 0, on = 1;
		socklen_t olen = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &olen) < 0 ||
		    !listening || getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			continue;
		unsigned port =
			ss.ss_family == AF_INET	   ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
			: ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
						   : 0;
		if (port == spec->port &&
		    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) < 0)
			log_warn("TCP_NODELAY: %s", strerror(errno));
	}
}

int milter_skel_cb_open(const struct milter_skel_def *def, char **error_r)
{
	static struct smfiDesc desc = {
		.xxfi_version = SMFI_VERSION,
		.xxfi_connect = skel_connect,
		.xxfi_envfrom = skel_envfrom,
		.xxfi_envrcpt = skel_envrcpt,
		.xxfi_header = skel_header,
		.xxfi_eoh = skel_eoh,
		.xxfi_body = skel_body,
		.xxfi_eom = skel_eom,
		.xxfi_abort = skel_abort,
		.xxfi_close = skel_close,
		.xxfi_negotiate = skel_negotiate,
	};
	struct milter_skel_snap *snap = milter_skel_snap_current();
	struct sockspec *spec = NULL;
	char *conn = NULL;
	int rc = -1;

	skel_def = def;
	desc.xxfi_name = (char *)def->name;
	desc.xxfi_flags = def->actions;
	if (sockspec_parse(snap->skel.socket, SOCKSPEC_LISTEN, &spec, error_r) < 0)
		goto done;
	conn = skel_libmilter_spec(spec);
	if (smfi_register(desc) != MI_SUCCESS || smfi_setconn(conn) != MI_SUCCESS) {
		*error_r = xasprintf("libmilter refuses socket %s", conn);
		goto done;
	}
	/* Nobody may connect before the socket has its final mode. */
	mode_t old = umask(0177);
	int opened = smfi_opensocket(1);
	umask(old);
	if (opened != MI_SUCCESS) {
		*error_r = xasprintf("cannot listen on %s (in use, or no permission?)",
				     snap->skel.socket);
		goto done;
	}
	if (spec->kind == SOCKSPEC_UNIX && skel_socket_owner(spec->path, &snap->skel, error_r) < 0)
		goto done;
	if (spec->kind == SOCKSPEC_INET)
		skel_nodelay(spec);
	rc = 1;
done:
	sockspec_free(&spec);
	free(conn);
	milter_skel_snap_unref(&snap);
	return rc;
}

int milter_skel_cb_run(void)
{
	return smfi_main() == MI_SUCCESS ? 1 : -1;
}
