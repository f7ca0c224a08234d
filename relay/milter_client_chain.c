/* milter_client_chain.c: a session's milters in order. Each SMTP stage is
 * sent to each milter (macros first); the first refusal decides; at the
 * end of the message each milter in turn gets the message
 * (milter_client_eom.c). A milter that fails stands for its
 * default_action from then on, as in Postfix.
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mem.h"
#include "milter_client_private.h"
#include "smtp_reply.h"

struct milter_chain *milter_chain_new(const struct milter_client_conf *conf,
				      struct event_base *base)
{
	struct milter_chain *c = xcalloc(1, sizeof(*c));
	c->conf = conf;
	c->base = base;
	c->n = conf->n_milters;
	c->slots = xcalloc(c->n, sizeof(*c->slots));
	for (size_t i = 0; i < c->n; i++)
		c->slots[i].conn = milter_conn_new(&conf->milters[i], base);
	buf_init(&c->content, 0);
	buf_init(&c->result.content, 0);
	buf_init(&c->new_body, 0);
	return c;
}

static void milter_chain_result_clear(struct milter_chain *c)
{
	struct milter_result *r = &c->result;
	FREE_AND_NULL(r->hold_reason);
	FREE_AND_NULL(r->hold_filter);
	FREE_AND_NULL(r->sender);
	FREE_AND_NULL(r->sender_args);
	FREE_AND_NULL(r->redirect);
	for (size_t i = 0; i < r->n_add_rcpts; i++) {
		free(r->add_rcpts[i].addr);
		free(r->add_rcpts[i].args);
	}
	for (size_t i = 0; i < r->n_del_rcpts; i++)
		free(r->del_rcpts[i]);
	FREE_AND_NULL(r->add_rcpts);
	FREE_AND_NULL(r->del_rcpts);
	r->n_add_rcpts = r->n_del_rcpts = 0;
	r->discard = 0;
	buf_reset(&r->content);
}

static void milter_chain_args_free(struct milter_chain *c)
{
	for (size_t i = 0; c->args != NULL && c->args[i] != NULL; i++)
		free(c->args[i]);
	FREE_AND_NULL(c->args);
}

void milter_chain_free(struct milter_chain **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct milter_chain *c = *cp;
	for (size_t i = 0; i < c->n; i++)
		milter_conn_free(&c->slots[i].conn);
	free(c->slots);
	if (c->finish_ev != NULL)
		event_free(c->finish_ev);
	smtp_reply_free(&c->reply);
	smtp_reply_free(&c->session_reply);
	smtp_reply_free(&c->hbc_reply);
	milter_chain_args_free(c);
	free(c->unknown);
	buf_deinit(&c->content);
	buf_deinit(&c->new_body);
	if (c->msg_parsed)
		milter_msg_deinit(&c->msg);
	milter_chain_result_clear(c);
	buf_deinit(&c->result.content);
	FREE_AND_NULL(*cp);
}

void milter_chain_content(struct milter_chain *c, const void *data, size_t len)
{
	buf_append(&c->content, data, len);
}

size_t milter_chain_content_size(const struct milter_chain *c)
{
	return c->content.len;
}

struct milter_result *milter_chain_result(struct milter_chain *c)
{
	return &c->result;
}

int milter_chain_discarding(const struct milter_chain *c)
{
	return c->discard;
}

void milter_chain_reset(struct milter_chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct milter_slot *sl = &c->slots[i];
		if (sl->in_txn && !milter_conn_failed(sl->conn)) {
			struct milter_cmd abort_cmd = {.code = MILTER_CMD_ABORT};
			milter_conn_send(sl->conn, &abort_cmd);
		}
		sl->in_txn = 0;
		sl->skip_txn = 0;
	}
	c->discard = 0;
	c->hbc_off = c->hbc_discard = c->hbc_logged = 0;
	smtp_reply_free(&c->hbc_reply);
	buf_reset(&c->content);
	if (c->msg_parsed)
		milter_msg_deinit(&c->msg);
	c->msg_parsed = 0;
	c->edited = 0;
	milter_chain_result_clear(c);
}

/* ---- finishing a stage ---- */

static void milter_chain_finish_cb(evutil_socket_t fd, short what, void *arg)
{
	struct milter_chain *c = arg;
	struct milter_verdict v = {c->reply, c->hbc_logged};
	(void)fd;
	(void)what;
	c->done(c->arg, &v);
}

void milter_chain_finish(struct milter_chain *c)
{
	if (c->reply != NULL && c->unknown == NULL &&
	    (c->stage == SMTPD_CHECK_CONNECT || c->stage == SMTPD_CHECK_HELO)) {
		/* As Postfix: the session goes on, and each MAIL gets the
		 * refusal; the milters are not asked again. */
		c->session_reply = c->reply;
		c->reply = NULL;
		for (size_t i = 0; i < c->n; i++)
			c->slots[i].skip_session = 1;
	}
	if (c->stage == SMTPD_CHECK_END_OF_DATA && c->unknown == NULL && c->reply == NULL) {
		if (c->edited || c->new_body_set) {
			milter_msg_format(&c->msg, &c->result.content);
		} else {
			/* Unchanged: hand the content over rather than copy it. */
			struct buf unchanged = c->content;
			c->content = c->result.content;
			c->result.content = unchanged;
		}
		c->result.discard = c->discard;
	}
	if (c->finish_ev == NULL)
		c->finish_ev = evtimer_new(c->base, milter_chain_finish_cb, c);
	event_active(c->finish_ev, EV_TIMEOUT, 1);
}

/* milter_chain_refuse: the stage ends with a reply from the table. */
static void milter_chain_refuse(struct milter_chain *c, int code, const char *dsn,
				const char *text)
{
	smtp_reply_free(&c->reply);
	c->reply = smtp_reply_custom(code, dsn, text);
	milter_chain_finish(c);
}

void milter_chain_failed(struct milter_chain *c)
{
	struct milter_slot *sl = &c->slots[c->cur];
	const struct milter_client_spec *spec = &c->conf->milters[c->cur];
	switch (spec->default_action) {
	case MILTER_DEFAULT_ACCEPT:
		sl->skip_session = 1;
		break;
	case MILTER_DEFAULT_REJECT:
		milter_chain_refuse(c, 550, "5.5.0", "Service unavailable");
		return;
	case MILTER_DEFAULT_TEMPFAIL:
		milter_chain_refuse(c, 451, "4.7.1", "Service unavailable - try again later");
		return;
	case MILTER_DEFAULT_QUARANTINE:
		if (c->result.hold_reason == NULL) {
			c->result.hold_reason = xstrdup("milter failure");
			c->result.hold_filter = xstrdup(spec->name);
		}
		sl->skip_session = 1;
		break;
	}
	c->cur++;
	milter_chain_next(c);
}

int milter_chain_decide(struct milter_chain *c, const struct milter_reply *r)
{
	struct milter_slot *sl = &c->slots[c->cur];
	char *error = NULL;
	switch (r->code) {
	case MILTER_REPLY_CONTINUE:
		return 0;
	case MILTER_REPLY_ACCEPT:
		if (c->unknown == NULL &&
		    (c->stage == SMTPD_CHECK_CONNECT || c->stage == SMTPD_CHECK_HELO))
			sl->skip_session = 1;
		else
			sl->skip_txn = 1;
		return 0;
	case MILTER_REPLY_DISCARD:
		c->discard = 1;
		milter_chain_finish(c);
		return 1;
	case MILTER_REPLY_REJECT:
		milter_chain_refuse(c, 550, "5.7.1", "Command rejected");
		return 1;
	case MILTER_REPLY_TEMPFAIL:
		milter_chain_refuse(c, 451, "4.7.1", "Service unavailable - try again later");
		return 1;
	case MILTER_REPLY_SHUTDOWN:
		milter_chain_refuse(c, 421, "4.7.0", "Server closing connection");
		return 1;
	case MILTER_REPLY_REPLYCODE: {
		char *text = milter_replycode_unescape(r->u.text);
		struct smtp_reply *reply = NULL;
		if (milter_replycode_check(r->u.text, &error) < 0 ||
		    smtp_reply_parse(text, &reply, &error) < 0) {
			log_warn("milter %s: bad reply code: %s", milter_conn_name(sl->conn), error);
			free(error);
			free(text);
			milter_chain_failed(c);
			return 1;
		}
		free(text);
		smtp_reply_free(&c->reply);
		c->reply = reply;
		milter_chain_finish(c);
		return 1;
	}
	default:
		log_warn("milter %s: unexpected reply %s", milter_conn_name(sl->conn),
			 milter_reply_name(r->code));
		milter_chain_failed(c);
		return 1;
	}
}

/* ---- the stages before the content ---- */

static int milter_chain_stage_cmd(enum smtpd_check_stage stage)
{
	switch (stage) {
	case SMTPD_CHECK_CONNECT:
		return MILTER_CMD_CONNECT;
	case SMTPD_CHECK_HELO:
		return MILTER_CMD_HELO;
	case SMTPD_CHECK_MAIL:
		return MILTER_CMD_MAIL;
	case SMTPD_CHECK_RCPT:
		return MILTER_CMD_RCPT;
	case SMTPD_CHECK_DATA:
		return MILTER_CMD_DATA;
	case SMTPD_CHECK_END_OF_DATA:
		break;
	}
	return MILTER_CMD_BODYEOB;
}

int milter_chain_macros(struct milter_chain *c, int cmd)
{
	struct milter_conn *mc = c->slots[c->cur].conn;
	int st = milter_stage_of_cmd(cmd);
	/* The milter's own lists (SETSYMLIST) have no stage for UNKNOWN. */
	const char *list = st >= 0 ? milter_conn_neg(mc)->symlists[st] : NULL;
	if (list == NULL)
		list = st >= 0 ? c->conf->macros[st] : c->conf->unknown_macros;
	char **store = NULL;
	size_t n = 0;
	const char **pairs = milter_macro_pairs(c->conf, list, c->facts, &store, &n);
	struct milter_cmd m = {.code = MILTER_CMD_MACRO};
	m.u.macro.cmd = cmd;
	m.u.macro.pairs.count = n;
	m.u.macro.pairs.v = pairs;
	int rc = milter_conn_hold(mc, &m);
	milter_macro_free(&pairs, &store);
	return rc;
}

static int milter_chain_stage_reply(void *arg, const struct milter_reply *r)
{
	struct milter_chain *c = arg;
	if (r == NULL) {
		milter_chain_failed(c);
		return 0;
	}
	if (!milter_chain_decide(c, r)) {
		c->cur++;
		milter_chain_next(c);
	}
	return 0;
}

/* milter_chain_send_stage: the stage's command to the current milter. */
static void milter_chain_send_stage(struct milter_chain *c)
{
	struct milter_slot *sl = &c->slots[c->cur];
	const struct milter_neg *neg = milter_conn_neg(sl->conn);
	const struct smtpd_facts *f = c->facts;
	int code = c->unknown != NULL ? MILTER_CMD_UNKNOWN : milter_chain_stage_cmd(c->stage);
	if (code == MILTER_CMD_MAIL)
		sl->in_txn = 1;
	if (!milter_neg_sends(neg, code)) {
		if (milter_neg_has_step(neg, code) && milter_chain_macros(c, code) < 0) {
			milter_chain_failed(c);
			return;
		}
		c->cur++;
		milter_chain_next(c);
		return;
	}
	struct milter_cmd cmd = {.code = code};
	const char *argv[64];
	char *addr = NULL, *host = NULL;
	switch (code) {
	case MILTER_CMD_CONNECT:
		/* Postfix gives "[addr]" for a client without a verified name. */
		host = strcmp(f->client_name, "unknown") == 0 ? xasprintf("[%s]", f->client_addr)
							      : xstrdup(f->client_name);
		cmd.u.connect.host = host;
		cmd.u.connect.family = strchr(f->client_addr, ':') != NULL ? MILTER_FAMILY_INET6
									   : MILTER_FAMILY_INET;
		cmd.u.connect.port = (uint16_t)atoi(f->client_port != NULL ? f->client_port : "0");
		cmd.u.connect.addr = f->client_addr;
		break;
	case MILTER_CMD_HELO:
		cmd.u.helo = f->helo != NULL ? f->helo : "";
		break;
	case MILTER_CMD_MAIL:
	case MILTER_CMD_RCPT: {
		addr = xasprintf(c->conf->non_smtp ? "%s" : "<%s>",
				 code == MILTER_CMD_MAIL ? f->sender : f->recipient);
		size_t k = 0;
		argv[k++] = addr;
		for (size_t i = 0; c->args != NULL && c->args[i] != NULL && k < 63; i++)
			argv[k++] = c->args[i];
		argv[k] = NULL;
		cmd.u.args.count = k;
		cmd.u.args.v = argv;
		break;
	}
	case MILTER_CMD_UNKNOWN:
		cmd.u.unknown = c->unknown;
		break;
	default:
		break;
	}
	if (milter_chain_macros(c, code) < 0) {
		free(addr);
		free(host);
		milter_chain_failed(c);
		return;
	}
	if (milter_neg_awaits_reply(neg, code)) {
		milter_conn_request(sl->conn, &cmd, c->conf->milters[c->cur].command_timeout,
				    milter_chain_stage_reply, c);
		free(addr);
		free(host);
		return;
	}
	int rc = milter_conn_send(sl->conn, &cmd);
	free(addr);
	free(host);
	if (rc < 0) {
		milter_chain_failed(c);
		return;
	}
	c->cur++;
	milter_chain_next(c);
}

static int milter_chain_opened(void *arg, const struct milter_reply *r)
{
	struct milter_chain *c = arg;
	if (r == NULL)
		milter_chain_failed(c);
	else
		milter_chain_send_stage(c);
	return 0;
}

void milter_chain_next(struct milter_chain *c)
{
	while (c->cur < c->n &&
	       (c->slots[c->cur].skip_session || c->slots[c->cur].skip_txn))
		c->cur++;
	if (c->cur == c->n) {
		milter_chain_finish(c);
		return;
	}
	struct milter_slot *sl = &c->slots[c->cur];
	if (c->stage == SMTPD_CHECK_CONNECT && c->unknown == NULL) {
		milter_conn_open(sl->conn, milter_chain_opened, c);
		return;
	}
	if (milter_conn_failed(sl->conn)) {
		milter_chain_failed(c);
		return;
	}
	if (c->stage == SMTPD_CHECK_END_OF_DATA && c->unknown == NULL) {
		c->hdr_i = 0;
		c->body_off = 0;
		c->eoh_sent = 0;
		c->skip_body = 0;
		buf_reset(&c->new_body);
		c->new_body_set = 0;
		milter_chain_eom_step(c);
		return;
	}
	milter_chain_send_stage(c);
}

/* milter_chain_start: answer with the refusal kept from CONNECT or HELO
 * when it applies to this step, finish at once after a DISCARD, else ask
 * the first milter. */
static void milter_chain_start(struct milter_chain *c, int session_reply_applies)
{
	if (session_reply_applies && c->session_reply != NULL) {
		c->reply = smtp_reply_custom(c->session_reply->code, c->session_reply->dsn,
					     buf_cstr(&c->session_reply->text));
		milter_chain_finish(c);
		return;
	}
	if (c->discard) {
		milter_chain_finish(c);
		return;
	}
	milter_chain_next(c);
}

void milter_chain_stage(struct milter_chain *c, enum smtpd_check_stage stage,
			const struct smtpd_facts *facts, const char *const *esmtp_args,
			milter_done_fn *done, void *arg)
{
	c->stage = stage;
	FREE_AND_NULL(c->unknown);
	c->facts = facts;
	milter_chain_args_free(c);
	for (size_t i = 0; esmtp_args != NULL && esmtp_args[i] != NULL; i++) {
		c->args = xreallocarray(c->args, i + 2, sizeof(*c->args));
		c->args[i] = xstrdup(esmtp_args[i]);
		c->args[i + 1] = NULL;
	}
	c->done = done;
	c->arg = arg;
	c->cur = 0;
	smtp_reply_free(&c->reply);
	if (stage == SMTPD_CHECK_END_OF_DATA && !c->msg_parsed) {
		milter_msg_parse(&c->msg, c->content.data, c->content.len);
		c->msg_parsed = 1;
	}
	milter_chain_start(c, stage == SMTPD_CHECK_MAIL);
}

void milter_chain_unknown(struct milter_chain *c, const struct smtpd_facts *facts,
			  const char *line, milter_done_fn *done, void *arg)
{
	free(c->unknown);
	/* Postfix's smtpd has split the line into words by then: the milters
	 * get the verb alone. */
	c->unknown = xstrndup(line, strcspn(line, " \t"));
	c->facts = facts;
	milter_chain_args_free(c);
	c->done = done;
	c->arg = arg;
	c->cur = 0;
	smtp_reply_free(&c->reply);
	/* A refusal at CONNECT or HELO answers it, as it answers MAIL. */
	milter_chain_start(c, 1);
}

const struct smtp_reply *milter_chain_session_reply(const struct milter_chain *c)
{
	return c->session_reply;
}
