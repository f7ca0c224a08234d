/* headers_cb.c: postern-headers' hooks. Each message is fed to the engine
 * (headers_engine.h) as the MTA sends it; table hits are logged the way
 * Postfix's cleanup(8) logs them; at the end of the message the result
 * becomes milter changes (headers, body, recipients) and an outcome. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "header.h"
#include "headers_engine.h"
#include "headers_milter.h"
#include "log.h"
#include "mem.h"

struct headers_msg {
	struct milter_skel_msg *m;
	struct headers_scan *scan;
};

/* printable: text for a log line, at most max bytes, control characters
 * as '?' (as Postfix's printable()). */
static void printable(struct buf *out, const char *text, size_t max)
{
	for (size_t i = 0; text[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)text[i];
		buf_append_char(out, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
}

/* hit_log: one line per table hit, in cleanup(8)'s words:
 * "QUEUEID: reject: header Subject: ... from HOST[ADDR]; from=<S> to=<R>: TEXT". */
static void hit_log(const struct headers_hit *hit, const char *error, void *context)
{
	struct headers_msg *hm = context;
	struct milter_skel_msg *m = hm->m;
	struct milter_skel_conn *c = milter_skel_msg_conn(m);
	const char *qid = milter_skel_queue_id(m);

	if (hit == NULL) {
		log_warn("%s: %s", qid, error);
		return;
	}
	if (hit->warning != NULL)
		log_warn("%s: %s", qid, hit->warning);
	if (hit->act->kind == HEADERS_ACT_BAD)
		return;
	size_t n;
	const char *const *rcpts = milter_skel_rcpts(m, &n);
	const char *addr = milter_skel_conn_addr(c);
	struct buf line;
	buf_init(&line, 0);
	printable(&line, hit->line, 200);
	char *text;
	if (hit->act->kind == HEADERS_ACT_REJECT)
		text = xasprintf(": %s %s", hit->act->dsn, hit->act->text);
	else
		text = xasprintf("%s%s", *hit->act->text != '\0' ? ": " : "", hit->act->text);
	log_info("%s: %s: %s %s from %s[%s]; from=<%s> to=<%s>%s%s", qid,
		 headers_act_name(hit->act->kind),
		 hit->cls == HEADERS_BODY_CHECKS ? "body" : "header", buf_cstr(&line),
		 milter_skel_conn_host(c), addr != NULL ? addr : "unknown", milter_skel_sender(m),
		 n > 0 ? rcpts[0] : "", text,
		 hit->refused ? " (not supported by postern-headers: ignored)" : "");
	free(text);
	buf_deinit(&line);
}

static void msg_free(void *data)
{
	struct headers_msg *hm = data;

	headers_scan_free(&hm->scan);
	free(hm);
}

static int msg_new(struct milter_skel_msg *m, void **data_r)
{
	struct headers_msg *hm = xcalloc(1, sizeof(*hm));
	const struct headers_rules *rules = milter_skel_state(milter_skel_msg_conn(m));

	hm->m = m;
	hm->scan = headers_scan_new(rules, hit_log, hm);
	*data_r = hm;
	return MILTER_SKEL_CONTINUE;
}

/* decided: the outcome of a finished or stopped scan, its reply set. */
static int decided(struct milter_skel_msg *m, const struct headers_result *r)
{
	switch (r->verdict) {
	case HEADERS_TEMPFAIL:
		return MILTER_SKEL_INTERNAL;
	case HEADERS_REJECT:
		milter_skel_set_reply(m, r->dsn, r->text);
		return r->code / 100 == 4 ? HEADERS_O_DEFERRED : HEADERS_O_REJECTED;
	case HEADERS_DISCARD:
		return HEADERS_O_DISCARDED;
	case HEADERS_ACCEPT:
		break;
	}
	if (r->hold) {
		milter_skel_detail(m, "hold=\"%s\"", r->hold_text);
		return HEADERS_O_HELD;
	}
	return HEADERS_O_CLEAN;
}

/* feed: more of the message; an outcome as soon as the scan decided. */
static int feed(struct milter_skel_msg *m, const void *data, size_t len)
{
	struct headers_msg *hm = milter_skel_msg_data(m);

	if (headers_scan_feed(hm->scan, data, len))
		return MILTER_SKEL_CONTINUE;
	headers_scan_finish(hm->scan);
	return decided(m, headers_scan_result(hm->scan));
}

/* header_value: the value of a "Name: value" text, without the space that
 * the skeleton puts back. */
static const char *header_value(const char *text, size_t name_len)
{
	const char *v = strchr(text + name_len, ':') + 1;
	return *v == ' ' ? v + 1 : v;
}

/* edit_header: carry out one change of a primary header. The MTA does not
 * show a milter the Received header it adds itself, but counts it in
 * insert positions (Sendmail and Postfix alike: position 0 is above it),
 * so the place of the index-th header the milter saw is index + 1. */
static int edit_header(struct milter_skel_msg *m, const struct headers_edit *e)
{
	int index = (int)e->index + 1, nth = (int)e->name_index;
	size_t new_len = e->text != NULL ? header_name_len(e->text, strlen(e->text)) : 0;

	switch (e->kind) {
	case HEADERS_EDIT_DELETE:
		return milter_skel_delheader(m, e->name, nth);
	case HEADERS_EDIT_PREPEND: {
		char *name = xstrndup(e->text, new_len);
		int rc = milter_skel_insheader(m, index, name, header_value(e->text, new_len));
		free(name);
		return rc;
	}
	case HEADERS_EDIT_REPLACE:
		break;
	}
	char *name = xstrndup(e->text, new_len);
	int rc;
	if (strcasecmp(name, e->name) == 0) {
		rc = milter_skel_chgheader(m, e->name, nth, header_value(e->text, new_len));
	} else {
		/* Another name: the new header takes the old one's place. */
		rc = milter_skel_insheader(m, index, name, header_value(e->text, new_len));
		if (rc > 0)
			rc = milter_skel_delheader(m, e->name, nth);
	}
	free(name);
	return rc;
}

static void body_piece(const void *data, size_t len, struct buf *out, void *context)
{
	headers_body_write(context, data, len, out);
}

/* edit_body: write the changed body from the spool. */
static int edit_body(struct milter_skel_msg *m, const struct headers_result *r)
{
	struct headers_body_writer w;

	headers_body_writer_init(&w, r);
	return milter_skel_rewrite_body(m, milter_skel_body_offset(m), body_piece, &w);
}

/* edit_rcpts: REDIRECT replaces every recipient; BCC adds some. */
static int edit_rcpts(struct milter_skel_msg *m, const struct headers_result *r)
{
	int rc = 1;

	if (r->redirect != NULL) {
		size_t n;
		const char *const *rcpts = milter_skel_rcpts(m, &n);
		for (size_t i = 0; i < n && rc > 0; i++)
			rc = milter_skel_delrcpt(m, rcpts[i]);
		return rc > 0 ? milter_skel_addrcpt(m, r->redirect) : rc;
	}
	for (size_t i = 0; i < r->n_bcc && rc > 0; i++)
		rc = milter_skel_addrcpt(m, r->bcc[i]);
	return rc;
}

static int on_eom(struct milter_skel_msg *m)
{
	struct headers_msg *hm = milter_skel_msg_data(m);
	const struct headers_result *r;
	int rc = 1;

	headers_scan_finish(hm->scan);
	r = headers_scan_result(hm->scan);
	if (r->verdict != HEADERS_ACCEPT)
		return decided(m, r);
	/* Primary headers last to first, so that no change moves the place
	 * of one still to come. */
	for (size_t i = r->n_edits; i-- > 0 && rc > 0;)
		if (r->edits[i].primary)
			rc = edit_header(m, &r->edits[i]);
	if (rc > 0 && r->body_edited)
		rc = edit_body(m, r);
	if (rc > 0)
		rc = edit_rcpts(m, r);
	if (rc < 0)
		return MILTER_SKEL_INTERNAL;
	if (r->n_edits > 0)
		milter_skel_detail(m, "changes=%zu", r->n_edits);
	return decided(m, r);
}

const struct milter_skel_hooks headers_hooks = {
	.mail = msg_new,
	.msg_free = msg_free,
	.message = feed,
	.eom = on_eom,
};
