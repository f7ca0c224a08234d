/* sasl_session.c: SMTP AUTH in posternd's SMTP session (see
 * sasl_session.h): the session's sasl_server on its worker's back-end,
 * the EHLO keyword, the AUTH command and its conversation, and what the
 * log line and the Received header say about the login.
 */
#include "sasl_session.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "sasl_server.h"
#include "smtpd_private.h"

/* sasl_session_get: the session's SASL state, made on first use; NULL
 * when the listener has AUTH off or its back-end cannot be made. */
static struct sasl_server *sasl_session_get(struct smtpd_session *s)
{
	const struct sasl_server_conf *conf = s->lconf->sasl;
	if (s->sasl != NULL || !conf->enable)
		return s->sasl;
	struct sasl_backend *be;
	char *error = NULL;
	if (sasl_registry_get(s->worker->sasl, conf, &be, &error) < 0) {
		log_warn("SASL: %s: AUTH not offered", error);
		free(error);
		return NULL;
	}
	struct sasl_peer peer = {
		.namaddr = s->namaddr,
		.client_addr = s->addr,
		.client_port = (unsigned)strtoul(s->port, NULL, 10),
		.server_addr = s->server_addr,
		.server_port = (unsigned)strtoul(s->server_port, NULL, 10),
	};
	s->sasl = sasl_server_new(be, conf, &peer);
	sasl_server_set_tls(s->sasl, s->tls_active);
	return s->sasl;
}

static void sasl_session_ready_cb(void *arg, const char *mechs)
{
	struct smtpd_session *s = arg;
	(void)mechs;
	void (*next)(struct smtpd_session *) = s->sasl_next;
	s->sasl_next = NULL;
	next(s);
}

void sasl_session_ready(struct smtpd_session *s, void (*next)(struct smtpd_session *s))
{
	struct sasl_server *srv = sasl_session_get(s);
	if (srv == NULL) {
		next(s);
		return;
	}
	s->sasl_next = next;
	sasl_server_mechs(srv, sasl_session_ready_cb, s);
}

void sasl_session_tls(struct smtpd_session *s)
{
	sasl_session_free(s);
	FREE_AND_NULL(s->sasl_method);
	FREE_AND_NULL(s->sasl_username);
	if (sasl_session_get(s) != NULL)
		sasl_server_set_tls(s->sasl, 1);
}

void sasl_session_ehlo(struct smtpd_session *s, struct smtp_reply *r)
{
	struct sasl_server *srv = sasl_session_get(s);
	if (srv == NULL || (s->lconf->discard_ehlo & SMTPD_EHLO_AUTH))
		return;
	char *mechs = sasl_server_mechs_now(srv);
	if (mechs == NULL)
		return;
	char *line = xasprintf("AUTH %s", mechs);
	smtp_reply_add_line(r, line);
	free(line);
	if (s->lconf->sasl->broken_clients) {
		line = xasprintf("AUTH=%s", mechs);
		smtp_reply_add_line(r, line);
		free(line);
	}
	free(mechs);
}

/* sasl_session_step_cb: one step's outcome. */
static void sasl_session_step_cb(void *arg, const struct sasl_result *res)
{
	struct smtpd_session *s = arg;
	switch (res->status) {
	case SASL_CONTINUE:
		s->sasl_reading = 1;
		smtpd_reply(s, SMTP_R_AUTH_CHALLENGE, res->challenge, NULL);
		break;
	case SASL_OK:
		s->sasl_method = xstrdup(res->mechanism);
		s->sasl_username = xstrdup(res->username);
		smtpd_reply(s, SMTP_R_AUTH_OK, NULL);
		break;
	case SASL_FAIL:
		smtpd_reply_send(s, res->reply);
		break;
	}
	smtpd_session_resume(s);
}

void smtpd_cmd_auth(struct smtpd_session *s, const struct smtp_cmd *cmd)
{
	/* AUTH mechanism [initial-response]: words[1], words[2]. */
	char *args = xstrndup(cmd->args, cmd->args_len);
	char *words[3] = {NULL, NULL, NULL};
	int argc = 1;
	char *save = NULL;
	for (char *w = strtok_r(args, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (argc < 3)
			words[argc] = w;
		argc++;
	}
	struct sasl_server *srv =
		(s->lconf->discard_ehlo & SMTPD_EHLO_AUTH) ? NULL : sasl_session_get(s);
	enum smtp_reply_id refusal = sasl_server_auth_allowed(srv, s->txn.sender != NULL, argc);
	if (refusal != SMTP_R__COUNT) {
		smtpd_reply(s, refusal, NULL);
		free(args);
		return;
	}
	s->state = SMTPD_ST_BUSY;
	sasl_server_start(srv, words[1], words[2], sasl_session_step_cb, s);
	free(args);
}

int sasl_session_input(struct smtpd_session *s, const char *line, enum smtp_line_status status)
{
	if (!s->sasl_reading)
		return 0;
	s->sasl_reading = 0;
	if (status == SMTP_LINE_TOO_LONG || strlen(line) > s->lconf->sasl->response_limit) {
		sasl_server_cancel(s->sasl);
		smtpd_reply(s, SMTP_R_AUTH_LINE_TOO_LONG, NULL);
		return 1;
	}
	s->state = SMTPD_ST_BUSY;
	sasl_server_step(s->sasl, status == SMTP_LINE_OK ? line : "*", sasl_session_step_cb, s);
	return 1;
}

void sasl_session_log(const struct smtpd_session *s, struct buf *out)
{
	if (s->sasl_username == NULL)
		return;
	buf_printf(out, ", sasl_method=%s, sasl_username=%s", s->sasl_method, s->sasl_username);
	if (s->txn.mail.auth != NULL)
		buf_printf(out, ", sasl_sender=%s", s->txn.mail.auth);
}

const char *sasl_session_received(const struct smtpd_session *s)
{
	if (s->sasl_username == NULL || !s->lconf->sasl->authenticated_header)
		return NULL;
	return s->sasl_username;
}

void sasl_session_free(struct smtpd_session *s)
{
	s->sasl_reading = 0;
	sasl_server_free(&s->sasl);
}
