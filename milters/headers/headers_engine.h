/* headers_engine.h: Postfix's built-in content inspection (header_checks,
 * mime_header_checks, nested_header_checks, body_checks; see
 * header_checks(5)) over one message, with no milter in sight.
 *
 * The message is fed as bytes in any chunk size (the headers, the blank
 * line, the body); the MIME parser (mime.h) routes every logical header to
 * the table Postfix would use and cuts the rest into body lines, which are
 * matched one at a time up to body_checks_size_limit bytes of each body
 * segment, as in cleanup(8). Each table hit is reported to a log callback
 * as it happens; what the hits decide is gathered in a struct
 * headers_result: the verdict (the first REJECT, DISCARD, or a lookup
 * error), HOLD, REDIRECT and BCC, and the changes to the message (IGNORE,
 * STRIP, REPLACE, PREPEND) located so that a milter can carry them out:
 * header changes on the primary headers, byte ranges of the body for
 * everything else.
 *
 * Differences from Postfix, deliberate: FILTER is logged and refused (a
 * milter cannot choose the content filter); PASS ends this filter's
 * inspection only (it cannot turn off other milters).
 *
 * Thread safety: rules are read-only once built and may be shared; a scan
 * belongs to one thread at a time.
 */
#ifndef POSTERN_HEADERS_ENGINE_H
#define POSTERN_HEADERS_ENGINE_H

#include <stddef.h>

#include "header.h"
#include "headers_act.h"
#include "mime.h"
#include "splice.h"

/* The four tables, in this order. */
enum headers_class {
	HEADERS_HEADER_CHECKS,	      /* header_checks */
	HEADERS_MIME_HEADER_CHECKS,   /* mime_header_checks */
	HEADERS_NESTED_HEADER_CHECKS, /* nested_header_checks */
	HEADERS_BODY_CHECKS,	      /* body_checks */
};
#define HEADERS_N_CLASSES 4

/* What a rule set needs, as the configuration gives it. Each spec is a
 * Postfix list of tables ("pcre:/etc/postfix/header_checks, regexp:/x"),
 * searched in order as Postfix's maps are; "" for none. */
struct headers_rules_spec {
	const char *tables[HEADERS_N_CLASSES];
	size_t body_checks_size_limit; /* bytes per body segment; 0: no limit */
	struct mime_config mime;       /* header_size_limit, nesting, ... */
};

struct headers_rules;

/* headers_rules_new: open the tables. A table named by the same spec in
 * several classes is opened once (mime_header_checks and
 * nested_header_checks default to $header_checks). 1 with *rules_r (free
 * with headers_rules_free()), or -1 with *error_r ("mime_header_checks:
 * FILE:LINE: ..."). */
int headers_rules_new(const struct headers_rules_spec *spec, struct headers_rules **rules_r,
		      char **error_r);
/* headers_rules_free: close the tables, free *rules_r and clear it;
 * accepts NULL. No scan may be using the rules. */
void headers_rules_free(struct headers_rules **rules_r);
/* headers_rules_reload: re-read changed table files now (for SIGHUP).
 * 1 when all are current, -1 with *error_r naming the first that could not
 * be read (it keeps its previous contents). */
int headers_rules_reload(struct headers_rules *rules, char **error_r);

/* headers_class_name: "header_checks", ... (static strings). */
const char *headers_class_name(enum headers_class cls);

/* One table hit, for the log (valid during the callback only). */
struct headers_hit {
	enum headers_class cls;
	const char *line; /* the header or body line matched (NUL-terminated) */
	const struct headers_act *act;
	const char *warning; /* Postfix's warning for a bad result, or NULL */
	int refused;	     /* FILTER: not carried out */
};

/* headers_log_fn: called for every hit that Postfix would log (all but
 * DUNNO and IGNORE, which Postfix does not log, and bad results, which it
 * logs as warnings: see warning) and for lookup errors (hit NULL, error
 * the message). */
typedef void headers_log_fn(const struct headers_hit *hit, const char *error, void *context);

enum headers_verdict {
	HEADERS_ACCEPT,	  /* deliver (with the changes below) */
	HEADERS_REJECT,	  /* REJECT, or MIME nesting beyond the limit: code, dsn, text */
	HEADERS_DISCARD,  /* DISCARD */
	HEADERS_TEMPFAIL, /* a table lookup failed: try again later */
};

enum headers_edit_kind {
	HEADERS_EDIT_DELETE,  /* IGNORE, STRIP */
	HEADERS_EDIT_REPLACE, /* REPLACE text */
	HEADERS_EDIT_PREPEND, /* PREPEND text */
};

/* One change to the message, in message order. */
struct headers_edit {
	enum headers_edit_kind kind;
	int primary; /* 1: a primary header; 0: a range of the body */
	/* primary: which header: the index-th (from 0) of the message, the
	 * name_index-th (from 1) of those called name (any case). */
	size_t index;
	size_t name_index;
	char *name;
	/* body: the range of the body (the bytes after the blank line that
	 * ends the primary headers) the change applies to: a header of a
	 * body part or attached message, with its continuation lines, or a
	 * body line or piece of a long line; line_end: the range ends with
	 * a line break, so a replacement gets one too. */
	size_t offset;
	size_t len;
	int line_end;
	/* REPLACE, PREPEND: the new header ("Name: value", with "\n" where it
	 * continues on another line) or body line, without line break. */
	char *text;
};

struct headers_result {
	enum headers_verdict verdict;
	/* HEADERS_REJECT: the reply: 550 or 451, "5.7.1", "text". */
	int code;
	char dsn[HEADERS_DSN_SIZE];
	char *text;
	int hold;	 /* HOLD: put the message on hold */
	char *hold_text; /* HOLD's optional text ("" when none) */
	char *redirect;	 /* REDIRECT: the last address given, or NULL */
	char **bcc;	 /* BCC addresses, in order */
	size_t n_bcc;
	struct headers_edit *edits;
	size_t n_edits;
	int body_edited;      /* some edit is not on a primary header */
	unsigned mime_errors; /* MIME_ERR_* seen */
};

struct headers_scan;

/* headers_scan_new: a scan of one message under rules (which must outlive
 * it); log (may be NULL) gets each hit. Free with headers_scan_free(). */
struct headers_scan *headers_scan_new(const struct headers_rules *rules, headers_log_fn *log,
				      void *context);
/* headers_scan_free: release *scan_r and clear it; accepts NULL. */
void headers_scan_free(struct headers_scan **scan_r);

/* headers_scan_feed: len more bytes of the message. Returns 1 while the
 * outcome may still change, 0 once it cannot (a REJECT or a lookup error:
 * further input is ignored). After DISCARD, REDIRECT or PASS no table is
 * consulted any more, but the message is still parsed to its end, since
 * MIME nesting beyond the limit still makes Postfix refuse it. */
int headers_scan_feed(struct headers_scan *scan, const void *data, size_t len);

/* headers_scan_finish: the end of the message; the result is complete
 * after this. */
void headers_scan_finish(struct headers_scan *scan);

/* headers_scan_result: what the scan found so far (complete after
 * headers_scan_finish()). Owned by the scan. */
const struct headers_result *headers_scan_result(const struct headers_scan *scan);

/* Writing the changed body: feed the original body, in chunks of any
 * size, through a writer; it appends the body with each range of a body
 * edit deleted, replaced or preceded by its text ("\n" in a text becomes
 * "\r\n"; a PREPEND text, and a REPLACE text whose range ended a line, are
 * followed by "\r\n"). */
struct headers_body_writer {
	const struct headers_result *result;
	size_t next; /* the edit to look at next */
	struct splice splice;
};

/* headers_body_writer_init: a writer for result's body edits (result must
 * outlive it; nothing to free). */
void headers_body_writer_init(struct headers_body_writer *w, const struct headers_result *result);
/* headers_body_write: the next len bytes of the original body; the output
 * for them is appended to out. */
void headers_body_write(struct headers_body_writer *w, const char *data, size_t len,
			struct buf *out);

#endif
