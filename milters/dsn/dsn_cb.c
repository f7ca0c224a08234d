/* dsn_cb.c: postern-dsn's hooks. Mail with a sender is let through at
 * once; null-sender mail to a recipient in backscatter_recipients is
 * refused for that recipient; every other null-sender message is fed to
 * the engine (dsn_engine.h), and when it is a DSN its headers and body are
 * replaced by the rewritten ones at the end. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn_engine.h"
#include "dsn_milter.h"
#include "log.h"
#include "mem.h"
#include "table.h"

struct dsn_msg {
	struct dsn_scan *scan;
};

static struct dsn_state *state_of(struct milter_skel_msg *m)
{
	return milter_skel_state(milter_skel_msg_conn(m));
}

static void msg_free(void *data)
{
	struct dsn_msg *dm = data;

	dsn_scan_free(&dm->scan);
	free(dm);
}

static int msg_new(struct milter_skel_msg *m, void **data_r)
{
	struct dsn_msg *dm;

	if (*milter_skel_sender(m) != '\0')
		return DSN_O_CLEAN; /* not a DSN: nothing to do */
	dm = xcalloc(1, sizeof(*dm));
	dm->scan = dsn_scan_new(state_of(m)->rules, 1);
	*data_r = dm;
	return MILTER_SKEL_CONTINUE;
}

/* listed: rcpt, or its domain, is in the backscatter table (with a result
 * other than OK or DUNNO). 1, 0, or -1 when the lookup failed. */
static int listed(struct table *table, const char *rcpt, const char *qid)
{
	const char *at = strrchr(rcpt, '@');
	const char *keys[] = {rcpt, at != NULL && at[1] != '\0' ? at + 1 : NULL};

	for (size_t i = 0; i < 2 && keys[i] != NULL; i++) {
		char *value = NULL, *error = NULL;
		int rc = table_lookup(table, keys[i], &value, &error);
		if (rc < 0) {
			log_warn("%s: backscatter_recipients: %s", qid, error);
			free(error);
			return -1;
		}
		if (rc > 0) {
			int allowed =
				strcasecmp(value, "OK") == 0 || strcasecmp(value, "DUNNO") == 0;
			free(value);
			return !allowed;
		}
	}
	return 0;
}

static int on_rcpt(struct milter_skel_msg *m, const char *rcpt)
{
	struct table *table = state_of(m)->backscatter;

	if (table == NULL)
		return MILTER_SKEL_CONTINUE;
	int rc = listed(table, rcpt, milter_skel_queue_id(m));
	if (rc < 0)
		return MILTER_SKEL_INTERNAL;
	if (rc == 0)
		return MILTER_SKEL_CONTINUE;
	char *detail = xasprintf("<%s>", rcpt);
	milter_skel_reply_detail(m, detail);
	free(detail);
	milter_skel_detail(m, "to=<%s>", rcpt);
	return DSN_O_BACKSCATTER;
}

/* feed: more of the message; once it is clear the message is no DSN, let
 * it go. */
static int feed(struct milter_skel_msg *m, const void *data, size_t len)
{
	struct dsn_msg *dm = milter_skel_msg_data(m);

	if (dsn_scan_feed(dm->scan, data, len))
		return MILTER_SKEL_CONTINUE;
	dsn_scan_finish(dm->scan);
	const struct dsn_result *r = dsn_scan_result(dm->scan);
	if (r->tempfail) {
		log_warn("%s: %s", milter_skel_queue_id(m), r->error);
		return MILTER_SKEL_INTERNAL;
	}
	return DSN_O_CLEAN;
}

static int on_eom(struct milter_skel_msg *m)
{
	struct dsn_msg *dm = milter_skel_msg_data(m);
	const struct dsn_result *r;
	int rc = 1;

	dsn_scan_finish(dm->scan);
	r = dsn_scan_result(dm->scan);
	if (r->warning != NULL)
		log_warn("%s: %s", milter_skel_queue_id(m), r->warning);
	if (r->tempfail) {
		log_warn("%s: %s", milter_skel_queue_id(m), r->error);
		return MILTER_SKEL_INTERNAL;
	}
	if (!r->is_dsn)
		return DSN_O_CLEAN;
	if (r->mime_errors & MIME_ERR_LIMITS) {
		milter_skel_detail(m, "mime=\"%s\"",
				   mime_error_text(r->mime_errors & MIME_ERR_LIMITS));
		return DSN_O_UNPARSED;
	}
	if (r->texts_changed == 0 && r->received_removed == 0 && !r->returned_cut &&
	    !r->returned_dropped)
		return DSN_O_CLEAN;
	for (size_t i = 0; i < r->n_edits && rc > 0; i++)
		rc = milter_skel_chgheader(m, r->edits[i].name, (int)r->edits[i].name_index,
					   r->edits[i].value);
	const struct buf *body = dsn_scan_body(dm->scan);
	if (rc > 0)
		rc = milter_skel_replacebody(m, buf_cstr(body), buf_len(body));
	if (rc < 0)
		return MILTER_SKEL_INTERNAL;
	milter_skel_detail(m, "texts_changed=%zu received_removed=%zu returned=%s",
			   r->texts_changed, r->received_removed,
			   r->returned_dropped ? "dropped"
			   : r->returned_cut   ? "headers"
					       : "kept");
	return DSN_O_REWRITTEN;
}

const struct milter_skel_hooks dsn_hooks = {
	.mail = msg_new,
	.msg_free = msg_free,
	.rcpt = on_rcpt,
	.message = feed,
	.eom = on_eom,
};
