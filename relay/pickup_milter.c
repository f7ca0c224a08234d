/* pickup_milter.c: non_smtpd_milters for mail from the maildrop (see
 * pickup.h): the milter chain of milter_client.h driven through the
 * stages Postfix's cleanup emulates for non-SMTP mail, each stage run to
 * its end on a private event_base. */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mem.h"
#include "pickup_private.h"
#include "smtp_reply.h"

struct pickup_milter_wait {
	int done;
	int code; /* the refusal's reply code, 0 for none */
	char *text;
	struct pickup_msg *m;
};

static void pickup_milter_done(void *arg, const struct milter_verdict *v)
{
	struct pickup_milter_wait *w = arg;
	w->done = 1;
	if (v->reply != NULL) {
		w->code = v->reply->code;
		w->text = smtp_reply_to_string(v->reply);
		if (w->code >= 500) {
			snprintf(w->m->reject_dsn, sizeof(w->m->reject_dsn), "%s",
				 v->reply->dsn[0] != '\0' ? v->reply->dsn : "5.7.1");
			free(w->m->reject_text);
			w->m->reject_text = xstrdup(buf_cstr(&v->reply->text));
		}
	}
}

/* pickup_milter_stage: run one stage; 0 go on, else the refusal's code
 * (logged). */
static int pickup_milter_stage(struct milter_chain *c, struct event_base *base,
			       enum smtpd_check_stage stage, const struct smtpd_facts *f,
			       struct pickup_msg *m)
{
	struct pickup_milter_wait w = {.m = m};
	milter_chain_stage(c, stage, f, NULL, pickup_milter_done, &w);
	while (!w.done)
		event_base_loop(base, EVLOOP_ONCE);
	if (w.code != 0)
		log_info("%s: milter-%s: %s from localhost[127.0.0.1]: %s", m->queue_id,
			 w.code >= 500 ? "reject" : "tempfail", smtpd_check_stage_name(stage),
			 w.text);
	free(w.text);
	return w.code;
}

/* pickup_milter_apply: the milters' edits to m. */
static void pickup_milter_apply(struct pickup_msg *m, struct milter_result *r)
{
	if (r->sender != NULL) {
		free(m->sender);
		m->sender = xstrdup(r->sender);
	}
	for (size_t d = 0; d < r->n_del_rcpts; d++) {
		for (size_t i = 0; i < m->n_rcpts; i++) {
			if (strcasecmp(m->rcpts[i], r->del_rcpts[d]) != 0)
				continue;
			free(m->rcpts[i]);
			memmove(&m->rcpts[i], &m->rcpts[i + 1],
				(m->n_rcpts - i - 1) * sizeof(char *));
			m->n_rcpts--;
			break;
		}
	}
	for (size_t a = 0; a < r->n_add_rcpts; a++) {
		m->rcpts = xreallocarray(m->rcpts, m->n_rcpts + 1, sizeof(char *));
		m->rcpts[m->n_rcpts++] = xstrdup(r->add_rcpts[a].addr);
	}
	if (r->redirect != NULL) {
		/* milter_header_checks REDIRECT: the one recipient left. */
		for (size_t i = 0; i < m->n_rcpts; i++)
			free(m->rcpts[i]);
		m->rcpts = xreallocarray(m->rcpts, 1, sizeof(char *));
		m->rcpts[0] = xstrdup(r->redirect);
		m->n_rcpts = 1;
	}
	buf_reset(&m->content);
	buf_append(&m->content, r->content.data, r->content.len);
	if (r->hold_reason != NULL) {
		m->hold_reason = xstrdup(r->hold_reason);
		m->hold_filter = xstrdup(r->hold_filter != NULL ? r->hold_filter : "milter");
	}
}

enum pickup_milter_outcome pickup_milter_run(const struct milter_client_conf *conf,
					     struct pickup_msg *m)
{
	struct event_base *base = event_base_new();
	if (base == NULL) {
		log_warn("%s: non_smtpd_milters: no event loop", m->queue_id);
		return PICKUP_MILTER_TEMPFAIL;
	}
	struct milter_chain *c = milter_chain_new(conf, base);
	struct smtpd_facts f = {
		.client_addr = "127.0.0.1",
		.client_port = "0",
		.client_name = "localhost",
		.client_name_status = SMTPD_PEER_OK,
		.reverse_name = "localhost",
		.reverse_name_status = SMTPD_PEER_OK,
		.server_addr = "127.0.0.1",
		.protocol = "SMTP",
		.helo = "localhost",
		.queue_id = m->queue_id,
		.sender = m->sender,
	};
	enum pickup_milter_outcome out = PICKUP_MILTER_ACCEPT;
	int code = pickup_milter_stage(c, base, SMTPD_CHECK_CONNECT, &f, m);
	if (code == 0)
		code = pickup_milter_stage(c, base, SMTPD_CHECK_HELO, &f, m);
	const struct smtp_reply *session = milter_chain_session_reply(c);
	if (code == 0 && session != NULL) {
		struct milter_verdict v = {session, 0};
		struct pickup_milter_wait w = {.m = m};
		pickup_milter_done(&w, &v);
		free(w.text);
		code = w.code;
	}
	if (code == 0)
		code = pickup_milter_stage(c, base, SMTPD_CHECK_MAIL, &f, m);
	for (size_t i = 0; code == 0 && i < m->n_rcpts; i++) {
		f.recipient = m->rcpts[i];
		f.rcpt_count = (unsigned)i + 1;
		code = pickup_milter_stage(c, base, SMTPD_CHECK_RCPT, &f, m);
	}
	if (code == 0)
		code = pickup_milter_stage(c, base, SMTPD_CHECK_DATA, &f, m);
	if (code == 0) {
		milter_chain_content(c, buf_cstr(&m->content), buf_len(&m->content));
		f.size = (long long)buf_len(&m->content);
		code = pickup_milter_stage(c, base, SMTPD_CHECK_END_OF_DATA, &f, m);
	}
	if (code >= 500) {
		out = PICKUP_MILTER_REJECT;
	} else if (code == 0 && milter_chain_discarding(c)) {
		out = PICKUP_MILTER_DROP;
	} else if (code >= 400) {
		out = PICKUP_MILTER_TEMPFAIL;
	} else {
		struct milter_result *r = milter_chain_result(c);
		if (r->discard) {
			log_info("%s: milter-discard: END-OF-MESSAGE from localhost[127.0.0.1]: "
				 "milter triggers DISCARD action",
				 m->queue_id);
			out = PICKUP_MILTER_DROP;
		} else {
			pickup_milter_apply(m, r);
		}
	}
	milter_chain_free(&c);
	event_base_free(base);
	return out;
}
