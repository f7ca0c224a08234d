/* attach_engine.h: which attachments of a message are banned, with no
 * milter in sight.
 *
 * The message is fed as bytes in any chunk size; the MIME parser (mime.h)
 * gives every entity (body parts, attached messages and their parts) with
 * every file name its headers carry, decoded (Content-Disposition filename
 * and Content-Type name, RFC 2231 sections and charsets, RFC 2047 words).
 * Each name is checked against the rules the way Windows would read it:
 * the last path element, case-insensitive, trailing dots and spaces
 * dropped, the last extension deciding ("invoice.pdf.exe" is an .exe).
 * Parts are also checked by MIME type. Archives (by name, type or content)
 * are opened with libarchive and their members checked the same way,
 * archives inside archives to a depth limit.
 *
 * Each entity gets a class; the message's is the worst of them:
 *   ATTACH_CLEAN      nothing found
 *   ATTACH_UNSCANNED  could not be fully inspected (an archive that does
 *                     not open or is over a limit, MIME limits): never
 *                     taken as clean
 *   ATTACH_ENCRYPTED  an archive with encrypted members (names are still
 *                     checked: a banned name makes it BANNED)
 *   ATTACH_BANNED     a banned name, extension or type
 * For each finding the result keeps the range of the body that holds it
 * (the innermost body part that can be cut out), so that a milter can
 * replace it with a notice (attach_strip_*).
 *
 * Thread safety: rules are read-only once built and may be shared; a scan
 * belongs to one thread at a time.
 */
#ifndef POSTERN_ATTACH_ENGINE_H
#define POSTERN_ATTACH_ENGINE_H

#include <stddef.h>

#include "buf.h"
#include "mime.h"
#include "splice.h"

struct attach_rules_spec {
	char **banned_extensions;    /* NULL-terminated, without dots, any case */
	const char *banned_names;    /* table spec of file-name patterns ("" for none) */
	char **banned_types;	     /* NULL-terminated "type/subtype", or "type/" and a star */
	int inspect_archives;	     /* look inside archives */
	size_t archive_depth_limit;  /* archives inside archives: levels opened */
	size_t archive_size_limit;   /* bytes of one archive held to inspect it */
	size_t archive_member_limit; /* members listed per archive */
	struct mime_config mime;
};

struct attach_rules;

/* attach_rules_new: check and copy spec, open the name table. 1 with
 * *rules_r (free with attach_rules_free()), or -1 with *error_r. */
int attach_rules_new(const struct attach_rules_spec *spec, struct attach_rules **rules_r,
		     char **error_r);
/* attach_rules_free: free *rules_r and clear it; accepts NULL. */
void attach_rules_free(struct attach_rules **rules_r);

enum attach_class {
	ATTACH_CLEAN,
	ATTACH_UNSCANNED,
	ATTACH_ENCRYPTED,
	ATTACH_BANNED,
};

/* attach_class_name: "clean", "unscanned", "encrypted", "banned". */
const char *attach_class_name(enum attach_class cls);

/* attach_name_check: the class of one file name under rules: BANNED with
 * *reason_r ("banned extension .exe", "banned name") or CLEAN. *reason_r
 * is malloc'd (caller frees) when BANNED, else NULL. For the tests and
 * the archive reader. */
enum attach_class attach_name_check(const struct attach_rules *rules, const char *name,
				    char **reason_r);

/* One thing found. */
struct attach_finding {
	enum attach_class cls;
	char *name;    /* the file name, "outer.zip/inner.zip/x.exe" inside
			  archives, or "" when the part has none */
	char *reason;  /* "banned extension .exe", "encrypted archive", ... */
	int strip;     /* the body range below can be cut out (0: the finding is
			  in the message itself, not in a body part) */
	size_t offset; /* the body part holding it: where it begins in the
			  body (after the primary headers' blank line) */
	size_t len;    /* and its length (headers and content, up to the
			  line break before the next boundary) */
};

struct attach_result {
	enum attach_class worst;
	struct attach_finding *findings; /* in the order the parts ended */
	size_t n_findings;
	unsigned mime_errors; /* MIME_ERR_* */
};

struct attach_scan;

/* attach_scan_new: a scan of one message under rules (which must outlive
 * it). Free with attach_scan_free(). */
struct attach_scan *attach_scan_new(const struct attach_rules *rules);
/* attach_scan_free: release *scan_r and clear it; accepts NULL. */
void attach_scan_free(struct attach_scan **scan_r);
/* attach_scan_feed: len more bytes of the message (headers, blank line,
 * body). */
void attach_scan_feed(struct attach_scan *scan, const void *data, size_t len);
/* attach_scan_finish: the end of the message; the result is complete. */
void attach_scan_finish(struct attach_scan *scan);
/* attach_scan_result: owned by the scan. */
const struct attach_result *attach_scan_result(const struct attach_scan *scan);

/* Writing the body with the banned parts cut out: feed the original body
 * in chunks of any size; each range of a finding with strip set (and at
 * least the class min) is replaced by a text/plain part holding notice,
 * the file name and the reason. Ranges inside a range already replaced
 * are skipped. */
struct attach_strip_writer {
	const struct attach_result *result;
	enum attach_class min;
	const char *notice;
	size_t *order; /* indexes of the findings to cut, by offset */
	size_t n_order;
	size_t next; /* the next of them to hand to the splicer */
	struct splice splice;
};

/* attach_strip_init: a writer for result (which must outlive it); notice
 * is the text put in place of each part. Release with
 * attach_strip_deinit(). Returns the number of parts it will cut. */
size_t attach_strip_init(struct attach_strip_writer *w, const struct attach_result *result,
			 enum attach_class min, const char *notice);
/* attach_strip_write: the next len bytes of the original body; output is
 * appended to out. */
void attach_strip_write(struct attach_strip_writer *w, const char *data, size_t len,
			struct buf *out);
void attach_strip_deinit(struct attach_strip_writer *w);

#endif
