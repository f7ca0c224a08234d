/* smtpd_data.c: DATA: the queue file is opened with the envelope and the
 * Received header, the content is decoded (smtp_data.h: only
 * <CRLF>.<CRLF> ends it) and streamed into the file, and at the end the
 * file goes to the committer; the 250 is sent from the committer's
 * callback, once the message is durable (queue.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg_list.h"
#include "cleanup.h"
#include "cleanup_virtual.h"
#include "log.h"
#include "mem.h"
#include "milter_client_smtpd.h"
#include "sasl_session.h"
#include "smtpd_check.h"
#include "smtpd_private.h"
#include "smtpd_tls_session.h"
#include "xtext.h"

/* smtpd_data_protocol: Postfix's protocol name: SMTP or ESMTP, UTF8SMTP
 * for SMTPUTF8 mail, then S for TLS and A for SASL. */
static void smtpd_data_protocol(const struct smtpd_session *s, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s",
		 s->txn.mail.smtputf8 ? "UTF8SMTP"
		 : s->esmtp	      ? "ESMTP"
				      : "SMTP",
		 s->tls_active ? "S" : "", s->sasl_username != NULL ? "A" : "");
}

static enum queue_body smtpd_data_body(enum smtp_body b)
{
	switch (b) {
	case SMTP_BODY_7BIT:
		return QUEUE_BODY_7BIT;
	case SMTP_BODY_8BITMIME:
		return QUEUE_BODY_8BITMIME;
	case SMTP_BODY_BINARYMIME:
		return QUEUE_BODY_BINARYMIME;
	case SMTP_BODY_NONE:
		break;
	}
	return QUEUE_BODY_UNSET;
}

static unsigned smtpd_data_notify(unsigned smtp)
{
	unsigned q = 0;
	if (smtp & SMTP_NOTIFY_NEVER)
		q |= QUEUE_NOTIFY_NEVER;
	if (smtp & SMTP_NOTIFY_SUCCESS)
		q |= QUEUE_NOTIFY_SUCCESS;
	if (smtp & SMTP_NOTIFY_FAILURE)
		q |= QUEUE_NOTIFY_FAILURE;
	if (smtp & SMTP_NOTIFY_DELAY)
		q |= QUEUE_NOTIFY_DELAY;
	return q;
}

/* smtpd_data_write: append content; a failure is remembered (the message
 * is then refused at its end) and logged once. */
static void smtpd_data_write(struct smtpd_session *s, const void *data, size_t len)
{
	struct smtpd_txn *t = &s->txn;
	char *error = NULL;
	if (t->content_failed || milter_client_smtpd_content(s, data, len))
		return;
	if (queue_writer_content(t->writer, data, len, &error) < 0) {
		log_warn("%s: queue file write error: %s", t->queue_id, error);
		free(error);
		t->content_failed = 1;
	}
}

/* smtpd_data_missing: the end of the header section: add the headers
 * originating mail lacks (Postfix's cleanup does the same). */
static void smtpd_data_missing(struct smtpd_session *s)
{
	struct smtpd_txn *t = &s->txn;
	t->in_header = 0;
	if (!t->add_missing)
		return;
	struct buf b;
	buf_init(&b, 0);
	if (!t->have_date) {
		buf_append_str(&b, "Date: ");
		cleanup_date(&b, t->arrival);
		buf_append_str(&b, "\r\n");
	}
	if (!t->have_message_id) {
		free(t->message_id);
		cleanup_message_id(&b, t->arrival, t->queue_id, s->lconf->myhostname,
				   &t->message_id);
	}
	smtpd_data_write(s, b.data, b.len);
	buf_deinit(&b);
}

/* smtpd_data_line: one line (or piece of a long line) of content. */
static int smtpd_data_line(void *ctx, const char *line, size_t len, unsigned flags)
{
	struct smtpd_session *s = ctx;
	struct smtpd_txn *t = &s->txn;
	if (t->in_header && !(flags & SMTP_DATA_HEADER))
		smtpd_data_missing(s);
	if ((flags & SMTP_DATA_HEADER) && !t->line_continues) {
		switch (cleanup_header_kind(line, len)) {
		case CLEANUP_HDR_RECEIVED:
			t->received_headers++;
			break;
		case CLEANUP_HDR_MESSAGE_ID:
			if (!t->have_message_id) {
				free(t->message_id);
				t->message_id = cleanup_message_id_value(line, len);
			}
			t->have_message_id = 1;
			break;
		case CLEANUP_HDR_DATE:
			t->have_date = 1;
			break;
		default:
			break;
		}
	}
	t->line_continues = (flags & SMTP_DATA_PARTIAL) != 0;
	smtpd_data_write(s, line, len);
	if (!(flags & SMTP_DATA_PARTIAL))
		smtpd_data_write(s, "\r\n", 2);
	return 0;
}

int smtpd_data_envelope(struct smtpd_session *s, char **error_r)
{
	struct smtpd_txn *t = &s->txn;
	char protocol[16];
	smtpd_data_protocol(s, protocol, sizeof(protocol));
	struct queue_envelope env = {
		.sender = t->sender,
		.envid = t->mail.envid,
		.ret = t->mail.ret == SMTP_RET_FULL   ? QUEUE_RET_FULL
		       : t->mail.ret == SMTP_RET_HDRS ? QUEUE_RET_HDRS
						      : QUEUE_RET_UNSET,
		.body = smtpd_data_body(t->mail.body),
		.smtputf8 = t->mail.smtputf8,
		.client_address = s->addr,
		.client_name = s->name,
		.helo_name = s->helo,
		.protocol = protocol,
		.sasl_method = s->sasl_method,
		.sasl_username = s->sasl_username,
	};
	return queue_writer_envelope(t->writer, &env, error_r) < 0 ? -1 : 1;
}

int smtpd_data_create(struct smtpd_session *s)
{
	struct smtpd_txn *t = &s->txn;
	char *error = NULL;
	if (queue_writer_new(s->worker->srv->qd, &t->writer, &error) < 0) {
		log_warn("queue file create error: %s", error);
		free(error);
		smtpd_reply(s, SMTP_R_QUEUE_WRITE, NULL);
		return -1;
	}
	snprintf(t->queue_id, sizeof(t->queue_id), "%s", queue_writer_id(t->writer));
	struct buf sasl_log;
	buf_init(&sasl_log, 0);
	sasl_session_log(s, &sasl_log);
	log_info("%s: client=%s%s", t->queue_id, s->namaddr, sasl_log.data);
	buf_deinit(&sasl_log);
	return 1;
}

/* smtpd_data_open: the queue file (unless the first recipient created
 * it) with the envelope, the recipients and the Received header. 1 ok,
 * -1 after the reply. */
static int smtpd_data_open(struct smtpd_session *s)
{
	struct smtpd_txn *t = &s->txn;
	char *error = NULL;
	if (t->writer == NULL && smtpd_data_create(s) < 0)
		return -1;
	t->arrival = time(NULL);
	if (!milter_client_smtpd_active(s) && smtpd_data_envelope(s, &error) < 0) {
		log_warn("%s: queue file write error: %s", t->queue_id, error);
		free(error);
		smtpd_reply(s, SMTP_R_QUEUE_WRITE, NULL);
		return -1;
	}
	char protocol[16];
	smtpd_data_protocol(s, protocol, sizeof(protocol));
	struct buf tls_clause;
	buf_init(&tls_clause, 0);
	struct cleanup_received r = {
		.tls_clause = smtpd_tls_session_received(s, &tls_clause),
		.sasl_sender = sasl_session_received(s),
		.helo = s->helo,
		.client_name = s->name,
		.client_addr = s->addr,
		.myhostname = s->lconf->myhostname,
		.mail_name = s->lconf->mail_name,
		.protocol = protocol,
		.queue_id = t->queue_id,
		.rcpt = t->n_rcpts == 1 ? t->rcpts[0].address : NULL,
		.when = t->arrival,
	};
	struct buf b;
	buf_init(&b, 0);
	/* Access table PREPEND lines come first, then our Received header. */
	const char *prepend = smtpd_check_effects(s->chk)->prepend;
	for (const char *p = prepend; p != NULL && *p != '\0';) {
		size_t n = strcspn(p, "\n");
		buf_append(&b, p, n);
		buf_append_str(&b, "\r\n");
		p += n + (p[n] == '\n');
	}
	t->prepend_len = prepend != NULL ? strlen(prepend) : 0;
	cleanup_received(&b, &r);
	buf_deinit(&tls_clause);
	smtpd_data_write(s, b.data, b.len);
	buf_deinit(&b);
	return 1;
}

/* smtpd_data_checked: the DATA restrictions' verdict: open the queue
 * file and invite the content. */
static void smtpd_data_checked(struct smtpd_session *s, const struct smtpd_verdict *v)
{
	struct smtpd_txn *t = &s->txn;
	if (v->reply != NULL) {
		smtpd_reply_send(s, v->reply);
		return;
	}
	if (smtpd_data_open(s) < 0) {
		queue_writer_abort(&t->writer);
		t->queue_id[0] = '\0';
		return;
	}
	const struct smtpd_conf *lc = s->lconf;
	if (s->decoder == NULL) {
		struct smtp_data_limits limits = {lc->message_size_limit, lc->header_size_limit,
						  lc->line_length_limit};
		s->decoder = smtp_data_new(lc->bare_newline, &limits, smtpd_data_line, s);
	} else {
		smtp_data_reset(s->decoder);
	}
	t->in_header = 1;
	t->line_continues = 0;
	t->add_missing = smtpd_conf_originating(lc, s->addr, s->sasl_username != NULL);
	smtpd_reply(s, SMTP_R_DATA_GO, NULL);
	s->cur_verb = SMTP_VERB_DATA; /* the 354 is not the final reply */
	s->state = SMTPD_ST_DATA;
}

void smtpd_cmd_data(struct smtpd_session *s, const struct smtp_cmd *cmd)
{
	struct smtpd_txn *t = &s->txn;
	if (t->sender == NULL) {
		smtpd_reply(s, SMTP_R_NEED_RCPT, NULL);
		return;
	}
	if (cmd->args_len > 0) {
		smtpd_reply(s, SMTP_R_SYNTAX_DATA, NULL);
		return;
	}
	if (t->n_rcpts == 0) {
		smtpd_reply(s, SMTP_R_NO_VALID_RCPT, NULL);
		return;
	}
	smtpd_restrict(s, SMTPD_CHECK_DATA, smtpd_data_checked);
}

/* smtpd_data_committed: the committer's verdict on the message. */
static void smtpd_data_committed(void *ctx, const char *queue_id, int status, const char *error)
{
	struct smtpd_session *s = ctx;
	struct smtpd_txn *t = &s->txn;
	s->commit_pending = 0;
	if (status == 1) {
		/* Postfix's queue manager logs this line; pflogsumm wants it from there. */
		log_info_as("qmgr", "%s: from=<%s>, size=%llu, nrcpt=%zu (queue active)", queue_id,
			    t->sender, (unsigned long long)t->size, t->n_rcpts);
	} else {
		log_warn("%s: queue file commit error: %s", queue_id, error);
	}
	if (s->state == SMTPD_ST_DEAD) {
		smtpd_session_resume(s);
		return;
	}
	if (status == 1) {
		smtpd_reply(s, SMTP_R_QUEUED, queue_id, NULL);
		s->error_count = 0;
		s->junk_count = 0;
	} else {
		smtpd_reply(s, SMTP_R_QUEUE_WRITE, NULL);
	}
	smtpd_txn_reset(s);
	if (s->worker->stopping) {
		smtpd_reply(s, SMTP_R_UNAVAILABLE, s->lconf->myhostname, NULL);
		smtpd_session_close(s);
		return;
	}
	smtpd_session_resume(s);
}

/* smtpd_data_refuse: the message cannot be queued: reply, forget it. */
static void smtpd_data_refuse(struct smtpd_session *s, enum smtp_data_error error)
{
	if (error == SMTP_DATA_BARE_LF || error == SMTP_DATA_BARE_CR) {
		struct smtp_reply *r =
			smtp_reply_new(smtp_data_error_reply(error), s->lconf->myhostname, NULL);
		smtp_reply_set_code(r, s->lconf->bare_newline_reject_code);
		smtpd_reply_send(s, r);
		smtp_reply_free(&r);
		smtpd_log_reject(s, "END-OF-MESSAGE",
				 error == SMTP_DATA_BARE_LF ? "bare <LF> received"
							    : "bare <CR> received");
	} else if (error == SMTP_DATA_TOO_BIG) {
		/* Postfix's wording for content over the limit (SIZE= gets the
		 * decoder's "Message size exceeds fixed limit"). */
		smtpd_reply(s, SMTP_R_MESSAGE_TOO_BIG, NULL);
	} else {
		smtpd_reply(s, smtp_data_error_reply(error), NULL);
	}
	smtpd_txn_reset(s);
}

/* smtpd_data_rcpt: write one recipient, expanded by virtual_alias_maps;
 * an address that changed keeps the original as its ORCPT when the client
 * gave none (Postfix's orig_to). 1 ok; 0 an expansion limit, -1 a lookup
 * or write error, both with *error_r. */
static int smtpd_data_rcpt(struct smtpd_session *s, const char *address, const char *orcpt,
			   unsigned notify, char **error_r)
{
	struct smtpd_txn *t = &s->txn;
	const struct cleanup_virtual *cv = s->lconf->virtual_alias;
	if (cv == NULL)
		return queue_writer_rcpt(t->writer, address, orcpt, notify, error_r);
	char **list = NULL;
	size_t n = 0;
	int rc = cleanup_virtual_expand(cv, address, &list, &n, error_r);
	char *original = NULL;
	if (rc > 0 && orcpt == NULL && (n != 1 || strcmp(list[0], address) != 0)) {
		struct buf b;
		buf_init(&b, 0);
		buf_append_str(&b, "rfc822;");
		xtext_encode(address, strlen(address), &b);
		original = buf_detach(&b);
		buf_deinit(&b);
	}
	for (size_t i = 0; rc > 0 && i < n; i++)
		rc = queue_writer_rcpt(t->writer, list[i], orcpt != NULL ? orcpt : original, notify,
				       error_r) > 0
			     ? 1
			     : -1;
	free(original);
	if (list != NULL)
		cfg_list_free(&list);
	return rc;
}

/* smtpd_data_rcpts: write the recipients, as the end-of-data effects
 * leave them (REDIRECT replaces them, BCC adds one each) and
 * virtual_alias_maps expands them. 1 ok; else the reply to give (the
 * problem is logged). */
static int smtpd_data_rcpts(struct smtpd_session *s, const struct smtpd_effects *e,
			    enum smtp_reply_id *reply_r)
{
	struct smtpd_txn *t = &s->txn;
	char *error = NULL;
	int rc = 1;
	if (e->redirect != NULL) {
		rc = smtpd_data_rcpt(s, e->redirect, NULL, 0, &error);
	} else {
		for (size_t i = 0; rc > 0 && i < t->n_rcpts; i++)
			rc = smtpd_data_rcpt(s, t->rcpts[i].address, t->rcpts[i].orcpt,
					     smtpd_data_notify(t->rcpts[i].notify), &error);
	}
	for (size_t i = 0; rc > 0 && i < e->n_bcc; i++)
		rc = smtpd_data_rcpt(s, e->bcc[i], NULL, 0, &error);
	if (rc == 0) {
		log_warn("%s: %s -- message not accepted, try again later", t->queue_id, error);
		*reply_r = SMTP_R_ALIAS_EXPANSION;
	} else if (rc < 0) {
		log_warn("%s: %s", t->queue_id, error);
		*reply_r = SMTP_R_TEMP_FAILURE;
	}
	free(error);
	return rc > 0 ? 1 : -1;
}

/* smtpd_data_eod_checked: the end-of-data restrictions' verdict: apply
 * the recorded actions and commit. */
static void smtpd_data_eod_checked(struct smtpd_session *s, const struct smtpd_verdict *v)
{
	struct smtpd_txn *t = &s->txn;
	if (v->reply != NULL) {
		smtpd_reply_send(s, v->reply);
		smtpd_txn_reset(s);
		return;
	}
	const struct smtpd_effects *e = smtpd_check_effects(s->chk);
	if (e->prepend != NULL && strlen(e->prepend) > t->prepend_len)
		log_warn("%s: PREPEND at END-OF-MESSAGE comes too late for the header and is "
			 "ignored",
			 t->queue_id);
	enum queue_name target = QUEUE_INCOMING;
	int milters = t->content_failed ? 1 : milter_client_smtpd_queue(s, e->hold != NULL, &target);
	if (milters < 0)
		t->content_failed = 1;
	if (e->discard != NULL || milters == 0) {
		/* Accepted and thrown away, as Postfix's DISCARD. */
		smtpd_reply(s, SMTP_R_QUEUED, t->queue_id, NULL);
		s->error_count = 0;
		smtpd_txn_reset(s);
		return;
	}
	char *error = NULL;
	if (e->hold != NULL) {
		target = QUEUE_HOLD;
		if (queue_writer_attr(t->writer, "hold_reason", e->hold, &error) < 0) {
			log_warn("%s: queue file write error: %s", t->queue_id, error);
			free(error);
			t->content_failed = 1;
		}
	}
	if (t->content_failed) {
		smtpd_reply(s, SMTP_R_QUEUE_WRITE, NULL);
		smtpd_txn_reset(s);
		return;
	}
	enum smtp_reply_id reply;
	if (smtpd_data_rcpts(s, e, &reply) < 0) {
		/* A lookup failed or the expansion went too far: try again later,
		 * as Postfix's cleanup does. */
		smtpd_reply(s, reply, NULL);
		smtpd_txn_reset(s);
		return;
	}
	s->state = SMTPD_ST_BUSY;
	s->commit_pending = 1;
	queue_committer_commit(s->worker->srv->committer, &t->writer, target, s->worker->mailbox,
			       smtpd_data_committed, s);
}

/* smtpd_data_end: the end of the content: refuse, or ask the end-of-data
 * restrictions. */
static void smtpd_data_end(struct smtpd_session *s)
{
	struct smtpd_txn *t = &s->txn;
	enum smtp_data_error error = smtp_data_error(s->decoder);
	s->state = SMTPD_ST_COMMAND;
	s->last_cmd = "END-OF-MESSAGE";
	if (error == SMTP_DATA_OK && t->in_header)
		smtpd_data_missing(s);
	if (error == SMTP_DATA_OK && t->content_failed)
		error = SMTP_DATA_CONSUMER;
	if (error != SMTP_DATA_OK) {
		smtpd_data_refuse(s, error);
		return;
	}
	if (s->lconf->hopcount_limit > 0 && t->received_headers >= s->lconf->hopcount_limit) {
		smtpd_reply(s, SMTP_R_TOO_MANY_HOPS, NULL);
		smtpd_log_reject(s, "END-OF-MESSAGE", "too many hops");
		smtpd_txn_reset(s);
		return;
	}
	if (t->message_id != NULL)
		log_info_as("cleanup", "%s: message-id=%s", t->queue_id, t->message_id);
	t->size = milter_client_smtpd_size(s);
	smtpd_restrict(s, SMTPD_CHECK_END_OF_DATA, smtpd_data_eod_checked);
}

void smtpd_data_input(struct smtpd_session *s, const char *data, size_t len, size_t *consumed_r)
{
	if (smtp_data_feed(s->decoder, data, len, consumed_r) == 1)
		smtpd_data_end(s);
}
