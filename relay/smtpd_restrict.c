/* smtpd_restrict.c: the SMTP session's side of the restriction engine
 * (smtpd_check.h): the facts the engine is told, one stage run while the
 * session's input waits, and the connect phase: the client's names, the
 * connection limits, the CONNECT restrictions and the greeting.
 */
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "milter_client_smtpd.h"
#include "self_pid.h"
#include "smtpd_private.h"
#include "smtpd_tls_session.h"

void smtpd_restrict_facts(struct smtpd_session *s)
{
	struct smtpd_facts *f = &s->facts;
	const struct smtpd_txn *t = &s->txn;
	f->client_addr = s->addr;
	f->client_port = s->port;
	f->client_name = s->name;
	f->reverse_name = s->reverse_name;
	f->server_addr = s->server_addr;
	f->server_port = s->server_port;
	f->protocol = s->esmtp ? "ESMTP" : "SMTP";
	f->helo = s->helo;
	f->instance = s->instance;
	f->queue_id = t->queue_id[0] != '\0' ? t->queue_id : NULL;
	f->sasl_method = s->sasl_method;
	f->sasl_username = s->sasl_username;
	f->sasl_sender = t->mail.auth;
	f->sender = t->sender;
	f->recipient = t->n_rcpts > 0 ? t->rcpts[t->n_rcpts - 1].address : NULL;
	f->rcpt_count = (unsigned)t->n_rcpts;
	f->size = t->mail.size_given ? (long long)t->mail.size : 0;
	f->input_pending = s->ill_pipelining;
	smtpd_tls_session_facts(s, f);
}

static void smtpd_restrict_finish(struct smtpd_session *s, const struct smtpd_verdict *v)
{
	void (*next)(struct smtpd_session *, const struct smtpd_verdict *) = s->check_next;
	s->check_next = NULL;
	if (s->state == SMTPD_ST_BUSY)
		s->state = SMTPD_ST_COMMAND;
	next(s, v);
	smtpd_session_input(s);
}

/* smtpd_restrict_done: the restrictions' verdict; what they let through
 * goes to the milters next. */
static void smtpd_restrict_done(void *arg, const struct smtpd_verdict *v)
{
	struct smtpd_session *s = arg;
	if (v->reply == NULL && !v->discard &&
	    milter_client_smtpd_stage(s, s->check_stage, smtpd_restrict_finish))
		return;
	smtpd_restrict_finish(s, v);
}

void smtpd_restrict(struct smtpd_session *s, enum smtpd_check_stage stage,
		    void (*next)(struct smtpd_session *s, const struct smtpd_verdict *v))
{
	smtpd_restrict_facts(s);
	switch (stage) {
	case SMTPD_CHECK_MAIL:
		s->facts.sender = s->pending_sender;
		s->facts.sasl_sender = s->pending_mail.auth;
		s->facts.size = s->pending_mail.size_given ? (long long)s->pending_mail.size : 0;
		break;
	case SMTPD_CHECK_RCPT:
		s->facts.recipient = s->pending_rcpt.address;
		break;
	case SMTPD_CHECK_END_OF_DATA:
		/* The content as the client sent it, as Postfix's act_size. */
		s->facts.size = (long long)smtp_data_stats(s->decoder)->size;
		break;
	default:
		break;
	}
	s->check_next = next;
	s->check_stage = stage;
	s->state = SMTPD_ST_BUSY;
	smtpd_check_run(s->chk, stage, &s->facts, smtpd_restrict_done, s);
}

/* smtpd_restrict_greet: the CONNECT verdict: the greeting, or (with
 * smtpd_delay_reject = no) the refusal, after which every command but
 * QUIT gets "503 5.7.0 Error: access denied", as in Postfix. */
static void smtpd_restrict_greet(struct smtpd_session *s, const struct smtpd_verdict *v)
{
	int pending = 0;
	/* Input before the greeting is improper pipelining (Postfix). */
	if (ioctl(bufferevent_getfd(s->bev), FIONREAD, &pending) == 0 && pending > 0)
		s->ill_pipelining = 1;
	if (v->reply != NULL) {
		smtpd_reply_send(s, v->reply);
		s->access_denied = 1;
	} else if (!milter_client_smtpd_greet(s)) {
		smtpd_reply(s, SMTP_R_GREETING, s->lconf->banner, NULL);
	}
	bufferevent_enable(s->bev, EV_READ);
}

/* smtpd_restrict_client: TLS (wrapper mode) and SASL are ready: the
 * CONNECT restrictions. */
static void smtpd_restrict_client(struct smtpd_session *s)
{
	smtpd_restrict(s, SMTPD_CHECK_CONNECT, smtpd_restrict_greet);
}

/* smtpd_restrict_names: the client's names are known. */
static void smtpd_restrict_names(void *arg, const struct smtpd_peer_names *n)
{
	struct smtpd_session *s = arg;
	s->peer = NULL;
	free(s->name);
	free(s->reverse_name);
	free(s->namaddr);
	s->name = xstrdup(n->client_name);
	s->reverse_name = xstrdup(n->reverse_name);
	s->facts.client_name_status = n->client_name_status;
	s->facts.reverse_name_status = n->reverse_name_status;
	s->namaddr = xasprintf("%s[%s]", s->name, s->addr);
	log_info("connect from %s", s->namaddr);
	if (!smtpd_session_limits(s))
		return;
	smtpd_tls_session_connect(s, smtpd_restrict_client);
}

/* Policy servers (policyd-spf, postern-spf) remember the answer of the
 * last instance on a connection and give it again for the same instance:
 * the instance must never repeat while posternd runs, although the pooled
 * connection outlives sessions and a new session's memory may be an old
 * one's. Hence the pid, the time, and a count all workers share. */
void smtpd_restrict_new_instance(struct smtpd_session *s)
{
	static atomic_ulong count;
	snprintf(s->instance, sizeof(s->instance), "%lx.%llx.%lx", (unsigned long)self_pid(),
		 (unsigned long long)time(NULL), atomic_fetch_add(&count, 1) + 1);
}

void smtpd_restrict_connect(struct smtpd_session *s)
{
	s->chk = smtpd_check_new(s->lconf->check, s->worker->dns, s->worker->policy);
	smtpd_restrict_new_instance(s);
	if (!s->lconf->peername_lookup) {
		const struct smtpd_peer_names unknown = {"unknown", SMTPD_PEER_PERM, "unknown",
							 SMTPD_PEER_PERM};
		smtpd_restrict_names(s, &unknown);
		return;
	}
	s->state = SMTPD_ST_BUSY;
	s->peer = smtpd_peer_lookup_start(s->worker->dns, s->addr, smtpd_restrict_names, s);
}
