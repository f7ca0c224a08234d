/* dsn_engine.h: delivery status notifications made fit to leave the site,
 * with no milter in sight.
 *
 * A DSN (RFC 3464: null sender, multipart/report with report-type
 * delivery-status) tells its recipient about the site's insides: host
 * names and addresses of internal relays, paths and commands in
 * diagnostic text, internal Received headers in the returned message.
 * The engine rewrites it with one table in the form of Postfix's
 * smtp_delivery_status_filter and its kin (postconf(5)): each text is looked up as
 * "D.D.D text" (its enhanced status code, a space, the text) and a result
 * "D.D.D new text" replaces it; the lookup is repeated (at most
 * DSN_FILTER_ROUNDS times) until the text no longer changes, so one rule
 * can hide every occurrence of a name. The texts are:
 *   - every line of the human-readable part(s) (text parts before the
 *     delivery-status part), status code "5.0.0" (transfer encodings are
 *     decoded; such a part is written back as 8bit);
 *   - the fields of the message/delivery-status part but Action, Status,
 *     the dates, Original-Envelope-Id and Original-Recipient, with the
 *     recipient's own Status for its fields (a new status from the
 *     Diagnostic-Code's lookup becomes the recipient's Status), "5.0.0"
 *     for the per-message fields; typed values ("dns; host") are looked
 *     up without their type;
 *   - the values of the DSN's own headers but MIME-Version and Content-*,
 *     status "5.0.0".
 * The returned message (message/rfc822 or text/rfc822-headers) loses its
 * internal Received headers (those the received table matches with a
 * result other than DUNNO or OK, or every one without a table), and is
 * kept, cut to its headers (text/rfc822-headers) or dropped.
 *
 * Thread safety: rules are read-only once built and may be shared; a scan
 * belongs to one thread at a time.
 */
#ifndef POSTERN_DSN_ENGINE_H
#define POSTERN_DSN_ENGINE_H

#include <stddef.h>

#include "buf.h"
#include "mime.h"

#define DSN_FILTER_ROUNDS 8

enum dsn_return {
	DSN_RETURN_FULL,    /* keep the returned message */
	DSN_RETURN_HEADERS, /* keep its headers only */
	DSN_RETURN_NONE,    /* drop it */
};

struct dsn_rules_spec {
	const char *status_filter; /* table spec ("" for none) */
	const char *received;	   /* table spec of internal Received headers ("": all) */
	enum dsn_return return_content;
	struct mime_config mime;
};

struct dsn_rules;

/* dsn_rules_new: open the tables. 1 with *rules_r (free with
 * dsn_rules_free()), or -1 with *error_r. */
int dsn_rules_new(const struct dsn_rules_spec *spec, struct dsn_rules **rules_r, char **error_r);
/* dsn_rules_free: close the tables, free *rules_r and clear it; accepts
 * NULL. */
void dsn_rules_free(struct dsn_rules **rules_r);

/* dsn_filter_text: text (with status, "5.1.1") through the status filter.
 * 1 when it changed, with *status_r and *text_r (caller frees); 0 when it
 * did not; -1 with *error_r when a lookup failed. A result that does not
 * start with a status code and a space is ignored, with *warning_r set
 * (caller frees; NULL otherwise). */
int dsn_filter_text(const struct dsn_rules *rules, const char *status, const char *text,
		    char **status_r, char **text_r, char **warning_r, char **error_r);

/* One change of the DSN's own headers: the name_index-th (from 1) header
 * called name gets value (without the leading space). */
struct dsn_header_edit {
	char *name;
	size_t name_index;
	char *value;
};

struct dsn_result {
	int is_dsn;   /* a DSN: the rest of the result applies */
	int tempfail; /* a lookup failed: error says which */
	char *error;
	char *warning; /* the last bad filter result, or NULL */
	struct dsn_header_edit *edits;
	size_t n_edits;
	size_t texts_changed;	 /* lines and fields rewritten */
	size_t received_removed; /* Received headers taken out of the returned message */
	int returned_cut;	 /* the returned message was cut to its headers */
	int returned_dropped;	 /* the returned message was dropped */
	unsigned mime_errors;
};

struct dsn_scan;

/* dsn_scan_new: a scan of one message from sender null_sender (1: the
 * null sender) under rules (which must outlive it). Free with
 * dsn_scan_free(). */
struct dsn_scan *dsn_scan_new(const struct dsn_rules *rules, int null_sender);
/* dsn_scan_free: release *scan_r and clear it; accepts NULL. */
void dsn_scan_free(struct dsn_scan **scan_r);
/* dsn_scan_feed: len more bytes of the message (headers, blank line,
 * body). 1 while more is wanted; 0 once the message turned out not to be
 * a DSN, or a lookup failed (further input is ignored). */
int dsn_scan_feed(struct dsn_scan *scan, const void *data, size_t len);
/* dsn_scan_finish: the end of the message. */
void dsn_scan_finish(struct dsn_scan *scan);
/* dsn_scan_result: owned by the scan; complete after dsn_scan_finish(). */
const struct dsn_result *dsn_scan_result(const struct dsn_scan *scan);
/* dsn_scan_body: the rewritten body (after the blank line that ends the
 * headers, CRLF line ends) of a DSN, complete after dsn_scan_finish().
 * Owned by the scan. */
const struct buf *dsn_scan_body(const struct dsn_scan *scan);

#endif
